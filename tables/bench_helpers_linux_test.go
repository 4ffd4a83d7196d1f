package tables

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// benchRead times tb read in full (every column, no constraint) in ns, one
// query per b.Loop iteration: the mean time per query, and the rows of the
// last one.
func benchRead(b *testing.B, tb Interface, ns netlinkx.NetNS) (perQuery time.Duration, rows int) {
	b.Helper()
	spec := tb.Spec()
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		q := NewQuery(spec, nil, nil)
		q.NetNS = ns
		rows = 0
		if err := tb.Run(b.Context(), q, func([]Value) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(b.N), rows
}

// toolTime is the mean wall time of runs runs of the command args, its
// process start included; the command must succeed and print something.
func toolTime(b *testing.B, runs int, args ...string) time.Duration {
	b.Helper()
	start := time.Now()
	for range runs {
		if out, err := exec.Command(args[0], args[1:]...).Output(); err != nil || len(out) == 0 {
			b.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
	}
	return time.Since(start) / time.Duration(runs)
}

// feed runs args in ns with input on its standard input (ip -batch -,
// nft -f -), to build a benchmark's state in one process.
func feed(b *testing.B, ns *nstest.NS, input string, args ...string) {
	b.Helper()
	cmd := ns.Command(args...)
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// feedUpTo adds items from have up to n to ns in one run of args (ip -batch
// -), line(i) giving the input line that adds the i-th and each line
// adding step items; it returns the new count.
func feedUpTo(b *testing.B, ns *nstest.NS, have, n, step int, line func(i int) string, args ...string) int {
	b.Helper()
	var batch strings.Builder
	for ; have < n; have += step {
		batch.WriteString(line(have) + "\n")
	}
	feed(b, ns, batch.String(), args...)
	return have
}

// benchVsTool times tb read in full in ns (benchRead) and fails unless it
// gave want rows (at least want when atLeast: the kernel may add some),
// then times runs runs of the command tool and reports x_<name>, our time
// per query over the tool's per process, and <name>_us/op, the tool's. It
// returns our time per query.
func benchVsTool(b *testing.B, tb Interface, ns netlinkx.NetNS, want int, atLeast bool, name string, runs int, tool ...string) time.Duration {
	b.Helper()
	ours, rows := benchRead(b, tb, ns)
	if rows != want && (!atLeast || rows < want) {
		b.Fatalf("%s: %d rows, want %d", tb.Spec().Name, rows, want)
	}
	b.StopTimer()
	theirs := toolTime(b, runs, tool...)
	b.ReportMetric(float64(ours)/float64(theirs), "x_"+name)
	b.ReportMetric(float64(theirs.Microseconds()), name+"_us/op")
	return ours
}

// steps is how a benchmark grows its namespace's state: one input line an
// item, fed in one run of a command up to each of the sizes in turn.
type steps struct {
	unit  string             // names the sub-benchmarks: <unit>=<n>
	sizes []int              // the item counts to time at
	line  func(i int) string // the input line that adds the i-th item
	feed  []string           // the command that reads the lines: ip -batch -, nft -f -
}

// ipBatch is the command that feeds ip's lines.
var ipBatch = []string{"ip", "-batch", "-"}

// benchSteps fills ns up to each of s.sizes in turn (feedUpTo) and runs
// bench, with the count reached, as the sub-benchmark <unit>=<count>.
func benchSteps(b *testing.B, ns *nstest.NS, s steps, bench func(b *testing.B, have int)) {
	b.Helper()
	have := 0
	for _, n := range s.sizes {
		have = feedUpTo(b, ns, have, n, 1, s.line, s.feed...)
		b.Run(fmt.Sprintf("%s=%d", s.unit, have), func(b *testing.B) { bench(b, have) })
	}
}

// benchNS is a fresh namespace for a benchmark that needs tool, and the
// namespace opened for the table.
func benchNS(b *testing.B, tool string) (*nstest.NS, netlinkx.NetNS) {
	b.Helper()
	nstest.NeedTool(b, tool)
	ns := nstest.New(b)
	return ns, ns.Open()
}

// vethBench is benchNS for ip, with a veth pair dev and peer, both up, addr
// on dev.
func vethBench(b *testing.B, dev, peer, addr string) (*nstest.NS, netlinkx.NetNS) {
	b.Helper()
	ns, fd := benchNS(b, "ip")
	ns.Run("ip", "link", "add", dev, "type", "veth", "peer", "name", peer)
	ns.Up(dev, addr)
	ns.Up(peer)
	return ns, fd
}
