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
			Help: "Whether the last load of prices succeeded (1) or failed (0): each refresh of pricing.url, or the built-in table at start when there is none.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tollgate_pricing_last_refresh_timestamp_seconds",
			Help: "Unix time of the last successful load of prices: the last refresh of pricing.url (unchanged files count), or the start when there is none.",
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
