package nstest

import (
	_ "embed"
	"os"
	"strconv"
	"strings"
	"testing"
)

// socketsPy is sockets.py: TCP, UDP and unix sockets in known states.
//
//go:embed sockets.py
var socketsPy string

// HoldSockets starts sockets.py in the namespace: TCP and UDP sockets in
// every state on fixed ports, and unix sockets under a temporary directory,
// held until the test ends (see the script for the list). It returns the
// holder's pid once the sockets are open.
func (n *NS) HoldSockets() int {
	n.t.Helper()
	NeedTool(n.t, "python3")
	return n.StartReady("python3", "-c", socketsPy, n.t.TempDir())
}

// holdConnections opens n/2 established loopback TCP connections (n
// sockets, plus a listener on the given port) in the namespace it runs in,
// prints "ready" and sleeps.
const holdConnections = `
import resource, socket, sys, time
n, port = int(sys.argv[1]) // 2, int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
keep = []
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port)); l.listen(4096); keep.append(l)
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port)); a, _ = l.accept()
    keep.extend([c, a])
print("ready", flush=True)
time.sleep(1e9)
`

// Listener is a python3 program that listens on TCP port argv[1] on every
// IPv4 address, connects to itself once (an ESTABLISHED pair), prints
// "ready" and waits: a namespace's known sockets, for StartReady.
const Listener = `import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
a = s.accept()
print("ready", flush=True)
time.sleep(600)
`

// perHolder is how many sockets one holder process keeps: without
// CAP_SYS_RESOURCE (containers) a process cannot raise RLIMIT_NOFILE's hard
// limit (20,000 here), so n sockets are spread over several holders.
const perHolder = 18000

// HoldTCPSockets holds n established loopback TCP sockets (n/2
// connections) in the namespace until the test or benchmark ends, for
// benchmarks at the scale of a busy host. It uses python3 holders of at most
// 18,000 sockets each, holder i listening on 127.0.0.1:8000+i, and widens
// the namespace's ephemeral port range to 10000-65535, above the listeners.
func (n *NS) HoldTCPSockets(count int) {
	n.t.Helper()
	NeedTool(n.t, "python3")
	n.Run("sh", "-c", "echo 10000 65535 > /proc/sys/net/ipv4/ip_local_port_range")
	for i := 0; count > 0; i++ {
		k := min(count, perHolder)
		count -= k
		n.StartReady("python3", "-c", holdConnections, strconv.Itoa(k), strconv.Itoa(8000+i))
	}
}

// EachHeldSize runs fn as a sub-benchmark "n=N" for each socket count N of
// BenchSizes, in a fresh namespace holding N established loopback TCP
// sockets (HoldTCPSockets).
func EachHeldSize(b *testing.B, fn func(b *testing.B, ns *NS, n int)) {
	b.Helper()
	NeedTool(b, "python3")
	for _, n := range BenchSizes(b) {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			ns := New(b)
			ns.HoldTCPSockets(n)
			fn(b, ns, n)
		})
	}
}

// BenchSizes are the socket counts a benchmark runs at: NLQ_BENCH_SOCKETS,
// a comma separated list (make bench sets 10000,100000), or 10,000.
func BenchSizes(tb testing.TB) []int {
	s := os.Getenv("NLQ_BENCH_SOCKETS")
	if s == "" {
		return []int{10000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 2 {
			tb.Fatalf("NLQ_BENCH_SOCKETS=%q: want sizes like 10000,100000", s)
		}
		out = append(out, v)
	}
	return out
}
