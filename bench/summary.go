package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Summary is one scenario's repetitions against the floor and tollgate, both run as
// processes of their own (RunProcesses).
type Summary struct {
	Scenario    string `json:"scenario"`
	Concurrency int    `json:"concurrency"`
	Reps        int    `json:"reps"`
	Floor       *Side  `json:"floor,omitempty"`
	Tollgate    *Side  `json:"tollgate,omitempty"`
	// Baseline is another build of tollgate measured in the same rotation (-baseline);
	// VsBaseline is tollgate's CPU per request over the baseline's in the same
	// repetition (median; min and max), BaselineRatio the baseline's over the floor's.
	Baseline      *Side   `json:"baseline,omitempty"`
	VsBaseline    float64 `json:"vs_baseline,omitempty"`
	VsBaselineMin float64 `json:"vs_baseline_min,omitempty"`
	VsBaselineMax float64 `json:"vs_baseline_max,omitempty"`
	BaselineRatio float64 `json:"baseline_ratio,omitempty"`
	// CPURatio is the median, over the repetitions, of tollgate's server CPU per request
	// divided by the floor's in the same repetition; CPURatioMin and CPURatioMax its
	// range. Zero without both servers.
	CPURatio    float64 `json:"cpu_ratio"`
	CPURatioMin float64 `json:"cpu_ratio_min"`
	CPURatioMax float64 `json:"cpu_ratio_max"`
	// RSSRatio is the median paired ratio of peak resident sets.
	RSSRatio float64 `json:"rss_ratio"`
	// WithClientRatio is the median paired ratio of server + load tool CPU per request:
	// what measuring both in one process (the in-process mode) reports. The load tool's
	// cost is added to both sides, which pulls the ratio towards 1.
	WithClientRatio float64 `json:"with_client_ratio"`
	// LoadAvg is the median of the machine's 1-minute load average over the runs.
	LoadAvg float64 `json:"load_avg"`
}

// Side is one server's medians over the repetitions of a scenario.
type Side struct {
	CPUPerRequest       time.Duration `json:"cpu_per_request_ns"`
	ClientCPUPerRequest time.Duration `json:"client_cpu_per_request_ns"`
	PeakRSS             int64         `json:"peak_rss_bytes"`
	RPS                 float64       `json:"requests_per_second"`
	// Completed and Errors are totals over the repetitions.
	Completed int64 `json:"completed"`
	Errors    int64 `json:"errors"`
	// Usage is "exact" when every repetition's usage was, "none" when none reported,
	// else "MISMATCH".
	Usage string `json:"usage"`
}

// summarise reduces one scenario's results (both servers, every repetition).
func summarise(scenario string, results []Result) Summary {
	s := Summary{Scenario: scenario}
	byServer := map[string][]Result{}
	var loads []float64
	for _, r := range results {
		byServer[r.Server] = append(byServer[r.Server], r)
		s.Concurrency = r.Concurrency
		s.Reps = max(s.Reps, r.Rep+1)
		loads = append(loads, (r.LoadAvg[0]+r.LoadAvg[1])/2)
	}
	s.LoadAvg = median(loads)
	s.Floor, s.Tollgate, s.Baseline = side(byServer["floor"]), side(byServer["tollgate"]), side(byServer["baseline"])
	if s.Baseline != nil && s.Tollgate != nil {
		r := pairedCPU(byServer["tollgate"], byServer["baseline"])
		if len(r) > 0 {
			s.VsBaseline, s.VsBaselineMin, s.VsBaselineMax = median(r), slices.Min(r), slices.Max(r)
		}
		if s.Floor != nil {
			s.BaselineRatio = median(pairedCPU(byServer["baseline"], byServer["floor"]))
		}
	}
	if s.Floor == nil || s.Tollgate == nil {
		return s
	}
	var cpu, rss, withClient []float64
	for _, f := range byServer["floor"] {
		for _, t := range byServer["tollgate"] {
			if t.Rep != f.Rep || f.CPUPerRequest <= 0 || t.CPUPerRequest <= 0 {
				continue
			}
			cpu = append(cpu, float64(t.CPUPerRequest)/float64(f.CPUPerRequest))
			withClient = append(withClient, float64(t.CPUPerRequest+t.ClientCPUPerRequest)/float64(f.CPUPerRequest+f.ClientCPUPerRequest))
			if f.PeakRSS > 0 {
				rss = append(rss, float64(t.PeakRSS)/float64(f.PeakRSS))
			}
		}
	}
	if len(cpu) > 0 {
		s.CPURatio, s.CPURatioMin, s.CPURatioMax = median(cpu), slices.Min(cpu), slices.Max(cpu)
		s.WithClientRatio = median(withClient)
	}
	s.RSSRatio = median(rss)
	return s
}

// pairedCPU is the ratios of a's CPU per request to b's, repetition by repetition.
func pairedCPU(a, b []Result) []float64 {
	var out []float64
	for _, x := range a {
		for _, y := range b {
			if x.Rep == y.Rep && x.CPUPerRequest > 0 && y.CPUPerRequest > 0 {
				out = append(out, float64(x.CPUPerRequest)/float64(y.CPUPerRequest))
			}
		}
	}
	return out
}

func side(rs []Result) *Side {
	if len(rs) == 0 {
		return nil
	}
	var cpu, client, rss, rps []float64
	sd := &Side{Usage: "exact"}
	statuses := map[string]bool{}
	for _, r := range rs {
		sd.Completed += r.Completed
		sd.Errors += r.Errors
		statuses[r.Usage.Status()] = true
		if r.Completed == 0 {
			continue
		}
		cpu = append(cpu, float64(r.CPUPerRequest))
		client = append(client, float64(r.ClientCPUPerRequest))
		rss = append(rss, float64(r.PeakRSS))
		rps = append(rps, r.RPS)
	}
	switch {
	case len(statuses) == 1 && statuses["exact"]:
	case len(statuses) == 1 && statuses["none"]:
		sd.Usage = "none"
	default:
		sd.Usage = "MISMATCH"
	}
	sd.CPUPerRequest, sd.ClientCPUPerRequest = time.Duration(median(cpu)), time.Duration(median(client))
	sd.PeakRSS, sd.RPS = int64(median(rss)), median(rps)
	return sd
}

// median of v (the mean of the middle two for an even count); 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Sorted(slices.Values(v))
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// printProcessTables writes the summary (medians and paired ratios), then every run,
// then every run's latencies.
func printProcessTables(out io.Writer, rep *Report) error {
	pin := func(cpus []int) string {
		if len(cpus) == 0 {
			return "not pinned"
		}
		return fmt.Sprint(cpus)
	}
	fmt.Fprintf(out, "servers as processes of their own (CPUs %s), load tool CPUs %s; %d repetition(s), servers alternating\n",
		pin(rep.ServerCPUs), pin(rep.ClientCPUs), rep.Reps)
	if len(rep.TollgateEnv) > 0 {
		fmt.Fprintf(out, "tollgate's environment adds %s\n", strings.Join(rep.TollgateEnv, " "))
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tc\tfloor CPU/req\ttollgate CPU/req\t×floor\t(min–max)\t+CPU/req\tfloor RSS\ttollgate RSS\t×RSS\t×floor with client\tusage\terrors\tload\t\n")
	for _, s := range rep.Summaries {
		f, t := s.Floor, s.Tollgate
		cols := []string{s.Scenario, fmt.Sprint(s.Concurrency), "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", fmt.Sprintf("%.1f", s.LoadAvg)}
		var errs int64
		if f != nil {
			cols[2], cols[7] = fmtDur(f.CPUPerRequest), fmtBytes(float64(f.PeakRSS))
			errs += f.Errors
		}
		if t != nil {
			cols[3], cols[8], cols[11] = fmtDur(t.CPUPerRequest), fmtBytes(float64(t.PeakRSS)), t.Usage
			errs += t.Errors
		}
		if s.CPURatio > 0 {
			cols[4] = fmt.Sprintf("%.2f", s.CPURatio)
			cols[5] = fmt.Sprintf("%.2f–%.2f", s.CPURatioMin, s.CPURatioMax)
			cols[6] = signed(t.CPUPerRequest - f.CPUPerRequest)
			cols[9] = fmt.Sprintf("%.2f", s.RSSRatio)
			cols[10] = fmt.Sprintf("%.2f", s.WithClientRatio)
		}
		cols[12] = fmt.Sprint(errs)
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cols, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := printBaseline(out, rep); err != nil {
		return err
	}

	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\trep\tserver\tc\treq/s\tfull\timmediate\terrors\tCPU/req\tserver CPU\tsource\tclient CPU/req\tpeak RSS\tusage\tload\t\n")
	for _, r := range rep.Results {
		rss := fmtBytes(float64(r.PeakRSS))
		if !r.PeakRSSReset {
			rss += "*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%.0f\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f–%.1f\t\n",
			r.Scenario, r.Rep, r.Server, r.Concurrency, r.RPS, r.Full, r.Immediate, r.Errors,
			fmtDur(r.CPUPerRequest), fmtDur(r.ServerCPU), r.CPUSource, fmtDur(r.ClientCPUPerRequest), rss,
			r.Usage.Status(), r.LoadAvg[0], r.LoadAvg[1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	if err := printLatencies(out, rep.Results, true); err != nil {
		return err
	}
	return printNotes(out, rep.Results)
}

// printBaseline writes tollgate against the baseline build, when there is one.
func printBaseline(out io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	rows := 0
	fmt.Fprintf(tw, "scenario\tbaseline CPU/req\ttollgate CPU/req\ttollgate ÷ baseline\t(min–max)\tbaseline ×floor\tbaseline RSS\tusage\t\n")
	for _, s := range rep.Summaries {
		if s.Baseline == nil || s.Tollgate == nil {
			continue
		}
		rows++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%.3f–%.3f\t%.2f\t%s\t%s\t\n", s.Scenario, fmtDur(s.Baseline.CPUPerRequest),
			fmtDur(s.Tollgate.CPUPerRequest), s.VsBaseline, s.VsBaselineMin, s.VsBaselineMax, s.BaselineRatio,
			fmtBytes(float64(s.Baseline.PeakRSS)), s.Baseline.Usage)
	}
	if rows == 0 {
		return nil
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out)
	return err
}
