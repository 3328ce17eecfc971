package gateway

import (
	"context"
	"crypto/sha256"
	"os"
	"time"

	"github.com/tollgate/tollgate/internal/assembly"
	"github.com/tollgate/tollgate/internal/config"
)

// build loads and validates the config file and assembles its Runtime without touching
// the running one; prev (the running Runtime, nil at start) lends the providers whose
// settings did not change.
func (g *Gateway) build(prev *assembly.Runtime) (*config.Loaded, *assembly.Runtime, [32]byte, error) {
	data, err := os.ReadFile(g.opts.ConfigPath)
	if err != nil {
		return nil, nil, [32]byte{}, err
	}
	sum := sha256.Sum256(data)
	l, err := config.Parse(g.opts.ConfigPath, data, os.LookupEnv)
	if err != nil {
		return nil, nil, sum, err
	}
	rt, err := g.assembler.Assemble(l, prev)
	if err != nil {
		return nil, nil, sum, err
	}
	return l, rt, sum, nil
}

func (g *Gateway) commit(l *config.Loaded, sum [32]byte) {
	g.budgetsCommitted(g.loaded, l)
	g.loaded, g.fileSum = l, sum
	g.metrics.ReloadSuccess.Set(1)
	g.metrics.ReloadTimestamp.SetToCurrentTime()
	if g.opts.LogLevel != nil {
		_ = g.opts.LogLevel.UnmarshalText([]byte(l.Server.LogLevel))
	}
	if len(l.Keys) == 0 { // keys: [] is as open as no keys at all
		g.log.Warn("no client keys configured: the gateway accepts every request")
	}
}

func (g *Gateway) currentLoaded() *config.Loaded {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	return g.loaded
}

// Reload builds the config anew and swaps it in atomically; on any error the running
// config stays and the error says why. Streams in flight finish on the config they
// started with.
func (g *Gateway) Reload() error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	l, rt, sum, err := g.build(g.server.Runtime())
	if err != nil {
		g.metrics.ReloadSuccess.Set(0)
		g.log.Error("config reload failed; keeping the running config", "config", g.opts.ConfigPath, "err", err)
		return err
	}
	if err := g.reloadPricing(l); err != nil {
		g.metrics.ReloadSuccess.Set(0)
		g.log.Error("config reload failed; keeping the running config", "config", g.opts.ConfigPath, "err", err)
		return err
	}
	if err := g.dialBudgets(l); err != nil {
		g.metrics.ReloadSuccess.Set(0)
		g.log.Error("config reload failed; keeping the running config", "config", g.opts.ConfigPath, "err", err)
		return err
	}
	for _, c := range config.RestartOnlyChanges(&g.started.File, &l.File) {
		g.log.Warn("config reload: a setting read only at start changed; the running value stays until the next restart",
			"config", g.opts.ConfigPath, "change", c)
	}
	g.server.SetRuntime(rt)
	g.commit(l, sum)
	g.log.Info("config reloaded", "config", g.opts.ConfigPath, "providers", len(l.Providers), "models", len(l.Models))
	return nil
}

// watch reloads when the file's content changes (polling: works on every filesystem,
// including Kubernetes ConfigMap symlink swaps).
func (g *Gateway) watch(ctx context.Context) {
	if !*g.currentLoaded().Server.WatchConfig {
		return
	}
	every := g.opts.WatchInterval
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var lastBad [32]byte
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		data, err := os.ReadFile(g.opts.ConfigPath)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(data)
		g.reloadMu.Lock()
		changed := sum != g.fileSum && sum != lastBad
		reverted := sum == g.fileSum && lastBad != [32]byte{}
		if reverted {
			// The file is back to the running config after a bad edit: the config on
			// disk is the one running again, so the last "reload" is a success.
			lastBad = [32]byte{}
			g.metrics.ReloadSuccess.Set(1)
			g.log.Info("config file is back to the running config", "config", g.opts.ConfigPath)
		}
		g.reloadMu.Unlock()
		if changed {
			if g.Reload() != nil {
				lastBad = sum // report a bad file once, not every tick
			}
		}
	}
}

func (g *Gateway) onSIGHUP(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_ = g.Reload()
		}
	}
}
