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

// This file holds the benchmarks that read a table in full against the tool
// users know (ip, nft, sysctl) in a namespace they fill, and the helpers
// they and the other benchmarks share.

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

// runInNS runs args inside ns and returns its wall time. The process is
// started from a thread switched into the namespace, so no `ip netns exec`
// is timed; its output is discarded.
func runInNS(b *testing.B, ns netlinkx.NetNS, args ...string) time.Duration {
	b.Helper()
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
	return d
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
	addVeth(ns, dev, peer, addr)
	return ns, fd
}

// BenchmarkLinks reads netlink_links (every column) and link_stats64 in a
// namespace holding n links (veth pairs), and runs `ip -s -j link show`
// there in the same run: x_ip is our time per query over ip's per process
// (ip's includes its process start, ours a Go call; both read one dump).
func BenchmarkLinks(b *testing.B) {
	ns, fd := benchNS(b, "ip")
	veth := func(i int) string { return fmt.Sprintf("link add bv%d type veth peer name bw%d", i, i) }
	have := 1 // lo
	for _, n := range []int{100, 1000} {
		have = feedUpTo(b, ns, have, n, 2, veth, ipBatch...)
		for _, tb := range []Interface{netlinkLinks, linkStats64} {
			b.Run(fmt.Sprintf("%s/links=%d", tb.Spec().Name, have), func(b *testing.B) {
				benchVsTool(b, tb, fd, have, false, "ip", 20, "ip", "-n", ns.Name, "-s", "-j", "link", "show")
			})
		}
	}
}

// BenchmarkNeighbors reads netlink_neighbors (every column) in a namespace
// holding n permanent IPv4 neighbours on one veth, and runs `ip -s -j neigh
// show` there in the same run: x_ip is our time per query over ip's per
// process (ip's includes its process start, ours a Go call; ours also reads
// the proxy table and the link names).
func BenchmarkNeighbors(b *testing.B) {
	ns, fd := vethBench(b, "nv0", "nv1", "10.64.0.1/10")
	neigh := func(i int) string {
		return fmt.Sprintf("neigh add 10.%d.%d.%d lladdr 02:00:00:%02x:%02x:%02x dev nv0 nud permanent",
			64+i>>16, i>>8&0xff, i&0xff, i>>16, i>>8&0xff, i&0xff)
	}
	benchSteps(b, ns, steps{"neighbors", []int{1000, 10000}, neigh, ipBatch}, func(b *testing.B, have int) {
		benchVsTool(b, netlinkNeighbors, fd, have, true, "ip", 10, "ip", "-n", ns.Name, "-s", "-j", "neigh", "show")
	})
}

// BenchmarkNexthops reads netlink_nexthops (every column, interface names
// included) in a namespace holding n IPv4 gateway nexthops on one veth, and
// runs `ip -j nexthop show` there in the same
// run: x_ip is our time per query over ip's per process (ip's includes its
// process start, ours a Go call and an RTM_GETLINK dump for the names).
func BenchmarkNexthops(b *testing.B) {
	ns, fd := vethBench(b, "nb0", "nb1", "10.64.0.1/10")
	nexthop := func(i int) string {
		h := i + 2 // past 10.64.0.1, nb0's own
		return fmt.Sprintf("nexthop add id %d via 10.%d.%d.%d dev nb0", i+1, 64+h>>16, h>>8&0xff, h&0xff)
	}
	benchSteps(b, ns, steps{"nexthops", []int{1000, 10000}, nexthop, ipBatch}, func(b *testing.B, have int) {
		benchVsTool(b, netlinkNexthops, fd, have, true, "ip", 10, "ip", "-n", ns.Name, "-j", "nexthop", "show")
	})
}

// BenchmarkRoutes reads netlink_routes (every column) in a namespace
// holding 10,000 then 100,000 IPv4 /32 routes via a gateway on one veth,
// and runs `ip -j route show table all` there in the same run: x_ip is our
// time per query over ip's per process (ip's includes its process start,
// ours a Go call; both read the IPv4 and IPv6 dumps, ours also the link
// names).
func BenchmarkRoutes(b *testing.B) {
	ns, fd := vethBench(b, "rb0", "rb1", "10.0.0.1/24")
	route := func(i int) string {
		return fmt.Sprintf("route add 11.%d.%d.%d/32 via 10.0.0.2 dev rb0", i>>16, i>>8&0xff, i&0xff)
	}
	benchSteps(b, ns, steps{"routes", []int{10000, 100000}, route, ipBatch}, func(b *testing.B, have int) {
		benchVsTool(b, netlinkRoutes, fd, have, true, "ip", 5, "ip", "-n", ns.Name, "-j", "route", "show", "table", "all")
	})
}

// BenchmarkRules reads netlink_rules (every column) in a namespace holding n
// IPv4 rules with a source, a mark and a table each, and runs `ip -j rule
// show` there in the same run: x_ip is our time per query over ip's per
// process (ip's includes its process start, ours a Go call; ours also reads
// the IPv6 rules).
func BenchmarkRules(b *testing.B) {
	ns, fd := benchNS(b, "ip")
	rule := func(i int) string {
		return fmt.Sprintf("rule add from 10.%d.%d.0/24 fwmark %d table %d pref %d", i>>8&0xff, i&0xff, i+1, 1000+i, 1000+i)
	}
	benchSteps(b, ns, steps{"rules", []int{100, 1000, 10000}, rule, ipBatch}, func(b *testing.B, have int) {
		benchVsTool(b, netlinkRules, fd, have, true, "ip", 10, "ip", "-n", ns.Name, "-j", "rule", "show")
	})
}

// BenchmarkNftablesRules reads nftables_rules in a namespace holding n rules
// (tcp dport N counter accept) and runs `nft -j list ruleset` there in the
// same run: x_nft is our time per query over nft's per process.
func BenchmarkNftablesRules(b *testing.B) {
	ns, fd := benchNS(b, "nft")
	ns.Run("nft", "add table inet bench; add chain inet bench input { type filter hook input priority 0; }")
	rule := func(i int) string {
		return fmt.Sprintf("add rule inet bench input tcp dport %d counter accept", i%65536)
	}
	benchSteps(b, ns, steps{"rules", []int{1000, 10000}, rule, []string{"nft", "-f", "-"}}, func(b *testing.B, have int) {
		benchVsTool(b, nftablesRules, fd, have, false, "nft", 5, "ip", "netns", "exec", ns.Name, "nft", "-j", "list", "ruleset")
	})
}

// BenchmarkInet6Devconf reads inet6_devconf against `sysctl net.ipv6.conf`
// (which reads the same values file by file) in a namespace with n links:
// x_sysctl is our time per query over sysctl's per process.
func BenchmarkInet6Devconf(b *testing.B) {
	veth := func(i int) string { return fmt.Sprintf("link add v%d type veth peer name v%d", i, i+1) }
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("links=%d", n), func(b *testing.B) {
			ns, fd := benchNS(b, "sysctl")
			feedUpTo(b, ns, 0, n, 2, veth, ipBatch...)
			benchVsTool(b, inet6Devconf, fd, n, true, "sysctl", 5, "ip", "netns", "exec", ns.Name, "sysctl", "net.ipv6.conf")
		})
	}
}
