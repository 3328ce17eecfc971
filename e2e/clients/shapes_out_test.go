package clients

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
)

// The nightly client canary (deploy/release) diffs the requests the newest clients send
// against the last passing ones: with TOLLGATE_REQUEST_SHAPES_OUT set, every request shape
// the suite recorded is written there, as a JSON array in the fixtures' format (the
// release tool's reqdiff.Shape), whether or not the run passed.
var shapesOut struct {
	sync.Mutex
	all []requestShape
}

func recordShapesOut(ss []requestShape) {
	shapesOut.Lock()
	defer shapesOut.Unlock()
	shapesOut.all = append(shapesOut.all, ss...)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if path := os.Getenv("TOLLGATE_REQUEST_SHAPES_OUT"); path != "" {
		shapesOut.Lock()
		all := shapesOut.all
		if all == nil {
			all = []requestShape{}
		}
		sortShapes(all)
		b, err := json.MarshalIndent(all, "", "  ")
		if err == nil {
			err = os.WriteFile(path, append(b, '\n'), 0o644)
		}
		shapesOut.Unlock()
		if err != nil {
			fmt.Fprintf(os.Stderr, "writing TOLLGATE_REQUEST_SHAPES_OUT: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
