package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printTable writes the report as two aligned tables: throughput and resources, then the
// latency of each phase (p50/p99), one row per scenario and server.
func printTable(out io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario\tserver\treq/s\tfull\timmediate\terrors\tCPU/req\t×floor\t+CPU/req\tallocs/req\t+allocs/req\tbytes/req\tpeak RSS\tusage\t\n")
	for _, r := range rep.Results {
		ratio, overCPU, overAllocs := "-", "-", "-"
		if r.CPURatio > 0 {
			ratio = fmt.Sprintf("%.2f", r.CPURatio)
		}
		if r.CPUOverFloor != 0 || r.AllocsOverFloor != 0 {
			overCPU, overAllocs = signed(r.CPUOverFloor), fmt.Sprintf("%+.0f", r.AllocsOverFloor)
		}
		cpu := fmtDur(r.CPUPerRequest)
		if !r.InProcess {
			cpu += " (client)"
		}
		rss := fmtBytes(float64(r.PeakRSS))
		if !r.PeakRSSReset {
			rss += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t%d\t%d\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t\n",
			r.Scenario, r.Server, r.RPS, r.Full, r.Immediate, r.Errors, cpu, ratio, overCPU,
			r.AllocsPerRequest, overAllocs, fmtBytes(r.BytesPerRequest), rss, r.Usage.Status())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)

	if err := printLatencies(out, rep.Results, false); err != nil {
		return err
	}
	return printNotes(out, rep.Results)
}

// printLatencies writes the latency of each phase (p50/p99), one row per result.
func printLatencies(out io.Writer, results []Result, withRep bool) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "scenario")
	if withRep {
		fmt.Fprintf(tw, "\trep")
	}
	fmt.Fprintf(tw, "\tserver")
	for _, n := range phaseNames {
		fmt.Fprintf(tw, "\t%s p50/p99", n)
	}
	fmt.Fprintf(tw, "\t\n")
	for _, r := range results {
		fmt.Fprintf(tw, "%s", r.Scenario)
		if withRep {
			fmt.Fprintf(tw, "\t%d", r.Rep)
		}
		fmt.Fprintf(tw, "\t%s", r.Server)
		for _, p := range r.Phases {
			if p.Count == 0 {
				fmt.Fprintf(tw, "\t-")
				continue
			}
			fmt.Fprintf(tw, "\t%s / %s", fmtDur(p.P50), fmtDur(p.P99))
		}
		fmt.Fprintf(tw, "\t\n")
	}
	return tw.Flush()
}

// printNotes writes what the tables cannot show: error samples, usage mismatches, a
// peak RSS that could not be reset.
func printNotes(out io.Writer, results []Result) error {
	var notes []string
	for _, r := range results {
		if !r.PeakRSSReset {
			notes = append(notes, "* peak RSS could not be reset between runs: it is the process's peak so far.")
			break
		}
	}
	for _, r := range results {
		name := r.Scenario + "/" + r.Server
		if r.Process {
			name += fmt.Sprintf("/%d", r.Rep)
		}
		for _, s := range r.ErrorSamples {
			notes = append(notes, fmt.Sprintf("%s error: %s", name, s))
		}
		if r.Usage.Status() == "MISMATCH" {
			notes = append(notes, fmt.Sprintf("%s usage: expected %+v over %d requests, saw %+v from %d",
				name, r.Usage.Expected, r.Full, r.Usage.Seen, r.Usage.Reported))
		}
	}
	if len(notes) > 0 {
		_, err := fmt.Fprintf(out, "\n%s\n", strings.Join(notes, "\n"))
		return err
	}
	return nil
}

// fmtDur prints d with about three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		return sig3(d.Seconds()) + "s"
	}
}

// fmtBytes prints n bytes in B, KiB, MiB or GiB.
func fmtBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f%s", n, units[i])
	}
	return fmt.Sprintf("%.1f%s", n, units[i])
}

// signed prints d with its sign.
func signed(d time.Duration) string {
	if d < 0 {
		return "-" + fmtDur(-d)
	}
	return "+" + fmtDur(d)
}

// sig3 prints v with about three significant digits and no exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
