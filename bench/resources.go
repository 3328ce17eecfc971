package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"time"
)

// usageSnapshot is this process's resource counters at one moment.
type usageSnapshot struct {
	cpu        time.Duration // user + system, all threads
	mallocs    uint64
	totalAlloc uint64
}

func snapshot() usageSnapshot {
	s := usageSnapshot{cpu: processCPU()}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mallocs, s.totalAlloc = ms.Mallocs, ms.TotalAlloc
	return s
}

// resetPeakRSS asks Linux to reset this process's peak RSS (VmHWM) to its current RSS
// (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0). It reports whether that worked; when
// it did not, the peak read afterwards is the peak of the whole process so far.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is this process's peak resident set in bytes: VmHWM from /proc/self/status, or
// getrusage's ru_maxrss where /proc is missing. Zero when neither is readable.
func peakRSS() int64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:"))
			if !ok {
				continue
			}
			f := bytes.Fields(rest) // "123456 kB"
			if len(f) == 2 {
				if kb, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return rusageMaxRSS()
}
