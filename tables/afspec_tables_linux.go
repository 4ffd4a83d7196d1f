package tables

import (
	"context"
	"fmt"
	"slices"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// afRow is one row of the IFLA_AF_SPEC tables: a link and its decoded
// IFLA_AF_SPEC, or (in the devconf tables) the "all" or "default" entry read
// with RTM_GETNETCONF. The arrays alias the dump buffer.
type afRow struct {
	name    string
	index   int32
	af      netlinkx.AFSpec
	netconf *netlinkx.Netconf
}

// afLinkColumns are the first two columns of every AF_SPEC table.
func afLinkColumns() []Column[afRow] {
	return []Column[afRow]{
		Text("interface", "IFLA_IFNAME: the interface name; all and default for the conf/all and conf/default entries", func(r *afRow) string { return r.name }).With(Index),
		Int("index", "ifinfomsg.ifi_index: the interface index; -1 for all, -2 for default (NETCONFA_IFINDEX_ALL, _DEFAULT)", func(r *afRow) int64 { return int64(r.index) }).With(Index),
	}
}

// afLinks is the Generate of an AF_SPEC table: it dumps the links q asks
// for and emits those that have family, AF_INET or AF_INET6 (a link without
// struct inet6_dev has no AF_INET6).
func afLinks(family uint8) func(context.Context, *Query, func(*afRow) error) error {
	return func(ctx context.Context, q *Query, emit func(*afRow) error) error {
		var row afRow
		return ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
			return netlinkx.DumpLinks(ctx, req, func(m *netlinkx.LinkMessage) error {
				af, err := netlinkx.DecodeAFSpec(m.AFSpec)
				if err != nil {
					return fmt.Errorf("link %d (%s): %w", m.Index, m.Name, err)
				}
				if !afHas(&af, family) {
					return nil
				}
				row = afRow{name: m.Name, index: m.Index, af: af}
				return emit(&row)
			})
		})
	}
}

// afHas reports whether af has family's part: struct in_device's for
// AF_INET, inet6_dev's for AF_INET6.
func afHas(af *netlinkx.AFSpec, family uint8) bool {
	if family == unix.AF_INET6 {
		return af.Inet6.Present
	}
	return af.Inet.Present
}

// netconfEntries are the devconf entries that are no link, by NETCONFA_IFINDEX.
var netconfEntries = []struct {
	name  string
	index int32
}{
	{"all", netlinkx.NETCONFA_IFINDEX_ALL},
	{"default", netlinkx.NETCONFA_IFINDEX_DEFAULT},
}

// devconf is the Generate of a devconf table: the all and default rows that
// q can match (RTM_GETNETCONF of family for each), then afLinks' rows.
func devconf(family uint8) func(context.Context, *Query, func(*afRow) error) error {
	links := afLinks(family)
	return func(ctx context.Context, q *Query, emit func(*afRow) error) error {
		idx, byIndex := q.IntEquals("index")
		names, byName := q.Equals("interface")
		var row afRow
		for _, e := range netconfEntries {
			if byIndex && !slices.Contains(idx, int64(e.index)) || !byIndex && byName && !slices.Contains(names, e.name) {
				continue
			}
			err := netlinkx.GetNetconf(ctx, netlinkx.NetconfRequest{NetNS: q.NetNS, Family: family, IfIndex: e.index}, func(n *netlinkx.Netconf) error {
				row = afRow{name: e.name, index: e.index, netconf: n}
				return emit(&row)
			})
			if err != nil {
				return err
			}
		}
		return links(ctx, q, emit)
	}
}

// devconfColumn describes how one devconf entry differs from a plain s32 in the sysctl's unit.
type devconfColumn struct {
	note     string // added to the description
	unsigned bool   // a u32 in the kernel: BIGINT, read unsigned
	notSent  bool   // the kernel leaves the slot 0: always NULL
}

// devconfColumns builds one column per name of a devconf array: element i
// of the array conf returns, or for an all/default row the netconf attribute
// netconf maps the name to (NULL when it has none).
func devconfColumns(names []string, sysctl, attr string, conf func(*afRow) netlinkx.U32Array,
	netconf map[string]int, special map[string]devconfColumn) []Column[afRow] {
	cols := make([]Column[afRow], 0, len(names))
	for i, name := range names {
		sp := special[name]
		typ := TypeInteger
		if sp.unsigned {
			typ = TypeBigInt
		}
		doc := fmt.Sprintf("%s[%d], the sysctl %s.%s", attr, i, sysctl, name)
		if a, ok := netconf[name]; ok {
			doc += fmt.Sprintf("; for all and default, RTM_GETNETCONF attribute %d", a)
		}
		if sp.note != "" {
			doc += "; " + sp.note
		}
		nc, inNetconf := netconf[name]
		cols = append(cols, Col(name, typ, doc, func(r *afRow) Value {
			if r.netconf != nil {
				if !inNetconf {
					return Null
				}
				if v, ok := r.netconf.Get(nc); ok {
					return IntValue(int64(v))
				}
				return Null
			}
			if sp.notSent {
				return Null
			}
			v, ok := conf(r).At(i)
			if !ok {
				return Null
			}
			if sp.unsigned {
				return IntValue(int64(v))
			}
			return IntValue(int64(int32(v)))
		}))
	}
	return cols
}

// netconfAttrs are the NETCONFA_* attributes of RTM_NEWNETCONF: the name
// `ip monitor netconf` gives each, and the devconf entry it reports for IPv4
// and for IPv6 (empty where the kernel sends it for no entry of the family).
var netconfAttrs = []struct {
	attr              int
	name, inet, inet6 string
}{
	{netlinkx.NETCONFA_FORWARDING, "forwarding", "forwarding", "forwarding"},
	{netlinkx.NETCONFA_RP_FILTER, "rp_filter", "rp_filter", ""},
	{netlinkx.NETCONFA_MC_FORWARDING, "mc_forwarding", "mc_forwarding", "mc_forwarding"},
	{netlinkx.NETCONFA_PROXY_NEIGH, "proxy_neigh", "proxy_arp", "proxy_ndp"},
	{netlinkx.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, "ignore_routes_with_linkdown", "ignore_routes_with_linkdown", "ignore_routes_with_linkdown"},
	{netlinkx.NETCONFA_INPUT, "input", "", ""},
	{netlinkx.NETCONFA_BC_FORWARDING, "bc_forwarding", "bc_forwarding", ""},
}

// inet6Devconf is inet6_devconf: each link's IPv6 sysctls (struct ipv6_devconf).
var inet6Devconf = devconfTable("inet6_devconf", unix.AF_INET6)

// inetDevconf is inet_devconf: each link's IPv4 sysctls (struct ipv4_devconf).
var inetDevconf = devconfTable("inet_devconf", unix.AF_INET)

// devconfTable is the devconf table of family, AF_INET or AF_INET6: one
// column per entry of its devconf array (IFLA_INET_CONF, IFLA_INET6_CONF),
// the all and default rows from RTM_GETNETCONF.
func devconfTable(name string, family uint8) *lazyTable[afRow] {
	return lazy(name, func() *Table[afRow] {
		names, sysctl, attr := netlinkx.InetDevconfNames, "net.ipv4.conf.IFACE", "IFLA_INET_CONF"
		conf := func(r *afRow) netlinkx.U32Array { return r.af.Inet.Conf }
		if family == unix.AF_INET6 {
			names, sysctl, attr = netlinkx.Inet6DevconfNames, "net.ipv6.conf.IFACE", "IFLA_INET6_CONF"
			conf = func(r *afRow) netlinkx.U32Array { return r.af.Inet6.Conf }
		}
		netconf := map[string]int{}
		for _, a := range netconfAttrs {
			entry := a.inet
			if family == unix.AF_INET6 {
				entry = a.inet6
			}
			if entry != "" {
				netconf[entry] = a.attr
			}
		}
		// The entries that are not a plain s32 in the sysctl's unit; IPv4
		// and IPv6 name theirs apart.
		special := map[string]devconfColumn{
			"igmpv2_unsolicited_report_interval": {note: "ms"},
			"igmpv3_unsolicited_report_interval": {note: "ms"},
			"router_solicitation_interval":       {note: "ms (the sysctl file shows seconds)"},
			"router_solicitation_delay":          {note: "ms (the sysctl file shows seconds)"},
			"router_probe_interval":              {note: "ms (the sysctl file shows seconds)"},
			"router_solicitation_max_interval":   {note: "ms (the sysctl file shows seconds)"},
			"mldv1_unsolicited_report_interval":  {note: "ms"},
			"mldv2_unsolicited_report_interval":  {note: "ms"},
			"ioam6_id_wide":                      {unsigned: true, note: "u32"},
			"stable_secret":                      {notSent: true, note: "always NULL: the kernel does not send the secret"},
		}
		return &Table[afRow]{
			Columns:  Concat(afLinkColumns(), devconfColumns(names, sysctl, attr, conf, netconf, special)),
			Generate: devconf(family),
		}
	})
}

// inet6Stats is inet6_stats: each link's IPv6 MIB counters.
var inet6Stats = lazy("inet6_stats", func() *Table[afRow] {
	return &Table[afRow]{
		Columns: Concat(afLinkColumns(), counterColumns(netlinkx.Inet6StatsNames, "IFLA_INET6_STATS counter %d (Linux 6.15 order), packets or octets",
			func(r *afRow, i int) (uint64, bool) { return r.af.Inet6.Stats.Stat(netlinkx.KernelIPStatsLayout(), i) })),
		Generate: afLinks(unix.AF_INET6),
	}
})

// icmp6Stats is icmp6_stats: each link's ICMPv6 MIB counters.
var icmp6Stats = lazy("icmp6_stats", func() *Table[afRow] {
	return &Table[afRow]{
		Columns: Concat(afLinkColumns(), counterColumns(netlinkx.ICMP6StatsNames, "IFLA_INET6_ICMP6STATS counter %d, messages",
			func(r *afRow, i int) (uint64, bool) { return r.af.Inet6.ICMP6Stats.At(i + 1) })),
		Generate: afLinks(unix.AF_INET6),
	}
})

// counterColumns builds one UNSIGNED BIGINT column per name of a counter
// array: column i reads counter i with get (NULL when the kernel did not
// send it), and doc, given i+1, describes it.
func counterColumns(names []string, doc string, get func(r *afRow, i int) (uint64, bool)) []Column[afRow] {
	cols := make([]Column[afRow], 0, len(names))
	for i, name := range names {
		cols = append(cols, Col(name, TypeUnsignedBigInt, fmt.Sprintf(doc, i+1), func(r *afRow) Value {
			if v, ok := get(r, i); ok {
				return UintValue(v)
			}
			return Null
		}))
	}
	return cols
}

// cacheinfoCol is a column read from the field at byte offset off of
// IFLA_INET6_CACHEINFO; NULL when the kernel did not send that far.
func cacheinfoCol(name string, off int, doc string, get func(*netlinkx.IflaCacheinfo) uint32) Column[afRow] {
	return Col(name, TypeBigInt, doc, func(r *afRow) Value {
		if c := r.af.Inet6.CacheInfo; c != nil && r.af.Inet6.CacheInfoSent >= off+4 {
			return IntValue(int64(get(c)))
		}
		return Null
	})
}

// inet6Interfaces is inet6_interfaces: each link's struct inet6_dev state.
var inet6Interfaces = lazy("inet6_interfaces", func() *Table[afRow] {
	return &Table[afRow]{
		Columns: Concat(afLinkColumns(), []Column[afRow]{
			Col("flags", TypeText, "IFLA_INET6_FLAGS (inet6_dev.if_flags): rs_sent, ra_rcvd, ra_managed, ra_otherconf, ready, comma-separated",
				func(r *afRow) Value { return optName(r.af.Inet6.Flags, r.af.Inet6.HasFlags, netlinkx.Inet6FlagsString) }),
			Col("token", TypeText, "IFLA_INET6_TOKEN: the interface identifier set with `ip token` (:: when none)",
				func(r *afRow) Value { return addrValue(r.af.Inet6.Token) }),
			Col("addr_gen_mode", TypeText, "IFLA_INET6_ADDR_GEN_MODE: IN6_ADDR_GEN_MODE_* without prefix (eui64, none, stable_privacy, random)",
				func(r *afRow) Value {
					return optName(r.af.Inet6.AddrGenMode, r.af.Inet6.HasAddrGenMode, netlinkx.AddrGenModeName)
				}),
			Col("ra_mtu", TypeBigInt, "IFLA_INET6_RA_MTU: MTU option of the last router advertisement; NULL until one carried it (Linux 5.15)",
				func(r *afRow) Value { return optUint(r.af.Inet6.RAMTU, r.af.Inet6.HasRAMTU) }),
			cacheinfoCol("max_reasm_len", 0, "ifla_cacheinfo.max_reasm_len: largest datagram reassembled, bytes",
				func(c *netlinkx.IflaCacheinfo) uint32 { return c.MaxReasmLen }),
			cacheinfoCol("tstamp", 4, "ifla_cacheinfo.tstamp: when inet6_dev last changed, hundredths of a second since boot",
				func(c *netlinkx.IflaCacheinfo) uint32 { return c.Tstamp }),
			cacheinfoCol("reachable_time", 8, "ifla_cacheinfo.reachable_time: neighbour reachable time in use, ms",
				func(c *netlinkx.IflaCacheinfo) uint32 { return c.ReachableTime }),
			cacheinfoCol("retrans_time", 12, "ifla_cacheinfo.retrans_time: neighbour solicitation retransmit time, ms",
				func(c *netlinkx.IflaCacheinfo) uint32 { return c.RetransTime }),
		}),
		Generate: afLinks(unix.AF_INET6),
	}
})
