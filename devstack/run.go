package devstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"

	"github.com/tollgate/tollgate/deploy"
	"github.com/tollgate/tollgate/envoy"
	"github.com/tollgate/tollgate/gateway"
	"github.com/tollgate/tollgate/internal/config"
)

// Run starts the stack, prints where it serves, and runs until ctx ends or a part of it
// fails; then it stops everything (Envoy, the gateway, the mock, in that order) and
// removes its temporary files. It returns nil after a stop asked for by ctx.
func Run(ctx context.Context, o Options) (err error) {
	o.defaults()
	if err := o.check(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tollgate-dev-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	info := Info{Config: o.ConfigPath, Quickstart: o.ConfigPath == ""}
	if info.Quickstart {
		info.Config, info.Key = filepath.Join(tmp, "tollgate.yaml"), deploy.DemoKey
		if err := os.WriteFile(info.Config, deploy.QuickstartConfig(), 0o600); err != nil {
			return err
		}
	}
	loaded, b, p, err := load(&o, info.Config)
	if err != nil {
		return err
	}
	info.MockProviders, info.RealProviders, info.ClientAuth = p.mock, p.real, len(loaded.Keys) > 0

	var mock *mockServer
	if len(p.mock) > 0 {
		if mock, err = startMock(o.Stderr); err != nil {
			return err
		}
		defer mock.close()
		info.Mock = mock.url
	}

	log, level := gateway.NewLogger(o.Stderr, "info")
	g, err := gateway.New(gateway.Options{ConfigPath: info.Config, Logger: log, LogLevel: level,
		Listen: "127.0.0.1:0", Admin: o.Admin})
	if err != nil {
		return fmt.Errorf("tollgate: %w", err)
	}
	info.Metrics, info.Tollgate = "http://"+g.AdminAddr()+"/metrics", g.Addr()
	gctx, stopGateway := context.WithCancel(context.WithoutCancel(ctx))
	gdone := make(chan error, 1)
	go func() { gdone <- g.Serve(gctx) }()
	defer func() {
		stopGateway()
		if gerr := <-gdone; gerr != nil {
			err = errors.Join(err, fmt.Errorf("tollgate: %w", gerr))
		}
	}()
	if err := awaitGateway(ctx, "http://"+g.AdminAddr()+"/readyz", gdone); err != nil {
		return interrupted(ctx, err)
	}

	var at local
	if at.tollgate, err = parseHostPort(g.Addr()); err != nil {
		return err
	}
	if mock != nil {
		at.mock = &mock.addr
	}
	f, err := startFront(ctx, &o, b, p, at, g.Addr(), mock, tmp, &info)
	if err != nil {
		return interrupted(ctx, err)
	}
	defer func() { err = errors.Join(err, f.stop()) }()

	printBanner(o.Stdout, info, o.Embedded) // before Ready: whoever waits on Ready sees it
	if o.Ready != nil {
		o.Ready(info)
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(o.Stderr, "tollgate dev: stopping")
		return nil
	case <-f.exited():
		return fmt.Errorf("%s exited", f.name()) // the deferred stop adds why
	case gerr := <-gdone:
		gdone <- gerr // the deferred stop reports it
		return errors.New("tollgate stopped")
	}
}

// interrupted is nil when ctx ended (Ctrl-C while starting, as during Envoy's download),
// else err.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// load reads the tollgate config and the Envoy bootstrap and matches their providers.
func load(o *Options, configPath string) (*config.Loaded, *bootstrapv3.Bootstrap, *plan, error) {
	loaded, err := config.LoadFile(configPath)
	if err != nil {
		return nil, nil, nil, err
	}
	if loaded.Server.TLS != nil {
		return nil, nil, nil, fmt.Errorf("%s: server.tls is set, but tollgate dev connects Envoy to tollgate over loopback without TLS: use a config without it", configPath)
	}
	raw := o.EnvoyConfig
	if raw == nil {
		raw = envoy.ShippedYAML()
	}
	b, err := envoy.ParseBootstrap(raw)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("envoy config: %w", err)
	}
	p, err := makePlan(loaded, b)
	if err != nil {
		return nil, nil, nil, err
	}
	return loaded, b, p, nil
}

// awaitGateway waits until tollgate's /readyz answers 200, so that Envoy's first health
// check finds it serving.
func awaitGateway(ctx context.Context, readyz string, gdone chan error) error {
	client := &http.Client{Timeout: time.Second}
	for {
		if resp, err := client.Get(readyz); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-gdone:
			gdone <- err
			return fmt.Errorf("tollgate stopped before it was ready: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
