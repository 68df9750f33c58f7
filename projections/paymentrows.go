package projections

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/domain/payment"
	"github.com/lhuta/lhuta/eventstore"
)

// Payment obligations are read-model rows (schema 7): one row per
// obligation of a case (a fee year, an increase, a fine, a part of an
// administrative fee) with its amount, due date, what was paid of it and
// the day it was settled, as the domain computes them
// (cases.Case.PaymentObligations). An obligation depends on the day asked
// about, so a case's rows come in windows, each computed as of one day and
// holding for the days from valid_from to valid_to:
//
//   - A year's window starts on the later of 1 January and the day of the
//     year's last fact (cases.Case.PaymentsFixedFrom) and ends on 31
//     December; a year whose rows are those of the year before (nothing
//     happened, no liability runs into it) extends that window instead. For
//     any day in a window its rows are the domain's obligations but for one
//     thing, which the query derives: an obligation with nothing paid
//     (status "open" in the row) is unpaid up to its due date and overdue
//     after it; its QR Platba string is made at read time.
//   - A day in no window of a case is either before the case owes
//     anything (no obligations), or from 1 January of a window's year
//     (covers_from) to the day before it starts, or after the case's latest
//     window ended (latest, before the yearly roll has rewritten the case):
//     for those the query computes that case's obligations from its money
//     state in payer_view, as before schema 7. Only those cases are folded.
//   - Rows are computed under the offices' terms (fee schedules,
//     accounts, fine due days), which are configuration: payment_terms holds
//     the fingerprint of the terms they were computed under. A reader whose
//     terms differ folds every case; a pipeline whose terms differ rewrites
//     every case's rows before it projects anything.
//
// The yearly roll (Pipeline.Roll) rewrites the rows of every case whose
// latest window ended before today, a chunk of cases per transaction under
// the projection's offset lock: it can stop anywhere and go on later, and a
// case rewritten twice gets the same rows.
var paymentTable = table{
	name: "payment_view",
	columns: []string{"case_id TEXT NOT NULL", "valid_from %DATE% NOT NULL", "seq INTEGER NOT NULL", "obligation TEXT NOT NULL", "office TEXT NOT NULL",
		"citizen_id TEXT NOT NULL", "kind TEXT NOT NULL", "fee TEXT NOT NULL", "year INTEGER NOT NULL",
		"arises_on %DATE% NOT NULL", "amount_czk BIGINT NOT NULL", "paid_czk BIGINT NOT NULL", "owed_czk BIGINT NOT NULL",
		"credit_czk BIGINT NOT NULL", "due_on %DATE% NOT NULL", "paid_on %DATE%", "status TEXT NOT NULL",
		"account TEXT NOT NULL", "iban TEXT NOT NULL", "vs TEXT NOT NULL", "ss TEXT NOT NULL", "message TEXT NOT NULL",
		"basis TEXT NOT NULL", "valid_to %DATE% NOT NULL", "covers_from %DATE% NOT NULL", "latest BOOLEAN NOT NULL"},
	key: []string{"case_id", "valid_from", "seq"},
	indexes: []string{
		"(status, case_id, valid_from, seq)",
		"(office, case_id, valid_from, seq)",
		"(kind, case_id, valid_from, seq)",
		"(office, status, case_id, valid_from, seq)",
		"(citizen_id, case_id, valid_from, seq)",
		"(office, due_on)",
		"(covers_from, valid_from)",
		"(valid_to) WHERE latest",
	},
}

// Column positions in a row of payment_view.
const (
	payValidFrom = 1
	payContent   = 3 // the columns from here to payValidTo are the window's content
	payKind      = 6
	payAmount    = 10
	payPaid      = 11
	payOwed      = 12
	payCredit    = 13
	payDue       = 14
	payStatus    = 16
	payValidTo   = 23
	payLatest    = 25
)

// paymentDayTable sums the rows of payment_view of all offices by the
// years of their window, due date, kind and stored status ("open" for
// nothing paid): the dashboard's
// payment totals read it instead of the rows. due_czk, paid_czk (credit
// left out) and owed_czk are 0 for an excused obligation, which counts
// only in n (Totals).
var paymentDayTable = table{
	name: "payment_day",
	columns: []string{"from_year INTEGER NOT NULL", "to_year INTEGER NOT NULL", "due_on %DATE% NOT NULL", "kind TEXT NOT NULL",
		"status TEXT NOT NULL", "n BIGINT NOT NULL", "due_czk BIGINT NOT NULL", "paid_czk BIGINT NOT NULL", "owed_czk BIGINT NOT NULL"},
	key:     []string{"from_year", "to_year", "due_on", "kind", "status"},
	indexes: []string{"(due_on)"},
}

// paymentTermsTable holds the fingerprint of the offices' terms the rows of
// payment_view were computed under (one row; none in an empty generation).
var paymentTermsTable = table{
	name:    "payment_terms",
	columns: []string{"fingerprint TEXT NOT NULL"},
	key:     []string{"fingerprint"},
}

// statusOpen is the stored status of an obligation with nothing paid:
// unpaid or overdue depending on the day asked about.
const statusOpen = "open"

// Option configures a Pipeline or a rebuild.
type Option func(*moneyTerms)

// UsingOffices makes the payment rows follow the offices' terms (nil: the
// built-in ones); lhuta serve and lhuta rebuild pass what the readers use.
func UsingOffices(o *money.Offices) Option { return func(m *moneyTerms) { m.offices = o } }

// UsingToday sets the clock that says which year the payment rows are
// written for (default: today in Prague), for tests.
func UsingToday(today func() calendar.Date) Option { return func(m *moneyTerms) { m.today = today } }

// moneyTerms is what payment rows are computed with.
type moneyTerms struct {
	offices *money.Offices
	today   func() calendar.Date
	once    sync.Once
	print   string
}

func newMoneyTerms(opts []Option) *moneyTerms {
	m := &moneyTerms{}
	for _, o := range opts {
		o(m)
	}
	return m
}

func (m *moneyTerms) terms() *money.Offices {
	if m == nil || m.offices == nil {
		return money.Builtin()
	}
	return m.offices
}

func (m *moneyTerms) now() calendar.Date {
	if m == nil || m.today == nil {
		return calendar.Today(time.Now())
	}
	return m.today()
}

func (m *moneyTerms) fingerprint() string {
	if m == nil {
		return termsFingerprint(nil)
	}
	m.once.Do(func() { m.print = termsFingerprint(m.offices) })
	return m.print
}

// termsFingerprint is a hash of the offices' terms.
func termsFingerprint(o *money.Offices) string {
	if o == nil {
		o = money.Builtin()
	}
	h := sha256.New()
	for _, code := range o.Codes() {
		of, _ := o.Office(code)
		b, err := json.Marshal(of)
		if err != nil { // terms that cannot be written down: never equal
			b = fmt.Appendf(nil, "%p", of)
		}
		_, _ = fmt.Fprintf(h, "%s\x00%s\x00", code, b)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// obligationRows computes a case's rows of payment_view: its windows from
// the year it can first owe to the year of today (see paymentTable).
func obligationRows(c *cases.Case, m *moneyTerms) []row {
	span, ok := c.OwingSpan()
	if !ok {
		return nil
	}
	last := m.now().Year()
	if y := c.PaymentsFixedFrom(calendar.NewDate(9999, time.December, 31)).Year(); y > last {
		last = y
	}
	var out []row
	window := 0 // where the latest window's rows start in out
	for year := span.From.Year(); year <= last; year++ {
		jan, dec := calendar.NewDate(year, time.January, 1), calendar.NewDate(year, time.December, 31)
		from := jan
		if fixed := c.PaymentsFixedFrom(dec); fixed.After(from) {
			from = fixed
		}
		obs := c.PaymentObligations(from, m.terms())
		rows := make([]row, 0, len(obs))
		for i, p := range obs {
			status := string(p.Status)
			if p.Status == cases.PaymentUnpaid || p.Status == cases.PaymentOverdue {
				status = statusOpen
			}
			rows = append(rows, row{c.ID, from, i + 1, p.ID, c.Office, c.Citizen.ID, string(p.Kind), p.Fee, p.Year,
				p.ArisesOn, int64(p.AmountCZK), int64(p.PaidCZK), int64(p.OwedCZK), int64(p.CreditCZK), p.DueOn, date(p.PaidOn), status,
				p.Account, p.IBAN, p.VariableSymbol, p.SpecificSymbol, p.Message, p.Basis, dec, jan, false})
		}
		if from == jan && year > span.From.Year() && sameContent(out[window:], rows) {
			for _, r := range out[window:] {
				r[payValidTo] = dec // the year before's window goes on
			}
			continue
		}
		window = len(out)
		out = append(out, rows...)
	}
	for _, r := range out[window:] {
		r[payLatest] = true
	}
	return out
}

// sameContent reports whether two windows hold the same obligations.
func sameContent(a, b []row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameRow(a[i][payContent:payValidTo], b[i][payContent:payValidTo]) {
			return false
		}
	}
	return true
}

// payKey is a row of payment_day.
type payKey struct {
	fromYear, toYear int
	due              calendar.Date
	kind, status     string
}

type paySums struct{ n, due, paid, owed int64 }

// paySum collects changes of payment_day.
type paySum map[payKey]*paySums

// add adds (sign 1) or takes away (sign -1) one obligation.
func (s paySum) add(fromYear, toYear int, due calendar.Date, kind, status string, amount, paid, credit, owed int64, sign int64) {
	k := payKey{fromYear, toYear, due, kind, status}
	v := s[k]
	if v == nil {
		v = &paySums{}
		s[k] = v
	}
	v.n += sign
	if status != string(cases.PaymentExcused) {
		v.due += sign * amount
		v.paid += sign * (paid - credit)
		v.owed += sign * owed
	}
}

// addRows adds the obligations of rows of payment_view.
func (s paySum) addRows(rows []row, sign int64) {
	for _, r := range rows {
		s.add(r[payValidFrom].(calendar.Date).Year(), r[payValidTo].(calendar.Date).Year(), r[payDue].(calendar.Date), r[payKind].(string),
			r[payStatus].(string), r[payAmount].(int64), r[payPaid].(int64), r[payCredit].(int64), r[payOwed].(int64), sign)
	}
}

func (s paySum) merge(o paySum) {
	for k, v := range o {
		w := s[k]
		if w == nil {
			w = &paySums{}
			s[k] = w
		}
		w.n, w.due, w.paid, w.owed = w.n+v.n, w.due+v.due, w.paid+v.paid, w.owed+v.owed
	}
}

func (s paySum) rows() []row {
	var out []row
	for k, v := range s {
		if *v != (paySums{}) {
			out = append(out, row{k.fromYear, k.toYear, k.due, k.kind, k.status, v.n, v.due, v.paid, v.owed})
		}
	}
	return out
}

// rewritePayments replaces the payment rows of cases (all of them, in
// generation gen) with rows, and moves payment_day by the difference.
func rewritePayments(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, gen int64, ids []string, rows []row) error {
	if len(ids) == 0 {
		return nil
	}
	sums := paySum{}
	name := paymentTable.physical(gen)
	for chunk := range chunks(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := `case_id IN (` + placeholders(1, len(chunk)) + `)`
		rows, err := tx.QueryContext(ctx, `SELECT valid_from, valid_to, due_on, kind, status, amount_czk, paid_czk, credit_czk, owed_czk
			FROM `+name+` WHERE `+in, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				from, to, due              dbDate
				kind, status               string
				amount, paid, credit, owed int64
			)
			if err := rows.Scan(&from, &to, &due, &kind, &status, &amount, &paid, &credit, &owed); err != nil {
				_ = rows.Close()
				return err
			}
			sums.add(from.Year(), to.Year(), due.Date, kind, status, amount, paid, credit, owed, -1)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+name+` WHERE `+in, args...); err != nil {
			return err
		}
	}
	sums.addRows(rows, 1)
	if err := insertRows(ctx, tx, d, gen, &paymentTable, rows, failOnConflict); err != nil {
		return err
	}
	return insertRows(ctx, tx, d, gen, &paymentDayTable, sums.rows(), addCount)
}

// checkTerms makes the payment rows of gen follow m's terms, in tx: an
// empty generation takes m's fingerprint; rows computed under other terms
// are all rewritten (a change of the offices' file: rare, and it costs a
// fold of every payer, about what a rebuild's share of them costs).
func checkTerms(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, gen int64, m *moneyTerms) error {
	var stored string
	err := tx.QueryRowContext(ctx, `SELECT fingerprint FROM `+paymentTermsTable.physical(gen)).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if stored == m.fingerprint() {
		return nil
	}
	if stored != "" {
		after := ""
		for {
			ids, err := stringsOf(ctx, tx, `SELECT case_id FROM `+payerTable.physical(gen)+` WHERE case_id > $1 ORDER BY case_id LIMIT 500`, after)
			if err != nil || len(ids) == 0 {
				if err != nil {
					return err
				}
				break
			}
			if err := rewriteCases(ctx, tx, d, gen, ids, m); err != nil {
				return err
			}
			after = ids[len(ids)-1]
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+paymentTermsTable.physical(gen)); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO `+paymentTermsTable.physical(gen)+` (fingerprint) VALUES ($1)`, m.fingerprint())
	return err
}

// rewriteCases rewrites the payment rows of cases from their money state.
func rewriteCases(ctx context.Context, tx *sql.Tx, d eventstore.Dialect, gen int64, ids []string, m *moneyTerms) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := tx.QueryContext(ctx, `SELECT case_id, money FROM `+payerTable.physical(gen)+
		` WHERE case_id IN (`+placeholders(1, len(ids))+`)`, args...)
	if err != nil {
		return err
	}
	// A case that is no payer any more keeps no rows.
	var written []row
	for rows.Next() {
		var (
			id    string
			state []byte
		)
		if err := rows.Scan(&id, &state); err != nil {
			_ = rows.Close()
			return err
		}
		c, err := cases.RestoreMoney(state)
		if err != nil {
			_ = rows.Close()
			return fmt.Errorf("case %s: %w", id, err)
		}
		written = append(written, obligationRows(c, m)...)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	return rewritePayments(ctx, tx, d, gen, ids, written)
}

// rollChunk is how many cases one transaction of the roll rewrites.
const rollChunk = 500

// Roll rewrites the payment rows of the cases whose rows no longer hold
// for today (the yearly roll on 1 January, or the offices' terms changed),
// rollChunk cases per transaction, and returns how many it rewrote. Each
// transaction holds the projection's offset lock, so it never races the
// pipeline; a roll stopped anywhere leaves every case either rewritten or
// as it was, and the next roll goes on with the rest. lhuta serve's
// pipeline rolls by itself when the day changes.
func (p *Pipeline) Roll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := p.rollOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// rollOnce rewrites one chunk of cases.
func (p *Pipeline) rollOnce(ctx context.Context) (int, error) {
	n := 0
	err := eventstore.InTx(ctx, p.db.SQL, func(tx *sql.Tx) error {
		n = 0
		if _, err := lockOffset(ctx, tx, p.db.Dialect); err != nil {
			return err
		}
		m, err := ownGeneration(ctx, tx)
		if err != nil || m.generation == 0 {
			return err
		}
		if err := checkTerms(ctx, tx, p.db.Dialect, m.generation, p.money); err != nil {
			return err
		}
		today := p.money.now()
		ids, err := stringsOf(ctx, tx, `SELECT DISTINCT case_id FROM `+paymentTable.physical(m.generation)+
			` WHERE latest AND valid_to < $1 ORDER BY case_id LIMIT $2`, bindRow(p.db.Dialect, row{today})[0], cmp.Or(p.rollChunk, rollChunk))
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := rewriteCases(ctx, tx, p.db.Dialect, m.generation, ids, p.money); err != nil {
			return err
		}
		if p.rollFault != nil {
			if err := p.rollFault(ids); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// WithRollFault makes the roll call fault with each chunk's cases after
// writing them and before committing; an error aborts the chunk's
// transaction, as a process dying there would (for tests).
func (p *Pipeline) WithRollFault(fault func(ids []string) error) *Pipeline {
	p.rollFault = fault
	return p
}

// maybeRoll rolls when the day changed since the last roll.
func (p *Pipeline) maybeRoll(ctx context.Context) {
	today := p.money.now()
	if p.rolled == today {
		return
	}
	if n, err := p.Roll(ctx); err != nil {
		p.log.Error("roll of payment rows failed; retrying", "err", err)
	} else {
		if n > 0 {
			p.log.Info("payment rows rolled", "cases", n, "day", today.String())
		}
		p.rolled = today
	}
}

// paymentRowsUsable reports whether payment_view's rows were computed
// under the reader's terms.
func (r *Reader) paymentRowsUsable(ctx context.Context) (bool, error) {
	var stored string
	err := r.db.QueryRowContext(ctx, `SELECT fingerprint FROM payment_terms`).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	r.printOnce.Do(func() { r.print = termsFingerprint(r.offices) })
	return stored == r.print, nil
}

// staleCases is the condition on payer_view p of the cases that have no
// window of payment rows holding on the day d of parameter $n, but may
// owe on it (see paymentTable): the rows of staleRows, found through
// payment_view's indexes (covers_from, valid_from) and (valid_to) WHERE latest.
func staleCases(n int, d calendar.Date) string {
	return fmt.Sprintf(`p.case_id IN (SELECT case_id FROM payment_view WHERE covers_from = '%s' AND valid_from > $%d
		UNION SELECT case_id FROM payment_view WHERE latest AND valid_to < $%d)`, calendar.NewDate(d.Year(), time.January, 1), n, n)
}

// staleRows is the condition on payment_view of the rows of a window that
// starts after the day d of parameter $n within d's year, or of a case's
// latest window that ended before d.
func staleRows(n int, d calendar.Date) string {
	return fmt.Sprintf(`((covers_from = '%s' AND valid_from > $%d) OR (latest AND valid_to < $%d))`,
		calendar.NewDate(d.Year(), time.January, 1), n, n)
}

// anyStale reports whether some case has rows of staleRows on the day d,
// from two probes of an index each: the earliest end of a latest window
// and the latest start of a window of d's year. (One EXISTS over the OR of
// both is a scan of all of payment_view when no row matches, which is the
// usual answer: 24 ms of a 100 000-case log's 18 700 rows, measured.)
func (r *Reader) anyStale(ctx context.Context, d calendar.Date) (bool, error) {
	var endsFirst, startsLast dbDate
	err := r.db.QueryRowContext(ctx, `SELECT (SELECT MIN(valid_to) FROM payment_view WHERE latest),
		(SELECT MAX(valid_from) FROM payment_view WHERE covers_from = $1)`,
		calendar.NewDate(d.Year(), time.January, 1).String()).Scan(&endsFirst, &startsLast)
	if err != nil {
		return false, err
	}
	return (!endsFirst.IsZero() && endsFirst.Before(d)) || startsLast.After(d), nil
}

// validRows is the condition on payment_view of rows that hold on the day of parameter $n.
func validRows(n int) string { return fmt.Sprintf(`valid_from <= $%d AND valid_to >= $%d`, n, n) }

const paymentColumns = `case_id, obligation, office, kind, fee, year, amount_czk, paid_czk, owed_czk, credit_czk,
	due_on, paid_on, status, iban, account, vs, ss, message, basis`

// scanPayments reads rows of paymentColumns as items as of a day.
func scanPayments(rows *sql.Rows, asOf calendar.Date) ([]PaymentItem, error) {
	defer rows.Close()
	var items []PaymentItem
	for rows.Next() {
		var (
			it                   PaymentItem
			kind, fee, status    string
			year                 int
			amount, paid, owed   int64
			creditCZK            int64
			due, paidOn          dbDate
			iban, account, vs, s string
			message, basis       string
			obligation           string
		)
		if err := rows.Scan(&it.CaseID, &obligation, &it.Office, &kind, &fee, &year, &amount, &paid, &owed, &creditCZK,
			&due, &paidOn, &status, &iban, &account, &vs, &s, &message, &basis); err != nil {
			return nil, err
		}
		it.ID = PaymentItemID(it.CaseID, obligation)
		it.Kind = cases.PaymentKind(kind)
		if fee != "" {
			it.Fee, it.Year = &fee, &year
		}
		it.AmountCZK, it.PaidCZK, it.OwedCZK, it.CreditCZK = int(amount), int(paid), int(owed), int(creditCZK)
		it.DueOn, it.PaidOn = due.Date, paidOn.Date
		it.Status = cases.PaymentStatus(status)
		if status == statusOpen {
			it.Status = cases.PaymentUnpaid
			if asOf.After(it.DueOn) {
				it.Status = cases.PaymentOverdue
			}
		}
		it.IBAN, it.Account, it.VS, it.SS, it.Message, it.Basis = iban, account, vs, s, message, basis
		if it.OwedCZK > 0 && it.IBAN != "" {
			qr, err := payment.SPAYD(payment.Payment{IBAN: it.IBAN, AmountCZK: it.OwedCZK, Due: it.DueOn, AsOf: asOf,
				VariableSymbol: it.VS, SpecificSymbol: it.SS, Message: it.Message})
			if err == nil {
				it.SPAYD = qr
			}
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// statusCond is the condition on payment_view of a status as of the day of
// parameter $n (the stored status is "open" for unpaid and overdue).
func statusCond(s cases.PaymentStatus, n int, args []any) (string, []any) {
	switch s {
	case cases.PaymentOverdue:
		return fmt.Sprintf(`status = 'open' AND due_on < $%d`, n), args
	case cases.PaymentUnpaid:
		return fmt.Sprintf(`status = 'open' AND due_on >= $%d`, n), args
	}
	args = append(args, string(s))
	return fmt.Sprintf(`status = $%d`, len(args)), args
}

// Payments lists payment obligations as of a day, by case and within a
// case oldest due first, a page at a time: from payment_view for the cases
// whose rows hold on the day, computed from the money state for the others.
func (r *Reader) Payments(ctx context.Context, f PaymentFilter) ([]PaymentItem, string, error) {
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return nil, "", err
	}
	if !usable {
		return r.paymentsFold(ctx, f, nil)
	}
	afterCase, afterItem := "", ""
	if f.After != "" {
		kind, caseID, item, err := decodeCursor(f.After)
		if err != nil || kind != "p" {
			return nil, "", ErrBadCursor
		}
		afterCase, afterItem = caseID, item
	}
	args := []any{f.AsOf.String(), afterCase, afterItem}
	conds := []string{validRows(1),
		`(case_id > $2 OR (case_id = $2 AND seq > COALESCE((SELECT seq FROM payment_view a WHERE a.case_id = $2 AND a.obligation = $3
			AND a.valid_from <= $1 AND a.valid_to >= $1), 1000000000)))`}
	if f.Status != "" {
		var c string
		c, args = statusCond(f.Status, 1, args)
		conds = append(conds, c)
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		conds = append(conds, fmt.Sprintf(`kind = $%d`, len(args)))
	}
	if f.Office != "" {
		args = append(args, f.Office)
		conds = append(conds, fmt.Sprintf(`office = $%d`, len(args)))
	}
	if f.Scope != nil {
		var c string
		c, args = scopeCond("office", f.Scope, args)
		conds = append(conds, c)
	}
	q := `SELECT ` + paymentColumns + ` FROM payment_view WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY case_id, valid_from, seq`
	if f.Limit > 0 {
		args = append(args, f.Limit+1)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, err := scanPayments(rows, f.AsOf)
	if err != nil {
		return nil, "", err
	}
	stale, err := r.anyStale(ctx, f.AsOf)
	if err != nil {
		return nil, "", err
	}
	if stale {
		folded, err := r.foldItems(ctx, f, func(n int) string { return staleCases(n, f.AsOf) })
		if err != nil {
			return nil, "", err
		}
		// Both lists are in case order and their cases differ.
		items = append(items, folded...)
		slices.SortStableFunc(items, func(a, b PaymentItem) int { return strings.Compare(a.CaseID, b.CaseID) })
	}
	items, next := pagePayments(items, f.Limit)
	return items, next, r.nameItems(ctx, items)
}

// scopeCond is the condition that keeps the rows of col among the offices
// of a scope (none for an empty one), its parameters appended to args.
func scopeCond(col string, scope []string, args []any) (string, []any) {
	if len(scope) == 0 {
		return "1 = 0", args
	}
	marks := make([]string, len(scope))
	for i, o := range scope {
		args = append(args, o)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	return col + " IN (" + strings.Join(marks, ", ") + ")", args
}

// nameItems gives payment items their case's reference and the payer's
// name from case_view (the payment rows hold neither).
func (r *Reader) nameItems(ctx context.Context, items []PaymentItem) error {
	ids := map[string]bool{}
	var args []any
	var marks []string
	for _, it := range items {
		if !ids[it.CaseID] {
			ids[it.CaseID] = true
			args = append(args, it.CaseID)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
	}
	if len(args) == 0 {
		return nil
	}
	rows, err := r.db.QueryContext(ctx, `SELECT case_id, reference, full_name FROM case_view WHERE case_id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type named struct{ reference, name string }
	byCase := map[string]named{}
	for rows.Next() {
		var id string
		var n named
		if err := rows.Scan(&id, &n.reference, &n.name); err != nil {
			return err
		}
		byCase[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range items {
		if n, ok := byCase[items[i].CaseID]; ok {
			items[i].Reference, items[i].FullName = n.reference, n.name
		}
	}
	return nil
}

// CitizenPayments lists one citizen's payment obligations as of a day at
// the offices of scope (nil: all), for the counter.
func (r *Reader) CitizenPayments(ctx context.Context, citizenID string, asOf calendar.Date, scope []string) ([]PaymentItem, error) {
	items, err := r.citizenPayments(ctx, citizenID, asOf)
	if err != nil || scope == nil {
		return items, errors.Join(err, r.nameItems(ctx, items))
	}
	mine := []PaymentItem{}
	for _, it := range items {
		if slices.Contains(scope, it.Office) {
			mine = append(mine, it)
		}
	}
	return mine, r.nameItems(ctx, mine)
}

func (r *Reader) citizenPayments(ctx context.Context, citizenID string, asOf calendar.Date) ([]PaymentItem, error) {
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return nil, err
	}
	if !usable {
		return r.citizenPaymentsFold(ctx, citizenID, asOf, "")
	}
	rows, err := r.db.QueryContext(ctx, `SELECT `+paymentColumns+` FROM payment_view WHERE citizen_id = $1 AND `+validRows(2)+
		` ORDER BY case_id, valid_from, seq`, citizenID, asOf.String())
	if err != nil {
		return nil, err
	}
	items, err := scanPayments(rows, asOf)
	if err != nil {
		return nil, err
	}
	folded, err := r.citizenPaymentsFold(ctx, citizenID, asOf, `p.case_id IN (SELECT case_id FROM payment_view WHERE citizen_id = p.citizen_id AND `+
		strings.ReplaceAll(staleRows(0, asOf), "$0", "$%[1]d")+`)`)
	if err != nil {
		return nil, err
	}
	items = append(items, folded...)
	slices.SortStableFunc(items, func(a, b PaymentItem) int { return strings.Compare(a.CaseID, b.CaseID) })
	if items == nil {
		items = []PaymentItem{}
	}
	return items, nil
}

// citizenPaymentsFold computes a citizen's payment obligations from the
// money state of the cases, of those meeting cond (with %d for the day's
// parameter) if cond is not "".
func (r *Reader) citizenPaymentsFold(ctx context.Context, citizenID string, asOf calendar.Date, cond string) ([]PaymentItem, error) {
	items := []PaymentItem{}
	from, args := r.payers(2, []any{citizenID})
	q := `SELECT p.case_id, p.money` + from + ` AND p.citizen_id = $1`
	if cond != "" {
		args = append(args, asOf.String())
		q += ` AND ` + fmt.Sprintf(cond, len(args))
	}
	err := r.eachPayer(ctx, q+` ORDER BY p.case_id`, args, func(c *cases.Case) bool {
		for _, p := range c.PaymentObligations(asOf, r.terms()) {
			items = append(items, paymentItem(c, p))
		}
		return true
	})
	return items, err
}

// paymentsFold lists payment obligations computed from every payer's
// money state, a page at a time.
func (r *Reader) paymentsFold(ctx context.Context, f PaymentFilter, only func(n int) string) ([]PaymentItem, string, error) {
	items, err := r.foldItems(ctx, f, only)
	if err != nil {
		return nil, "", err
	}
	items, next := pagePayments(items, f.Limit)
	return items, next, r.nameItems(ctx, items)
}

// pagePayments cuts a page of limit items (0: all) and gives the cursor of the next one.
func pagePayments(items []PaymentItem, limit int) ([]PaymentItem, string) {
	if items == nil {
		items = []PaymentItem{}
	}
	if limit <= 0 || len(items) <= limit {
		return items, ""
	}
	lastItem := items[limit-1]
	_, obligation, _ := strings.Cut(lastItem.ID, ".")
	return items[:limit], encodeCursor("p", lastItem.CaseID, obligation)
}

// foldItems computes the payment obligations after f's cursor from the
// money state of the payers (of those meeting only(n), $n being the as-of
// day, if only is not nil), in case order, up to one more than f.Limit.
func (r *Reader) foldItems(ctx context.Context, f PaymentFilter, only func(n int) string) ([]PaymentItem, error) {
	afterCase, afterItem := "", ""
	if f.After != "" {
		kind, caseID, item, err := decodeCursor(f.After)
		if err != nil || kind != "p" {
			return nil, ErrBadCursor
		}
		afterCase, afterItem = caseID, item
	}
	items := []PaymentItem{}
	from, op := afterCase, ">="
	for {
		src, args := r.payers(3, []any{from, f.AsOf.String()})
		q := `SELECT p.case_id, p.money` + src + ` AND p.case_id ` + op + ` $1 AND p.arises_from <= $2`
		if only != nil {
			q += ` AND ` + only(2)
		}
		if f.Office != "" {
			args = append(args, f.Office)
			q += fmt.Sprintf(` AND p.office = $%d`, len(args))
		}
		if f.Scope != nil {
			var c string
			c, args = scopeCond("p.office", f.Scope, args)
			q += " AND " + c
		}
		args = append(args, payersPage)
		q += fmt.Sprintf(` ORDER BY p.case_id LIMIT $%d`, len(args))
		n := 0
		last := ""
		err := r.eachPayer(ctx, q, args, func(c *cases.Case) bool {
			n++
			last = c.ID
			skipping := c.ID == afterCase && afterItem != ""
			for _, p := range c.PaymentObligations(f.AsOf, r.terms()) {
				if skipping {
					skipping = p.ID != afterItem
					continue
				}
				if f.keep(p) {
					items = append(items, paymentItem(c, p))
				}
			}
			return f.Limit <= 0 || len(items) <= f.Limit
		})
		if err != nil {
			return nil, err
		}
		if n < payersPage || (f.Limit > 0 && len(items) > f.Limit) {
			return items, nil
		}
		from, op = last, ">"
	}
}

// paymentTotals sums the payment obligations due from f.From to f.To as
// they stand on f.To: for all offices from payment_day, for one office
// from its rows of payment_view; the cases whose rows do not hold on f.To
// are taken out of those sums and computed from their money state.
func (r *Reader) paymentTotals(ctx context.Context, f StatsFilter) (PaymentTotals, error) {
	t := PaymentTotals{ByStatus: map[cases.PaymentStatus]int{}, ByKind: map[cases.PaymentKind]Totals{}, ByMonth: map[string]Totals{}}
	if f.Nothing {
		return t, nil
	}
	usable, err := r.paymentRowsUsable(ctx)
	if err != nil {
		return t, err
	}
	if !usable {
		return t, r.paymentTotalsFold(ctx, f, &t, nil)
	}
	from, to := f.From.String(), f.To.String()
	addSums := func(due calendar.Date, kind, status string, n, dueCZK, paid, owed int64, sign int) error {
		s := cases.PaymentStatus(status)
		if status == statusOpen {
			s = cases.PaymentUnpaid
			if f.To.After(due) {
				s = cases.PaymentOverdue
			}
		}
		sum := Totals{Obligations: sign * int(n), DueCZK: sign * int(dueCZK), PaidCZK: sign * int(paid), OwedCZK: sign * int(owed)}
		if f.To.After(due) {
			sum.OverdueCZK = sum.OwedCZK
		}
		t.ByStatus[s] += sum.Obligations
		kinds, month := t.ByKind[cases.PaymentKind(kind)], due.String()[:7]
		months := t.ByMonth[month]
		if err := errors.Join(t.plus(sum), kinds.plus(sum), months.plus(sum)); err != nil {
			return fmt.Errorf("payment totals of office %q from %s to %s: %w", f.Office, f.From, f.To, err)
		}
		t.ByKind[cases.PaymentKind(kind)], t.ByMonth[month] = kinds, months
		return nil
	}
	scan := func(q string, args []any, sign int) error {
		rows, err := r.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				due                      dbDate
				kind, status             string
				n, dueCZK, paid, owedCZK int64
			)
			if err := rows.Scan(&due, &kind, &status, &n, &dueCZK, &paid, &owedCZK); err != nil {
				return err
			}
			if err := addSums(due.Date, kind, status, n, dueCZK, paid, owedCZK, sign); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	// One row's share of payment_day.
	const share = `due_on, kind, status, COUNT(*),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE amount_czk END),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE paid_czk - credit_czk END),
		SUM(CASE WHEN status = 'excused' THEN 0 ELSE owed_czk END)`
	switch {
	case f.Office == "" && f.Offices != "":
		// The offices of a token's scope, from their rows.
		c, args := scopeCond("office", strings.Split(f.Offices, ","), []any{from, to})
		if err := scan(`SELECT `+share+` FROM payment_view WHERE due_on >= $1 AND due_on <= $2
			AND `+validRows(2)+` AND `+c+` GROUP BY due_on, kind, status`, args, 1); err != nil {
			return t, err
		}
	case f.Office == "":
		if err := scan(`SELECT due_on, kind, status, n, due_czk, paid_czk, owed_czk FROM payment_day
			WHERE due_on >= $1 AND due_on <= $2 AND from_year <= $3 AND to_year >= $3 AND n <> 0`, []any{from, to, f.To.Year()}, 1); err != nil {
			return t, err
		}
		// The rows of windows that start later in f.To's year are in
		// payment_day's sums of the year: take them out.
		if err := scan(`SELECT `+share+` FROM payment_view WHERE due_on >= $1 AND due_on <= $2
			AND covers_from = $3 AND valid_from > $2 GROUP BY due_on, kind, status`,
			[]any{from, to, calendar.NewDate(f.To.Year(), time.January, 1).String()}, -1); err != nil {
			return t, err
		}
	default:
		if err := scan(`SELECT `+share+` FROM payment_view WHERE office = $1 AND due_on >= $2 AND due_on <= $3
			AND `+validRows(3)+` GROUP BY due_on, kind, status`, []any{f.Office, from, to}, 1); err != nil {
			return t, err
		}
	}
	for _, m := range []map[cases.PaymentStatus]int{t.ByStatus} {
		for k, n := range m {
			if n == 0 {
				delete(m, k)
			}
		}
	}
	for k, v := range t.ByKind {
		if v == (Totals{}) {
			delete(t.ByKind, k)
		}
	}
	for k, v := range t.ByMonth {
		if v == (Totals{}) {
			delete(t.ByMonth, k)
		}
	}
	if stale, err := r.anyStale(ctx, f.To); err != nil || !stale {
		return t, err
	}
	return t, r.paymentTotalsFold(ctx, f, &t, func(n int) string { return staleCases(n, f.To) })
}

// plus adds o to t with checked sums (ErrOverflow).
func (t *Totals) plus(o Totals) error {
	t.Obligations += o.Obligations
	return errors.Join(addCZK(&t.DueCZK, o.DueCZK), addCZK(&t.PaidCZK, o.PaidCZK),
		addCZK(&t.OwedCZK, o.OwedCZK), addCZK(&t.OverdueCZK, o.OverdueCZK))
}

// paymentTotalsFold adds to t the payment obligations computed from the
// money state of the payers of the period (of those meeting only(n), $n
// being f.To, if only is not nil).
func (r *Reader) paymentTotalsFold(ctx context.Context, f StatsFilter, t *PaymentTotals, only func(n int) string) error {
	// An obligation is due at most a year or so after it arises (a fine's
	// fine_due_days is at most 366, moved off a few non-working days).
	from, args := r.payers(3, []any{f.To.String(), f.From.AddDays(-380).String()})
	q := `SELECT p.case_id, p.money` + from + ` AND p.arises_from <= $1 AND (p.arises_until IS NULL OR p.arises_until >= $2)`
	if only != nil {
		q += ` AND ` + only(1)
	}
	if f.Office != "" {
		args = append(args, f.Office)
		q += fmt.Sprintf(` AND p.office = $%d`, len(args))
	}
	if f.Offices != "" {
		var c string
		c, args = scopeCond("p.office", strings.Split(f.Offices, ","), args)
		q += " AND " + c
	}
	var sumErr error
	err := r.eachPayer(ctx, q, args, func(c *cases.Case) bool {
		for _, p := range c.PaymentAmounts(f.To, r.terms()) {
			if p.DueOn.Before(f.From) || p.DueOn.After(f.To) {
				continue
			}
			t.ByStatus[p.Status]++
			k, m := t.ByKind[p.Kind], t.ByMonth[p.DueOn.String()[:7]]
			if sumErr = errors.Join(t.add(p, f.To), k.add(p, f.To), m.add(p, f.To)); sumErr != nil {
				sumErr = fmt.Errorf("payment totals of office %q from %s to %s, case %s: %w", f.Office, f.From, f.To, c.ID, sumErr)
				return false
			}
			t.ByKind[p.Kind], t.ByMonth[p.DueOn.String()[:7]] = k, m
		}
		return true
	})
	if err == nil {
		err = sumErr
	}
	return err
}

// stringsOf returns the one text column of a query's rows.
func stringsOf(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
