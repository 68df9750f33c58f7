package reminders

import (
	"context"
	"time"

	"github.com/lhuta/lhuta/internal/collect"
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
func (s *Service) Collector() prometheus.Collector {
	return collect.New(s.collect, remindersQueued, remindersSent, remindersFailed, outboxDepth, outboxAge, remindersParked)
}

func (s *Service) collect(ch chan<- prometheus.Metric) {
	collect.Counter(ch, remindersQueued, float64(s.queued.Load()))
	collect.Counter(ch, remindersSent, float64(s.sent.Load()))
	collect.Counter(ch, remindersFailed, float64(s.failed.Load()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var (
		depth, parked int64
		oldest        any // a time, or text on SQLite, where MIN loses the column's type
	)
	err := s.db.SQL.QueryRowContext(ctx, `SELECT
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
	collect.Gauge(ch, outboxDepth, float64(depth))
	collect.Gauge(ch, outboxAge, age)
	collect.Gauge(ch, remindersParked, float64(parked))
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
