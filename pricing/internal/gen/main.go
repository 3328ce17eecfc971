// Command gen writes pricing/builtin.yaml, the built-in price table, from a LiteLLM price
// file. Run it through `go generate ./pricing`. It keeps the models tollgate's provider
// types serve (select.go) and writes one readable line per model in USD per million
// tokens (write.go).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "testdata/model_prices_and_context_window.json", "LiteLLM price file")
	out := flag.String("out", "builtin.yaml", "table to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	table, err := generate(data)
	if err != nil {
		return err
	}
	return os.WriteFile(out, table, 0o644)
}
