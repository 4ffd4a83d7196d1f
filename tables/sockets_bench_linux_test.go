package tables

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// BenchmarkSockets times netlink_sockets and tcp_info, each table alone (Run
// with an emit that reads every cell), against the kernel's own dump and
// against ss, all on n established TCP sockets held in one namespace, in the
// same run. Metrics: x_floor (ours / the bare sock_diag dump read with
// netlinkx.DumpInet, the same attributes asked for), x_ss (ours / ss -Htan,
// tcp_info: ss -Htani), x_ssp (ours / ss -Htanp), allocs/row. Run with make
// bench-sockets (NLQ_BENCH_SOCKETS=10000,100000).
func BenchmarkSockets(b *testing.B) {
	nstest.NeedTool(b, "ss")
	nstest.EachHeldSize(b, benchSockets)
}

// ssFlags are the ss forms the tables are compared with.
var ssFlags = map[string]string{"ss_tan": "-Htan", "ss_tani": "-Htani", "ss_tanp": "-Htanp"}

// median is the median of xs (xs is sorted).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// perOp times the loop body of a benchmark: the mean time per iteration and
// the heap allocations per iteration.
type perOp struct {
	start   time.Time
	mallocs uint64
}

func startPerOp() perOp {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return perOp{time.Now(), ms.Mallocs}
}

func (p perOp) done(n int) (time.Duration, float64) {
	d := time.Since(p.start) / time.Duration(n)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return d, float64(ms.Mallocs-p.mallocs) / float64(n)
}

func benchSockets(b *testing.B, nsx *nstest.NS, n int) {
	ns := nsx.Open()
	ctx := b.Context()

	// The peers first: ss and its -p and -i forms, output discarded.
	ssTime := map[string]time.Duration{}
	for _, name := range []string{"ss_tan", "ss_tani", "ss_tanp"} {
		b.Run(name, func(b *testing.B) {
			var ds []float64
			for b.Loop() {
				d := runInNS(b, ns, "ss", ssFlags[name])
				ds = append(ds, float64(d))
			}
			ssTime[name] = time.Duration(median(ds))
			b.ReportMetric(median(ds)/1e6, "median_ms")
		})
	}

	// The floor: the kernel's dump of every TCP socket over IPv4 and IPv6,
	// decoded by DumpInet and counted, nothing else.
	dumpOnly := func(ext uint8) int {
		count := 0
		for _, af := range []uint8{unix.AF_INET, unix.AF_INET6} {
			req := netlinkx.InetDiagReq{NetNS: ns, Family: af, Protocol: unix.IPPROTO_TCP, States: ssAllStates, Ext: ext}
			if err := netlinkx.DumpInet(ctx, req, func(*netlinkx.InetDiagMsg) error { count++; return nil }); err != nil {
				b.Fatal(err)
			}
		}
		return count
	}
	if got := dumpOnly(0); got < n {
		b.Fatalf("dump saw %d sockets, want at least %d", got, n)
	}
	floors := map[uint8]time.Duration{}
	infoExt := netlinkx.ExtBit(netlinkx.INET_DIAG_INFO)
	for _, f := range []struct {
		name string
		ext  uint8
	}{{"dump", 0}, {"dump_info", infoExt}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			p := startPerOp()
			for b.Loop() {
				rows = dumpOnly(f.ext)
			}
			d, allocs := p.done(b.N)
			floors[f.ext] = d
			b.ReportMetric(float64(d)/float64(ssTime["ss_tan"]), "x_ss")
			b.ReportMetric(allocs/float64(rows), "allocs/row")
		})
	}

	tan := []string{"state", "rx_queue", "tx_queue", "local_address", "local_port", "remote_address", "remote_port"}
	variants := []struct {
		name  string
		tb    Interface
		used  []string
		floor uint8  // the Ext of the dump this table's floor is
		ss    string // the ss form that prints the same
	}{
		{"netlink_sockets", netlinkSockets, tan, 0, "ss_tan"},
		{"netlink_sockets_pid", netlinkSockets, append(slices.Clone(tan), "pid", "process_name"), 0, "ss_tanp"},
		{"netlink_sockets_all", netlinkSockets, nil, 0, "ss_tanp"}, // SELECT *: pid, process_name too
		{"tcp_info", tcpInfo, []string{"state", "local_address", "local_port", "remote_address", "remote_port", "rtt_us", "snd_cwnd", "bytes_acked"}, infoExt, "ss_tani"},
		{"tcp_info_all", tcpInfo, nil, infoExt, "ss_tani"},
	}
	for _, v := range variants {
		if slices.ContainsFunc(v.used, func(c string) bool { return v.tb.Spec().Index(c) < 0 }) {
			b.Logf("%s: a column is missing (%v); skipped", v.name, v.used)
			continue
		}
		b.Run(v.name, func(b *testing.B) {
			cons := eq("protocol", "tcp") // ss -t
			rows := 0
			b.ReportAllocs()
			// Each iteration is paired with a run of the floor and of the ss
			// form it compares with, untimed, so that both see the same load
			// on a shared machine; the ratios are medians of the pairs.
			var xFloor, xSS []float64
			var mallocs uint64
			var ms runtime.MemStats
			for b.Loop() {
				b.StopTimer()
				t := time.Now()
				dumpOnly(v.floor)
				floor := time.Since(t)
				ref := runInNS(b, ns, "ss", ssFlags[v.ss])
				runtime.ReadMemStats(&ms)
				before := ms.Mallocs
				b.StartTimer()
				t = time.Now()
				q := NewQuery(v.tb.Spec(), cons, v.used)
				q.NetNS = ns
				rows = 0
				err := v.tb.Run(ctx, q, func(cells []Value) error {
					for _, c := range cells {
						if c.Kind == KindText {
							_ = len(c.Text)
						}
					}
					rows++
					return nil
				})
				d := time.Since(t)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				mallocs += ms.Mallocs - before
				xFloor = append(xFloor, float64(d)/float64(floor))
				xSS = append(xSS, float64(d)/float64(ref))
				b.StartTimer()
			}
			if rows < n {
				b.Fatalf("%d rows, want at least %d", rows, n)
			}
			allocs := float64(mallocs) / float64(b.N)
			b.ReportMetric(median(xFloor), "x_floor")
			b.ReportMetric(median(xSS), "x_ss")
			b.ReportMetric(median(xSS)*float64(ssTime[v.ss])/float64(ssTime["ss_tanp"]), "x_ssp")
			b.ReportMetric(allocs/float64(rows), "allocs/row")
		})
	}
}
