package projections

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
	WHEN judged_on IS NOT NULL AND judged_on <= $1 THEN 'judged'
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

// flagStatusSQL is cases.Flag.StatusOn in SQL; $1 is the as-of date.
const flagStatusSQL = `CASE WHEN decided_on IS NOT NULL AND decided_on <= $1 THEN decision ELSE 'raised' END`

// slaStatusSQL is cases.OfficeDeadline.StatusOn in SQL; $1 is the as-of date.
const slaStatusSQL = `CASE
	WHEN ready_on IS NOT NULL AND ready_on <= $1 THEN
		CASE WHEN ready_on > due_on THEN 'breached' ELSE 'met' END
	WHEN $1 > due_on THEN 'breached'
	ELSE 'open' END`

// FlagItem is one misdemeanor flag as the API shows it.
type FlagItem struct {
	ID         string        `json:"id"`
	CaseID     string        `json:"case_id"`
	Offence    string        `json:"offence"`
	LegalBasis string        `json:"legal_basis"`
	MaxFineCZK *int64        `json:"max_fine_czk"`
	ReviewOnly bool          `json:"review_only"`
	RaisedOn   calendar.Date `json:"raised_on"`
	Status     string        `json:"status"`
	FineCZK    *int64        `json:"fine_czk,omitempty"`
	DecidedOn  calendar.Date `json:"decided_on,omitzero"`
}

// SLAItem is one office processing deadline as the API shows it.
type SLAItem struct {
	Deadline string        `json:"deadline"`
	Document string        `json:"document"`
	Track    string        `json:"track"`
	FiledOn  calendar.Date `json:"filed_on"`
	DueOn    calendar.Date `json:"due_on"`
	ReadyOn  calendar.Date `json:"ready_on"`
	Status   string        `json:"status"`
}

// CaseView is one case as the API shows it.
type CaseView struct {
	ID          string           `json:"id"`
	Situation   string           `json:"situation"`
	Office      string           `json:"office"`
	Status      string           `json:"status"`
	Version     int64            `json:"version"`
	OpenedOn    calendar.Date    `json:"opened_on"`
	ClosedOn    calendar.Date    `json:"closed_on"`
	AsOf        calendar.Date    `json:"as_of"`
	Citizen     json.RawMessage  `json:"citizen"`
	Obligations []ObligationItem `json:"obligations"`
	Flags       []FlagItem       `json:"flags"`
	SLA         []SLAItem        `json:"sla"`
	Validity    json.RawMessage  `json:"validity"`
	// Fee is the fee fixed by the latest application, null where none is known.
	Fee json.RawMessage `json:"fee"`
}

// Reader answers queries from the read models.
type Reader struct{ db *sql.DB }

// NewReader returns a Reader on db.
func NewReader(db *sql.DB) *Reader { return &Reader{db: db} }

const obligationColumns = `case_id, obligation, legal_basis, triggered_on, due_on, ` + statusSQL + `, COALESCE(fulfilled_on, ''), seq`

// Case returns a case with its obligations as of a day.
func (r *Reader) Case(ctx context.Context, id string, asOf calendar.Date) (CaseView, error) {
	v := CaseView{AsOf: asOf}
	var (
		citizen, opened, validity string
		closed, fee               sql.NullString
	)
	err := r.db.QueryRowContext(ctx, `SELECT case_id, situation, office, version, citizen, opened_on, closed_on, validity, fee
		FROM case_view WHERE case_id = $1`, id).Scan(&v.ID, &v.Situation, &v.Office, &v.Version,
		&citizen, &opened, &closed, &validity, &fee)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrCaseNotFound
	}
	if err != nil {
		return v, err
	}
	v.Citizen, v.Validity = json.RawMessage(citizen), json.RawMessage(validity)
	v.Fee = json.RawMessage("null")
	if fee.Valid {
		v.Fee = json.RawMessage(fee.String)
	}
	v.OpenedOn, v.ClosedOn = parseDate(opened), parseDate(closed.String)
	v.Status = "open"
	if !v.ClosedOn.IsZero() && !v.ClosedOn.After(asOf) {
		v.Status = "closed"
	}
	rows, err := r.db.QueryContext(ctx, `SELECT `+obligationColumns+` FROM obligation_view WHERE case_id = $2 AND triggered_on <= $1 ORDER BY seq`, asOf.String(), id)
	if err != nil {
		return v, err
	}
	if v.Obligations, _, err = scanObligations(rows, asOf); err != nil {
		return v, err
	}
	w := newWhere(asOf, "raised_on <= $1")
	w.add("case_id = ?", id)
	if v.Flags, _, err = r.flags(ctx, w, "raised_on, flag_id", 0); err != nil {
		return v, err
	}
	v.SLA, err = r.sla(ctx, asOf, id)
	return v, err
}

func parseDate(s string) calendar.Date {
	d, _ := calendar.ParseDate(s)
	return d
}

func (r *Reader) sla(ctx context.Context, asOf calendar.Date, id string) ([]SLAItem, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT document, track, filed_on, due_on, COALESCE(ready_on, ''), `+slaStatusSQL+`
		FROM sla_view WHERE case_id = $2 AND filed_on <= $1 ORDER BY seq`, asOf.String(), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []SLAItem{}
	for rows.Next() {
		it := SLAItem{Deadline: "issue_document"}
		var filed, due, ready string
		if err := rows.Scan(&it.Document, &it.Track, &filed, &due, &ready, &it.Status); err != nil {
			return nil, err
		}
		it.FiledOn, it.DueOn = parseDate(filed), parseDate(due)
		if it.Status != "open" && ready != "" && !parseDate(ready).After(asOf) {
			it.ReadyOn = parseDate(ready)
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// FlagFilter selects flags for a list.
type FlagFilter struct {
	AsOf   calendar.Date
	Status string
	Office string
	Limit  int
	After  string // a cursor from a previous page
}

// FlagStatuses lists the statuses a flag can have.
var FlagStatuses = []string{cases.FlagRaised, string(cases.Dismissed), string(cases.ProceedingsOpened), string(cases.Fined)}

// Flags lists the flags raised as of a day, oldest first, a page at a time.
func (r *Reader) Flags(ctx context.Context, f FlagFilter) ([]FlagItem, string, error) {
	w := newWhere(f.AsOf, "raised_on <= $1")
	if f.Status != "" {
		w.add("("+flagStatusSQL+") = ?", f.Status)
	}
	if f.Office != "" {
		w.add("office = ?", f.Office)
	}
	if f.After != "" {
		raised, caseID, flagID, err := decodeCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		w.after("raised_on", "flag_id", raised, caseID, flagID)
	}
	items, more, err := r.flags(ctx, w, "raised_on, case_id, flag_id", f.Limit)
	if err != nil || !more {
		return items, "", err
	}
	last := items[len(items)-1]
	return items, encodeCursor(last.RaisedOn.String(), last.CaseID, last.ID), nil
}

// flags queries flag_view as of the day in w. With a limit it reports
// whether more rows follow.
func (r *Reader) flags(ctx context.Context, w *where, order string, limit int) ([]FlagItem, bool, error) {
	q := `SELECT flag_id, case_id, offence, legal_basis, max_fine_czk, review_only, raised_on, ` + flagStatusSQL + `,
		CASE WHEN decided_on <= $1 THEN fine_czk END, CASE WHEN decided_on <= $1 THEN decided_on ELSE '' END
		FROM flag_view WHERE ` + w.sql() + ` ORDER BY ` + order + w.limit(limit)
	rows, err := r.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	items := []FlagItem{}
	for rows.Next() {
		var (
			it              FlagItem
			raised, decided sql.NullString
			maxFine, fine   sql.NullInt64
		)
		if err := rows.Scan(&it.ID, &it.CaseID, &it.Offence, &it.LegalBasis, &maxFine, &it.ReviewOnly, &raised, &it.Status, &fine, &decided); err != nil {
			return nil, false, err
		}
		it.RaisedOn, it.DecidedOn = parseDate(raised.String), parseDate(decided.String)
		if maxFine.Valid {
			it.MaxFineCZK = &maxFine.Int64
		}
		if fine.Valid {
			it.FineCZK = &fine.Int64
		}
		items = append(items, it)
	}
	if limit > 0 && len(items) > limit {
		return items[:limit], true, rows.Err()
	}
	return items, false, rows.Err()
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
	// An obligation exists as of a day only once its fact has happened.
	w := newWhere(f.AsOf, "triggered_on <= $1")
	if f.Status != "" {
		w.add("("+statusSQL+") = ?", string(f.Status))
	}
	if f.Office != "" {
		w.add("office = ?", f.Office)
	}
	if f.Situation != "" {
		w.add("situation = ?", f.Situation)
	}
	if !f.DueFrom.IsZero() {
		w.add("due_on >= ?", f.DueFrom.String())
	}
	if !f.DueTo.IsZero() {
		w.add("due_on <= ?", f.DueTo.String())
	}
	if f.After != "" {
		due, caseID, rawSeq, err := decodeCursor(f.After)
		seq, convErr := strconv.Atoi(rawSeq)
		if err != nil || convErr != nil {
			return nil, "", ErrBadCursor
		}
		w.after("due_on", "seq", due, caseID, seq)
	}
	q := `SELECT ` + obligationColumns + ` FROM obligation_view WHERE ` + w.sql() + ` ORDER BY due_on, case_id, seq` + w.limit(f.Limit)
	rows, err := r.db.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, "", err
	}
	items, seqs, err := scanObligations(rows, f.AsOf)
	if err != nil || len(items) <= f.Limit {
		return items, "", err
	}
	last := items[f.Limit-1]
	return items[:f.Limit], encodeCursor(last.DueOn.String(), last.CaseID, strconv.Itoa(seqs[f.Limit-1])), nil
}

func scanObligations(rows *sql.Rows, asOf calendar.Date) ([]ObligationItem, []int, error) {
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
		if d := parseDate(fulfilled); !d.After(asOf) {
			it.FulfilledOn = d
		}
		items = append(items, it)
		seqs = append(seqs, seq)
	}
	return items, seqs, rows.Err()
}

// A cursor is the sort key of the last item of a page: a date, a case id
// and the item's id within the case.
func encodeCursor(date, caseID, item string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(date + "|" + caseID + "|" + item))
}

func decodeCursor(s string) (date, caseID, item string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.Split(string(b), "|")
	if err != nil || len(parts) != 3 {
		return "", "", "", ErrBadCursor
	}
	return parts[0], parts[1], parts[2], nil
}

// where builds the WHERE clause of a list query; $1 is always the as-of day.
type where struct {
	conds []string
	args  []any
}

func newWhere(asOf calendar.Date, cond string) *where {
	return &where{conds: []string{cond}, args: []any{asOf.String()}}
}

// add adds a condition whose one "?" stands for arg.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(w.args))))
}

// after keeps the rows that sort after a cursor (date, case id, item id) in
// the order "dateCol, case_id, itemCol".
func (w *where) after(dateCol, itemCol string, date, caseID string, item any) {
	n := len(w.args)
	w.args = append(w.args, date, caseID, item)
	w.conds = append(w.conds, fmt.Sprintf(
		"(%[4]s > $%[1]d OR (%[4]s = $%[1]d AND (case_id > $%[2]d OR (case_id = $%[2]d AND %[5]s > $%[3]d))))",
		n+1, n+2, n+3, dateCol, itemCol))
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// limit returns a LIMIT clause fetching one row more than a page, to tell
// whether another page follows; 0 means no limit.
func (w *where) limit(n int) string {
	if n <= 0 {
		return ""
	}
	w.args = append(w.args, n+1)
	return fmt.Sprintf(" LIMIT $%d", len(w.args))
}
