package deploytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/tollgate/tollgate/check"
	"github.com/tollgate/tollgate/envoy"
)

// loadTaskDefinition decodes deploy/ecs/task-definition.json with aws-sdk-go-v2's ECS
// types — the input of `aws ecs register-task-definition --cli-input-json` — refusing
// any field the API does not have.
func loadTaskDefinition(t *testing.T) *ecs.RegisterTaskDefinitionInput {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readRepoFile(t, "deploy/ecs/task-definition.json")))
	dec.DisallowUnknownFields()
	var in ecs.RegisterTaskDefinitionInput
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("task-definition.json does not decode as RegisterTaskDefinitionInput: %v", err)
	}
	return &in
}

func taskContainer(t *testing.T, in *ecs.RegisterTaskDefinitionInput, name string) ecstypes.ContainerDefinition {
	t.Helper()
	for _, c := range in.ContainerDefinitions {
		if c.Name != nil && *c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return ecstypes.ContainerDefinition{}
}

func TestECSTaskDefinition(t *testing.T) {
	in := loadTaskDefinition(t)
	if in.NetworkMode != ecstypes.NetworkModeAwsvpc {
		t.Errorf("network mode %q: Envoy reaches tollgate on localhost only with awsvpc", in.NetworkMode)
	}
	if in.TaskRoleArn == nil || !strings.Contains(*in.TaskRoleArn, "role/tollgate-task") {
		t.Errorf("task role %v: tollgate's AWS chain needs the Bedrock task role", in.TaskRoleArn)
	}
	envoyC, tg, cfg, router := taskContainer(t, in, "envoy"), taskContainer(t, in, "tollgate"), taskContainer(t, in, "config"), taskContainer(t, in, "log-router")

	// The config container writes both files to the shared volume and exits; the others
	// start after it succeeded, Envoy after tollgate.
	dependsOn := func(c ecstypes.ContainerDefinition, name string, cond ecstypes.ContainerCondition) bool {
		return slices.ContainsFunc(c.DependsOn, func(d ecstypes.ContainerDependency) bool {
			return *d.ContainerName == name && d.Condition == cond
		})
	}
	if !dependsOn(envoyC, "config", ecstypes.ContainerConditionSuccess) || !dependsOn(tg, "config", ecstypes.ContainerConditionSuccess) ||
		!dependsOn(envoyC, "tollgate", ecstypes.ContainerConditionStart) {
		t.Error("start order: config (SUCCESS) before envoy and tollgate, tollgate (START) before envoy")
	}
	if cfg.Essential == nil || *cfg.Essential {
		t.Error("the config container exits: it must not be essential")
	}
	for _, name := range []string{"TOLLGATE_YAML", "ENVOY_YAML"} {
		if !slices.ContainsFunc(cfg.Secrets, func(s ecstypes.Secret) bool {
			return *s.Name == name && strings.Contains(*s.ValueFrom, ":secretsmanager:")
		}) {
			t.Errorf("config container: %s must come from Secrets Manager (envoy.yaml is over SSM's 8 KB)", name)
		}
	}
	// tollgate: the image the release workflow publishes, config from the volume, every
	// ${VAR} of tollgate.yaml provided.
	if tg.Image == nil || !strings.HasPrefix(*tg.Image, "ghcr.io/tollgate/tollgate") {
		t.Errorf("tollgate image %v", tg.Image)
	}
	if !slices.Equal(tg.Command, []string{"serve", "-config", "/config/tollgate.yaml"}) {
		t.Errorf("tollgate command %v", tg.Command)
	}
	provided := map[string]bool{}
	for _, s := range tg.Secrets {
		provided[*s.Name] = true
	}
	for _, e := range tg.Environment {
		provided[*e.Name] = true
	}
	for _, v := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(string(readRepoFile(t, "deploy/ecs/tollgate.yaml")), -1) {
		if !provided[v[1]] {
			t.Errorf("tollgate.yaml references ${%s}, which the tollgate container does not set", v[1])
		}
	}
	// Logs: Envoy's access log and tollgate's through FireLens, whose routes are in the
	// log-router image's extra.conf.
	for _, c := range []ecstypes.ContainerDefinition{envoyC, tg} {
		if c.LogConfiguration == nil || c.LogConfiguration.LogDriver != ecstypes.LogDriverAwsfirelens {
			t.Errorf("%s: logs must go through FireLens", *c.Name)
		}
	}
	if router.FirelensConfiguration == nil || router.FirelensConfiguration.Options["config-file-value"] != "/fluent-bit/etc/extra.conf" {
		t.Error("the log router must read /fluent-bit/etc/extra.conf")
	}
	if !strings.Contains(string(readRepoFile(t, "deploy/ecs/log-router/Dockerfile")), "COPY extra.conf /fluent-bit/etc/extra.conf") {
		t.Error("the log-router image does not put extra.conf where the task reads it")
	}
	outputs := map[string][]string{} // Match → output names
	sc := bufio.NewScanner(bytes.NewReader(readRepoFile(t, "deploy/ecs/log-router/extra.conf")))
	var section, name, match string
	flush := func() {
		if section == "[OUTPUT]" {
			outputs[match] = append(outputs[match], name)
		}
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			flush()
			section, name, match = line, "", ""
			continue
		}
		if f := strings.Fields(line); len(f) == 2 && f[0] == "Name" {
			name = f[1]
		} else if len(f) == 2 && f[0] == "Match" {
			match = f[1]
		}
	}
	flush()
	for _, m := range []string{"envoy-firelens-*", "tollgate-firelens-*"} {
		if got := outputs[m]; !slices.Contains(got, "cloudwatch_logs") || !slices.Contains(got, "datadog") {
			t.Errorf("%s goes to %v, want CloudWatch and Datadog", m, got)
		}
	}
	// Metrics: the Datadog agent in the task scrapes tollgate's admin port on localhost.
	var ad map[string]struct {
		Instances []struct {
			Endpoint string `json:"openmetrics_endpoint"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(tg.DockerLabels["com.datadoghq.ad.checks"]), &ad); err != nil || len(ad["openmetrics"].Instances) != 1 ||
		ad["openmetrics"].Instances[0].Endpoint != "http://localhost:9464/metrics" {
		t.Errorf("Datadog autodiscovery label: %v %v", ad, err)
	}
	// No container exposes tollgate's ports: only Envoy's listener is mapped.
	for _, c := range in.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if *c.Name != "envoy" || *pm.ContainerPort != 10000 {
				t.Errorf("%s maps port %d; only Envoy's 10000 may be", *c.Name, *pm.ContainerPort)
			}
		}
	}
}

// TestECSIAMPolicies: the task role can invoke and stream Claude on Bedrock (and list the
// catalogs for `tollgate models`); the execution role reads exactly the secrets the task uses.
func TestECSIAMPolicies(t *testing.T) {
	type policy struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	actions := func(rel string) []string {
		var p policy
		if err := json.Unmarshal(readRepoFile(t, rel), &p); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		var out []string
		for _, s := range p.Statement {
			switch a := s.Action.(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, x.(string))
				}
			}
		}
		return out
	}
	task := actions("deploy/ecs/task-role-policy.json")
	for _, a := range []string{"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:CountTokens",
		"bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"} {
		if !slices.Contains(task, a) {
			t.Errorf("task role lacks %s", a)
		}
	}
	exec := string(readRepoFile(t, "deploy/ecs/execution-role-policy.json"))
	for _, c := range loadTaskDefinition(t).ContainerDefinitions {
		for _, s := range c.Secrets {
			arn := *s.ValueFrom
			prefix := arn[:strings.LastIndex(arn, ":")+1]
			scope := strings.SplitN(arn[len(prefix):], "/", 2)[0]
			if !strings.Contains(exec, prefix+scope+"/*") {
				t.Errorf("the execution role cannot read %s", arn)
			}
		}
	}
}

// TestECSConfigs runs the README's steps: its sed on envoy/envoy.yaml gives an Envoy
// config (loaded through go-control-plane) whose ext_proc cluster and admin are on
// loopback (the admin as shipped), and `tollgate check` passes the task's tollgate.yaml against it with no
// warning about an exposed gRPC port.
func TestECSConfigs(t *testing.T) {
	readme := string(readRepoFile(t, "deploy/ecs/README.md"))
	var edits [][2]string
	for _, m := range regexp.MustCompile(`-e 's/([^/]+)/([^/]+)/'`).FindAllStringSubmatch(readme, -1) {
		edits = append(edits, [2]string{m[1], m[2]})
	}
	if len(edits) != 1 {
		t.Fatalf("README step 2 has %d sed edits, want 1 (the ext_proc cluster; envoy.yaml's admin is on loopback already)", len(edits))
	}
	conf := string(readRepoFile(t, "envoy/envoy.yaml"))
	for _, e := range edits {
		if !strings.Contains(conf, e[0]) {
			t.Fatalf("envoy/envoy.yaml no longer holds %q: update deploy/ecs/README.md", e[0])
		}
		conf = strings.ReplaceAll(conf, e[0], e[1])
	}
	b, err := envoy.ParseBootstrap([]byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	eps, err := envoy.ClusterEndpoints(b, "tollgate")
	if err != nil || len(eps) != 1 || eps[0].GetAddress() != "127.0.0.1" || eps[0].GetPortValue() != 50051 {
		t.Errorf("tollgate cluster endpoints %v (%v), want 127.0.0.1:50051", eps, err)
	}
	if a := b.GetAdmin().GetAddress().GetSocketAddress(); a.GetAddress() != "127.0.0.1" {
		t.Errorf("Envoy admin on %q, want loopback", a.GetAddress())
	}
	envoyPath := filepath.Join(t.TempDir(), "envoy.yaml")
	if err := os.WriteFile(envoyPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-x", "PLATFORM_KEY_SHA256": strings.Repeat("ab", 32)}
	r := check.Run(check.Options{Config: repoPath("deploy/ecs/tollgate.yaml"), Envoy: envoyPath,
		Lookup: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if !r.OK {
		t.Fatalf("check: %v", r.Errors)
	}
	for _, w := range r.Warnings {
		if strings.Contains(w, "listen") {
			t.Errorf("check warns about the gRPC port: %s", w)
		}
	}
}

// TestECSEnvoyHealthCheck: the Envoy container's health check asks the admin API's /ready on
// the loopback address and port envoy.yaml gives it, in HTTP/1.1. Envoy's HTTP/1 codec answers
// HTTP/1.0 with 426 unless accept_http_10 is set, and its admin listener does not set it
// (envoyproxy/envoy source/common/http/http1/codec_impl.cc, source/server/admin/admin.h), so an
// HTTP/1.0 probe never sees LIVE and marks a healthy Envoy unhealthy.
func TestECSEnvoyHealthCheck(t *testing.T) {
	hc := taskContainer(t, loadTaskDefinition(t), "envoy").HealthCheck
	if hc == nil || len(hc.Command) != 2 || hc.Command[0] != "CMD-SHELL" {
		t.Fatalf("envoy health check %+v, want a CMD-SHELL command", hc)
	}
	cmd := hc.Command[1]
	admin := adminAddress(loadComposeEnvoy(t))
	if want := "/dev/tcp/" + admin.GetAddress() + "/" + strconv.Itoa(int(admin.GetPortValue())); !strings.Contains(cmd, want) {
		t.Errorf("health check %q does not dial envoy.yaml's admin address (%s)", cmd, want)
	}
	if !strings.Contains(cmd, "GET /ready HTTP/1.1") || !strings.Contains(cmd, "Host: ") || !strings.Contains(cmd, "LIVE") {
		t.Errorf("health check %q: want GET /ready in HTTP/1.1 with a Host header, looking for LIVE", cmd)
	}
}
