package budgettest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(tb testing.TB, what string, port int) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not listen on %d: %v", what, port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// RedisCmd sends one command to Redis (RESP) and returns the reply's lines, for
// looking at the counters the service keeps.
func (r *Real) RedisCmd(tb testing.TB, args ...string) []string {
	tb.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.redisPort), time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c, "$%d\r\n%s\r\n", len(a), a)
	}
	br := bufio.NewReader(c)
	readLine := func() string {
		s, err := br.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		return strings.TrimRight(s, "\r\n")
	}
	var out []string
	var read func()
	read = func() {
		line := readLine()
		switch line[0] {
		case '*':
			n, _ := strconv.Atoi(line[1:])
			for range n {
				read()
			}
		case '$':
			if line != "$-1" {
				out = append(out, readLine())
			}
		default:
			out = append(out, line[1:])
		}
	}
	read()
	return out
}

// CPU is the user+system CPU time of the processes pids, from /proc (Linux; 0
// elsewhere).
func CPU(pids ...int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return 0
		}
		// Fields after the command name (which may hold spaces): utime and stime are
		// the 14th and 15th fields, in clock ticks (100 per second on Linux).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * 10 * time.Millisecond
	}
	return total
}
