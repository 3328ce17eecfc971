// Package memlimit gives the Go runtime a memory limit from the container's, and tells
// the rest of tollgate what it is.
//
// A container's memory limit (cgroup v2 memory.max, or v1 memory.limit_in_bytes) is a
// hard wall: past it the kernel kills the process. The Go runtime knows nothing of it
// unless GOMEMLIMIT says so, and then collects garbage only by GOGC — so a burst of large
// request bodies can take the heap over the wall before a collection runs. Configure sets
// the runtime's soft limit to 90% of the container's when GOMEMLIMIT is not set (the
// image relies on this: it sets no GOMEMLIMIT). A GOMEMLIMIT at or above the container's
// limit leaves no room for what the runtime does not manage, so it is lowered to the same
// 90%: the Helm chart sets GOMEMLIMIT to the container's limit (resourceFieldRef
// limits.memory, in bytes), and this is what keeps the headroom there. A GOMEMLIMIT below
// the container's limit is kept as it is.
// ConfigureGC sets tollgate's own GOGC default, 200, when GOGC is not set.
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
	c, hasContainer := containerLimit(cgroupFiles)
	return configure(os.Getenv("GOMEMLIMIT") != "", c, hasContainer)
}

func configure(fromEnv bool, container int64, hasContainer bool) (int64, string) {
	headroom := int64(float64(container) * Fraction)
	switch {
	case fromEnv && hasContainer && debug.SetMemoryLimit(-1) > headroom:
		debug.SetMemoryLimit(headroom)
		return headroom, "GOMEMLIMIT, lowered to 90% of the container's limit"
	case fromEnv:
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	case hasContainer:
		debug.SetMemoryLimit(headroom)
		return headroom, "cgroup"
	}
	return debug.SetMemoryLimit(-1), "none"
}

// GCPercent is tollgate's garbage-collection target when GOGC is not set: the heap may
// grow to three times what is live (GOGC=200) rather than twice (Go's default, 100),
// which halves the collections. tollgate's live heap is small (a few MiB: config, price
// table, the requests in flight) and most of its CPU above the ext_proc protocol's own
// was collecting the garbage of each request's messages. Measured with `tollgate bench`
// (BENCHMARKS.md): server CPU per request -4% (2 KB requests) and -9% (200 KB), for a
// peak RSS at 16 streams 3-5 MiB higher; GOGC=400 saved little more for far more memory
// (+10-20 MiB at c16, twice the floor's RSS with 5 MB bodies). The memory limit set by
// Configure still bounds the heap: near it, the runtime collects as often as it must.
const GCPercent = 200

// ConfigureGC sets the runtime's GC target to GCPercent when GOGC is not set, and
// returns the target in force and where it came from ("GOGC" or "default").
func ConfigureGC() (percent int, source string) {
	if os.Getenv("GOGC") != "" {
		p := debug.SetGCPercent(100) // read it back: SetGCPercent returns the old value
		debug.SetGCPercent(p)
		return p, "GOGC"
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent, "default"
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
