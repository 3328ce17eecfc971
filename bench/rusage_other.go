//go:build !unix

package bench

import "time"

// processCPU is not measured without getrusage (Windows): CPU/req reads 0.
func processCPU() time.Duration { return 0 }

// rusageMaxRSS is not measured without getrusage.
func rusageMaxRSS() int64 { return 0 }
