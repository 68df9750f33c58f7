// Package collect holds what the service's hand-written Prometheus
// collectors share: they read their values once per scrape and send them
// as constant metrics, so each needs only its descriptions and a function
// that reads and sends the values.
package collect

import "github.com/prometheus/client_golang/prometheus"

// New returns a collector that describes descs and, at each scrape, sends
// what collect reads.
func New(collect func(ch chan<- prometheus.Metric), descs ...*prometheus.Desc) prometheus.Collector {
	return collector{descs: descs, collect: collect}
}

type collector struct {
	descs   []*prometheus.Desc
	collect func(ch chan<- prometheus.Metric)
}

func (c collector) Describe(ch chan<- *prometheus.Desc) { Describe(ch, c.descs...) }

func (c collector) Collect(ch chan<- prometheus.Metric) { c.collect(ch) }

// Describe sends a collector's descriptions.
func Describe(ch chan<- *prometheus.Desc, descs ...*prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}

// Gauge sends the value of one of a collector's gauges.
func Gauge(ch chan<- prometheus.Metric, desc *prometheus.Desc, value float64) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, value)
}

// Counter sends the value of one of a collector's counters.
func Counter(ch chan<- prometheus.Metric, desc *prometheus.Desc, value float64) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, value)
}
