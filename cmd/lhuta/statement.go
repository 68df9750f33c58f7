package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/payment"
	"github.com/lhuta/lhuta/domain/retention"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/camt"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/internal/credits"
	"github.com/lhuta/lhuta/projections"
	"github.com/lhuta/lhuta/projections/views"
)

// statementActor is the recorded_by of the payments a statement records.
const statementActor = "import-statement"

// loadRetention reads the retention rules file named by LHUTA_RETENTION_FILE
// ("" gives none), checking its offices against LHUTA_OFFICES where that is
// given. An invalid file is an error naming the file and line, and the
// service does not start.
func loadRetention(c config, offices *money.Offices) (*retention.Rules, error) {
	if c.retentionFile == "" {
		return nil, nil
	}
	var known []string
	if c.offices != "" {
		known = offices.Codes()
	}
	src, err := os.ReadFile(c.retentionFile)
	if err != nil {
		return nil, fmt.Errorf("LHUTA_RETENTION_FILE: %w", err)
	}
	return cases.RetentionRules(c.retentionFile, src, known)
}

// loadOffices reads the offices file named by LHUTA_OFFICES, its fee
// schedules named relative to it; "" gives the built-in offices. An invalid
// file is an error naming the file and line, and the service does not start.
func loadOffices(path string) (*money.Offices, error) {
	if path == "" {
		return money.Builtin(), nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("LHUTA_OFFICES: %w", err)
	}
	dir := filepath.Dir(path)
	o, err := money.ParseOffices(path, src, func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return os.ReadFile(name)
	})
	if err != nil {
		return nil, fmt.Errorf("LHUTA_OFFICES: %w", err)
	}
	return o, nil
}

// importStatement records the credits of a camt.053 statement: each booked
// credit is recorded as PaymentReceived on the one case it pays
// (payment.MatchCredit: the variable symbol and the payer's surname in the
// message, or an amount only that case owes), or kept as an unmatched
// credit for the fee department (package credits); none is dropped. The
// whole file is read and checked first, so a malformed one, one too large,
// or one not in CZK records nothing.
//
// Each credit's outcome is decided once, by the first import that puts it
// in the ledger of statement credits; a later or concurrent import of the
// same statement follows that row. A matched credit is recorded with its
// bank reference as the idempotency key, so it is recorded once, and the
// report counts as recorded by this run only the events this run wrote
// (their correlation id is the run's).
func importStatement(ctx context.Context, c config, db *eventstore.DB, log *slog.Logger, out io.Writer) error {
	offices, err := loadOffices(c.offices)
	if err != nil {
		return err
	}
	office, ok := offices.Office(c.office)
	if !ok {
		return fmt.Errorf("--office %q is not a configured office (%s)", c.office, strings.Join(offices.Codes(), ", "))
	}
	today, err := clock(c.clock)
	if err != nil {
		return err
	}
	f, err := os.Open(c.file)
	if err != nil {
		return err
	}
	// Refused before a byte is parsed: camt.Parse holds the whole file.
	if fi, err := f.Stat(); err == nil && fi.Size() > camt.MaxSize {
		_ = f.Close()
		return fmt.Errorf("%s: %w: %d bytes, more than %d MiB; nothing was recorded", c.file, camt.ErrTooLarge, fi.Size(), camt.MaxSize>>20)
	}
	st, err := camt.Parse(f)
	_ = f.Close() // read only: closing cannot lose data
	if err != nil {
		return fmt.Errorf("%s: %w; nothing was recorded", c.file, err)
	}
	if st.IBAN == "" {
		return fmt.Errorf("%s: the statement names no IBAN of its account (Stmt/Acct/Id/IBAN), so it cannot be told to be office %s's; nothing was recorded", c.file, office.Code)
	}
	if !officeAccount(office, st.IBAN) {
		return fmt.Errorf("%s: the statement is of account %s, which is not an account of office %s; nothing was recorded", c.file, st.IBAN, office.Code)
	}

	store := db.Store()
	// Matching reads the read models: bring them up to the log's last event
	// first (not to the readable head, which on PostgreSQL a transaction
	// open anywhere in the cluster may hold back; see docs/decisions.md).
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	last := head.Position
	pipeCtx, stop := context.WithCancel(ctx)
	pipeline := projections.New(db, log, projections.UsingOffices(offices), projections.UsingToday(today))
	done := make(chan error, 1)
	go func() { done <- pipeline.Run(pipeCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("projection stopped", "err", err)
		}
	}()
	if last > 0 {
		if err := pipeline.WaitFor(ctx, last, 10*time.Minute); err != nil {
			return fmt.Errorf("bring the read models up to date: %w", err)
		}
	}
	rules, err := loadRetention(c, offices)
	if err != nil {
		return err
	}
	reader := views.NewReader(db.SQL).WithOffices(offices)
	payers, err := reader.Payers(ctx, office.Code)
	if err != nil {
		return err
	}
	imp := statementImport{repo: caserepo.New(store), ledger: credits.New(db.SQL), office: office.Code, statement: st.ID, rules: rules,
		run: uuid.NewString(), payers: payers, dctx: cases.Context{Today: today(), Actor: statementActor, Role: cases.Clerk,
			Scope: []string{office.Code}, Offices: offices}}
	for _, cr := range st.Credits {
		if id, ok, err := reader.BankPayment(ctx, office.Code, cr.Reference); err != nil {
			return err
		} else if ok {
			log.Debug("payment already recorded", "reference", cr.Reference, "case_id", id)
			imp.recordedBefore++
			continue
		}
		if err := imp.credit(ctx, cr); err != nil {
			return fmt.Errorf("entry %d (%s): %w; the entries before it are recorded, and importing the file again records only the rest", cr.Entry, cr.Reference, err)
		}
	}
	fmt.Fprintf(out, "%s: %d credits; %d recorded, %d recorded before; %d unmatched credits listed, %d listed before\n",
		filepath.Base(c.file), len(st.Credits), imp.recorded, imp.recordedBefore, len(imp.listed), imp.listedBefore)
	if len(imp.listed) == 0 {
		return nil
	}
	fmt.Fprintln(out, "Unmatched credits, for the fee department (GET /v1/unmatched-credits):")
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "date\tamount_czk\tvariable_symbol\tcounter_party\treference\twhy")
	for _, u := range imp.listed {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", u.BookedOn, u.AmountCZK, dash(u.VariableSymbol),
			dash(u.CounterParty), u.BankReference, u.Reason)
	}
	return tw.Flush()
}

// statementImport is one run of import-statement: what it needs to put a
// credit where it belongs, and what this run did, for its report.
type statementImport struct {
	repo      *caserepo.Repository
	ledger    *credits.Ledger
	office    string
	statement string
	// run is the correlation id of this run's writes.
	run    string
	payers []*cases.Case
	dctx   cases.Context
	// rules are the retention rules: a payment that settles a case
	// schedules its retention (nil: none given).
	rules *retention.Rules

	recorded, recordedBefore, listedBefore int
	listed                                 []credits.Credit
}

// credit puts one credit on its case or in the unmatched list, following
// the ledger where an import decided the credit before.
func (imp *statementImport) credit(ctx context.Context, cr camt.Credit) error {
	stored, err := imp.ledger.Find(ctx, imp.office, cr.Reference)
	mine := false
	if errors.Is(err, credits.ErrNotFound) {
		m := payment.Match{Reason: "no variable symbol"}
		if cr.VariableSymbol != "" {
			m = payment.MatchCredit(cr.Message, cr.AmountCZK, candidates(imp.payers, cr.VariableSymbol, imp.dctx))
		}
		claim := credits.Credit{Office: imp.office, BookedOn: cr.BookedOn, AmountCZK: cr.AmountCZK, VariableSymbol: cr.VariableSymbol,
			Message: cr.Message, CounterParty: cr.CounterParty, BankReference: cr.Reference, Statement: imp.statement,
			Status: credits.Open, CaseID: m.CaseID, Reason: m.Reason}
		if m.Matched() {
			claim.Status = credits.Matched
		}
		stored, mine, err = imp.ledger.Claim(ctx, claim, time.Now())
	}
	if err != nil {
		return err
	}
	switch stored.Status {
	case credits.Open, credits.Returned:
		imp.list(stored, mine)
		return nil
	case credits.Assigned:
		imp.recordedBefore++ // by the fee department, who records its payment
		return nil
	}
	e, err := record(ctx, imp.repo, imp.office, stored.CaseID, cr, imp.run, imp.dctx)
	var rule *cases.RuleError
	switch {
	case errors.As(err, &rule):
		// The case will not take it (say, no obligation of the symbol any
		// more): the fee department decides, the money stays listed.
		now, err := imp.ledger.Unmatch(ctx, stored.ID, stored.CaseID, "matched to case "+stored.CaseID+", which refused it: "+rule.Error())
		if err != nil {
			return err
		}
		if stored, err = imp.ledger.Get(ctx, stored.ID); err != nil {
			return err
		}
		imp.list(stored, now)
		return nil
	case err != nil:
		return err
	case e.CorrelationID == imp.run:
		imp.recorded++
		req := caserepo.Request{Actor: statementActor, CorrelationID: imp.run, RecordedAt: time.Now()}
		if _, _, err := imp.repo.ScheduleRetention(ctx, stored.CaseID, imp.rules, imp.dctx.Today, imp.dctx.Offices, req); err != nil {
			return fmt.Errorf("schedule the retention of case %s: %w", stored.CaseID, err)
		}
	default:
		imp.recordedBefore++ // another run's write, answered again
	}
	for i, c := range imp.payers {
		if c.ID == stored.CaseID {
			if imp.payers[i], err = imp.repo.Load(ctx, c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (imp *statementImport) list(c credits.Credit, mine bool) {
	if mine {
		imp.listed = append(imp.listed, c)
	} else {
		imp.listedBefore++
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// officeAccount reports whether an IBAN is one of the office's accounts.
func officeAccount(o *money.Office, iban string) bool {
	if o.Account != nil && o.Account.IBAN() == iban {
		return true
	}
	if o.Transfer != nil && o.Transfer.Account.IBAN() == iban {
		return true
	}
	for _, s := range o.Schedules {
		if s.Account.IBAN() == iban {
			return true
		}
	}
	return false
}

// candidates are the cases of payers that have a payment obligation with
// the variable symbol, with what each of those obligations still owes.
func candidates(payers []*cases.Case, vs string, dctx cases.Context) []payment.Candidate {
	var out []payment.Candidate
	for _, c := range payers {
		has := false
		var owed []int
		for _, p := range c.PaymentObligations(dctx.Today, dctx.Offices) {
			if !cases.SameVariableSymbol(p.VariableSymbol, vs) {
				continue
			}
			has = true
			if p.OwedCZK > 0 {
				owed = append(owed, p.OwedCZK)
			}
		}
		if has {
			out = append(out, payment.Candidate{ID: c.ID, Payer: c.Citizen.FullName, OwedCZK: owed})
		}
	}
	return out
}

// record writes one credit as PaymentReceived through the write door, with
// the bank reference as the idempotency key; run is the correlation id of
// the import's writes.
func record(ctx context.Context, repo *caserepo.Repository, office, caseID string, cr camt.Credit, run string, dctx cases.Context) (caserepo.Event, error) {
	data, err := json.Marshal(map[string]any{"amount_czk": cr.AmountCZK, "paid_on": cr.BookedOn, "variable_symbol": cr.VariableSymbol,
		"bank_reference": cr.Reference})
	if err != nil {
		return caserepo.Event{}, err
	}
	sum := sha256.Sum256([]byte(office + "\n" + cr.Reference + "\n" + string(data)))
	req := caserepo.Request{Actor: statementActor, Key: "bank:" + office + ":" + cr.Reference, RequestHash: hex.EncodeToString(sum[:]),
		CorrelationID: run, RecordedAt: time.Now()}
	return repo.Update(ctx, caseID, caserepo.Any, req, func(c *cases.Case) (cases.Recorded, error) {
		return c.Record(cases.PaymentReceivedType, data, dctx)
	})
}
