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

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/internal/camt"
	"github.com/lhuta/lhuta/internal/caserepo"
	"github.com/lhuta/lhuta/projections"
)

// statementActor is the recorded_by of the payments a statement records.
const statementActor = "import-statement"

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

// unmatched is a credit the import did not record, and why.
type unmatched struct {
	credit camt.Credit
	why    string
}

// importStatement records the credits of a camt.053 statement as
// PaymentReceived on the office's cases, matched by variable symbol. The
// whole file is read and checked first, so a malformed one records nothing;
// each payment is recorded once, whatever the number of imports: a bank
// reference already on a case is skipped, and each write carries the
// reference as its idempotency key.
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

	store := eventstore.NewSQLStore(db.SQL, db.Dialect)
	// Matching reads the read models: bring them up to the log's last event
	// first (not to the readable head, which on PostgreSQL a transaction
	// open anywhere in the cluster may hold back; see docs/decisions.md).
	var last int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM events`).Scan(&last); err != nil {
		return err
	}
	pipeCtx, stop := context.WithCancel(ctx)
	pipeline := projections.New(db, log).WithOffices(offices)
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
	reader := projections.NewReader(db.SQL).WithOffices(offices)
	payers, err := reader.Payers(ctx, office.Code)
	if err != nil {
		return err
	}
	repo := caserepo.New(store)
	var (
		recorded, already int
		left              []unmatched
	)
	for _, cr := range st.Credits {
		if id, ok, err := reader.BankPayment(ctx, office.Code, cr.Reference); err != nil {
			return err
		} else if ok {
			log.Debug("payment already recorded", "reference", cr.Reference, "case_id", id)
			already++
			continue
		}
		i := match(payers, cr, today(), offices)
		if i < 0 {
			why := "no case of the office owes with this variable symbol"
			if cr.VariableSymbol == "" {
				why = "no variable symbol"
			}
			left = append(left, unmatched{cr, why})
			continue
		}
		e, err := record(ctx, repo, office.Code, payers[i].ID, cr, cases.Context{Today: today(), Actor: statementActor,
			Role: cases.Clerk, Office: office.Code, Offices: offices})
		var rule *cases.RuleError
		switch {
		case errors.As(err, &rule):
			left = append(left, unmatched{cr, rule.Error()})
			continue
		case err != nil:
			return fmt.Errorf("entry %d (%s): %w; the entries before it are recorded, and importing the file again records only the rest", cr.Entry, cr.Reference, err)
		case e.Position <= last:
			already++ // an earlier import's write, answered again
		default:
			recorded++
		}
		if payers[i], err = repo.Load(ctx, payers[i].ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s: %d credits; %d recorded, %d recorded before, %d not matched\n",
		filepath.Base(c.file), len(st.Credits), recorded, already, len(left))
	if len(left) > 0 {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "date\tamount_czk\tvariable_symbol\tcounter_party\treference\twhy")
		for _, u := range left {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", u.credit.BookedOn, u.credit.AmountCZK, dash(u.credit.VariableSymbol),
				dash(u.credit.CounterParty), u.credit.Reference, u.why)
		}
		return tw.Flush()
	}
	return nil
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

// match picks the case a credit pays: of the cases with an obligation of its
// variable symbol, the one whose oldest obligation still owed is due first
// (a payment settles the oldest unpaid obligation with that VS first); if
// none owes anything, the first of them, where it shows as credit. -1: none.
func match(payers []*cases.Case, cr camt.Credit, today calendar.Date, offices *money.Offices) int {
	if cr.VariableSymbol == "" {
		return -1
	}
	best, bestDue := -1, calendar.Date{}
	for i, c := range payers {
		has := false
		for _, p := range c.PaymentObligations(today, offices) {
			if !cases.SameVariableSymbol(p.VariableSymbol, cr.VariableSymbol) {
				continue
			}
			has = true
			if p.OwedCZK > 0 && (bestDue.IsZero() || p.DueOn.Before(bestDue)) {
				best, bestDue = i, p.DueOn
			}
		}
		if has && best < 0 {
			best = i
		}
	}
	return best
}

// record writes one credit as PaymentReceived through the write door, with
// the bank reference as the idempotency key.
func record(ctx context.Context, repo *caserepo.Repository, office, caseID string, cr camt.Credit, dctx cases.Context) (caserepo.Event, error) {
	data, err := json.Marshal(map[string]any{"amount_czk": cr.AmountCZK, "paid_on": cr.BookedOn, "variable_symbol": cr.VariableSymbol,
		"bank_reference": cr.Reference})
	if err != nil {
		return caserepo.Event{}, err
	}
	sum := sha256.Sum256([]byte(office + "\n" + cr.Reference + "\n" + string(data)))
	req := caserepo.Request{Actor: statementActor, Key: "bank:" + office + ":" + cr.Reference, RequestHash: hex.EncodeToString(sum[:]),
		RecordedAt: time.Now()}
	return repo.Update(ctx, caseID, caserepo.Any, req, func(c *cases.Case) (cases.Recorded, error) {
		return c.Record(cases.PaymentReceivedType, data, dctx)
	})
}
