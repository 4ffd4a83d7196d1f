package osqueryhost

import (
	"context"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/tables"
)

// BenchmarkThriftCall is one generate call with a one-row answer over the
// real Thrift path (server in this process, the osqueryd stand-in as
// client): the fixed cost that osqueryd pays per outer row of a join on an
// INDEX column, or per value of an IN list on a column that is not
// OPTIMIZED (issue 13).
func BenchmarkThriftCall(b *testing.B) {
	fake := startFake(b)
	serveInProcess(b, fake, tables.All(), Options{Timeout: 3 * time.Second, Interval: 3 * time.Second})
	reg, c := connect(b, fake, nil, 5*time.Minute)
	qc := fakeosqueryd.ContextFor(reg.Registry["table"]["netlinkq_status"], []string{"name"}, map[string][]fakeosqueryd.Constraint{
		"kind": {{Op: int(tables.OpEquals), Expr: "version"}},
	})
	for b.Loop() {
		resp, err := c.Generate(context.Background(), "netlinkq_status", qc)
		if err != nil {
			b.Fatal(err)
		}
		if resp.Status.Code != 0 {
			b.Fatalf("status %v", resp.Status)
		}
	}
}
