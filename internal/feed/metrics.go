package feed

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	feedPublished = prometheus.NewDesc("lhuta_feed_published_total", "Events this instance's forwarder has published to JetStream (repeats after a restart included; JetStream drops them).", nil, nil)
	feedPosition  = prometheus.NewDesc("lhuta_feed_position", "Position of the last event the feed has recorded as published.", nil, nil)
	feedLag       = prometheus.NewDesc("lhuta_feed_lag_events", "Events of the log the feed has not recorded as published yet.", nil, nil)
	feedConnected = prometheus.NewDesc("lhuta_feed_connected", "1 while this instance's forwarder is connected to NATS and publishing.", nil, nil)
)

// Collector returns the feed's metrics, read once per scrape.
func (f *Forwarder) Collector() prometheus.Collector { return collector{f} }

type collector struct{ f *Forwarder }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{feedPublished, feedPosition, feedLag, feedConnected} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	connected := 0.0
	if c.f.connected.Load() {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(feedPublished, prometheus.CounterValue, float64(c.f.published.Load()))
	ch <- prometheus.MustNewConstMetric(feedConnected, prometheus.GaugeValue, connected)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	off, err := c.f.offset(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(feedPosition, prometheus.GaugeValue, float64(off.Position))
	if n, err := c.f.store.CountAfter(ctx, off); err == nil {
		ch <- prometheus.MustNewConstMetric(feedLag, prometheus.GaugeValue, float64(n))
	}
}
