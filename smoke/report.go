package smoke

import (
	"bytes"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Print writes the results as a table and returns how many failed. withAPI adds an API
// column after PROVIDER (for runs that try more than each model's primary API).
func Print(w io.Writer, results []Result, withAPI bool) int {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	api := func(r Result) string {
		if withAPI {
			return r.API.String() + "\t"
		}
		return ""
	}
	head := "MODEL\tPROVIDER\t"
	if withAPI {
		head += "API\t"
	}
	fmt.Fprintln(tw, head+"STATUS\tTTFT\tIN\tOUT\tCACHE_R\tCACHE_W\tCOST_USD\tRESULT")
	failed := 0
	for _, r := range results {
		result, cost := "ok", "unpriced"
		switch {
		case !r.OK():
			failed++
			result = "FAIL: " + r.failure()
			cost = "-" // a failed request has nothing to price
			if r.Priced {
				cost = fmt.Sprintf("%.6f", r.Cost)
			}
		case r.API.CountsTokens():
			cost = "-" // counting tokens bills nothing
		case r.Priced:
			cost = fmt.Sprintf("%.6f", r.Cost)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%d\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", r.Model, dash(r.Provider), api(r), r.Status,
			r.TTFT.Round(time.Millisecond), r.Usage.Input, r.Usage.Output, r.Usage.CacheRead, r.Usage.CacheWrite, cost, result)
	}
	tw.Flush()
	_, _ = w.Write(b.Bytes())
	return failed
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
