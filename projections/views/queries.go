package views

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
	"github.com/lhuta/lhuta/domain/money"
)

// pendingOn is the condition "neither fulfilled, excused nor judged as of $1".
const pendingOn = `(resolved_on IS NULL OR resolved_on > $1)`

// ObligationItem is one obligation as the API shows it.
type ObligationItem struct {
	CaseID string `json:"case_id"`
	// Reference and FullName name the case and its citizen in lists, not within a case.
	Reference   string        `json:"reference,omitempty"`
	FullName    string        `json:"full_name,omitempty"`
	Office      string        `json:"office,omitempty"`
	Obligation  string        `json:"obligation"`
	LegalBasis  string        `json:"legal_basis"`
	TriggeredOn calendar.Date `json:"triggered_on"`
	DueOn       calendar.Date `json:"due_on"`
	Status      cases.Status  `json:"status"`
	FulfilledOn calendar.Date `json:"fulfilled_on"`
}

// CaseObligation is an obligation as a case shows it: the list's fields,
// and why a missed deadline raises no flag where it raises none although
// the law attaches an offence to it (a citizen under 15, docs/LAW.md §7).
type CaseObligation struct {
	ObligationItem
	NoFlag string `json:"no_flag,omitempty"`
}

// FlagItem is one misdemeanor flag as the API shows it.
type FlagItem struct {
	ID     string `json:"id"`
	CaseID string `json:"case_id"`
	// Reference and FullName name the case and its citizen in lists, not within a case.
	Reference  string        `json:"reference,omitempty"`
	FullName   string        `json:"full_name,omitempty"`
	Office     string        `json:"office,omitempty"`
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
	// CaseID is set in lists (GET /v1/sla), not within a case.
	CaseID    string        `json:"case_id,omitempty"`
	Reference string        `json:"reference,omitempty"`
	FullName  string        `json:"full_name,omitempty"`
	Office    string        `json:"office,omitempty"`
	Deadline  string        `json:"deadline"`
	Document  string        `json:"document"`
	Track     string        `json:"track"`
	FiledOn   calendar.Date `json:"filed_on"`
	DueOn     calendar.Date `json:"due_on"`
	ReadyOn   calendar.Date `json:"ready_on"`
	Status    string        `json:"status"`
}

// CaseView is one case as the API shows it.
type CaseView struct {
	ID string `json:"id"`
	// Reference is the number people say aloud: <office>/<year>/<sequence>.
	Reference   string           `json:"reference"`
	Situation   string           `json:"situation"`
	Office      string           `json:"office"`
	Status      string           `json:"status"`
	Version     int64            `json:"version"`
	OpenedOn    calendar.Date    `json:"opened_on"`
	ClosedOn    calendar.Date    `json:"closed_on"`
	AsOf        calendar.Date    `json:"as_of"`
	Citizen     json.RawMessage  `json:"citizen"`
	Obligations []CaseObligation `json:"obligations"`
	Flags       []FlagItem       `json:"flags"`
	SLA         []SLAItem        `json:"sla"`
	Validity    json.RawMessage  `json:"validity"`
	// Fee is the fee fixed by the latest application, null where none is known.
	Fee json.RawMessage `json:"fee"`
	// Payments are the case's payment obligations as of AsOf (docs/LAW.md §9).
	Payments []PaymentItem `json:"payments"`
	// Assignee is the staff member the case is assigned to, "" for none.
	Assignee string `json:"assignee"`
}

// Reader answers queries from the read models.
type Reader struct {
	db *sql.DB
	// offices are the payment terms of the offices (payments.go).
	offices *money.Offices
	// totals keeps recent payment totals of the dashboards (payments.go).
	totals *totalsCache
	// print is the fingerprint of offices (paymentrows.go), once known.
	printOnce sync.Once
	print     string
}

// NewReader returns a Reader on db.
func NewReader(db *sql.DB) *Reader { return &Reader{db: db, totals: newTotalsCache()} }

// Case returns a case with its obligations, flags and office deadlines as
// of a day, from the state stored with its row.
func (r *Reader) Case(ctx context.Context, id string, asOf calendar.Date) (CaseView, error) {
	var state []byte
	err := r.db.QueryRowContext(ctx, `SELECT state FROM case_view WHERE case_id = $1`, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return CaseView{AsOf: asOf}, cases.ErrNotFound
	}
	if err != nil {
		return CaseView{AsOf: asOf}, err
	}
	c, err := cases.RestoreSnapshot(state)
	if err != nil {
		return CaseView{AsOf: asOf}, fmt.Errorf("case %s: %w", id, err)
	}
	return ViewOf(c, asOf, r.terms())
}

// ViewOf shows a case as of a day: facts dated later have not happened yet.
// Its payment obligations follow the offices' terms (nil: the built-in ones).
// It is the one way a case state becomes the API's answer, whether the state
// comes from the read model or from replaying the events known at a moment.
func ViewOf(c *cases.Case, asOf calendar.Date, offices *money.Offices) (CaseView, error) {
	v := CaseView{ID: c.ID, Reference: c.Reference, Assignee: c.Assignee, Situation: string(c.Situation), Office: c.Office, Status: "open", Version: c.Version,
		OpenedOn: c.OpenedOn, ClosedOn: c.ClosedOn, AsOf: asOf, Obligations: []CaseObligation{}, Flags: []FlagItem{},
		SLA: []SLAItem{}, Fee: json.RawMessage("null"), Payments: []PaymentItem{}}
	if offices == nil {
		offices = money.Builtin()
	}
	for _, p := range c.PaymentObligations(asOf, offices) {
		v.Payments = append(v.Payments, paymentItem(c, p))
	}
	if !c.ClosedOn.IsZero() && !c.ClosedOn.After(asOf) {
		v.Status = "closed"
	}
	var err error
	if v.Citizen, err = json.Marshal(c.Citizen); err != nil {
		return v, err
	}
	if v.Validity, err = json.Marshal(append([]cases.Validity{}, c.Validity...)); err != nil {
		return v, err
	}
	if c.Fee != nil {
		if v.Fee, err = json.Marshal(c.Fee); err != nil {
			return v, err
		}
	}
	for _, o := range c.Obligations {
		if !o.TriggeredOn.After(asOf) {
			v.Obligations = append(v.Obligations, CaseObligation{obligationItem(c.ID, o, asOf), o.NoFlag})
		}
	}
	flags := slices.Clone(c.Flags)
	slices.SortStableFunc(flags, func(a, b cases.Flag) int {
		if n := a.RaisedOn.Compare(b.RaisedOn); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, f := range flags {
		if !f.RaisedOn.After(asOf) {
			v.Flags = append(v.Flags, flagItem(c.ID, f, asOf))
		}
	}
	for _, d := range c.SLA {
		if !d.FiledOn.After(asOf) {
			v.SLA = append(v.SLA, slaItem(d, asOf))
		}
	}
	return v, nil
}

func obligationItem(caseID string, o cases.Obligation, asOf calendar.Date) ObligationItem {
	it := ObligationItem{CaseID: caseID, Obligation: o.Obligation, LegalBasis: o.LegalBasis, TriggeredOn: o.TriggeredOn,
		DueOn: o.Due, Status: o.StatusOn(asOf)}
	if !o.FulfilledOn.After(asOf) {
		it.FulfilledOn = o.FulfilledOn
	}
	return it
}

func flagItem(caseID string, f cases.Flag, asOf calendar.Date) FlagItem {
	it := FlagItem{ID: f.ID, CaseID: caseID, Offence: f.Offence.Code, LegalBasis: f.Offence.LegalBasis,
		ReviewOnly: f.Offence.ReviewOnly, RaisedOn: f.RaisedOn, Status: f.StatusOn(asOf)}
	if f.Offence.MaxFineCZK != nil {
		maxFine := int64(*f.Offence.MaxFineCZK)
		it.MaxFineCZK = &maxFine
	}
	if it.Status != cases.FlagRaised {
		it.DecidedOn = f.DecidedOn
		if f.FineCZK > 0 {
			fine := int64(f.FineCZK)
			it.FineCZK = &fine
		}
	}
	return it
}

// FlagFilter selects flags for a list.
type FlagFilter struct {
	// Scope, if not nil, keeps the items of these offices only (a token's offices).
	Scope  []string
	AsOf   calendar.Date
	Status string
	Office string
	Limit  int
	After  string // a cursor from a previous page
	// Sort is SortDefault (by the day raised), SortName or SortOffice.
	Sort Sort
}

// FlagStatuses lists the statuses a flag can have.
var FlagStatuses = []string{cases.FlagRaised, string(cases.Dismissed), string(cases.ProceedingsOpened), string(cases.Fined)}

// Flags lists the flags raised as of a day, oldest first, a page at a time.
func (r *Reader) Flags(ctx context.Context, f FlagFilter) ([]FlagItem, string, error) {
	w := newWhere(f.AsOf, "raised_on <= $1")
	switch f.Status {
	case "":
	case cases.FlagRaised:
		w.cond("(decided_on IS NULL OR decided_on > $1)")
	default:
		w.add("decided_on <= $1 AND decision = ?", f.Status)
	}
	w.offices(f.Office, f.Scope)
	order := orderingOf(f.Sort, "raised_on", "flag_id", "text")
	if err := order.after(w, f.After); err != nil {
		return nil, "", err
	}
	q := `SELECT case_id, flag_id, offence, legal_basis, max_fine_czk, review_only, raised_on, decision, fine_czk, decided_on, reference, full_name, office
		FROM flag_view WHERE ` + w.sql() + order.sql() + w.limit(f.Limit)
	return pageOf(ctx, r.db, q, w.args, order, f.Limit, func(rows *sql.Rows) (FlagItem, []string, error) {
		var (
			caseID          string
			fl              cases.Flag
			raised, decided DBDate
			maxFine, fine   sql.NullInt64
			decision        sql.NullString
			ref, name, off  string
		)
		if err := rows.Scan(&caseID, &fl.ID, &fl.Offence.Code, &fl.Offence.LegalBasis, &maxFine, &fl.Offence.ReviewOnly,
			&raised, &decision, &fine, &decided, &ref, &name, &off); err != nil {
			return FlagItem{}, nil, err
		}
		fl.RaisedOn, fl.DecidedOn, fl.Decision = raised.Date, decided.Date, cases.Decision(decision.String)
		fl.FineCZK = int(fine.Int64)
		if maxFine.Valid {
			m := int(maxFine.Int64)
			fl.Offence.MaxFineCZK = &m
		}
		it := flagItem(caseID, fl, f.AsOf)
		it.Reference, it.FullName, it.Office = ref, name, off
		return it, sortKey(f.Sort, name, off, it.RaisedOn.String(), caseID, it.ID), nil
	})
}

// ObligationFilter selects obligations for a list.
type ObligationFilter struct {
	// Scope, if not nil, keeps the items of these offices only (a token's offices).
	Scope          []string
	AsOf           calendar.Date
	Status         cases.Status
	Office         string
	Situation      string
	DueFrom, DueTo calendar.Date
	Limit          int
	After          string // a cursor from a previous page
	Sort           Sort
}

// ErrBadCursor is returned for a cursor this service did not hand out.
var ErrBadCursor = errors.New("cursor is not one this service handed out")

// Obligations lists obligations ordered by due date, a page at a time; the
// returned cursor fetches the next page ("" on the last). Open and overdue
// are told by comparing dates, which indexes serve; the other statuses by
// StatusSQL.
func (r *Reader) Obligations(ctx context.Context, f ObligationFilter) ([]ObligationItem, string, error) {
	// An obligation exists as of a day only once its fact has happened.
	w := newWhere(f.AsOf, "triggered_on <= $1")
	switch f.Status {
	case "":
	case cases.StatusOpen:
		w.cond("due_on >= $1 AND " + pendingOn)
	case cases.StatusOverdue:
		w.cond("due_on < $1")
	default:
		w.add("("+StatusSQL+") = ?", string(f.Status))
	}
	w.offices(f.Office, f.Scope)
	if f.Situation != "" {
		w.add("situation = ?", f.Situation)
	}
	if !f.DueFrom.IsZero() {
		w.add("due_on >= ?", f.DueFrom.String())
	}
	if !f.DueTo.IsZero() {
		w.add("due_on <= ?", f.DueTo.String())
	}
	ordering := orderingOf(f.Sort, "due_on", "seq", "int")
	if err := ordering.after(w, f.After); err != nil {
		return nil, "", err
	}
	const cols = `case_id, seq, obligation, legal_basis, triggered_on, due_on, fulfilled_on, excused_on, judged_on, reference, full_name, office, name_key`
	order := ordering.sql()
	limit := w.limit(f.Limit)
	q := `SELECT ` + cols + ` FROM obligation_view WHERE ` + w.sql() + order + limit
	if f.Status == cases.StatusOverdue {
		// Overdue as of today is "no resolution and due date passed", which
		// a partial index holds in due-date order; as of an earlier day,
		// those resolved since then join them.
		// The second part is read through the index of resolved_on (a
		// materialized CTE): as of today it is empty, and a scan in due-date
		// order would walk every resolved obligation to find that out.
		q = `WITH resolved_later AS MATERIALIZED (SELECT * FROM obligation_view WHERE resolved_on > $1)
			SELECT ` + cols + ` FROM (SELECT ` + cols + ` FROM (SELECT ` + cols + ` FROM obligation_view WHERE resolved_on IS NULL AND ` + w.sql() + order + limit + `) AS pending
			UNION ALL SELECT ` + cols + ` FROM resolved_later WHERE ` + w.sql() + `) AS o` + order + limit
	}
	return pageOf(ctx, r.db, q, w.args, ordering, f.Limit, func(rows *sql.Rows) (ObligationItem, []string, error) {
		var (
			o                                          cases.Obligation
			caseID                                     string
			seq                                        int
			triggered, due, fulfilled, excused, judged DBDate
			ref, name, off, nameKey                    string
		)
		if err := rows.Scan(&caseID, &seq, &o.Obligation, &o.LegalBasis, &triggered, &due, &fulfilled, &excused, &judged, &ref, &name,
			&off, &nameKey); err != nil {
			return ObligationItem{}, nil, err
		}
		o.TriggeredOn, o.Due, o.FulfilledOn, o.ExcusedOn, o.JudgedOn = triggered.Date, due.Date, fulfilled.Date, excused.Date, judged.Date
		it := obligationItem(caseID, o, f.AsOf)
		it.Reference, it.FullName, it.Office = ref, name, off
		return it, sortKey(f.Sort, name, off, it.DueOn.String(), caseID, strconv.Itoa(seq)), nil
	})
}

// SLAFilter selects office processing deadlines for a list.
type SLAFilter struct {
	// Scope, if not nil, keeps the items of these offices only (a token's offices).
	Scope  []string
	AsOf   calendar.Date
	Status string
	Office string
	Limit  int
	After  string // a cursor from a previous page
	Sort   Sort
}

// SLAStatuses lists the statuses an office deadline can have.
var SLAStatuses = []string{cases.SLAOpen, cases.SLAMet, cases.SLABreached}

// SLA lists the office processing deadlines of applications filed by a day,
// ordered by due date, a page at a time.
func (r *Reader) SLA(ctx context.Context, f SLAFilter) ([]SLAItem, string, error) {
	w := newWhere(f.AsOf, "filed_on <= $1")
	const readyBy = "(ready_on IS NOT NULL AND ready_on <= $1)"
	switch f.Status {
	case cases.SLAOpen:
		w.cond("due_on >= $1 AND NOT " + readyBy)
	case cases.SLAMet:
		w.cond(readyBy + " AND ready_on <= due_on")
	case cases.SLABreached:
		w.cond("((" + readyBy + " AND ready_on > due_on) OR (due_on < $1 AND NOT " + readyBy + "))")
	}
	w.offices(f.Office, f.Scope)
	order := orderingOf(f.Sort, "due_on", "seq", "int")
	if err := order.after(w, f.After); err != nil {
		return nil, "", err
	}
	q := `SELECT case_id, seq, document, track, filed_on, due_on, ready_on, reference, full_name, office FROM sla_view WHERE ` +
		w.sql() + order.sql() + w.limit(f.Limit)
	return pageOf(ctx, r.db, q, w.args, order, f.Limit, func(rows *sql.Rows) (SLAItem, []string, error) {
		var (
			d                 cases.SLA
			caseID            string
			seq               int
			filed, due, ready DBDate
			ref, name, off    string
		)
		if err := rows.Scan(&caseID, &seq, &d.Document, &d.Track, &filed, &due, &ready, &ref, &name, &off); err != nil {
			return SLAItem{}, nil, err
		}
		d.FiledOn, d.Due, d.ReadyOn = filed.Date, due.Date, ready.Date
		it := slaItem(d, f.AsOf)
		it.CaseID, it.Reference, it.FullName, it.Office = caseID, ref, name, off
		return it, sortKey(f.Sort, name, off, it.DueOn.String(), caseID, strconv.Itoa(seq)), nil
	})
}

// slaItem shows an office deadline as of a day.
func slaItem(d cases.SLA, asOf calendar.Date) SLAItem {
	it := SLAItem{Deadline: "issue_document", Document: d.Document, Track: d.Track, FiledOn: d.FiledOn, DueOn: d.Due,
		Status: d.StatusOn(asOf)}
	if it.Status != cases.SLAOpen && !d.ReadyOn.IsZero() && !d.ReadyOn.After(asOf) {
		it.ReadyOn = d.ReadyOn
	}
	return it
}

// A payment list's cursor is its last item's place: a kind ("p"), a case id
// and the obligation within the case (the other lists' are ordering's, sort.go).
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

// cond adds a condition without arguments of its own.
func (w *where) cond(c string) { w.conds = append(w.conds, c) }

// add adds a condition whose one "?" stands for arg.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(w.args))))
}

// collect runs q and gathers what scan makes of each row; with no rows, an
// empty list, which the API shows as [] (not null).
func collect[T any](ctx context.Context, db *sql.DB, q string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	items := []T{}
	err := eachRow(ctx, db, q, args, func(rows *sql.Rows) error {
		it, err := scan(rows)
		items = append(items, it)
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// errStop, from eachRow's fn, stops at the row it was given, with no error.
var errStop = errors.New("stop")

// eachRow runs q and calls fn with each row it returns, until fn returns an
// error.
func eachRow(ctx context.Context, db *sql.DB, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}
	}
	return rows.Err()
}

// pageOf runs q, which fetches a page of limit and one row more (see
// where.limit), and gathers what scan makes of each row, with the row's key
// in order; it gives the page and the cursor of the next, the key of the
// page's last item ("" on the last page).
func pageOf[T any](ctx context.Context, db *sql.DB, q string, args []any, order ordering, limit int,
	scan func(*sql.Rows) (T, []string, error)) ([]T, string, error) {
	var keys [][]string
	items, err := collect(ctx, db, q, args, func(rows *sql.Rows) (T, error) {
		it, key, err := scan(rows)
		keys = append(keys, key)
		return it, err
	})
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || len(items) <= limit {
		return items, "", nil
	}
	return items[:limit], order.cursor(keys[limit-1]...), nil
}

// offices keeps the rows of office, where one is asked for, and of the
// offices of scope.
func (w *where) offices(office string, scope []string) {
	if office != "" {
		w.add("office = ?", office)
	}
	w.scope(scope)
}

// scope keeps the rows of the offices of a scope: nil keeps every row, an
// empty scope none.
func (w *where) scope(offices []string) {
	if offices == nil {
		return
	}
	if len(offices) == 0 {
		w.cond("1 = 0")
		return
	}
	marks := make([]string, len(offices))
	for i, o := range offices {
		w.args = append(w.args, o)
		marks[i] = fmt.Sprintf("$%d", len(w.args))
	}
	w.cond("office IN (" + strings.Join(marks, ", ") + ")")
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
