package projections

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// ErrCaseNotFound is returned for a case the read models do not hold.
var ErrCaseNotFound = errors.New("case not found")

// statusSQL is cases.Obligation.StatusOn written in SQL, so that lists can
// filter and page by status; $1 is the as-of date. A test holds the two equal.
const statusSQL = `CASE
	WHEN excused_on IS NOT NULL AND excused_on <= $1 THEN 'excused'
	WHEN fulfilled_on IS NOT NULL AND fulfilled_on <= $1 THEN
		CASE WHEN fulfilled_on > due_on THEN 'met_late' ELSE 'met' END
	WHEN $1 > due_on THEN 'overdue'
	ELSE 'open' END`

// ObligationItem is one obligation as the API shows it.
type ObligationItem struct {
	CaseID      string        `json:"case_id"`
	Obligation  string        `json:"obligation"`
	LegalBasis  string        `json:"legal_basis"`
	TriggeredOn calendar.Date `json:"triggered_on"`
	DueOn       calendar.Date `json:"due_on"`
	Status      cases.Status  `json:"status"`
	FulfilledOn calendar.Date `json:"fulfilled_on"`
}

// CaseView is one case as the API shows it.
type CaseView struct {
	ID          string           `json:"id"`
	Situation   string           `json:"situation"`
	Office      string           `json:"office"`
	Status      string           `json:"status"`
	Version     int64            `json:"version"`
	OpenedOn    calendar.Date    `json:"opened_on"`
	AsOf        calendar.Date    `json:"as_of"`
	Citizen     json.RawMessage  `json:"citizen"`
	Obligations []ObligationItem `json:"obligations"`
}

// Reader answers queries from the read models.
type Reader struct{ db *sql.DB }

// NewReader returns a Reader on db.
func NewReader(db *sql.DB) *Reader { return &Reader{db: db} }

const obligationColumns = `case_id, obligation, legal_basis, triggered_on, due_on, ` + statusSQL + `, COALESCE(fulfilled_on, ''), seq`

// Case returns a case with its obligations as of a day.
func (r *Reader) Case(ctx context.Context, id string, asOf calendar.Date) (CaseView, error) {
	v := CaseView{AsOf: asOf, Obligations: []ObligationItem{}}
	var citizen, opened string
	err := r.db.QueryRowContext(ctx, `SELECT case_id, situation, office, status, version, citizen, opened_on
		FROM case_view WHERE case_id = $1`, id).Scan(&v.ID, &v.Situation, &v.Office, &v.Status, &v.Version, &citizen, &opened)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrCaseNotFound
	}
	if err != nil {
		return v, err
	}
	v.Citizen = json.RawMessage(citizen)
	v.OpenedOn, _ = calendar.ParseDate(opened)
	rows, err := r.db.QueryContext(ctx, `SELECT `+obligationColumns+` FROM obligation_view WHERE case_id = $2 ORDER BY seq`, asOf.String(), id)
	if err != nil {
		return v, err
	}
	v.Obligations, _, err = scanObligations(rows)
	return v, err
}

// ObligationFilter selects obligations for a list.
type ObligationFilter struct {
	AsOf           calendar.Date
	Status         cases.Status
	Office         string
	Situation      string
	DueFrom, DueTo calendar.Date
	Limit          int
	After          string // a cursor from a previous page
}

// ErrBadCursor is returned for a cursor this service did not hand out.
var ErrBadCursor = errors.New("cursor is not one this service handed out")

// Obligations lists obligations ordered by due date, a page at a time; the
// returned cursor fetches the next page ("" on the last).
func (r *Reader) Obligations(ctx context.Context, f ObligationFilter) ([]ObligationItem, string, error) {
	where := []string{"1 = 1"}
	args := []any{f.AsOf.String()}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Status != "" {
		add("("+statusSQL+") = ?", string(f.Status))
	}
	if f.Office != "" {
		add("office = ?", f.Office)
	}
	if f.Situation != "" {
		add("situation = ?", f.Situation)
	}
	if !f.DueFrom.IsZero() {
		add("due_on >= ?", f.DueFrom.String())
	}
	if !f.DueTo.IsZero() {
		add("due_on <= ?", f.DueTo.String())
	}
	if f.After != "" {
		due, caseID, seq, err := decodeCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		n := len(args)
		args = append(args, due, caseID, seq)
		where = append(where, fmt.Sprintf(
			"(due_on > $%[1]d OR (due_on = $%[1]d AND (case_id > $%[2]d OR (case_id = $%[2]d AND seq > $%[3]d))))", n+1, n+2, n+3))
	}
	args = append(args, f.Limit+1)
	q := `SELECT ` + obligationColumns + ` FROM obligation_view WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY due_on, case_id, seq LIMIT $%d`, len(args))
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, seqs, err := scanObligations(rows)
	if err != nil || len(items) <= f.Limit {
		return items, "", err
	}
	last := items[f.Limit-1]
	return items[:f.Limit], encodeCursor(last.DueOn.String(), last.CaseID, seqs[f.Limit-1]), nil
}

func scanObligations(rows *sql.Rows) ([]ObligationItem, []int, error) {
	defer rows.Close()
	items := []ObligationItem{}
	var seqs []int
	for rows.Next() {
		var (
			it                        ObligationItem
			triggered, due, fulfilled string
			seq                       int
		)
		if err := rows.Scan(&it.CaseID, &it.Obligation, &it.LegalBasis, &triggered, &due, &it.Status, &fulfilled, &seq); err != nil {
			return nil, nil, err
		}
		it.TriggeredOn, _ = calendar.ParseDate(triggered)
		it.DueOn, _ = calendar.ParseDate(due)
		if fulfilled != "" && it.Status != cases.StatusOpen && it.Status != cases.StatusOverdue {
			it.FulfilledOn, _ = calendar.ParseDate(fulfilled)
		}
		items = append(items, it)
		seqs = append(seqs, seq)
	}
	return items, seqs, rows.Err()
}

func encodeCursor(due, caseID string, seq int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s|%s|%d", due, caseID, seq))
}

func decodeCursor(s string) (due, caseID string, seq int, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		parts := strings.Split(string(b), "|")
		if len(parts) == 3 {
			if _, perr := fmt.Sscan(parts[2], &seq); perr == nil {
				return parts[0], parts[1], seq, nil
			}
		}
	}
	return "", "", 0, ErrBadCursor
}
