package smoke

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Print writes the results as a table and returns how many failed.
func Print(w io.Writer, results []Result) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tPROVIDER\tSTATUS\tTTFT\tIN\tOUT\tCACHE_R\tCACHE_W\tCOST_USD\tRESULT")
	failed := 0
	for _, r := range results {
		result, cost := "ok", "unpriced"
		switch {
		case !r.OK():
			failed++
			result = "FAIL: " + r.Err.Error()
			cost = "-" // a failed request has nothing to price
			if r.Priced {
				cost = fmt.Sprintf("%.6f", r.Cost)
			}
		case r.Priced:
			cost = fmt.Sprintf("%.6f", r.Cost)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Model, dash(r.Provider), r.Status,
			r.TTFT.Round(time.Millisecond), r.Usage.Input, r.Usage.Output, r.Usage.CacheRead, r.Usage.CacheWrite, cost, result)
	}
	tw.Flush()
	return failed
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
