package views

import (
	"context"
	"database/sql"

	"github.com/lhuta/lhuta/domain/calendar"
)

// CitizenCase is one of a citizen's cases, for finding it at the counter.
type CitizenCase struct {
	CaseID    string        `json:"case_id"`
	Reference string        `json:"reference"`
	FullName  string        `json:"full_name"`
	Situation string        `json:"situation"`
	Office    string        `json:"office"`
	Status    string        `json:"status"`
	OpenedOn  calendar.Date `json:"opened_on"`
}

// CitizenCases lists the cases opened for a citizen (the citizen.id they
// were opened with) at the offices of scope (nil: all), oldest first;
// status is open or closed as of asOf.
func (r *Reader) CitizenCases(ctx context.Context, citizenID string, asOf calendar.Date, scope []string) ([]CitizenCase, error) {
	w := &where{}
	w.add("citizen_id = ?", citizenID)
	w.scope(scope)
	q := `SELECT case_id, reference, full_name, situation, office, opened_on, closed_on FROM case_view
		WHERE ` + w.sql() + ` ORDER BY opened_on, case_id`
	return collect(ctx, r.db, q, w.args, func(rows *sql.Rows) (CitizenCase, error) {
		var (
			it             CitizenCase
			opened, closed DBDate
		)
		err := rows.Scan(&it.CaseID, &it.Reference, &it.FullName, &it.Situation, &it.Office, &opened, &closed)
		it.OpenedOn, it.Status = opened.Date, "open"
		if !closed.IsZero() && !closed.After(asOf) {
			it.Status = "closed"
		}
		return it, err
	})
}
