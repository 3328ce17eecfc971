package budget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
)

// FailureMode is what a failed check does to the request.
type FailureMode string

// The values of `failure_mode`.
const (
	FailOpen   FailureMode = "open"   // the request goes on; the failure is counted
	FailClosed FailureMode = "closed" // the request is refused (503)
)

// Options configure a Service. Zero values take the defaults.
type Options struct {
	Domain      string        // default "tollgate"
	Timeout     time.Duration // per check call; default 200ms
	FailureMode FailureMode   // default open
	Observer    Observer      // default none
	Logger      *slog.Logger  // default discard
	Now         func() time.Time

	// The charger (see charger.go).
	ChargeTimeout time.Duration // per charge call; default 1s
	QueueSize     int           // charges waiting; default 4096
	Workers       int           // concurrent charge calls; default 2
	Attempts      int           // tries per charge; default 3
	Backoff       time.Duration // before the first retry, then doubling; default 100ms
}

// DefaultDomain is the rate-limit domain when the config names none.
const DefaultDomain = "tollgate"

func (o *Options) defaults() {
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	if o.Timeout <= 0 {
		o.Timeout = 200 * time.Millisecond
	}
	if o.FailureMode == "" {
		o.FailureMode = FailOpen
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ChargeTimeout <= 0 {
		o.ChargeTimeout = time.Second
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
}

// Service checks and charges budgets on one rate-limit service. It is safe for
// concurrent use and outlives config reloads: each request passes the Set of its own
// config snapshot to Begin.
type Service struct {
	rls     rlsv3.RateLimitServiceClient
	conn    io.Closer // owned, when made by Dial
	o       Options
	carry   carry
	charger *charger
}

// New returns a Service calling the rate-limit service on conn, and starts its charge
// workers; Close stops them.
func New(conn grpc.ClientConnInterface, o Options) (*Service, error) {
	o.defaults()
	switch o.FailureMode {
	case FailOpen, FailClosed:
	default:
		return nil, fmt.Errorf("failure_mode %q is not one of open, closed", o.FailureMode)
	}
	s := &Service{rls: rlsv3.NewRateLimitServiceClient(conn), o: o}
	s.carry.init()
	s.charger = startCharger(s)
	return s, nil
}

// Dial connects (lazily, in plaintext unless opts say otherwise) to address and
// returns a Service that closes the connection on Close. Reconnection backs off to at
// most 5s (gRPC's default grows to 2 minutes), so that a restarted rate-limit service
// is used again within seconds.
func Dial(address string, o Options, opts ...grpc.DialOption) (*Service, error) {
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: time.Second,
		}),
	}, opts...)
	conn, err := grpc.NewClient(address, opts...)
	if err != nil {
		return nil, fmt.Errorf("ratelimit address %q: %w", address, err)
	}
	s, err := New(conn, o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	s.conn = conn
	return s, nil
}

// Domain is the rate-limit domain the service's config must declare.
func (s *Service) Domain() string { return s.o.Domain }

// Close stops taking charges, sends those queued until ctx ends (the rest are dropped
// and counted), stops the workers and closes a dialled connection.
func (s *Service) Close(ctx context.Context) error {
	err := s.charger.close(ctx)
	if s.conn != nil {
		err = errors.Join(err, s.conn.Close())
	}
	return err
}

// Begin starts the budget accounting of one request, after routing: team and key are
// the client key's team and name ("" without keys), model the model the client asked
// for. It returns nil, without allocating, when no budget of set applies; the methods
// of a nil *Request do nothing.
func (s *Service) Begin(set *Set, team, key, model string) *Request {
	if s == nil || set == nil {
		return nil
	}
	var r *Request
	for _, rl := range set.rules {
		if !rl.applies(team, model) {
			continue
		}
		if r == nil {
			r = &Request{svc: s, team: team, key: key}
			r.picks = r.buf[:0]
		}
		r.picks = append(r.picks, pick{rule: rl, scope: rl.scope(team, key)})
	}
	return r
}
