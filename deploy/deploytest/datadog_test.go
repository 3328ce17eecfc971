package deploytest

import (
	"encoding/json"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestDatadogLogPipeline: every tollgate field Envoy's access log emits (a json_format
// key whose value is %DYNAMIC_METADATA(tollgate:…)%) is remapped by the pipeline to an
// attribute under tollgate., and counts and cost become numbers.
func TestDatadogLogPipeline(t *testing.T) {
	var p struct {
		Processors []struct {
			Type         string   `json:"type"`
			Sources      []string `json:"sources"`
			Target       string   `json:"target"`
			TargetFormat string   `json:"target_format"`
		} `json:"processors"`
	}
	if err := json.Unmarshal(readRepoFile(t, "deploy/datadog/log-pipeline.json"), &p); err != nil {
		t.Fatal(err)
	}
	mapped := map[string]string{} // source → target
	format := map[string]string{}
	for _, pr := range p.Processors {
		if pr.Type != "attribute-remapper" {
			continue
		}
		for _, s := range pr.Sources {
			mapped[s], format[s] = pr.Target, pr.TargetFormat
		}
	}
	fields := regexp.MustCompile(`(?m)^\s+(\w+): "%DYNAMIC_METADATA\(tollgate:\w+\)%"`).FindAllStringSubmatch(string(readRepoFile(t, "envoy/envoy.yaml")), -1)
	if len(fields) < 9 {
		t.Fatalf("found %d tollgate fields in envoy.yaml's access log", len(fields))
	}
	for _, f := range fields {
		target, ok := mapped[f[1]]
		if !ok || len(target) < len("tollgate.") || target[:len("tollgate.")] != "tollgate." {
			t.Errorf("access-log field %s is not remapped under tollgate. (got %q)", f[1], target)
		}
	}
	for _, n := range []string{"input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd"} {
		if format[n] != "double" {
			t.Errorf("%s is remapped as %q, want a number (double)", n, format[n])
		}
	}
}

// TestDatadogOpenMetricsCheck: every metric the agent's check names is one tollgate
// exports (the check's keys are OpenMetrics family names: a counter without _total).
func TestDatadogOpenMetricsCheck(t *testing.T) {
	var conf struct {
		Instances []struct {
			Endpoint  string           `json:"openmetrics_endpoint"`
			Namespace string           `json:"namespace"`
			Metrics   []map[string]any `json:"metrics"`
		} `json:"instances"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "deploy/datadog/openmetrics.yaml"), &conf); err != nil {
		t.Fatal(err)
	}
	if len(conf.Instances) != 1 || conf.Instances[0].Namespace != "tollgate" {
		t.Fatalf("instances %+v", conf.Instances)
	}
	known := func(name string) bool {
		for _, m := range []map[string]Metric{KnownMetrics, PlannedMetrics} {
			if _, ok := m[name]; ok {
				return true
			}
			if k, ok := m[name+"_total"]; ok && k.Kind == Counter {
				return true
			}
		}
		return false
	}
	for _, entry := range conf.Instances[0].Metrics {
		for name := range entry {
			if !known(name) {
				t.Errorf("the check names %s, which tollgate does not export", name)
			}
		}
	}
}
