package smoke

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"time"
)

// jsonResult is one result in the JSON report.
type jsonResult struct {
	Model    string `json:"model"`
	Provider string `json:"provider"`
	API      string `json:"api"`
	OK       bool   `json:"ok"`
	Status   int    `json:"status"`
	// TTFTMs is the time to the first output content of a stream (null for a token count
	// or when none came).
	TTFTMs     *int64    `json:"ttft_ms"`
	DurationMs int64     `json:"duration_ms"`
	Usage      jsonUsage `json:"usage"`
	// CostUSD is null when unpriced (or nothing is billed: a failure, a token count).
	CostUSD *float64 `json:"cost_usd"`
	Error   *string  `json:"error"`
}

type jsonUsage struct {
	Input      int64 `json:"input"`
	Output     int64 `json:"output"`
	CacheRead  int64 `json:"cache_read"`
	CacheWrite int64 `json:"cache_write"`
	Reasoning  int64 `json:"reasoning"`
}

// JSON renders the results as {"ok","failed","results":[...]}, indented, ending in a
// newline; failed counts the results that are not OK.
func JSON(results []Result) []byte {
	doc := struct {
		OK      bool         `json:"ok"`
		Failed  int          `json:"failed"`
		Results []jsonResult `json:"results"`
	}{Results: make([]jsonResult, 0, len(results))}
	for _, r := range results {
		j := jsonResult{Model: r.Model, Provider: r.Provider, API: r.API.String(), OK: r.OK(), Status: r.Status,
			DurationMs: r.Total.Milliseconds(),
			Usage:      jsonUsage{r.Usage.Input, r.Usage.Output, r.Usage.CacheRead, r.Usage.CacheWrite, r.Usage.Reasoning}}
		if r.TTFT > 0 {
			ms := r.TTFT.Milliseconds()
			j.TTFTMs = &ms
		}
		if r.Priced {
			c := r.Cost
			j.CostUSD = &c
		}
		if !r.OK() {
			msg := r.failure()
			j.Error = &msg
		}
		doc.Results = append(doc.Results, j)
	}
	doc.Failed = Failed(results)
	doc.OK = doc.Failed == 0
	b, _ := json.MarshalIndent(doc, "", "  ") // strings, numbers, bools: cannot fail
	return append(b, '\n')
}

// JUnit renders the results as a JUnit XML report (the testsuites/testsuite/testcase
// dialect CI systems read): one test case per result, named "{model} {api}" in class
// "tollgate.smoke.{provider}", a failure element for each one that failed. at is when
// the run started.
func JUnit(results []Result, at time.Time) ([]byte, error) {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type suite struct {
		Name      string     `xml:"name,attr"`
		Tests     int        `xml:"tests,attr"`
		Failures  int        `xml:"failures,attr"`
		Errors    int        `xml:"errors,attr"`
		Time      string     `xml:"time,attr"`
		Timestamp string     `xml:"timestamp,attr"`
		Cases     []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []suite  `xml:"testsuite"`
	}
	s := suite{Name: "tollgate smoke", Tests: len(results), Timestamp: at.UTC().Format("2006-01-02T15:04:05")}
	var total time.Duration
	for _, r := range results {
		total += r.Total
		c := testcase{Name: r.Model + " " + r.API.String(), Classname: "tollgate.smoke." + dash(r.Provider), Time: seconds(r.Total)}
		if !r.OK() {
			s.Failures++
			msg := r.failure()
			c.Failure = &failure{Message: msg, Type: "smoke", Text: fmt.Sprintf("%s via %s (provider %s): status %d: %s",
				r.Model, r.API, dash(r.Provider), r.Status, msg)}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = seconds(total)
	doc := suites{Name: "tollgate smoke", Tests: s.Tests, Failures: s.Failures, Time: s.Time, Suites: []suite{s}}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// failure says why a result is not OK.
func (r Result) failure() string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return fmt.Sprintf("HTTP %d", r.Status)
}
