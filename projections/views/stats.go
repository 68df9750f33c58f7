package views

import (
	"context"
	"database/sql"
	"strings"

	"github.com/lhuta/lhuta/domain/calendar"
	"github.com/lhuta/lhuta/domain/cases"
)

// StatsFilter selects what the dashboard figures count: obligations whose
// fact happened, and office deadlines whose application was filed, from From
// to To (both included), as they stand on To.
type StatsFilter struct {
	From, To calendar.Date
	Office   string
	// Offices, if not "", are the comma-separated codes of the only offices
	// counted (a token's scope; a string, so that a filter is a cache key).
	Offices string
	// Nothing counts nothing: the office asked for is out of the caller's scope.
	Nothing bool
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
	// Payments are the payment obligations due from From to To (payments.go).
	Payments PaymentTotals `json:"payments"`
}

// Stats counts obligations by situation, status and month of their fact,
// and office deadlines by outcome. It reads the aggregates the projection
// keeps (stat_month, stat_day), not the obligations: a status as of To is
// the sum of the changes into and out of it up to To, taken by month of
// the change for the months before To's and by day within To's month.
func (r *Reader) Stats(ctx context.Context, f StatsFilter) (Stats, error) {
	st := Stats{From: f.From, To: f.To, Office: f.Office, ByStatus: Counts{},
		BySituation: map[string]Counts{}, ByMonth: map[string]Counts{}, SLA: map[string]int{}}
	err := r.aggregate(ctx, f, func(kind, situation, month, status string, n int) {
		if kind == KindSLA {
			st.SLA[status] += n
			return
		}
		s := cases.Status(status)
		st.Obligations += n
		st.ByStatus[s] += n
		if st.BySituation[situation] == nil {
			st.BySituation[situation] = Counts{}
		}
		st.BySituation[situation][s] += n
		if st.ByMonth[month] == nil {
			st.ByMonth[month] = Counts{}
		}
		st.ByMonth[month][s] += n
	})
	if err != nil {
		return st, err
	}
	dropZeros(st.ByStatus)
	for k, c := range st.BySituation {
		if dropZeros(c); len(c) == 0 {
			delete(st.BySituation, k)
		}
	}
	for k, c := range st.ByMonth {
		if dropZeros(c); len(c) == 0 {
			delete(st.ByMonth, k)
		}
	}
	for k, n := range st.SLA {
		if n == 0 {
			delete(st.SLA, k)
		}
	}
	st.Overdue = st.ByStatus[cases.StatusOverdue]
	if due := st.ByStatus[cases.StatusMet] + st.ByStatus[cases.StatusMetLate] + st.Overdue + st.ByStatus[cases.StatusJudged]; due > 0 {
		rate := float64(st.ByStatus[cases.StatusMet]) / float64(due)
		st.OnTimeRate = &rate
	}
	st.SLABreaches = st.SLA[cases.SLABreached]
	return st, nil
}

func dropZeros(c Counts) {
	for k, n := range c {
		if n == 0 {
			delete(c, k)
		}
	}
}

// aggregate calls add with the counts as of f.To of the obligations and
// office deadlines whose fact happened from f.From to f.To.
//
// For all offices it sums the aggregates: stat_month for changes before
// f.To's month, stat_day for the days of f.To's month up to f.To, and takes
// away what happened in f.From's month before f.From, counted from at most a
// month of rows. One office is counted from its rows (an index of office and
// fact day): spread over many offices, its aggregates would have about one
// row per obligation and save nothing.
func (r *Reader) aggregate(ctx context.Context, f StatsFilter, add func(kind, situation, month, status string, n int)) error {
	if f.Nothing {
		return nil
	}
	if f.Office != "" || f.Offices != "" {
		return r.count(ctx, f, f.From, f.To, f.Office, add)
	}
	fromMonth, toMonth := f.From.String()[:7], f.To.String()[:7]
	firstOfTo := calendar.NewDate(f.To.Year(), f.To.Month(), 1)
	queries := []struct {
		q    string
		args []any
	}{
		{`SELECT kind, situation, month, status, SUM(n) FROM stat_month
			WHERE kind IN ('obligation', 'sla') AND month >= $1 AND month <= $2 AND changed < $2
			GROUP BY kind, situation, month, status`, []any{fromMonth, toMonth}},
		{`SELECT kind, situation, month, status, SUM(n) FROM stat_day
			WHERE kind IN ('obligation', 'sla') AND day >= $1 AND day <= $2 AND month >= $3 AND month <= $4
			GROUP BY kind, situation, month, status`, []any{firstOfTo.String(), f.To.String(), fromMonth, toMonth}},
	}
	for _, q := range queries {
		if err := r.sum(ctx, q.q, q.args, add); err != nil {
			return err
		}
	}
	firstOfFrom := calendar.NewDate(f.From.Year(), f.From.Month(), 1)
	if firstOfFrom == f.From {
		return nil
	}
	return r.count(ctx, f, firstOfFrom, f.From.AddDays(-1), "", func(kind, situation, month, status string, n int) {
		add(kind, situation, month, status, -n)
	})
}

func (r *Reader) sum(ctx context.Context, q string, args []any, add func(kind, situation, month, status string, n int)) error {
	return eachRow(ctx, r.db, q, args, func(rows *sql.Rows) error {
		var (
			kind, situation, month, status string
			n                              int
		)
		if err := rows.Scan(&kind, &situation, &month, &status, &n); err != nil {
			return err
		}
		add(kind, situation, month, status, n)
		return nil
	})
}

// count counts, as of f.To, the obligations and office deadlines (of one
// office, or of all with office "") whose fact happened from first to last,
// from their rows with the domain's StatusOn.
func (r *Reader) count(ctx context.Context, f StatsFilter, first, last calendar.Date, office string,
	add func(kind, situation, month, status string, n int)) error {
	if last.After(f.To) {
		last = f.To
	}
	in := func(col string) (string, []any) {
		q, args := col+" >= $1 AND "+col+" <= $2", []any{first.String(), last.String()}
		if office != "" {
			q, args = q+" AND office = $3", append(args, office)
		}
		if f.Offices != "" {
			w := &where{args: args}
			w.scope(strings.Split(f.Offices, ","))
			q, args = q+" AND "+w.sql(), w.args
		}
		return q, args
	}
	cond, args := in("triggered_on")
	err := eachRow(ctx, r.db, `SELECT situation, triggered_on, due_on, fulfilled_on, excused_on, judged_on
		FROM obligation_view WHERE `+cond, args, func(rows *sql.Rows) error {
		var (
			situation                                  string
			triggered, due, fulfilled, excused, judged DBDate
		)
		if err := rows.Scan(&situation, &triggered, &due, &fulfilled, &excused, &judged); err != nil {
			return err
		}
		o := cases.Obligation{FulfilledOn: fulfilled.Date, ExcusedOn: excused.Date, JudgedOn: judged.Date}
		o.TriggeredOn, o.Due = triggered.Date, due.Date
		add(KindObligation, situation, o.TriggeredOn.String()[:7], string(o.StatusOn(f.To)), 1)
		return nil
	})
	if err != nil {
		return err
	}
	cond, args = in("filed_on")
	return eachRow(ctx, r.db, `SELECT situation, filed_on, due_on, ready_on FROM sla_view WHERE `+cond, args, func(rows *sql.Rows) error {
		var (
			situation         string
			filed, due, ready DBDate
		)
		if err := rows.Scan(&situation, &filed, &due, &ready); err != nil {
			return err
		}
		d := cases.SLA{FiledOn: filed.Date, Due: due.Date, ReadyOn: ready.Date}
		add(KindSLA, situation, d.FiledOn.String()[:7], d.StatusOn(f.To), 1)
		return nil
	})
}
