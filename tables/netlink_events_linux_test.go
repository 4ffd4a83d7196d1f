package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestNetlinkEvents runs `ip link set`, `ip addr add`, `ip route add` and
// `ip neigh add` in a namespace and finds each once in netlink_events, with
// its typed columns.
func TestNetlinkEvents(t *testing.T) {
	n := nstest.New(t)
	// No IPv6 on the links, and carrier up before the subscription: the
	// kernel's own later link and address events would blur "once".
	n.Run("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
	n.Run("ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1")
	n.Run("ip", "link", "set", "d1", "up")
	n.Run("ip", "link", "set", "d0", "up")
	nstest.Eventually(t, func() error {
		if out := n.Run("ip", "-br", "link", "show", "d0"); !strings.Contains(out, " UP ") {
			return fmt.Errorf("d0 not up yet: %s", out)
		}
		return nil
	})
	ns := n.Open()
	last := subscribed(t, netlinkEvents, ns)
	tests := []struct {
		name string
		cmd  []string
		want map[string]string
	}{
		{"link set", []string{"ip", "link", "set", "d0", "mtu", "1400"},
			map[string]string{"kind": "link", "action": "change", "interface": "d0", "mtu": "1400"}},
		{"addr add", []string{"ip", "addr", "add", "10.7.0.1/24", "dev", "d0"},
			map[string]string{"kind": "address", "action": "new", "interface": "d0", "family": "inet", "address": "10.7.0.1", "prefix_len": "24"}},
		{"route add", []string{"ip", "route", "add", "10.9.0.0/24", "via", "10.7.0.2"},
			map[string]string{"kind": "route", "action": "new", "interface": "d0", "destination": "10.9.0.0/24", "gateway": "10.7.0.2", "prefix_len": "24", "table": "254"}},
		{"neigh add", []string{"ip", "neigh", "add", "10.7.0.5", "lladdr", "02:00:00:00:00:05", "dev", "d0", "nud", "permanent"},
			map[string]string{"kind": "neigh", "action": "new", "interface": "d0", "address": "10.7.0.5", "lladdr": "02:00:00:00:00:05", "state": "PERMANENT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.Run(tt.cmd...)
			var got []map[string]string
			nstest.Eventually(t, func() error {
				got = matching(eventRows(t, netlinkEvents, ns, after(last)), tt.want)
				if len(got) != 1 {
					return fmt.Errorf("%d rows matching %v, want 1:\n%s", len(got), tt.want, describe(got))
				}
				return nil
			})
			t.Logf("%s: %s", tt.name, got[0]["summary"])
		})
	}
}
