package views

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
)

// Payment obligations are not stored row by row: their amounts, due dates
// and statuses depend on the day asked about (a liability owes a new year
// every 1 January) and on the offices' terms (fee schedules, accounts),
// which are configuration. The domain computes them from a case's state
// (cases.Case.PaymentObligations); the read models only say which cases
// may owe money (payer_view) and which bank payments are recorded
// (bank_payment_view), so that a query folds no case it need not.

// WithOffices sets the offices' payment terms the payment queries use
// (nil: the built-in ones) and returns r.
func (r *Reader) WithOffices(o *money.Offices) *Reader {
	r.offices = o
	return r
}

func (r *Reader) terms() *money.Offices {
	if r.offices == nil {
		return money.Builtin()
	}
	return r.offices
}

// payers returns the FROM and WHERE of a query of payer_view, the WHERE leaving out cases whose only possible obligation is
// an administrative fee at an office that takes none by transfer; its
// conditions use parameters from $n on, whose values it appends to args.
func (r *Reader) payers(n int, args []any) (string, []any) {
	var transfer []string
	for _, code := range r.terms().Codes() {
		if o, _ := r.terms().Office(code); o.Transfer != nil {
			args = append(args, code)
			transfer = append(transfer, fmt.Sprintf("$%d", n+len(transfer)))
		}
	}
	cond := "NOT p.fee_only"
	if len(transfer) > 0 {
		cond = "(NOT p.fee_only OR p.office IN (" + strings.Join(transfer, ", ") + "))"
	}
	return ` FROM payer_view p WHERE ` + cond, args
}

// PaymentItem is one payment obligation as the API shows it (API.md,
// GET /v1/payments).
type PaymentItem struct {
	ID        string `json:"id"`
	CaseID    string `json:"case_id"`
	Reference string `json:"reference"`
	// FullName is the payer's (the citizen's) name; the roles that read
	// payments may see it.
	FullName  string              `json:"full_name"`
	Office    string              `json:"office"`
	Kind      cases.PaymentKind   `json:"kind"`
	Fee       *string             `json:"fee"`
	Year      *int                `json:"year"`
	AmountCZK int                 `json:"amount_czk"`
	PaidCZK   int                 `json:"paid_czk"`
	OwedCZK   int                 `json:"owed_czk"`
	CreditCZK int                 `json:"credit_czk"`
	DueOn     calendar.Date       `json:"due_on"`
	PaidOn    calendar.Date       `json:"paid_on"`
	Status    cases.PaymentStatus `json:"status"`
	Account   string              `json:"account"`
	IBAN      string              `json:"iban"`
	VS        string              `json:"variable_symbol"`
	SS        string              `json:"specific_symbol"`
	Message   string              `json:"message"`
	SPAYD     string              `json:"spayd"`
	Basis     string              `json:"basis"`
}

// PaymentItemID is the id of a case's payment obligation in the API:
// "<case id>.<obligation id>" (case ids hold no dots).
func PaymentItemID(caseID, obligation string) string { return caseID + "." + obligation }

func paymentItem(c *cases.Case, p cases.PaymentObligation) PaymentItem {
	it := PaymentItem{ID: PaymentItemID(c.ID, p.ID), CaseID: c.ID, Reference: c.Reference, FullName: c.Citizen.FullName, Office: c.Office, Kind: p.Kind, AmountCZK: p.AmountCZK,
		PaidCZK: p.PaidCZK, OwedCZK: p.OwedCZK, CreditCZK: p.CreditCZK, DueOn: p.DueOn, PaidOn: p.PaidOn, Status: p.Status,
		Account: p.Account, IBAN: p.IBAN, VS: p.VariableSymbol, SS: p.SpecificSymbol, Message: p.Message, SPAYD: p.SPAYD, Basis: p.Basis}
	if p.Fee != "" {
		fee, year := p.Fee, p.Year
		it.Fee, it.Year = &fee, &year
	}
	return it
}

// PaymentFilter selects payment obligations for a list.
type PaymentFilter struct {
	// Scope, if not nil, keeps the obligations of these offices only.
	Scope  []string
	AsOf   calendar.Date
	Status cases.PaymentStatus
	Kind   cases.PaymentKind
	Office string
	Limit  int
	After  string // a cursor from a previous page
}

func (f PaymentFilter) keep(p cases.PaymentObligation) bool {
	return (f.Status == "" || p.Status == f.Status) && (f.Kind == "" || p.Kind == f.Kind)
}

// payersPage is how many cases one query of a payment list reads.
const payersPage = 200

// eachCase calls fn with the case of every row (case_id, state) of a query
// until fn returns false.
func (r *Reader) eachCase(ctx context.Context, q string, args []any, fn func(c *cases.Case) bool) error {
	return r.each(ctx, q, args, cases.RestoreSnapshot, fn)
}

// eachPayer calls fn with the money state of every row (case_id, money) of
// a query until fn returns false.
func (r *Reader) eachPayer(ctx context.Context, q string, args []any, fn func(c *cases.Case) bool) error {
	return r.each(ctx, q, args, cases.RestoreMoney, fn)
}

func (r *Reader) each(ctx context.Context, q string, args []any, restore func([]byte) (*cases.Case, error), fn func(c *cases.Case) bool) error {
	return eachRow(ctx, r.db, q, args, func(rows *sql.Rows) error {
		var (
			id    string
			state []byte
		)
		if err := rows.Scan(&id, &state); err != nil {
			return err
		}
		c, err := restore(state)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		if !fn(c) {
			return errStop
		}
		return nil
	})
}

// ErrPaymentNotFound is returned for a payment obligation that does not exist.
var ErrPaymentNotFound = errors.New("payment obligation not found")

// Payment returns one payment obligation as of a day.
func (r *Reader) Payment(ctx context.Context, id string, asOf calendar.Date) (PaymentItem, error) {
	caseID, obligation, ok := strings.Cut(id, ".")
	if !ok {
		return PaymentItem{}, ErrPaymentNotFound
	}
	var found *PaymentItem
	err := r.eachCase(ctx, `SELECT case_id, state FROM case_view WHERE case_id = $1`, []any{caseID}, func(c *cases.Case) bool {
		for _, p := range c.PaymentObligations(asOf, r.terms()) {
			if p.ID == obligation {
				it := paymentItem(c, p)
				found = &it
			}
		}
		return false
	})
	if err != nil {
		return PaymentItem{}, err
	}
	if found == nil {
		return PaymentItem{}, ErrPaymentNotFound
	}
	return *found, nil
}

// Payers returns the cases of an office that may owe money, for matching
// bank payments to them.
func (r *Reader) Payers(ctx context.Context, office string) ([]*cases.Case, error) {
	var out []*cases.Case
	from, args := r.payers(2, []any{office})
	err := r.eachPayer(ctx, `SELECT p.case_id, p.money`+from+` AND p.office = $1 ORDER BY p.case_id`, args, func(c *cases.Case) bool {
		out = append(out, c)
		return true
	})
	return out, err
}

// BankPayment returns the case that holds a bank payment of an office, if one does.
func (r *Reader) BankPayment(ctx context.Context, office, reference string) (string, bool, error) {
	var caseID string
	err := r.db.QueryRowContext(ctx, `SELECT case_id FROM bank_payment_view WHERE bank_reference = $1 AND office = $2
		ORDER BY case_id LIMIT 1`, reference, office).Scan(&caseID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return caseID, err == nil, err
}

// PaymentTotals are the dashboard's payment figures: no names, birth
// numbers, citizen or case ids.
type PaymentTotals struct {
	Totals
	ByStatus map[cases.PaymentStatus]int  `json:"by_status"`
	ByKind   map[cases.PaymentKind]Totals `json:"by_kind"`
	// ByMonth is by the month of the due date.
	ByMonth map[string]Totals `json:"by_month"`
}

// Totals count payment obligations and sum their amounts in Kč.
type Totals struct {
	Obligations int `json:"obligations"`
	// DueCZK is what the obligations ask for, PaidCZK what was paid of it
	// (credit left out), OwedCZK what is still owed and OverdueCZK the part
	// of that whose due date has passed.
	DueCZK     int `json:"due_czk"`
	PaidCZK    int `json:"paid_czk"`
	OwedCZK    int `json:"owed_czk"`
	OverdueCZK int `json:"overdue_czk"`
}

// ErrOverflow means a sum of amounts in Kč cannot be represented: the
// figure is refused, never wrapped round into a wrong one (docs/API.md,
// money integrity).
var ErrOverflow = errors.New("a sum of amounts in Kč overflows")

// addCZK adds v to *sum unless the result cannot be represented.
func addCZK(sum *int, v int) error {
	if (v > 0 && *sum > math.MaxInt-v) || (v < 0 && *sum < math.MinInt-v) {
		return fmt.Errorf("%w: %d + %d", ErrOverflow, *sum, v)
	}
	*sum += v
	return nil
}

// add counts an obligation into t, its amounts with checked sums.
func (t *Totals) add(p cases.PaymentObligation, asOf calendar.Date) error {
	t.Obligations++
	if p.Status == cases.PaymentExcused {
		return nil
	}
	paid := p.PaidCZK
	if err := addCZK(&paid, -p.CreditCZK); err != nil {
		return err
	}
	overdue := 0
	if asOf.After(p.DueOn) {
		overdue = p.OwedCZK
	}
	for _, s := range []struct {
		sum *int
		v   int
	}{{&t.DueCZK, p.AmountCZK}, {&t.PaidCZK, paid}, {&t.OwedCZK, p.OwedCZK}, {&t.OverdueCZK, overdue}} {
		if err := addCZK(s.sum, s.v); err != nil {
			return err
		}
	}
	return nil
}

// TotalsFresh is how long payment totals computed for one period and office
// answer again for the same. Since schema 7 they are summed from payment_day
// (paymentrows.go) in milliseconds; the cache stays for days whose rows do
// not hold (a past year), which are computed from every payer of the period.
const TotalsFresh = 30 * time.Second

// totalsCache holds the latest payment totals per filter; one computation
// runs per filter at a time, shared by those asking meanwhile.
type totalsCache struct {
	mu      sync.Mutex
	entries map[StatsFilter]totalsEntry
	flight  singleflight.Group
}

type totalsEntry struct {
	at     time.Time
	totals PaymentTotals
}

func newTotalsCache() *totalsCache { return &totalsCache{entries: map[StatsFilter]totalsEntry{}} }

func (c *totalsCache) get(f StatsFilter, now time.Time) (PaymentTotals, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[f]
	return e.totals, ok && now.Sub(e.at) < TotalsFresh
}

func (c *totalsCache) put(f StatsFilter, t PaymentTotals, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= 1000 { // many periods asked once: keep what is fresh
		for k, e := range c.entries {
			if at.Sub(e.at) >= TotalsFresh {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= 1000 {
			clear(c.entries)
		}
	}
	if e, ok := c.entries[f]; !ok || !e.at.After(at) {
		c.entries[f] = totalsEntry{at: at, totals: t}
	}
}

// PaymentTotals sums the payment obligations due from f.From to f.To as
// they stand on f.To, by status, kind and month of the due date. Unless
// fresh is set, totals computed less than TotalsFresh ago for the same
// filter may answer (a read that must include its own writes, with
// min_position, sets fresh); the answer is shared, not to be modified.
func (r *Reader) PaymentTotals(ctx context.Context, f StatsFilter, fresh bool) (PaymentTotals, error) {
	if fresh {
		at := time.Now()
		t, err := r.paymentTotals(ctx, f)
		if err == nil {
			r.totals.put(f, t, at)
		}
		return t, err
	}
	if t, ok := r.totals.get(f, time.Now()); ok {
		return t, nil
	}
	v, err, _ := r.totals.flight.Do(fmt.Sprint(f.From, f.To, f.Office, f.Offices, f.Nothing), func() (any, error) {
		at := time.Now()
		t, err := r.paymentTotals(context.WithoutCancel(ctx), f)
		if err == nil {
			r.totals.put(f, t, at)
		}
		return t, err
	})
	if err != nil {
		return PaymentTotals{}, err
	}
	return v.(PaymentTotals), nil
}

// PaymentStatusNames lists the statuses of a payment obligation, for errors.
func PaymentStatusNames() string {
	names := make([]string, len(cases.PaymentStatuses))
	for i, s := range cases.PaymentStatuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// ValidPaymentStatus reports whether s is a payment obligation's status.
func ValidPaymentStatus(s string) bool {
	return slices.Contains(cases.PaymentStatuses, cases.PaymentStatus(s))
}

// CaseState returns the state the read models last folded a case into
// (cases.Case.MarshalSnapshot, its version inside), or nil when they hold
// none: the write side starts a case from it and reads only the events
// after it (caserepo.Repository.WithSnapshots). A case whose citizen's key
// was destroyed (forgotten_keys, docs/RETENTION.md) has none: the read
// models are not rewritten at forgetting, so its stored state may hold what
// its scrubbed events no longer do, and the write side reads the events.
func (r *Reader) CaseState(ctx context.Context, id string) ([]byte, error) {
	var state []byte
	err := r.db.QueryRowContext(ctx, `SELECT state FROM case_view WHERE case_id = $1 AND NOT EXISTS (
		SELECT 1 FROM stream_keys k JOIN forgotten_keys f ON f.key_id = k.key_id WHERE k.stream_id = $1)`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return state, err
}
