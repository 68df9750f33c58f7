package feed

import (
	"context"
	"time"

	"github.com/lhuta/lhuta/internal/collect"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	feedPublished = prometheus.NewDesc("lhuta_feed_published_total", "Events this instance's forwarder has published to JetStream (repeats after a restart included; JetStream drops them).", nil, nil)
	feedPosition  = prometheus.NewDesc("lhuta_feed_position", "Position of the last event the feed has recorded as published.", nil, nil)
	feedLag       = prometheus.NewDesc("lhuta_feed_lag_events", "Events of the log the feed has not recorded as published yet.", nil, nil)
	feedConnected = prometheus.NewDesc("lhuta_feed_connected", "1 while this instance's forwarder is connected to NATS and publishing.", nil, nil)
)

// Collector returns the feed's metrics, read once per scrape.
func (f *Forwarder) Collector() prometheus.Collector {
	return collect.New(f.collect, feedPublished, feedPosition, feedLag, feedConnected)
}

func (f *Forwarder) collect(ch chan<- prometheus.Metric) {
	connected := 0.0
	if f.connected.Load() {
		connected = 1
	}
	collect.Counter(ch, feedPublished, float64(f.published.Load()))
	collect.Gauge(ch, feedConnected, connected)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	off, err := f.offset(ctx)
	if err != nil {
		return
	}
	collect.Gauge(ch, feedPosition, float64(off.Position))
	if n, err := f.store.CountAfter(ctx, off); err == nil {
		collect.Gauge(ch, feedLag, float64(n))
	}
}
