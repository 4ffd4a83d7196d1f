package tables

import (
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// ifMapRows runs if_map in ns with the given constraints and returns its
// rows keyed by interface name.
func ifMapRows(t *testing.T, ns netlinkx.NetNS, cons map[string][]Constraint) map[string][]string {
	t.Helper()
	q := NewQuery(ifMap.Spec(), cons, nil)
	q.NetNS = ns
	got := map[string][]string{}
	err := ifMap.Run(t.Context(), q, func(cells []Value) error {
		var r []string
		for _, c := range cells[:8] {
			r = append(r, c.String())
		}
		got[r[0]] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestIfMapMatchesIoctl compares every if_map row with SIOCGIFMAP and the
// set of links with `ip -j link show`, in a namespace with a veth pair.
func TestIfMapMatchesIoctl(t *testing.T) {
	n := nstest.New(t)
	n.Run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	n.Run("ip", "link", "add", "dummy0", "type", "bridge") // named dummy0; the dummy module may be missing
	ns := n.Open()

	var links []struct {
		IfIndex int    `json:"ifindex"`
		IfName  string `json:"ifname"`
	}
	n.JSON(&links, "ip", "-j", "link", "show")
	want := map[string][]string{}
	for _, l := range links {
		var m *netlinkx.IfMap
		err := ns.Do(func() (err error) { m, err = netlinkx.IoctlIfMap(l.IfName); return err })
		if err != nil {
			t.Fatal(err)
		}
		want[l.IfName] = []string{l.IfName, itoa(int64(l.IfIndex)), utoa(m.MemStart), utoa(m.MemEnd),
			utoa(m.BaseAddr), utoa(uint64(m.IRQ)), utoa(uint64(m.DMA)), utoa(uint64(m.Port))}
	}
	if len(want) != 4 {
		t.Fatalf("ip link shows %d links, want lo, veth0, veth1, dummy0", len(want))
	}
	checkSame(t, want, ifMapRows(t, ns, nil), "if_map vs SIOCGIFMAP (-want +got)")

	// Constraints ask the kernel for single links; every matching row stays.
	tests := []struct {
		name string
		cons map[string][]Constraint
		want []string
	}{
		{"interface =", map[string][]Constraint{"interface": {{OpEquals, "veth1"}}}, []string{"veth1"}},
		{"interface IN", map[string][]Constraint{"interface": {{OpEquals, "lo"}, {OpEquals, "dummy0"}, {OpEquals, "lo"}}}, []string{"dummy0", "lo"}},
		{"index =", map[string][]Constraint{"index": {{OpEquals, "1"}}}, []string{"lo"}},
		{"no such interface", map[string][]Constraint{"interface": {{OpEquals, "no-such"}}}, nil},
		{"name too long", map[string][]Constraint{"interface": {{OpEquals, "a-name-longer-than-ifnamsiz"}}}, nil},
		{"no such index", map[string][]Constraint{"index": {{OpEquals, "99999"}}}, nil},
		{"index not a number", map[string][]Constraint{"index": {{OpEquals, "lo"}}}, []string{"dummy0", "lo", "veth0", "veth1"}},
		{"LIKE is not pushed down", map[string][]Constraint{"interface": {{OpLike, "veth%"}}}, []string{"dummy0", "lo", "veth0", "veth1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for name := range ifMapRows(t, ns, tt.cons) {
				got = append(got, name)
			}
			checkLines(t, tt.want, got, "interfaces (-want +got)")
		})
	}
}
