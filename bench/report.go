package bench

import "time"

// Report is the outcome of Run or RunProcesses: one Result per scenario, server (and
// repetition), and with servers run as processes one Summary per scenario.
type Report struct {
	// Mode is how the servers ran: "process" (each a process of its own, measured
	// alone), "in-process" (inside the load tool), or "target" (elsewhere).
	Mode string `json:"mode"`
	// Concurrency is -c; 0 means each scenario ran with its own (Result.Concurrency).
	Concurrency int           `json:"concurrency"`
	Requests    int           `json:"requests"`
	Duration    time.Duration `json:"duration_ns"`
	Target      string        `json:"target,omitempty"`
	// GOMAXPROCS is the load tool's.
	GOMAXPROCS int `json:"gomaxprocs"`
	// Reps is the number of repetitions of each (scenario, server) run (process mode).
	Reps int `json:"reps,omitempty"`
	// ServerCPUs and ClientCPUs are the CPUs the servers and the load tool were pinned
	// to (empty: not pinned).
	ServerCPUs []int `json:"server_cpus,omitempty"`
	ClientCPUs []int `json:"client_cpus,omitempty"`
	// TollgateEnv is what was added to tollgate's environment (-tollgate-env).
	TollgateEnv []string  `json:"tollgate_env,omitempty"`
	Results     []Result  `json:"results"`
	Summaries   []Summary `json:"summaries,omitempty"`
}

// Result is one scenario run against one server.
type Result struct {
	Scenario string `json:"scenario"`
	// Server is "floor", "tollgate", or the -target address.
	Server string `json:"server"`
	// InProcess is true when the server ran inside this process: CPU, allocations and
	// peak RSS then cover client and server together (see README.md).
	InProcess bool `json:"in_process"`
	// Process is true when the server ran as a process of its own: CPU and peak RSS are
	// that process's alone.
	Process bool `json:"process,omitempty"`
	// Rep is the repetition this run belongs to (from 0).
	Rep int `json:"rep"`
	// Concurrency is the number of concurrent streams of the run.
	Concurrency int `json:"concurrency"`

	// Completed = Full + Immediate: requests that ended as Envoy expects.
	Completed int64 `json:"completed"`
	// Full requests went through every phase.
	Full int64 `json:"full"`
	// Immediate requests were answered with an immediate_response; ImmediateStatus
	// counts them by HTTP status (401: the key was refused).
	Immediate       int64         `json:"immediate"`
	ImmediateStatus map[int]int64 `json:"immediate_status,omitempty"`
	// Errors are gRPC errors and replies of the wrong type; ErrorSamples holds the first
	// few distinct messages.
	Errors       int64    `json:"errors"`
	ErrorSamples []string `json:"error_samples,omitempty"`

	Elapsed time.Duration `json:"elapsed_ns"`
	// RPS is Completed per second of Elapsed.
	RPS float64 `json:"requests_per_second"`
	// Phases are the latency of each phase (reply time of one message), then of the
	// whole request (stream open to stream end, full requests only).
	Phases []Phase `json:"phases"`

	// CPUPerRequest is CPU time (user+system) per completed request: of the server
	// process alone (Process), else of this process (client, and an in-process server).
	CPUPerRequest time.Duration `json:"cpu_per_request_ns"`
	// ServerCPU is the server process's CPU time over the whole run, and CPUSource where
	// it was read: "schedstat" (per thread, to the ns) or "stat" (to the 10 ms tick).
	ServerCPU time.Duration `json:"server_cpu_ns,omitempty"`
	CPUSource string        `json:"cpu_source,omitempty"`
	// ClientCPUPerRequest is the load tool's own CPU time per request (Process runs).
	ClientCPUPerRequest time.Duration `json:"client_cpu_per_request_ns,omitempty"`
	// LoadAvg is the machine's 1-minute load average at the start and at the end of the
	// run: how busy the machine was with other work too.
	LoadAvg [2]float64 `json:"load_avg"`
	// CPURatio is CPUPerRequest over the floor's in the same scenario (in-process runs
	// of a server other than the floor; 0 otherwise).
	CPURatio float64 `json:"cpu_ratio_to_floor,omitempty"`
	// CPUOverFloor and AllocsOverFloor are this run's CPU time and allocations per request
	// minus the floor's (same scenario, both in-process): what the server itself adds,
	// since the client's share and gRPC's are in both. May be negative within noise.
	CPUOverFloor    time.Duration `json:"cpu_over_floor_ns,omitempty"`
	AllocsOverFloor float64       `json:"allocs_over_floor,omitempty"`
	// AllocsPerRequest and BytesPerRequest are heap allocations of this process per
	// completed request (runtime.MemStats Mallocs and TotalAlloc deltas).
	AllocsPerRequest float64 `json:"allocs_per_request"`
	BytesPerRequest  float64 `json:"bytes_per_request"`
	// PeakRSS is the peak resident set during the run, in bytes, of the server process
	// (Process) or of this one. When
	// PeakRSSReset is false the kernel refused to reset the peak, and it is the peak of
	// the whole process so far.
	PeakRSS      int64 `json:"peak_rss_bytes"`
	PeakRSSReset bool  `json:"peak_rss_reset"`

	Usage UsageCheck `json:"usage"`
}

// Phase is the latency distribution of one phase.
type Phase struct {
	Name  string        `json:"name"`
	Count uint64        `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// UsageCheck compares the token usage the server reported in dynamic metadata (namespace
// tollgate) with what the scenario's streams carried, over the full requests.
type UsageCheck struct {
	Expected Tokens `json:"expected"`
	Seen     Tokens `json:"seen"`
	// Reported counts the full requests whose replies carried usage.
	Reported int64 `json:"reported"`
	// Exact: every full request reported, and the sums are equal.
	Exact bool `json:"exact"`
}

// Status is "exact", "none" (no usage reported at all, as from the floor) or "MISMATCH".
func (u UsageCheck) Status() string {
	switch {
	case u.Exact:
		return "exact"
	case u.Reported == 0 && u.Seen == Tokens{}:
		return "none"
	default:
		return "MISMATCH"
	}
}
