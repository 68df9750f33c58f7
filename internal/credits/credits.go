// Package credits keeps the ledger of bank statement credits: every booked
// credit an import met, once per office and bank reference, with where it
// went. A credit is `matched` to the one case its PaymentReceived is
// recorded on, or it is an unmatched credit (docs/LAW.md §9.1, shared
// variable symbols) that stays `open` until the fee department `assigned`
// it to a case or `returned` it to the payer. Nothing is dropped: every
// booked credit of an imported statement is on one case or in this ledger.
//
// The ledger is primary data (table statement_credits), not a read model:
// no event holds an unmatched credit, so it is never rebuilt and is kept by
// every backup. Its rows are the one place the outcome of a credit is
// decided: the first import to insert a credit's row decides, and a
// concurrent import of the same statement follows that row.
package credits

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lhuta/lhuta/domain/calendar"
)

// Status is where a statement credit stands.
type Status string

// Statuses of a statement credit.
const (
	// Matched: recorded on the case the import matched it to.
	Matched Status = "matched"
	// Open: an unmatched credit waiting for the fee department.
	Open Status = "open"
	// Assigned: recorded on the case the fee department chose.
	Assigned Status = "assigned"
	// Returned: to be refunded to the payer, with the reason.
	Returned Status = "returned"
)

// UnmatchedStatuses are the statuses of an unmatched credit, the ones the
// fee department's list shows.
var UnmatchedStatuses = []Status{Open, Assigned, Returned}

// ErrNotFound means there is no such credit (or none of the office asked).
var ErrNotFound = errors.New("no such unmatched credit")

// ErrDecided means the credit was assigned to another case or returned
// already: a decision of the fee department is never overwritten.
var ErrDecided = errors.New("the credit was decided otherwise already")

// Credit is one statement credit as the ledger holds it.
type Credit struct {
	ID             string        `json:"id"`
	Office         string        `json:"office"`
	BookedOn       calendar.Date `json:"booked_on"`
	AmountCZK      int           `json:"amount_czk"`
	VariableSymbol string        `json:"variable_symbol"`
	Message        string        `json:"message"`
	CounterParty   string        `json:"counter_party"`
	BankReference  string        `json:"bank_reference"`
	Statement      string        `json:"statement"`
	Status         Status        `json:"status"`
	// CaseID is the case the credit is recorded on, "" while it is not.
	CaseID string `json:"case_id"`
	// Reason says why the import matched it to its case or could not.
	Reason       string `json:"reason"`
	ReturnReason string `json:"return_reason"`
	// DecidedBy and DecidedAt say who assigned or returned it, and when.
	DecidedBy string     `json:"decided_by"`
	DecidedAt *time.Time `json:"decided_at"`
}

// Ledger is the ledger of statement credits on a database that holds the
// schema of package migrations (PostgreSQL or SQLite: the SQL is common).
type Ledger struct{ db *sql.DB }

// New returns the ledger on db.
func New(db *sql.DB) *Ledger { return &Ledger{db: db} }

const columns = `id, office, booked_on, amount_czk, variable_symbol, message, counter_party, bank_reference, statement,
	status, COALESCE(case_id, ''), reason, return_reason, decided_by, decided_at`

func scan(row interface{ Scan(...any) error }) (Credit, error) {
	var (
		c         Credit
		booked    string
		decidedAt sql.NullInt64
	)
	err := row.Scan(&c.ID, &c.Office, &booked, &c.AmountCZK, &c.VariableSymbol, &c.Message, &c.CounterParty, &c.BankReference,
		&c.Statement, &c.Status, &c.CaseID, &c.Reason, &c.ReturnReason, &c.DecidedBy, &decidedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	if c.BookedOn, err = calendar.ParseDate(booked); err != nil {
		return c, fmt.Errorf("credit %s: booked_on: %w", c.ID, err)
	}
	if decidedAt.Valid {
		t := time.Unix(decidedAt.Int64, 0).UTC()
		c.DecidedAt = &t
	}
	return c, nil
}

// Claim stores what an import decided for a credit (c.Status Matched with
// c.CaseID, or Open with c.Reason) unless the credit (office and bank
// reference) is in the ledger already; it returns the credit as stored and
// whether this call stored it. The first claim stands, so two imports of
// one statement follow one decision.
func (l *Ledger) Claim(ctx context.Context, c Credit, at time.Time) (Credit, bool, error) {
	if c.Status != Matched && c.Status != Open {
		return Credit{}, false, fmt.Errorf("claim: an import decides matched or open, not %q", c.Status)
	}
	var caseID any
	if c.CaseID != "" {
		caseID = c.CaseID
	}
	res, err := l.db.ExecContext(ctx, `INSERT INTO statement_credits (id, office, bank_reference, statement, booked_on, amount_czk,
		variable_symbol, message, counter_party, status, case_id, reason, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (office, bank_reference) DO NOTHING`,
		uuid.NewString(), c.Office, c.BankReference, c.Statement, c.BookedOn.String(), c.AmountCZK, c.VariableSymbol, c.Message,
		c.CounterParty, string(c.Status), caseID, c.Reason, at.Unix())
	if err != nil {
		return Credit{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Credit{}, false, err
	}
	stored, err := l.Find(ctx, c.Office, c.BankReference)
	return stored, n == 1, err
}

// Find returns the credit of an office with a bank reference.
func (l *Ledger) Find(ctx context.Context, office, reference string) (Credit, error) {
	return scan(l.db.QueryRowContext(ctx, `SELECT `+columns+` FROM statement_credits WHERE office = $1 AND bank_reference = $2`,
		office, reference))
}

// Get returns a credit by its id.
func (l *Ledger) Get(ctx context.Context, id string) (Credit, error) {
	return scan(l.db.QueryRowContext(ctx, `SELECT `+columns+` FROM statement_credits WHERE id = $1`, id))
}

// Unmatch makes a credit the import matched to caseID an open one, with the
// reason the case refused it: a credit the case will not take is kept for
// the fee department, never dropped. It reports whether this call did it
// (of two imports meeting the refusal, one does).
func (l *Ledger) Unmatch(ctx context.Context, id, caseID, reason string) (bool, error) {
	res, err := l.db.ExecContext(ctx, `UPDATE statement_credits SET status = 'open', case_id = NULL, reason = $3
		WHERE id = $1 AND status = 'matched' AND case_id = $2`, id, caseID, reason)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Assign gives an open credit to a case. Assigning it again to the same
// case answers it as it is (the recording of its payment is then repeated,
// which records nothing twice); to another case, or once returned, it is
// ErrDecided.
func (l *Ledger) Assign(ctx context.Context, id, caseID, by string, at time.Time) (Credit, error) {
	c, err := l.decide(ctx, id, `status = 'assigned', case_id = $2`, caseID, by, at)
	switch {
	case err != nil:
		return c, err
	case c.Status == Assigned && c.CaseID == caseID:
		return c, nil
	case c.Status == Returned:
		return c, fmt.Errorf("%w: it is returned to the payer (%s)", ErrDecided, c.ReturnReason)
	}
	return c, fmt.Errorf("%w: it is recorded on case %s", ErrDecided, c.CaseID)
}

// decide records the decision on an open credit, set (which may use arg
// as $2), and returns the credit as it then is: decided by this call or
// before it.
func (l *Ledger) decide(ctx context.Context, id, set, arg, by string, at time.Time) (Credit, error) {
	if _, err := l.db.ExecContext(ctx, `UPDATE statement_credits SET `+set+`, decided_by = $3, decided_at = $4
		WHERE id = $1 AND status = 'open'`, id, arg, by, at.Unix()); err != nil {
		return Credit{}, err
	}
	return l.Get(ctx, id)
}

// Reopen undoes an assignment to caseID whose payment the case refused:
// the credit is open again, and nothing was recorded.
func (l *Ledger) Reopen(ctx context.Context, id, caseID string) error {
	_, err := l.db.ExecContext(ctx, `UPDATE statement_credits SET status = 'open', case_id = NULL, decided_by = '', decided_at = NULL
		WHERE id = $1 AND status = 'assigned' AND case_id = $2`, id, caseID)
	return err
}

// Return marks an open credit for refund to the payer. Returning it again
// answers it as it is; once it is on a case it is ErrDecided.
func (l *Ledger) Return(ctx context.Context, id, reason, by string, at time.Time) (Credit, error) {
	c, err := l.decide(ctx, id, `status = 'returned', return_reason = $2`, reason, by, at)
	switch {
	case err != nil:
		return c, err
	case c.Status == Returned:
		return c, nil
	}
	return c, fmt.Errorf("%w: it is recorded on case %s", ErrDecided, c.CaseID)
}

// Filter selects unmatched credits for the fee department's list.
type Filter struct {
	Office string
	// Offices, if set, are the only offices whose credits are listed (an
	// actor's office scope).
	Offices []string
	// Status is one of UnmatchedStatuses, "" for all of them.
	Status Status
	Limit  int
	// After is the cursor of the previous page.
	After string
}

// ErrBadCursor means a cursor was not given by List.
var ErrBadCursor = errors.New("cursor is not one this list gave")

// List returns unmatched credits, oldest booked first, a page at a time,
// with the cursor of the next page ("" after the last).
func (l *Ledger) List(ctx context.Context, f Filter) ([]Credit, string, error) {
	statuses := UnmatchedStatuses
	if f.Status != "" {
		if !slices.Contains(UnmatchedStatuses, f.Status) {
			return nil, "", fmt.Errorf("status %q is not one of open, assigned, returned", f.Status)
		}
		statuses = []Status{f.Status}
	}
	var (
		args  []any
		conds []string
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	in := make([]string, len(statuses))
	for i, s := range statuses {
		in[i] = arg(string(s))
	}
	conds = append(conds, "status IN ("+strings.Join(in, ", ")+")")
	if f.Office != "" {
		conds = append(conds, "office = "+arg(f.Office))
	}
	if len(f.Offices) > 0 {
		in := make([]string, len(f.Offices))
		for i, o := range f.Offices {
			in[i] = arg(o)
		}
		conds = append(conds, "office IN ("+strings.Join(in, ", ")+")")
	}
	if f.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.After)
		booked, id, ok := strings.Cut(string(raw), "|")
		if _, derr := calendar.ParseDate(booked); err != nil || !ok || derr != nil {
			return nil, "", ErrBadCursor
		}
		conds = append(conds, fmt.Sprintf("(booked_on > %s OR (booked_on = %s AND id > %s))", arg(booked), arg(booked), arg(id)))
	}
	q := `SELECT ` + columns + ` FROM statement_credits WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY booked_on, id`
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit+1)
	}
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items := []Credit{}
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		items = append(items, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || len(items) <= f.Limit {
		return items, "", nil
	}
	last := items[f.Limit-1]
	return items[:f.Limit], base64.RawURLEncoding.EncodeToString([]byte(last.BookedOn.String() + "|" + last.ID)), nil
}
