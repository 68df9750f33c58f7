package projections

import (
	"context"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// StatsFilter selects what the dashboard figures count: obligations whose
// fact happened, and office deadlines whose application was filed, from From
// to To (both included), as they stand on To.
type StatsFilter struct {
	From, To calendar.Date
	Office   string
}

// Counts maps a status to how many obligations have it.
type Counts map[cases.Status]int

// Stats are aggregate figures for dashboards: no names, birth numbers,
// citizen or case ids.
type Stats struct {
	From        calendar.Date     `json:"from"`
	To          calendar.Date     `json:"to"`
	Office      string            `json:"office,omitempty"`
	Obligations int               `json:"obligations"`
	ByStatus    Counts            `json:"by_status"`
	BySituation map[string]Counts `json:"by_situation"`
	ByMonth     map[string]Counts `json:"by_month"`
	Overdue     int               `json:"overdue"`
	// OnTimeRate is the share met on time of the obligations whose deadline
	// has passed and that were not excused; null when there are none.
	OnTimeRate  *float64       `json:"on_time_rate"`
	SLA         map[string]int `json:"sla"`
	SLABreaches int            `json:"sla_breaches"`
}

// Stats counts obligations by situation, status and month of their fact,
// and office deadlines by outcome.
func (r *Reader) Stats(ctx context.Context, f StatsFilter) (Stats, error) {
	st := Stats{From: f.From, To: f.To, Office: f.Office, ByStatus: Counts{},
		BySituation: map[string]Counts{}, ByMonth: map[string]Counts{}, SLA: map[string]int{}}
	w := newWhere(f.To, "triggered_on <= $1")
	w.add("triggered_on >= ?", f.From.String())
	if f.Office != "" {
		w.add("office = ?", f.Office)
	}
	rows, err := r.db.QueryContext(ctx, `SELECT situation, SUBSTR(triggered_on, 1, 7), `+statusSQL+`, COUNT(*)
		FROM obligation_view WHERE `+w.sql()+` GROUP BY 1, 2, 3`, w.args...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			situation, month string
			status           cases.Status
			n                int
		)
		if err := rows.Scan(&situation, &month, &status, &n); err != nil {
			return st, err
		}
		st.Obligations += n
		st.ByStatus[status] += n
		if st.BySituation[situation] == nil {
			st.BySituation[situation] = Counts{}
		}
		st.BySituation[situation][status] += n
		if st.ByMonth[month] == nil {
			st.ByMonth[month] = Counts{}
		}
		st.ByMonth[month][status] += n
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.Overdue = st.ByStatus[cases.StatusOverdue]
	if due := st.ByStatus[cases.StatusMet] + st.ByStatus[cases.StatusMetLate] + st.Overdue + st.ByStatus[cases.StatusJudged]; due > 0 {
		rate := float64(st.ByStatus[cases.StatusMet]) / float64(due)
		st.OnTimeRate = &rate
	}
	return st, r.slaStats(ctx, f, &st)
}

func (r *Reader) slaStats(ctx context.Context, f StatsFilter, st *Stats) error {
	w := newWhere(f.To, "filed_on <= $1")
	w.add("filed_on >= ?", f.From.String())
	if f.Office != "" {
		w.add("office = ?", f.Office)
	}
	rows, err := r.db.QueryContext(ctx, `SELECT `+slaStatusSQL+`, COUNT(*) FROM sla_view WHERE `+w.sql()+` GROUP BY 1`, w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		st.SLA[status] = n
	}
	st.SLABreaches = st.SLA[cases.SLABreached]
	return rows.Err()
}
