package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate/tollgate/internal/config"
	"github.com/tollgate/tollgate/llm/api"
	"github.com/tollgate/tollgate/smoke"
)

func init() {
	register("smoke", "one tiny streaming request per model through a gateway (-gateway URL -key KEY)", runSmoke)
}

// apiForProviderType is the client API smoke speaks to a provider type.
func apiForProviderType(typ string) api.Kind {
	switch typ {
	case "anthropic", "bedrock", "vertex":
		return api.AnthropicMessages
	default:
		return api.OpenAIChat
	}
}

// apiForModelName guesses the client API from a model name when no config says.
func apiForModelName(model string) api.Kind {
	if strings.HasPrefix(model, "claude") || strings.Contains(model, "anthropic.claude") {
		return api.AnthropicMessages
	}
	return api.OpenAIChat
}

func runSmoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("smoke", stderr)
	gw := fs.String("gateway", "", "gateway base URL (Envoy's listener), e.g. http://localhost:10000")
	key := fs.String("key", "", "client key for the gateway")
	models := fs.String("models", "", "comma-separated models (default: every exact model)")
	cfgPath := fs.String("config", "", "tollgate config: the models' providers, APIs and prices (default: GET /v1/models, no cost)")
	timeout := fs.Duration("timeout", 60*time.Second, "per-request timeout")
	maxTokens := fs.Int("max-tokens", 16, "max output tokens per request")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *gw == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-gateway is required")}
	}
	targets, err := smokeTargets(ctx, *gw, *key, *cfgPath, *models)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("no models to try")}
	}
	price, err := smokePricer(ctx, *cfgPath)
	if err != nil {
		return err
	}
	opts := smoke.Options{Gateway: *gw, Key: *key, Timeout: *timeout, MaxTokens: *maxTokens, Price: price}
	results := smoke.Run(ctx, opts, targets)
	if failed := smoke.Print(stdout, results); failed > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d models failed", failed, len(results))}
	}
	return nil
}

func smokeTargets(ctx context.Context, gw, key, cfgPath, models string) ([]smoke.Target, error) {
	var names []string
	if models != "" {
		names = strings.Split(models, ",")
	}
	if cfgPath != "" {
		l, err := config.LoadFile(cfgPath)
		if err != nil {
			return nil, err
		}
		rt, err := config.Compile(l, providerDepsForCheck())
		if err != nil {
			return nil, err
		}
		if names == nil {
			names = rt.Router.ExactModels()
		}
		var out []smoke.Target
		for _, m := range names {
			r, ok := rt.Router.Resolve(m)
			if !ok {
				return nil, fmt.Errorf("model %q matches no rule of %s", m, cfgPath)
			}
			out = append(out, smoke.Target{Model: m, Provider: r.Provider, API: apiForProviderType(rt.Providers[r.Provider].Type())})
		}
		return out, nil
	}
	if names == nil {
		var err error
		if names, err = listModels(ctx, gw, key); err != nil {
			return nil, err
		}
	}
	out := make([]smoke.Target, len(names))
	for i, m := range names {
		out[i] = smoke.Target{Model: m, API: apiForModelName(m)}
	}
	return out, nil
}

// listModels asks the gateway for its exact models (GET /v1/models).
func listModels(ctx context.Context, gw, key string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(gw, "/")+"/v1/models", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /v1/models: HTTP %d", resp.StatusCode)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET /v1/models: %w", err)
	}
	out := make([]string, len(list.Data))
	for i, m := range list.Data {
		out[i] = m.ID
	}
	return out, nil
}
