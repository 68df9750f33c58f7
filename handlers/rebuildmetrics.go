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
	for _, d := range []*prometheus.Desc{rebuildRunning, rebuildDone, rebuildTotal, rebuildStarted, rebuildUpdated} {
		ch <- d
	}
}

func (c rebuildCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p, running, err := views.ReadRebuildProgress(ctx, c.db)
	if err != nil {
		return // lhuta_projection_lag_up tells the database is not answering
	}
	if !running {
		ch <- prometheus.MustNewConstMetric(rebuildRunning, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(rebuildRunning, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(rebuildDone, prometheus.GaugeValue, float64(p.Done))
	ch <- prometheus.MustNewConstMetric(rebuildTotal, prometheus.GaugeValue, float64(p.Total))
	ch <- prometheus.MustNewConstMetric(rebuildStarted, prometheus.GaugeValue, float64(p.Started.Unix()))
	ch <- prometheus.MustNewConstMetric(rebuildUpdated, prometheus.GaugeValue, float64(p.Updated.Unix()))
}
