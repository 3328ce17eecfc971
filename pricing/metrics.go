package pricing

import "github.com/prometheus/client_golang/prometheus"

// metrics are the refresher's gauges.
type metrics struct {
	success   prometheus.Gauge
	timestamp prometheus.Gauge
	models    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_pricing_last_refresh_success",
			Help: "Whether the last refresh of the price file succeeded (1) or failed (0).",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_pricing_last_refresh_timestamp_seconds",
			Help: "Unix time of the last successful refresh of the price file (unchanged files count).",
		}),
		models: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_pricing_models",
			Help: "Number of models in the current price table.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.success, m.timestamp, m.models} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
