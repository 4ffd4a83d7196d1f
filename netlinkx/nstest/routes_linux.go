package nstest

import (
	"fmt"
	"strings"
)

// RouteLab fills the namespace with the routes the route tests read: links
// r0 and r1 (veth, up) and r2 (no carrier: its routes are linkdown), v4
// and v6 addresses, and in the main table and in tables 100, 200 and 1000
// unicast routes with metric, src, mtu and other metrics, tos, realms,
// onlink, via inet6, multipath routes (weights 1 and 3, per-path realm and
// onlink), routes over nexthop objects (one nexthop, a group, a blackhole, an
// IPv6 gateway for IPv4 and IPv6 routes), default
// routes, blackhole, unreachable, prohibit and throw routes, and IPv6
// routes with pref, expires and a source prefix. Links get no IPv6
// link-local address. It returns the commands,
// one a line, for a recording's header.
func (n *NS) RouteLab() []string {
	n.t.Helper()
	NeedTool(n.t, "ip")
	cmds := n.Script(
		// No link-local addresses: their routes would come and go (DAD) and
		// their addresses are random.
		"sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0",
		"ip link add r0 type veth peer name r0p",
		"ip link add r1 type veth peer name r1p",
		"ip link add r2 type veth peer name r2p",
		"ip link set r0 up", "ip link set r0p up", "ip link set r1 up", "ip link set r1p up", "ip link set r2 up",
		"ip addr add 10.1.0.1/24 dev r0",
		"ip addr add 10.2.0.1/24 dev r1",
		"ip addr add 10.3.0.1/24 dev r2",
		"ip -6 addr add 2001:db8:1::1/64 dev r0 nodad",
		"ip -6 addr add 2001:db8:2::1/64 dev r1 nodad",
		"ip route add default via 10.1.0.254 metric 100 proto dhcp",
		"ip route add 10.50.0.0/16 nexthop via 10.1.0.2 dev r0 weight 1 nexthop via 10.2.0.2 dev r1 weight 3",
		"ip route add 10.96.0.0/16 nexthop via 10.1.0.2 dev r0 realm 7 nexthop via 10.2.0.2 dev r1 onlink",
		"ip route add 10.60.0.0/16 via 10.1.0.3 table 100 metric 7 src 10.1.0.1 mtu 1400",
		"ip route add throw 10.94.0.0/16 table 100",
		"ip route add prohibit 10.72.0.0/16 table 200",
		"ip route add 10.90.0.0/16 via 10.1.0.2 table 1000 realm 5",
		"ip route add 10.91.0.0/16 via 10.1.0.2 realms 3/4",
		"ip route add 10.92.0.0/16 dev r0 proto static tos 0x10",
		"ip route add 10.93.0.0/16 via 10.1.0.2 advmss 1300 hoplimit 9 initcwnd 10 initrwnd 20 congctl reno proto bgp",
		"ip nexthop add id 10 via 10.1.0.4 dev r0",
		"ip nexthop add id 20 via 10.2.0.4 dev r1",
		"ip nexthop add id 30 group 10/20,4",
		"ip route add 10.9.0.0/24 nhid 10",
		"ip route add 10.95.0.0/24 nhid 30",
		"ip nexthop add id 40 blackhole",
		"ip route add 10.98.0.0/16 nhid 40",
		"ip nexthop add id 42 via 2001:db8:1::2 dev r0",
		"ip route add 10.99.0.0/16 nhid 42",
		"ip -6 route add 2001:db8:42::/64 nhid 42",
		"ip route add blackhole 10.70.0.0/16",
		"ip route add unreachable 10.71.0.0/16",
		"ip route add 10.80.0.0/16 via inet6 2001:db8:1::2 dev r0",
		"ip route add 10.81.0.0/16 via 10.1.0.9 dev r0 onlink",
		"ip route add 10.97.0.0/16 via 10.3.0.2 dev r2",
		"ip -6 route add default via 2001:db8:1::fe dev r0 pref low",
		"ip -6 route add 2001:db8:5::/64 via 2001:db8:1::2 metric 50 pref high",
		"ip -6 route add 2001:db8:6::/64 dev r0 expires 3000",
		"ip -6 route add 2001:db8:7::/64 nexthop via 2001:db8:1::2 dev r0 weight 2 nexthop via 2001:db8:2::2 dev r1 weight 5",
		"ip -6 route add 2001:db8:9::/64 from 2001:db8:a::/64 via 2001:db8:1::2 dev r0",
		"ip -6 route add blackhole 2001:db8:c::/64",
		"ip -6 route add unreachable 2001:db8:d::/64 table 100",
		"ip -6 route add 2001:db8:e::/64 via 2001:db8:2::2 table 100 metric 9",
	)
	// The kernel adds an address's local route from a work queue, nodad or not.
	Eventually(n.t, func() error {
		out := n.Run("ip", "-6", "route", "show", "table", "local")
		for _, a := range []string{"2001:db8:1::1", "2001:db8:2::1"} {
			if !strings.Contains(out, "local "+a+" ") {
				return fmt.Errorf("no local route of %s yet:\n%s", a, out)
			}
		}
		return nil
	})
	return cmds
}

// NexthopLab fills the namespace with nexthop objects of every kind: on
// links veth0 (10.0.0.1/24, 2001:db8:9::1/64) and nh0 (10.8.0.1/24), both
// veth pairs up, gateways of both families (id 1, 3, 4, 7, 8), device-only
// (5), onlink (6), protocol zebra (8), blackholes (2, and 9 in IPv6), an fdb
// nexthop (14) and an fdb group (15), weighted mpath groups (10, 12, 13) and
// a resilient group (11). It returns the commands, one a line, for a
// recording's header.
func (n *NS) NexthopLab() []string {
	n.t.Helper()
	NeedTool(n.t, "ip")
	return n.Script(
		"sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0",
		"ip link add veth0 type veth peer name veth1",
		"ip link add nh0 type veth peer name nh1",
		"ip addr add 10.0.0.1/24 dev veth0",
		"ip -6 addr add 2001:db8:9::1/64 dev veth0 nodad",
		"ip addr add 10.8.0.1/24 dev nh0",
		"ip link set veth0 up", "ip link set veth1 up", "ip link set nh0 up", "ip link set nh1 up",
		"ip nexthop add id 1 via 10.0.0.2 dev veth0",
		"ip nexthop add id 2 blackhole",
		"ip nexthop add id 3 via 10.0.0.3 dev veth0",
		"ip nexthop add id 4 via 2001:db8:9::2 dev veth0",
		"ip nexthop add id 5 dev veth0",
		"ip nexthop add id 6 via 10.0.0.9 dev veth0 onlink",
		"ip nexthop add id 7 via 10.8.0.2 dev nh0",
		"ip nexthop add id 8 via 10.8.0.3 dev nh0 proto zebra",
		"ip -6 nexthop add id 9 blackhole",
		"ip nexthop add id 10 group 1,3/3",
		"ip nexthop add id 11 group 1/3 type resilient buckets 8 idle_timer 60",
		"ip nexthop add id 12 group 4",
		"ip nexthop add id 13 group 7/8,200",
		"ip nexthop add id 14 via 10.0.0.5 fdb",
		"ip nexthop add id 15 group 14 fdb",
	)
}
