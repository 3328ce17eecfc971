package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"

	"github.com/tollgate/tollgate/internal/envoysim"
)

// front is what clients talk to: Envoy, or the stand-in.
type front interface {
	// exited is closed when the front stopped on its own.
	exited() <-chan struct{}
	// stop stops it and returns why it had stopped, if on its own.
	stop() error
	name() string
}

// startFront adapts the bootstrap to the local addresses and starts Envoy on it, or the
// stand-in with Options.Embedded; it fills info's URL, EnvoyAdmin and Envoy.
func startFront(ctx context.Context, o *Options, b *bootstrapv3.Bootstrap, p *plan, at local, tollgate string, mock *mockServer, tmp string, info *Info) (front, error) {
	if o.Embedded {
		return startSim(o, b, p, tollgate, mock, info)
	}
	at.listen, at.admin = o.envoyListen, o.envoyAdmin // checked by Options.check
	if err := adapt(b, p, at); err != nil {
		return nil, fmt.Errorf("adapting the envoy config: %w", err)
	}
	js, err := marshalBootstrap(b)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(tmp, "envoy.json")
	if err := os.WriteFile(path, js, 0o600); err != nil {
		return nil, err
	}
	e, err := startEnvoy(ctx, o, path, tmp)
	if err != nil {
		return nil, err
	}
	info.URL, info.EnvoyAdmin, info.Envoy = clientURL(at.listen), e.admin, e.bin
	if e.ours {
		info.EnvoyVersion = EnvoyVersion
	}
	return e, nil
}

// simFront is the Envoy stand-in serving the listener.
type simFront struct {
	proxy *envoysim.Proxy
	never chan struct{}
}

func startSim(o *Options, b *bootstrapv3.Bootstrap, p *plan, tollgate string, mock *mockServer, info *Info) (front, error) {
	up := map[string]string{}
	for _, r := range p.routes {
		switch {
		case servedByMock(r):
			up[r.Cluster] = mock.url
		case r.TLS:
			up[r.Cluster] = "https://" + r.Endpoint()
		default:
			up[r.Cluster] = "http://" + r.Endpoint()
		}
	}
	proxy, err := envoysim.New(envoysim.Options{Bootstrap: b, Listen: o.Listen, ExtProcAddr: tollgate, Upstreams: up,
		AccessLog: o.Stdout, ForgetAccessLog: true,
		Logger: slog.New(slog.NewTextHandler(o.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, fmt.Errorf("the embedded Envoy stand-in: %w", err)
	}
	addr, err := parseHostPort(proxy.URL()[len("http://"):])
	if err != nil {
		proxy.Close()
		return nil, err
	}
	info.URL, info.Envoy = clientURL(addr), "embedded"
	return &simFront{proxy: proxy, never: make(chan struct{})}, nil
}

func (s *simFront) exited() <-chan struct{} { return s.never }
func (s *simFront) stop() error             { return s.proxy.Close() }
func (s *simFront) name() string            { return "the Envoy stand-in" }

// clientURL is the base URL a client on this machine uses for a listener: localhost for
// one on every interface.
func clientURL(h hostPort) string {
	host := h.IP
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.FormatUint(uint64(h.Port), 10))
}
