package tables

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// kindsOf are the kinds a cell of each type may hold. The embedded host's
// direct scan compares TEXT and INTEGER/BIGINT cells as text and integers
// without SQLite's type conversions, which is exact only when cells have
// the kinds their columns declare (an unsigned cell is an integer to
// SQLite up to MaxInt64, and the direct scan compares it as one).
var kindsOf = map[Type][]Kind{
	TypeText:           {KindNull, KindText},
	TypeInteger:        {KindNull, KindInt, KindUint},
	TypeBigInt:         {KindNull, KindInt, KindUint},
	TypeUnsignedBigInt: {KindNull, KindInt, KindUint},
	TypeDouble:         {KindNull, KindFloat},
}

// TestCellKindsMatchColumnTypes reads every registered table with every
// column, in a namespace with a veth pair, a bridge and sockets of each
// family, and checks each cell's kind against its column's type.
func TestCellKindsMatchColumnTypes(t *testing.T) {
	nstest.NeedRoot(t)
	ns := nstest.New(t)
	ns.Script(
		"ip link add kv0 type veth peer name kv1",
		"ip link add kbr0 type bridge",
		"ip link set kv1 master kbr0",
		"ip link set lo up",
		"ip link set kv0 up",
		"ip addr add 192.0.2.1/24 dev kv0",
		"ip addr add 2001:db8::1/64 dev kv0 nodad",
	)
	nstest.NeedTool(t, "python3")
	ns.StartReady("python3", "-c", `
import signal, socket
l = socket.socket(socket.AF_INET6); l.bind(("::", 5555)); l.listen()
c = socket.create_connection(("::1", 5555)); a, _ = l.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 5556))
x = socket.socket(socket.AF_UNIX); x.bind("\0netlinkq-kinds"); x.listen()
print("ready", flush=True); signal.pause()
`)
	checkCellKinds(t, ns.Open())
}

// TestCellKindsOwnNamespace is TestCellKindsMatchColumnTypes without root:
// every table read in the test's own namespace, whatever it holds.
func TestCellKindsOwnNamespace(t *testing.T) {
	checkCellKinds(t, netlinkx.Own)
}

// checkCellKinds reads every table in nsh (up to 5,000 rows each) and
// checks each cell's kind against its column's type.
func checkCellKinds(t *testing.T, nsh netlinkx.NetNS) {
	for _, tb := range All() {
		spec := tb.Spec()
		t.Run(spec.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			q := NewQuery(spec, nil, nil)
			q.NetNS = nsh
			rows := 0
			err := tb.Run(ctx, q, func(cells []Value) error {
				rows++
				for i, c := range spec.Columns {
					if c.Options&Hidden != 0 {
						continue // the namespace columns, checked by their own tests
					}
					ok := false
					for _, k := range kindsOf[c.Type] {
						ok = ok || cells[i].Kind == k
					}
					if !ok {
						t.Errorf("row %d column %s (%s) holds kind %d: %v", rows, c.Name, c.Type, cells[i].Kind, cells[i])
					}
				}
				if rows == 5000 {
					return errEnoughRows
				}
				return nil
			})
			if err != nil && !errors.Is(err, errEnoughRows) {
				t.Fatal(err)
			}
			if rows == 0 {
				t.Log("no rows in the test namespace") // inet6_stats etc. need an interface with IPv6
			}
		})
	}
}

var errEnoughRows = errors.New("enough rows")
