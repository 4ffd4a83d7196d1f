package tables

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// holdConnections opens n/2 established loopback TCP connections (n
// sockets, plus the listeners) in the namespace it runs in, prints "ready"
// and sleeps. Each listener port takes at most 20,000 connections so that
// the ephemeral port range suffices.
const holdConnections = `
import resource, socket, sys, time
n = int(sys.argv[1]) // 2
resource.setrlimit(resource.RLIMIT_NOFILE, (2 * n + 1000, 2 * n + 1000))
keep = []
port = 8000
while n > 0:
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", port)); l.listen(4096); keep.append(l)
    for _ in range(min(n, 20000)):
        c = socket.create_connection(("127.0.0.1", port)); a, _ = l.accept()
        keep.extend([c, a])
        n -= 1
    port += 1
print("ready", flush=True)
time.sleep(1e9)
`

// benchSizes are the socket counts to benchmark: NLQ_BENCH_SOCKETS, a comma
// separated list (make bench-sockets sets 10000,100000), or 10,000.
func benchSizes(b *testing.B) []int {
	s := os.Getenv("NLQ_BENCH_SOCKETS")
	if s == "" {
		return []int{10000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			b.Fatalf("NLQ_BENCH_SOCKETS=%q: want sizes like 10000,100000", s)
		}
		out = append(out, n)
	}
	return out
}

// timeInNS is the median wall time of running args inside ns (the process is
// started from a thread switched into the namespace, so no `ip netns exec`
// is timed), its output discarded.
func timeInNS(b *testing.B, ns netlinkx.NetNS, runs int, args ...string) time.Duration {
	b.Helper()
	var ds []time.Duration
	for range runs {
		var d time.Duration
		err := ns.Do(func() error {
			cmd := exec.Command(args[0], args[1:]...)
			start := time.Now()
			err := cmd.Run()
			d = time.Since(start)
			return err
		})
		if err != nil {
			b.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkSockets times netlink_sockets and tcp_info against the kernel's
// own dump and against ss, all on n established TCP sockets held in one
// namespace, and reports the ratios: x_ss (ours / ss, same run) and x_dump
// (ours / the bare sock_diag dump). Run with make bench-sockets.
func BenchmarkSockets(b *testing.B) {
	nstest.NeedTool(b, "ss")
	nstest.NeedTool(b, "python3")
	for _, n := range benchSizes(b) {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			benchSockets(b, n)
		})
	}
}

func benchSockets(b *testing.B, n int) {
	nsx := nstest.New(b)
	cmd := nsx.Command("python3", "-c", holdConnections, strconv.Itoa(n))
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		b.Fatalf("holder: %q, %v", line, err)
	}
	ns := nsx.Open()
	ctx := context.Background()

	runs := 7
	if n > 50000 {
		runs = 3
	}
	ssTan := timeInNS(b, ns, runs, "ss", "-Htan")
	ssTanp := timeInNS(b, ns, runs, "ss", "-Htanp")
	ssTani := timeInNS(b, ns, runs, "ss", "-Htani")
	b.Logf("n=%d: ss -Htan %v, ss -Htanp %v, ss -Htani %v", n, ssTan, ssTanp, ssTani)

	// The floor: the kernel's dump of every TCP socket, messages counted, nothing decoded.
	dumpOnly := func() int {
		count := 0
		for _, af := range []uint8{unix.AF_INET, unix.AF_INET6} {
			data, _ := netlinkx.InetDiagReq{Family: af, Protocol: unix.IPPROTO_TCP, States: ssAllStates}.MarshalBinary()
			err := netlinkx.Dump(ctx, netlinkx.DumpRequest{Protocol: unix.NETLINK_SOCK_DIAG, NetNS: ns, Type: unix.SOCK_DIAG_BY_FAMILY, Flags: unix.NLM_F_DUMP, Data: data},
				func(netlink.Header, []byte) error { count++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		return count
	}
	if got := dumpOnly(); got < n {
		b.Fatalf("dump saw %d sockets, want at least %d", got, n)
	}
	var floor time.Duration
	b.Run("dump", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			dumpOnly()
		}
		floor = time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(floor)/float64(ssTan), "x_ss")
	})

	tan := []string{"state", "rx_queue", "tx_queue", "local_address", "local_port", "remote_address", "remote_port"}
	tables := []struct {
		name string
		tb   Interface
		used []string
		ss   time.Duration
	}{
		{"netlink_sockets", netlinkSockets, tan, ssTan},
		{"netlink_sockets_pid", netlinkSockets, append(slices.Clone(tan), "pid", "process_name"), ssTanp},
		{"tcp_info", tcpInfo, []string{"state", "local_address", "local_port", "remote_address", "remote_port", "rtt_us", "snd_cwnd", "bytes_acked"}, ssTani},
	}
	for _, tt := range tables {
		if slices.ContainsFunc(tt.used, func(c string) bool { return tt.tb.Spec().Index(c) < 0 }) {
			b.Logf("%s: a column is missing (%v); skipped", tt.name, tt.used)
			continue
		}
		b.Run(tt.name, func(b *testing.B) {
			cons := eq("protocol", "tcp") // ss -t
			rows := 0
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				q := NewQuery(tt.tb.Spec(), cons, tt.used)
				q.NetNS = ns
				rows = 0
				err := tt.tb.Run(ctx, q, func(cells []Value) error {
					for _, c := range cells {
						if c.Kind == KindText {
							_ = len(c.Text)
						}
					}
					rows++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			if rows < n {
				b.Fatalf("%d rows, want at least %d", rows, n)
			}
			b.ReportMetric(float64(per)/float64(tt.ss), "x_ss")
			if floor > 0 {
				b.ReportMetric(float64(per)/float64(floor), "x_dump")
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
	b.Run("ss_tan", func(b *testing.B) {
		for b.Loop() {
			timeInNS(b, ns, 1, "ss", "-Htan")
		}
	})
	b.Run("ss_tanp", func(b *testing.B) {
		for b.Loop() {
			timeInNS(b, ns, 1, "ss", "-Htanp")
		}
	})
}
