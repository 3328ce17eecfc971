package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// What the load tool reads of a server running as a process of its own (Linux /proc):
// its CPU time, its peak resident set, and the machine's load average.

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ, 100 on every
// Linux architecture Go supports (the kernel converts to it for /proc whatever its HZ).
const clockTick = 10 * time.Millisecond

// procCPU is a process's CPU time at one moment, read two ways.
type procCPU struct {
	// stat is utime + stime of /proc/PID/stat: every thread, living or exited, in clock
	// ticks (10 ms) — exact in total but coarse.
	stat time.Duration
	// tasks is the run time of each living thread (/proc/PID/task/TID/schedstat, ns).
	tasks map[string]time.Duration
}

// readProcCPU reads pid's CPU time. The schedstat figures are optional (a kernel
// without CONFIG_SCHED_INFO has none): tasks is then nil.
func readProcCPU(pid int) (procCPU, error) {
	var c procCPU
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return c, err
	}
	if c.stat, err = parseStatCPU(data); err != nil {
		return c, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return c, nil
	}
	c.tasks = make(map[string]time.Duration, len(ents))
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		f := bytes.Fields(b)
		if len(f) == 0 {
			c.tasks = nil
			return c, nil
		}
		ns, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			c.tasks = nil
			return c, nil
		}
		c.tasks[e.Name()] = time.Duration(ns)
	}
	return c, nil
}

// parseStatCPU reads utime + stime (fields 14 and 15) from the contents of /proc/PID/stat.
// The command name (field 2) is in parentheses and may hold spaces and parentheses, so
// the fields are counted from the last ')'.
func parseStatCPU(data []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	f := bytes.Fields(data[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("too few fields")
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// cpuBetween is the CPU time a process spent between two readings, and which reading
// it comes from: "schedstat" (the sum over its threads, to the nanosecond) when every
// thread's time is accounted for, else "stat" (to the clock tick). A thread that exited
// between the readings takes its time out of the schedstat sum but not out of stat:
// when the two disagree by more than the ticks' rounding, stat is the one kept.
func cpuBetween(before, after procCPU) (time.Duration, string) {
	stat := after.stat - before.stat
	if before.tasks == nil || after.tasks == nil {
		return stat, "stat"
	}
	var sum time.Duration
	for tid, t := range after.tasks {
		sum += t - before.tasks[tid] // a thread born in between counts whole
	}
	// utime and stime are each rounded down to a tick, at both readings.
	if d := sum - stat; d < -3*clockTick || d > 3*clockTick {
		return stat, "stat"
	}
	return sum, "schedstat"
}

// procPeakRSS is pid's peak resident set in bytes (VmHWM of /proc/PID/status).
func procPeakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return statusKB(data, "VmHWM:")
}

// statusKB reads a "Name:   123 kB" line of /proc/PID/status, in bytes.
func statusKB(data []byte, name string) (int64, error) {
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 {
			break
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, err
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no %s line", name)
}

// resetProcPeakRSS resets pid's VmHWM to its current RSS (Linux ≥ 4.0), and reports
// whether the kernel allowed it.
func resetProcPeakRSS(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// loadAvg1 is the machine's 1-minute load average (/proc/loadavg), or -1.
func loadAvg1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := bytes.Fields(data)
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(string(f[0]), 64)
	if err != nil {
		return -1
	}
	return v
}
