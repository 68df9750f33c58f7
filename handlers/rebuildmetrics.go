package handlers

import (
	"context"
	"database/sql"
	"time"

	"github.com/lhuta/lhuta/projections/views"
	"github.com/prometheus/client_golang/prometheus"
)

// rebuildCollector reports a rebuild running on the database (`lhuta
// rebuild` is a process of its own, which writes its progress to the
// table rebuild_progress), read once per scrape.
type rebuildCollector struct{ db *sql.DB }

var (
	rebuildRunning = prometheus.NewDesc("lhuta_rebuild_running",
		"1 while a rebuild (or rebuild --check) of the read models has progress in the database.", nil, nil)
	rebuildDone = prometheus.NewDesc("lhuta_rebuild_events_done",
		"Events the running rebuild has folded into the new generation.", nil, nil)
	rebuildTotal = prometheus.NewDesc("lhuta_rebuild_events_total",
		"Events the running rebuild has to fold (the log when it started, and what came since).", nil, nil)
	rebuildStarted = prometheus.NewDesc("lhuta_rebuild_started_timestamp_seconds",
		"When the running rebuild started (Unix time).", nil, nil)
	rebuildUpdated = prometheus.NewDesc("lhuta_rebuild_updated_timestamp_seconds",
		"When the running rebuild last wrote its progress (Unix time; it writes every 2 s).", nil, nil)
)

func (c rebuildCollector) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, rebuildRunning, rebuildDone, rebuildTotal, rebuildStarted, rebuildUpdated)
}

func (c rebuildCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p, running, err := views.ReadRebuildProgress(ctx, c.db)
	if err != nil {
		return // lhuta_projection_lag_up tells the database is not answering
	}
	if !running {
		gauge(ch, rebuildRunning, 0)
		return
	}
	gauge(ch, rebuildRunning, 1)
	gauge(ch, rebuildDone, float64(p.Done))
	gauge(ch, rebuildTotal, float64(p.Total))
	gauge(ch, rebuildStarted, float64(p.Started.Unix()))
	gauge(ch, rebuildUpdated, float64(p.Updated.Unix()))
}
