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
	"github.com/tollgate/tollgate/smoke"
)

func init() {
	register("smoke", "one tiny streaming request per model through a gateway (-gateway URL -key KEY)", runSmoke)
}

func runSmoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("smoke", stderr)
	gw := fs.String("gateway", "", "gateway base URL (Envoy's listener), e.g. http://localhost:10000")
	key := fs.String("key", "", "client key for the gateway")
	models := fs.String("models", "", "comma-separated models (default: every exact model)")
	cfgPath := fs.String("config", "", "tollgate config: the models' providers, APIs and prices (default: GET /v1/models, no cost)")
	timeout := fs.Duration("timeout", 60*time.Second, "per-request timeout")
	maxTokens := fs.Int("max-tokens", 16, "max output tokens per request")
	apis := fs.String("apis", "primary", "APIs to try per model: primary (a streamed completion in its main API), "+
		"responses (openai, azure_openai), count_tokens (anthropic, bedrock, vertex; Gemini's countTokens for Gemini models), "+
		"gemini (Gemini's native streamGenerateContent, for Gemini models on gemini and vertex), comma-separated, or all")
	output := fs.String("o", "text", "output: text or json")
	junit := fs.String("junit", "", "also write a JUnit XML report to this file (for CI)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *gw == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-gateway is required")}
	}
	if *output != "text" && *output != "json" {
		return &ExitError{Code: 2, Err: fmt.Errorf("-o must be text or json")}
	}
	sel, err := smoke.ParseSelection(*apis)
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	targets, err := smokeTargets(ctx, *gw, *key, *cfgPath, *models, sel)
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
	start := time.Now()
	results := smoke.Run(ctx, opts, targets)
	if *junit != "" {
		report, err := smoke.JUnit(results, start)
		if err == nil {
			err = writeFileAtomic(*junit, report)
		}
		if err != nil {
			return fmt.Errorf("-junit: %w", err)
		}
	}
	if *output == "json" {
		if _, err := stdout.Write(smoke.JSON(results)); err != nil {
			return err
		}
	} else {
		smoke.Print(stdout, results, sel.Extra())
	}
	if failed := smoke.Failed(results); failed > 0 {
		return &ExitError{Code: 1, Err: fmt.Errorf("%d of %d models failed", failed, len(results))}
	}
	return nil
}

func smokeTargets(ctx context.Context, gw, key, cfgPath, models string, sel smoke.Selection) ([]smoke.Target, error) {
	var names []string
	if models != "" {
		names = strings.Split(models, ",")
	}
	if cfgPath != "" {
		l, err := config.LoadFileIgnoringUnset(cfgPath)
		if err != nil {
			return nil, err
		}
		routes, err := l.Router()
		if err != nil {
			return nil, err
		}
		if names == nil {
			names = routes.ExactModels()
		}
		var out []smoke.Target
		for _, m := range names {
			r, ok := routes.Resolve(m)
			if !ok {
				return nil, fmt.Errorf("model %q matches no rule of %s", m, cfgPath)
			}
			out = append(out, sel.Targets(m, r.Provider, l.ProviderType(r.Provider))...)
		}
		return out, nil
	}
	if names == nil {
		var err error
		if names, err = listModels(ctx, gw, key); err != nil {
			return nil, err
		}
	}
	var out []smoke.Target
	for _, m := range names {
		out = append(out, sel.Targets(m, "", "")...)
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
