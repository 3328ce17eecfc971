// Package deploytest checks tollgate's deployment artefacts against each other and against
// the metric contract: docker-compose.yaml (loaded with compose-go), the Prometheus and
// Grafana provisioning under deploy/, the Grafana dashboard (every PromQL expression parsed
// and its metrics checked against KnownMetrics), and the Helm chart under charts/tollgate
// (linted, rendered and decoded into Kubernetes API types). Envoy bootstraps (envoy/envoy.yaml
// and the chart's) are read only through package envoy, strictly and into go-control-plane
// types, as Envoy reads them.
//
// The alert rules (deploy/prometheus/alerts.yaml) are checked the same way, run through
// promtool, and compared with the chart's PrometheusRule.
//
// The non-test exports are KnownMetrics, the metric names, kinds and labels that tollgate
// exports (the metrics package asserts the same set against its real registry), and
// PlannedMetrics, the second-wave metrics that alerts may already use.
package deploytest
