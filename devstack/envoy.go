package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	funce "github.com/tetratelabs/func-e"
	"github.com/tetratelabs/func-e/api"
)

// runEnvoy runs Envoy: func-e's implementation of api.RunFunc, which downloads the
// version asked for unless given a binary, runs it, and kills it when its context ends.
var runEnvoy api.RunFunc = funce.Run

// envoyProc is a running Envoy.
type envoyProc struct {
	bin    string // the binary (func-e's download, when it fetched one)
	ours   bool   // bin was downloaded by func-e: EnvoyVersion
	admin  string // admin base URL, once ready
	exit   chan struct{}
	err    error // what func-e's run returned; read after exit is closed
	cancel context.CancelFunc
}

// findEnvoy returns $ENVOY_BIN, else `envoy` on PATH, else "" (func-e downloads
// EnvoyVersion).
func findEnvoy() (string, error) {
	if p := os.Getenv("ENVOY_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$ENVOY_BIN: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("envoy"); err == nil {
		return p, nil
	}
	return "", nil
}

// cacheDir is func-e's data home: where it keeps the Envoys it downloads.
func (o *Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the Envoy download (%w); set ENVOY_BIN, or use -embedded", err)
	}
	return filepath.Join(dir, "tollgate", "func-e"), nil
}

// startEnvoy runs Envoy with the config file at configPath through func-e, with its run
// files in tmp, and waits until its admin interface says it is ready.
func startEnvoy(ctx context.Context, o *Options, configPath, tmp string) (*envoyProc, error) {
	bin, err := findEnvoy()
	if err != nil {
		return nil, err
	}
	cache, err := o.cacheDir()
	if err != nil {
		return nil, err
	}
	opts := []api.RunOption{
		// Distinct directories (func-e treats four equal ones as its legacy layout). The
		// per-run state (logs, config dump) goes with this run's temporary files.
		api.ConfigHome(filepath.Join(cache, "config")),
		api.DataHome(cache),
		api.StateHome(filepath.Join(tmp, "func-e-state")),
		api.RuntimeDir(filepath.Join(tmp, "func-e-run")),
		api.EnvoyVersion(EnvoyVersion),
		api.Out(o.Stderr), api.EnvoyOut(o.Stdout), api.EnvoyErr(o.Stderr),
	}
	p := &envoyProc{bin: bin, exit: make(chan struct{})}
	if bin != "" {
		opts = append(opts, api.EnvoyPath(bin))
	} else {
		p.bin, p.ours = filepath.Join(cache, "envoy-versions", EnvoyVersion, "bin", "envoy"), true
		if !fileExists(p.bin) {
			fmt.Fprintf(o.Stderr, "tollgate dev: no Envoy on PATH and ENVOY_BIN is unset: downloading Envoy %s once into %s (func-e)\n", EnvoyVersion, cache)
		}
		if o.EnvoyVersionsURL != "" {
			opts = append(opts, api.EnvoyVersionsURL(o.EnvoyVersionsURL))
		}
		if o.HTTPTransport != nil {
			opts = append(opts, api.HTTPTransport(o.HTTPTransport))
		}
	}
	addrFile := filepath.Join(tmp, "envoy-admin-address")
	args := []string{"-c", configPath, "--admin-address-path", addrFile,
		// No shared memory for hot restart, so that several Envoys can run side by side.
		"--disable-hot-restart", "--log-level", "warn"}
	ctx, p.cancel = context.WithCancel(ctx)
	go func() { p.err = runEnvoy(ctx, args, opts...); close(p.exit) }()
	if err := p.awaitReady(ctx, addrFile); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// awaitReady waits for Envoy to write its admin address and for its /ready to answer
// 200 (LIVE). There is no deadline: the first run may be downloading Envoy.
func (p *envoyProc) awaitReady(ctx context.Context, addrFile string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.exit:
			return fmt.Errorf("envoy exited before it was ready (its log is above): %v", p.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if p.admin == "" {
			b, err := os.ReadFile(addrFile)
			if err != nil || len(strings.TrimSpace(string(b))) == 0 {
				continue
			}
			p.admin = "http://" + strings.TrimSpace(string(b))
		}
		resp, err := client.Get(p.admin + "/ready")
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
}

// stop ends Envoy (func-e kills it when its context ends) and waits for it. It returns
// why Envoy exited, if not because it was stopped.
func (p *envoyProc) stop() error {
	p.cancel()
	<-p.exit
	if errors.Is(p.err, context.Canceled) {
		return nil
	}
	return p.err
}

func (p *envoyProc) exited() <-chan struct{} { return p.exit }
func (p *envoyProc) name() string            { return "envoy" }
