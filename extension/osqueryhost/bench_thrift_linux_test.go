package osqueryhost

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// BenchmarkThriftSockets sends netlink_sockets of n established TCP sockets
// (NLQ_BENCH_SOCKETS, held in a namespace) through the real Thrift path in
// one generate call, as osqueryd would ask for them (issue 9, large
// answers): the extension's server runs in this process, the osqueryd
// stand-in is the client, and the netns constraint selects the namespace. It
// reports the rows, the time per call and the peak rise of the heap in use
// (server and client together, this one process).
func BenchmarkThriftSockets(b *testing.B) {
	nstest.EachHeldSize(b, func(b *testing.B, nsx *nstest.NS, n int) {
		fake := startFake(b)
		serveInProcess(b, fake, tables.All(), Options{Timeout: 3 * time.Second, Interval: 3 * time.Second})
		reg, c := connect(b, fake, nil, 5*time.Minute)
		used := []string{"family", "protocol", "local_address", "local_port", "remote_address", "remote_port", "state", "rx_queue", "tx_queue", "inode"}
		qc := fakeosqueryd.ContextFor(reg.Registry["table"]["netlink_sockets"], used, map[string][]fakeosqueryd.Constraint{
			"netns":    {{Op: int(tables.OpEquals), Expr: nsx.Name}},
			"protocol": {{Op: int(tables.OpEquals), Expr: "tcp"}},
		})

		rows := 0
		var base runtime.MemStats
		rise := heapRiseDuring(&base, func() {
			for b.Loop() {
				resp, err := c.Generate(context.Background(), "netlink_sockets", qc)
				if err != nil {
					b.Fatal(err)
				}
				if resp.Status.Code != 0 {
					b.Fatalf("status %v", resp.Status)
				}
				rows = len(resp.Response)
			}
		})
		if rows < n {
			b.Fatalf("%d rows, want at least %d", rows, n)
		}
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(rise)/(1<<20), "peak_heap_MiB")
	})
}
