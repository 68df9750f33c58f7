package projections

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
	"github.com/lhuta/lhuta/eventstore"
	"github.com/lhuta/lhuta/projections/views"
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
		return views.TermsFingerprint(nil)
	}
	m.once.Do(func() { m.print = views.TermsFingerprint(m.offices) })
	return m.print
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
				status = views.StatusOpen
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
				from, to, due              views.DBDate
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
			ids, err := eventstore.Strings(ctx, tx, `SELECT case_id FROM `+payerTable.physical(gen)+` WHERE case_id > $1 ORDER BY case_id LIMIT 500`, after)
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
	money, err := byCase(ctx, tx, payerTable.physical(gen), "money", ids)
	if err != nil {
		return err
	}
	var written []row
	for _, id := range ids {
		state, ok := money[id]
		if !ok {
			continue // a case that is no payer any more keeps no rows
		}
		c, err := cases.RestoreMoney(state)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		written = append(written, obligationRows(c, m)...)
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
		ids, err := eventstore.Strings(ctx, tx, `SELECT DISTINCT case_id FROM `+paymentTable.physical(m.generation)+
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

// WithRollChunk makes the roll rewrite n cases per transaction instead
// of rollChunk (for tests of a roll stopped between chunks).
func (p *Pipeline) WithRollChunk(n int) *Pipeline {
	p.rollChunk = n
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
