package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// CPU pinning (Linux sched_setaffinity): the server under test on its cores, the load
// tool on others, so that the two do not take turns on one core, and the server's
// GOMAXPROCS (which the Go runtime takes from its affinity at start) is fixed.

// parseCPUList parses a Linux CPU list ("1", "0-3", "0,2-3"); "" is no list (nil).
func parseCPUList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var cpus []int
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= 1024 {
			return nil, fmt.Errorf("CPU list %q: bad element %q", s, part)
		}
		for c := a; c <= b; c++ {
			if !seen[c] {
				seen[c] = true
				cpus = append(cpus, c)
			}
		}
	}
	return cpus, nil
}

func cpuSet(cpus []int) *unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}

// pinSelf pins every thread of this process to cpus (threads started later inherit the
// mask of the thread that starts them).
func pinSelf(cpus []int) error {
	set := cpuSet(cpus)
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin the load tool to CPUs %v: %w", cpus, err)
		}
	}
	return nil
}

// startPinned starts cmd with its CPU affinity set to cpus (none: inherited), to be
// sent SIGKILL should the load tool die first (Pdeathsig). A child inherits the mask of
// the thread that forks it, and Pdeathsig fires when that thread ends, so the fork
// happens on a thread of its own, locked and pinned for the purpose and kept until exited
// is closed; then the goroutine returns without unlocking it, which ends the thread.
func startPinned(cmd *exec.Cmd, cpus []int, exited <-chan struct{}) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		if len(cpus) > 0 {
			if err := unix.SchedSetaffinity(0, cpuSet(cpus)); err != nil {
				errc <- fmt.Errorf("pin the server to CPUs %v: %w", cpus, err)
				return
			}
		}
		err := cmd.Start()
		errc <- err
		if err == nil {
			<-exited
		}
	}()
	return <-errc
}
