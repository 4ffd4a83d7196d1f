package osqueryplan

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	gen "github.com/osquery/osquery-go/gen/osquery"
)

// Harness is the built extension running as osqueryd runs it, inside a test
// namespace, and the osqueryd-planned SQL over its tables.
type Harness struct {
	*DB
	ext *fakeosqueryd.Extension
	// routes are the registered tables' columns, as osqueryd keeps them.
	routes gen.ExtensionRouteTable
}

// Start starts the osqueryd stand-in, the built binary inside ns with the
// flags osqueryd passes, and opens the planner over its registration. All
// of it ends with the test.
func Start(t testing.TB, ns *nstest.NS, o Options) *Harness {
	t.Helper()
	fake := fakeosqueryd.StartTest(t)
	cmd := ns.Command(testbin.Path(t), "--socket", fake.Path, "--timeout", "10", "--interval", "10")
	cmd.Stderr = os.Stderr
	testbin.Start(t, cmd, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	reg, err := fake.WaitRegistration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := fake.Dial(reg, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ext, reg.Registry["table"], o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Harness{DB: db, ext: ext, routes: reg.Registry["table"]}
}

// Dumps is the extension's count of kernel dumps so far (netlinkq_status).
func (h *Harness) Dumps(t testing.TB) int {
	t.Helper()
	resp, err := h.ext.Generate(context.Background(), "netlinkq_status", fakeosqueryd.QueryContext{})
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("netlinkq_status: %v %v", err, resp)
	}
	for _, r := range resp.Response {
		if r["kind"] == "requests" && r["name"] == "dumps" {
			n, _ := strconv.Atoi(r["seen"])
			return n
		}
	}
	t.Fatal("netlinkq_status has no dumps row")
	return 0
}

// Embedded runs stmt through the embedded host (the built binary, --json)
// in ns and returns its rows in the statement's column order, NULL as "".
func Embedded(t testing.TB, ns *nstest.NS, cols []string, stmt string) [][]string {
	t.Helper()
	out, err := testbin.Command(t, "--netns", ns.Name, "--json", stmt).Output()
	if err != nil {
		t.Fatalf("netlinkq --json %q: %v", stmt, err)
	}
	return parseJSONRows(t, out, cols)
}

// Generate sends one generate call with a context built for table, as
// osqueryd sends an IN list on an OPTIMIZED column: several = constraints
// in one call (what sqlite3_vtab_in gives osqueryd, and this layer cannot).
func (h *Harness) Generate(t testing.TB, table string, used []string, cons map[string][]fakeosqueryd.Constraint) []map[string]string {
	t.Helper()
	resp, err := h.ext.Generate(context.Background(), table, fakeosqueryd.ContextFor(h.routes[table], used, cons))
	if err != nil || resp.Status.Code != 0 {
		t.Fatalf("%s: %v %v", table, err, resp)
	}
	return resp.Response
}
