package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate/tollgate/internal/envoysim/filter"
)

// Options configure Run. Each scenario runs against each server until Requests requests
// have been started or Duration has passed, whichever comes first.
type Options struct {
	Scenarios []string // names; empty means DefaultScenarios
	// Concurrency is the number of concurrent streams (workers); 0 means each
	// scenario's own (Scenario.Concurrency).
	Concurrency int
	Requests    int           // requests per scenario and server
	Duration    time.Duration // time limit per scenario and server
	// Pacing, when PacingSet, replaces every scenario's time between response chunks.
	Pacing    time.Duration
	PacingSet bool
	// Observe sends the response (headers and STREAMED chunks) as a filter in
	// observability_mode does: without awaiting replies (see exchange.go);
	// ObserveStream does so on a second stream, as a second filter would.
	Observe, ObserveStream bool
	// Target is the host:port of an external ext_proc server to measure instead of the
	// in-process one. Its CPU and memory are not visible from here: see README.md.
	Target string
	// Key is the client key sent in Authorization: Bearer or x-api-key.
	Key string
	// Timeout bounds the requests still in flight when Duration ends; 0 means 30s.
	Timeout time.Duration
	// Warmup requests per worker run unmeasured before each measured run.
	Warmup int
	// NoFloor skips the floor server.
	NoFloor bool
	Logger  *slog.Logger

	// For RunProcesses only (servers as processes of their own):
	// Reps is how many times each (scenario, server) run is repeated, alternating the
	// servers' order (0: 1).
	Reps int
	// ServerCPUs and ClientCPUs pin the servers and the load tool (nil: not pinned).
	ServerCPUs, ClientCPUs []int
	// ProfileDir, when set, receives a CPU and an allocation profile of every server
	// process (<scenario>.<server>.<rep>.cpu.pprof and .allocs.pprof).
	ProfileDir string
	// TollgateEnv is added to tollgate's environment (KEY=VALUE): runtime settings such
	// as GOGC or GOMEMLIMIT, tried against the floor's defaults.
	TollgateEnv []string
}

// DefaultKey is the client key sent when Options.Key is empty.
const DefaultKey = "tollgate-bench-key"

// MaxMessage bounds one gRPC message both ways: the 5 MB scenario with ample margin, and
// the 20 MB bodies tollgate admits.
const MaxMessage = 64 << 20

func (o *Options) validate() error {
	var errs []error
	if len(o.Scenarios) == 0 {
		o.Scenarios = DefaultScenarios
	}
	if err := checkScenarios(o.Scenarios); err != nil {
		errs = append(errs, err)
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d: must be at least 1 (0: each scenario's own)", o.Concurrency))
	}
	if o.PacingSet && o.Pacing < 0 {
		errs = append(errs, fmt.Errorf("pacing %s: must not be negative", o.Pacing))
	}
	if o.Requests < 1 {
		errs = append(errs, fmt.Errorf("requests %d: must be at least 1", o.Requests))
	}
	if o.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration %s: must be positive", o.Duration))
	}
	if o.Target != "" {
		if _, port, err := net.SplitHostPort(o.Target); err != nil {
			errs = append(errs, fmt.Errorf("target %q: %w", o.Target, err))
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			errs = append(errs, fmt.Errorf("target %q: bad port", o.Target))
		}
	}
	if o.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup %d: must not be negative", o.Warmup))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: must not be negative", o.Timeout))
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Key == "" {
		o.Key = DefaultKey
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return errors.Join(errs...)
}

// server is one ext_proc server under test and the connection to it.
type server struct {
	name      string
	inProcess bool
	conn      *grpc.ClientConn
	client    extprocv3.ExternalProcessorClient
	stop      func()
}

func (s *server) close() {
	s.conn.Close()
	if s.stop != nil {
		s.stop()
	}
}

func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxMessage), grpc.MaxCallRecvMsgSize(MaxMessage)))
}

// startInProcess serves register on 127.0.0.1 and connects to it.
func startInProcess(name string, register func(*grpc.Server)) (*server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("%s: listen: %w", name, err)
	}
	g := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessage), grpc.MaxSendMsgSize(MaxMessage))
	register(g)
	served := make(chan struct{})
	go func() { defer close(served); _ = g.Serve(lis) }()
	stop := func() { g.Stop(); <-served }
	conn, err := dial(lis.Addr().String())
	if err != nil {
		stop()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &server{name: name, inProcess: true, conn: conn, client: extprocv3.NewExternalProcessorClient(conn), stop: stop}, nil
}

func startTarget(addr string) (*server, error) {
	conn, err := dial(addr)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", addr, err)
	}
	return &server{name: addr, conn: conn, client: extprocv3.NewExternalProcessorClient(conn)}, nil
}

// servers starts the servers to measure: the floor (unless NoFloor), then the target if
// one is set, else tollgate in-process if given.
func startServers(opts *Options, tollgate func(*grpc.Server)) ([]*server, error) {
	var out []*server
	fail := func(err error) ([]*server, error) {
		for _, s := range out {
			s.close()
		}
		return nil, err
	}
	if !opts.NoFloor {
		s, err := startInProcess("floor", NewFloorServer().Register)
		if err != nil {
			return fail(err)
		}
		out = append(out, s)
	}
	switch {
	case opts.Target != "":
		s, err := startTarget(opts.Target)
		if err != nil {
			return fail(err)
		}
		out = append(out, s)
	case tollgate != nil:
		s, err := startInProcess("tollgate", tollgate)
		if err != nil {
			return fail(err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("nothing to measure: no floor, no target and no in-process server")
	}
	return out, nil
}

// Run runs every scenario against each server (see startServers), prints the table to out
// (if not nil) and returns the report. It fails only when it cannot run at all or ctx is
// done; request errors are counted in the report.
func Run(ctx context.Context, opts Options, tollgate func(*grpc.Server), out io.Writer) (Report, error) {
	if err := opts.validate(); err != nil {
		return Report{}, err
	}
	rep := Report{Mode: "in-process", Concurrency: opts.Concurrency, Requests: opts.Requests, Duration: opts.Duration,
		Target: opts.Target, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if opts.Target != "" {
		rep.Mode = "target"
	}
	servers, err := startServers(&opts, tollgate)
	if err != nil {
		return rep, err
	}
	defer func() {
		for _, s := range servers {
			s.close()
		}
	}()
	for _, name := range opts.Scenarios {
		sc, err := NewScenario(name)
		if err != nil {
			return rep, err
		}
		m := newMessages(sc, opts.Key)
		var floor *Result
		for _, s := range servers {
			opts.Logger.Info("bench run", "scenario", name, "server", s.name)
			// In-process this is client and server; for a -target, the client alone.
			res := runLoad(ctx, s, m, &opts, &selfProbe{})
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if s.name == "floor" {
				floor = &res
			} else if s.inProcess && floor != nil && floor.Completed > 0 && res.Completed > 0 {
				compareToFloor(&res, floor)
			}
			rep.Results = append(rep.Results, res)
		}
	}
	if out != nil {
		if err := printTable(out, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func compareToFloor(res, floor *Result) {
	if floor.CPUPerRequest > 0 {
		res.CPURatio = float64(res.CPUPerRequest) / float64(floor.CPUPerRequest)
	}
	res.CPUOverFloor = res.CPUPerRequest - floor.CPUPerRequest
	res.AllocsOverFloor = res.AllocsPerRequest - floor.AllocsPerRequest
}

// tally is one worker's count of outcomes.
type tally struct {
	full, immediate, errors, reported int64
	seen                              Tokens
	samples                           []string
	statuses                          map[int]int64 // of the immediate responses
}

func (t *tally) addStatus(code int, n int64) {
	if t.statuses == nil {
		t.statuses = map[int]int64{}
	}
	t.statuses[code] += n
}

const maxErrorSamples = 5

func (t *tally) addSample(msg string) {
	if len(t.samples) < maxErrorSamples && !slices.Contains(t.samples, msg) {
		t.samples = append(t.samples, msg)
	}
}

// probe measures the resources a run takes: begin is called right before the measured
// requests, end right after, with the result to fill (Completed is set).
type probe interface {
	begin()
	end(res *Result)
}

// selfProbe measures this process: the client, and an in-process server with it.
type selfProbe struct {
	reset  bool
	before usageSnapshot
}

func (p *selfProbe) begin() {
	runtime.GC()
	p.reset = resetPeakRSS()
	p.before = snapshot()
}

func (p *selfProbe) end(res *Result) {
	after := snapshot()
	res.PeakRSS, res.PeakRSSReset = peakRSS(), p.reset
	if res.Completed > 0 {
		n := float64(res.Completed)
		res.CPUPerRequest = (after.cpu - p.before.cpu) / time.Duration(res.Completed)
		res.AllocsPerRequest = float64(after.mallocs-p.before.mallocs) / n
		res.BytesPerRequest = float64(after.totalAlloc-p.before.totalAlloc) / n
	}
}

// concurrency is the number of workers a scenario runs with.
func (o *Options) concurrency(sc *Scenario) int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return max(sc.Concurrency, 1)
}

// pacing is the time between a scenario's response chunks.
func (o *Options) pacing(sc *Scenario) time.Duration {
	if o.PacingSet {
		return o.Pacing
	}
	return sc.Pacing
}

// runLoad measures one scenario against one server.
func runLoad(ctx context.Context, s *server, m *messages, opts *Options, p probe) Result {
	c := opts.concurrency(m.sc)
	newWorkers := func() []*worker {
		ws := make([]*worker, c)
		for i := range ws {
			ws[i] = newWorker(i, s.client, m)
			ws[i].pacing, ws[i].observe = opts.pacing(m.sc), opts.Observe || opts.ObserveStream
			if opts.ObserveStream {
				ws[i].second = filter.NewStream(filterConfig(), s.client)
			}
		}
		return ws
	}
	if opts.Warmup > 0 {
		warm := newWorkers()
		var seq atomic.Int64
		drive(ctx, warm, make([]tally, len(warm)), int64(opts.Warmup*c), time.Now().Add(opts.Duration), opts.Timeout, &seq)
	}
	workers := newWorkers()
	tallies := make([]tally, len(workers))
	var seq atomic.Int64
	load := loadAvg1()
	p.begin()
	start := time.Now()
	drive(ctx, workers, tallies, int64(opts.Requests), start.Add(opts.Duration), opts.Timeout, &seq)
	elapsed := time.Since(start)

	res := Result{Scenario: m.sc.Name, Server: s.name, InProcess: s.inProcess, Concurrency: c, Elapsed: elapsed}
	var total tally
	var hist [numPhases]histogram
	for i, w := range workers {
		t := &tallies[i]
		total.full += t.full
		total.immediate += t.immediate
		total.errors += t.errors
		total.reported += t.reported
		total.seen = total.seen.add(t.seen)
		for _, msg := range t.samples {
			total.addSample(msg)
		}
		for code, n := range t.statuses {
			total.addStatus(code, n)
		}
		for p := range hist {
			hist[p].merge(&w.hist[p])
		}
	}
	res.Full, res.Immediate, res.Errors, res.ErrorSamples = total.full, total.immediate, total.errors, total.samples
	res.ImmediateStatus = total.statuses
	res.Completed = total.full + total.immediate
	p.end(&res)
	res.LoadAvg = [2]float64{load, loadAvg1()}
	for p := range hist {
		h := &hist[p]
		res.Phases = append(res.Phases, Phase{Name: phaseNames[p], Count: h.n, P50: h.quantile(0.50), P99: h.quantile(0.99), Max: h.max})
	}
	if res.Completed > 0 {
		res.RPS = float64(res.Completed) / elapsed.Seconds()
	}
	res.Usage = UsageCheck{Expected: m.sc.Usage.times(total.full), Seen: total.seen, Reported: total.reported}
	res.Usage.Exact = total.full > 0 && total.reported == total.full && total.seen == res.Usage.Expected
	return res
}

// drive runs the workers until limit requests have been started or deadline has passed.
// Requests still in flight at the deadline may take timeout longer; then they are
// cancelled (and counted as errors).
func drive(ctx context.Context, workers []*worker, tallies []tally, limit int64, deadline time.Time, timeout time.Duration, seq *atomic.Int64) {
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(timeout))
	defer cancel()
	var wg sync.WaitGroup
	for i, w := range workers {
		t := &tallies[i]
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := seq.Add(1)
				if n > limit {
					return
				}
				end, err := w.do(ctx, n)
				switch {
				case err != nil:
					t.errors++
					t.addSample(err.Error())
				case end == endedImmediate:
					t.immediate++
					t.addStatus(w.immediate, 1)
				default:
					t.full++
					if w.reported {
						t.reported++
						t.seen = t.seen.add(w.usage)
					}
				}
			}
		})
	}
	wg.Wait()
}
