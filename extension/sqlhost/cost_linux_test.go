package sqlhost

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// dumpsFor runs stmt in a fresh host reading ns and returns its first
// column's values and the kernel dumps it made.
func dumpsFor(t *testing.T, ns netlinkx.NetNS, stmt string) ([]string, uint64) {
	t.Helper()
	host, err := New(tables.All(), Options{NetNS: ns})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	before := netlinkx.ReadCounters().Dumps
	var out []string
	err = host.Rows(context.Background(), stmt, func([]string) {}, func(cells []sql.RawBytes) error {
		out = append(out, string(cells[0]))
		return nil
	})
	if err != nil {
		t.Fatalf("%.80s: %v", stmt, err)
	}
	return out, netlinkx.ReadCounters().Dumps - before
}

// TestINListCostsAboutOneRead: SQLite calls a virtual table once per value
// of an IN list; the calls of one statement share a snapshot, so 5,000
// values cost at most two reads of the kernel (the first value's, then the
// snapshot), and every matching row comes back. A join whose inner table
// is called once per outer row costs the same.
func TestINListCostsAboutOneRead(t *testing.T) {
	ns := nstest.New(t)
	ns.StartReady("python3", "-c", `
import signal, socket
ls = []
for p in (7301, 7302, 7303):
    s = socket.socket(); s.bind(("127.0.0.1", p)); s.listen(); ls.append(s)
print("ready", flush=True); signal.pause()
`)
	nsfd := ns.Open()
	_, one := dumpsFor(t, nsfd, "SELECT local_port FROM netlink_sockets")
	ports := make([]string, 5000)
	for i := range ports {
		ports[i] = fmt.Sprint(2000 + i*2) // 7302 is among them, 7301 and 7303 are not
	}
	for _, tt := range []struct {
		name, stmt string
		want       string
	}{
		{"IN of 5000 values", "SELECT local_port FROM netlink_sockets WHERE state = 'LISTEN' AND local_port IN (" + strings.Join(ports, ", ") + ")", "7302"},
		{"join, inner table called per outer row", "SELECT s.local_port FROM (SELECT 7301 AS p UNION ALL SELECT 7303 UNION ALL SELECT 7302) o JOIN netlink_sockets s ON s.local_port = o.p WHERE s.state = 'LISTEN' ORDER BY 1", "7301,7302,7303"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, dumps := dumpsFor(t, nsfd, tt.stmt)
			if strings.Join(got, ",") != tt.want {
				t.Errorf("rows %v, want %s", got, tt.want)
			}
			if dumps > 2*one {
				t.Errorf("%d dumps; one read of the table is %d, want at most two reads", dumps, one)
			}
			t.Logf("%d dumps (one read: %d)", dumps, one)
		})
	}
}
