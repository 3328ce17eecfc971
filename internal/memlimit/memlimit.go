// Package memlimit gives the Go runtime a memory limit from the container's, and tells
// the rest of tollgate what it is.
//
// A container's memory limit (cgroup v2 memory.max, or v1 memory.limit_in_bytes) is a
// hard wall: past it the kernel kills the process. The Go runtime knows nothing of it
// unless GOMEMLIMIT says so, and then collects garbage only by GOGC — so a burst of large
// request bodies can take the heap over the wall before a collection runs. Configure sets
// the runtime's soft limit to 90% of the container's when GOMEMLIMIT is not set (the
// Helm chart sets GOMEMLIMIT itself from limits.memory; the image relies on this).
package memlimit

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// cgroupFiles are where the container's limit is read, v2 first.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// Fraction of the container limit given to the runtime as its soft limit: the rest is
// for memory the runtime does not manage (stacks in flight, the kernel's socket buffers).
const Fraction = 0.9

// Configure sets the runtime's memory limit from the container's when GOMEMLIMIT is not
// set, and returns the limit in force (math.MaxInt64: none) and where it came from.
func Configure() (limit int64, source string) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	}
	if c, ok := containerLimit(cgroupFiles); ok {
		debug.SetMemoryLimit(int64(float64(c) * Fraction))
		return debug.SetMemoryLimit(-1), "cgroup"
	}
	return debug.SetMemoryLimit(-1), "none"
}

// containerLimit reads the first cgroup file that holds a number ("max" means none).
func containerLimit(files []string) (int64, bool) {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		n, err := strconv.ParseInt(s, 10, 64)
		// cgroup v1 reports "no limit" as a huge number near MaxInt64 rounded to pages.
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
