package reminders

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	remindersQueued = prometheus.NewDesc("lhuta_reminders_queued_total", "Reminders this instance has put into the outbox.", nil, nil)
	remindersSent   = prometheus.NewDesc("lhuta_reminders_sent_total", "Reminders this instance has handed to the mail server.", nil, nil)
	remindersFailed = prometheus.NewDesc("lhuta_reminders_failed_total", "Delivery attempts the mail server refused or that failed (each retry counts).", nil, nil)
	outboxDepth     = prometheus.NewDesc("lhuta_reminders_outbox_depth", "Reminders in the outbox that are neither delivered nor parked.", nil, nil)
	outboxAge       = prometheus.NewDesc("lhuta_reminders_outbox_oldest_seconds", "Age of the oldest reminder in the outbox that is neither delivered nor parked (0 when none).", nil, nil)
	remindersParked = prometheus.NewDesc("lhuta_reminders_parked", "Reminders parked after their retries, waiting for an operator.", nil, nil)
)

// Collector returns the reminders' metrics, read once per scrape.
func (s *Service) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Service }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{remindersQueued, remindersSent, remindersFailed, outboxDepth, outboxAge, remindersParked} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(remindersQueued, prometheus.CounterValue, float64(c.s.queued.Load()))
	ch <- prometheus.MustNewConstMetric(remindersSent, prometheus.CounterValue, float64(c.s.sent.Load()))
	ch <- prometheus.MustNewConstMetric(remindersFailed, prometheus.CounterValue, float64(c.s.failed.Load()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var (
		depth, parked int64
		oldest        any // a time, or text on SQLite, where MIN loses the column's type
	)
	err := c.s.db.SQL.QueryRowContext(ctx, `SELECT
		COUNT(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL),
		MIN(queued_at) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL AND dropped_at IS NULL),
		COUNT(*) FILTER (WHERE parked_at IS NOT NULL) FROM reminder_sent`).Scan(&depth, &oldest, &parked)
	if err != nil {
		return
	}
	age := 0.0
	if t, ok := timeOf(oldest); ok {
		age = max(time.Since(t).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(remindersParked, prometheus.GaugeValue, float64(parked))
}

// timeOf reads a timestamp an aggregate returned: a time on PostgreSQL,
// the driver's text form on SQLite.
func timeOf(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999 -0700 MST"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
