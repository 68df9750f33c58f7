package views

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// RetentionItem is a case whose retention period has ended (GET /v1/retention).
type RetentionItem struct {
	CaseID    string        `json:"case_id"`
	Reference string        `json:"reference"`
	Situation string        `json:"situation"`
	Office    string        `json:"office"`
	Mark      string        `json:"mark"`
	Years     int           `json:"years"`
	Trigger   string        `json:"trigger"`
	TriggerOn calendar.Date `json:"trigger_on"`
	EndsOn    calendar.Date `json:"ends_on"`
}

// RetentionFilter selects the cases of GET /v1/retention.
type RetentionFilter struct {
	// Scope, if not nil, keeps the cases of these offices only.
	Scope  []string
	AsOf   calendar.Date
	Office string
	Limit  int
	After  string // a cursor from a previous page
}

// Retention lists the cases whose retention period ended before a day
// (ends_on < as_of), that are not on legal hold and not disposed of, by
// the end of their period and id, a page at a time.
func (r *Reader) Retention(ctx context.Context, f RetentionFilter) ([]RetentionItem, string, error) {
	w := newWhere(f.AsOf, "ends_on < $1")
	w.cond("held_since IS NULL AND disposed_on IS NULL")
	w.offices(f.Office, f.Scope)
	order := orderingOf(SortDefault, "ends_on", "", "text")
	if err := order.after(w, f.After); err != nil {
		return nil, "", err
	}
	q := `SELECT case_id, reference, situation, office, mark, years, rule_trigger, trigger_on, ends_on
		FROM retention_view WHERE ` + w.sql() + order.sql() + w.limit(f.Limit)
	return pageOf(ctx, r.db, q, w.args, order, f.Limit, func(rows *sql.Rows) (RetentionItem, []string, error) {
		var (
			it          RetentionItem
			trigger, to DBDate
		)
		err := rows.Scan(&it.CaseID, &it.Reference, &it.Situation, &it.Office, &it.Mark, &it.Years, &it.Trigger, &trigger, &to)
		it.TriggerOn, it.EndsOn = trigger.Date, to.Date
		return it, []string{it.EndsOn.String(), it.CaseID}, err
	})
}

// Unscheduled lists the cases of the offices of a scope (nil: every office)
// that have no retention schedule yet and may be due one: closed, or of a
// situation that settles (local fees). Disposal proposals schedule them
// first, for cases closed before the office's rules existed.
func (r *Reader) Unscheduled(ctx context.Context, scope []string) ([]string, error) {
	w := &where{}
	w.cond("(closed_on IS NOT NULL OR situation = '" + string(cases.LocalFee) + "')")
	w.cond("case_id NOT IN (SELECT case_id FROM retention_view)")
	w.scope(scope)
	rows, err := r.db.QueryContext(ctx, `SELECT case_id FROM case_view WHERE `+w.sql()+` ORDER BY case_id`, w.args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, errors.Join(rows.Err(), rows.Close())
}

// Retained reports whether a citizen has a case that is kept: any case of
// theirs not destroyed by a disposal (an open case, one not yet due, one
// on hold, one transferred to the archive).
func (r *Reader) Retained(ctx context.Context, citizenID string) (bool, error) {
	var n int
	err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_view c LEFT JOIN retention_view r ON r.case_id = c.case_id
		WHERE c.citizen_id = $1 AND (r.disposition IS NULL OR r.disposition <> 'destroyed')`, citizenID).Scan(&n)
	return n > 0, err
}
