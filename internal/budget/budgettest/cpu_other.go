//go:build !unix

package budgettest

import "time"

// selfCPU is not measured here (0).
func selfCPU() time.Duration { return 0 }
