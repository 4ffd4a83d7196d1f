package tables

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// linkRow is one link of netlink_links: the decoded RTM_NEWLINK, and the
// names of the links in the same dump for the master column.
type linkRow struct {
	*netlinkx.LinkMessage
	// names maps ifindex to name; set only when the query reads master.
	names map[uint32]string
}

// needMasterNames is the need of the master column: the names of the links,
// which ends the streaming of the dump (a master may come after its ports).
const needMasterNames Need[linkRow] = 1

// netlinkLinks is netlink_links: one row per link, from one RTM_GETLINK dump
// (what `ip -d link show` lists).
var netlinkLinks = lazy("netlink_links", func() *Table[linkRow] {
	return &Table[linkRow]{
		Columns: []Column[linkRow]{
			linkNameColumn(func(r *linkRow) string { return r.Name }),
			linkIndexColumn(func(r *linkRow) int64 { return int64(r.Index) }),
			linkLLAddr("address", unix.IFLA_ADDRESS, "IFLA_ADDRESS: the link-layer address, aa:bb:cc:dd:ee:ff for ether (an IP address for ipip/sit/gre tunnels, as ip prints it)", func(m *netlinkx.LinkMessage) []byte { return m.Address }),
			linkLLAddr("broadcast", unix.IFLA_BROADCAST, "IFLA_BROADCAST: the link-layer broadcast address; for a POINTOPOINT link, the peer's", func(m *netlinkx.LinkMessage) []byte { return m.Broadcast }),
			linkLLAddr("perm_address", unix.IFLA_PERM_ADDRESS, "IFLA_PERM_ADDRESS: the permanent hardware address (kernel 5.6+; NULL for devices without one)", func(m *netlinkx.LinkMessage) []byte { return m.PermAddress }),
			Text("type", "ifinfomsg.ifi_type as `ip link` names it after link/: ether, loopback, none, ipip, gre, sit, ... ([N] for a type iproute2 has no name for)", func(r *linkRow) string { return netlinkx.ARPHRDName(r.Type) }),
			Text("kind", "IFLA_LINKINFO/IFLA_INFO_KIND: the driver kind of a virtual link (veth, bridge, bond, vlan, macvlan, dummy, ...); empty for a physical device", func(r *linkRow) string { return string(r.Kind) }),
			Text("flags", "ifinfomsg.ifi_flags as `ip link` prints them: UP,BROADCAST,LOWER_UP,... in iproute2's order (RUNNING is not shown; an UP link without it shows NO-CARRIER)", func(r *linkRow) string { return netlinkx.LinkFlags(r.Flags) }),
			Int("up", "1 when ifi_flags has IFF_UP (administratively up)", func(r *linkRow) int64 { return b2i(r.Flags&unix.IFF_UP != 0) }),
			linkNum("carrier", TypeInteger, unix.IFLA_CARRIER, "IFLA_CARRIER: 1 when the physical link is up", func(m *netlinkx.LinkMessage) int64 { return int64(m.Carrier) }),
			linkNum("carrier_changes", TypeBigInt, unix.IFLA_CARRIER_CHANGES, "IFLA_CARRIER_CHANGES: carrier up and down events since the device was created", func(m *netlinkx.LinkMessage) int64 { return int64(m.CarrierChanges) }),
			linkCol("operstate", TypeText, unix.IFLA_OPERSTATE, "IFLA_OPERSTATE without IF_OPER_: UP, DOWN, UNKNOWN, DORMANT, LOWERLAYERDOWN, NOTPRESENT, TESTING (RFC 2863)", func(m *netlinkx.LinkMessage) Value {
				return TextValue(netlinkx.OperStateName(m.OperState))
			}),
			linkCol("linkmode", TypeText, unix.IFLA_LINKMODE, "IFLA_LINKMODE without IF_LINK_MODE_: DEFAULT, DORMANT, TESTING", func(m *netlinkx.LinkMessage) Value {
				return TextValue(netlinkx.LinkModeName(m.LinkMode))
			}),
			linkNum("mtu", TypeBigInt, unix.IFLA_MTU, "IFLA_MTU, bytes", func(m *netlinkx.LinkMessage) int64 { return int64(m.MTU) }),
			linkNum("min_mtu", TypeBigInt, unix.IFLA_MIN_MTU, "IFLA_MIN_MTU, bytes (kernel 4.19+)", func(m *netlinkx.LinkMessage) int64 { return int64(m.MinMTU) }),
			linkNum("max_mtu", TypeBigInt, unix.IFLA_MAX_MTU, "IFLA_MAX_MTU, bytes (kernel 4.19+)", func(m *netlinkx.LinkMessage) int64 { return int64(m.MaxMTU) }),
			linkNum("group", TypeBigInt, unix.IFLA_GROUP, "IFLA_GROUP: the device group (0 is `default`)", func(m *netlinkx.LinkMessage) int64 { return int64(m.Group) }),
			linkNum("promiscuity", TypeBigInt, unix.IFLA_PROMISCUITY, "IFLA_PROMISCUITY: how many users put the device in promiscuous mode", func(m *netlinkx.LinkMessage) int64 { return int64(m.Promiscuity) }),
			linkNum("allmulti", TypeBigInt, unix.IFLA_ALLMULTI, "IFLA_ALLMULTI: how many users put the device in allmulticast mode (kernel 6.0+)", func(m *netlinkx.LinkMessage) int64 { return int64(m.AllMulti) }),
			linkText("qdisc", unix.IFLA_QDISC, "IFLA_QDISC: the kind of the root queueing discipline (noqueue, fq_codel, ...)", func(m *netlinkx.LinkMessage) []byte { return m.Qdisc }),
			linkNum("txqlen", TypeBigInt, unix.IFLA_TXQLEN, "IFLA_TXQLEN: the transmit queue length, packets", func(m *netlinkx.LinkMessage) int64 { return int64(m.TxQLen) }),
			linkNum("num_tx_queues", TypeBigInt, unix.IFLA_NUM_TX_QUEUES, "IFLA_NUM_TX_QUEUES", func(m *netlinkx.LinkMessage) int64 { return int64(m.NumTxQueues) }),
			linkNum("num_rx_queues", TypeBigInt, unix.IFLA_NUM_RX_QUEUES, "IFLA_NUM_RX_QUEUES", func(m *netlinkx.LinkMessage) int64 { return int64(m.NumRxQueues) }),
			linkNum("gso_max_size", TypeBigInt, unix.IFLA_GSO_MAX_SIZE, "IFLA_GSO_MAX_SIZE, bytes", func(m *netlinkx.LinkMessage) int64 { return int64(m.GSOMaxSize) }),
			linkNum("gso_max_segs", TypeBigInt, unix.IFLA_GSO_MAX_SEGS, "IFLA_GSO_MAX_SEGS, segments", func(m *netlinkx.LinkMessage) int64 { return int64(m.GSOMaxSegs) }),
			linkNum("gro_max_size", TypeBigInt, unix.IFLA_GRO_MAX_SIZE, "IFLA_GRO_MAX_SIZE, bytes (kernel 5.19+)", func(m *netlinkx.LinkMessage) int64 { return int64(m.GROMaxSize) }),
			Col("master", TypeText, "IFLA_MASTER as a name: the bridge, bond or VRF this link is a port of (resolved within the same dump)", func(r *linkRow) Value {
				if !r.Has(unix.IFLA_MASTER) {
					return Null
				}
				if n, ok := r.names[r.Master]; ok {
					return TextValue(n)
				}
				return TextValue(strconv.FormatUint(uint64(r.Master), 10))
			}).Asks(needMasterNames),
			linkNum("link_index", TypeBigInt, unix.IFLA_LINK, "IFLA_LINK: the ifindex of the lower link (a veth's peer, a vlan's parent), in the namespace link_netnsid names when that is set; the kernel sends it only when it differs from index", func(m *netlinkx.LinkMessage) int64 { return int64(m.Link) }),
			linkNum("link_netnsid", TypeBigInt, unix.IFLA_LINK_NETNSID, "IFLA_LINK_NETNSID: the netnsid (in this namespace) of the namespace link_index is in, when it is not this one", func(m *netlinkx.LinkMessage) int64 { return int64(m.LinkNetNSID) }),
			linkText("alias", unix.IFLA_IFALIAS, "IFLA_IFALIAS: the alias set with `ip link set DEV alias TEXT`", func(m *netlinkx.LinkMessage) []byte { return m.IfAlias }),
			linkCol("altnames", TypeText, unix.IFLA_PROP_LIST, "IFLA_PROP_LIST/IFLA_ALT_IFNAME: the alternative names, comma-separated (kernel 5.5+)", func(m *netlinkx.LinkMessage) Value {
				return TextValue(strings.Join(m.AltNames(), ","))
			}),
			linkText("parent_bus", unix.IFLA_PARENT_DEV_BUS_NAME, "IFLA_PARENT_DEV_BUS_NAME: the bus of the parent device (pci, virtio, ...; kernel 5.14+)", func(m *netlinkx.LinkMessage) []byte { return m.ParentBus }),
			linkText("parent_dev", unix.IFLA_PARENT_DEV_NAME, "IFLA_PARENT_DEV_NAME: the parent device's name on its bus (a PCI address, ...; kernel 5.14+)", func(m *netlinkx.LinkMessage) []byte { return m.ParentDev }),
			linkNum("proto_down", TypeInteger, unix.IFLA_PROTO_DOWN, "IFLA_PROTO_DOWN: 1 when a control protocol holds the link down", func(m *netlinkx.LinkMessage) int64 { return int64(m.ProtoDown) }),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*linkRow) error) error {
			const ext = netlinkx.RTEXT_FILTER_SKIP_STATS
			if !needMasterNames.In(q) {
				var row linkRow
				return ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
					req.ExtMask = ext
					return netlinkx.DumpLinks(ctx, req, func(m *netlinkx.LinkMessage) error {
						row.LinkMessage = m
						return emit(&row)
					})
				})
			}
			// A master may come later in the dump than its ports: keep the
			// messages, learn every name, then emit.
			msgs, err := collectLinks(ctx, q, ext)
			if err != nil {
				return err
			}
			names := make(map[uint32]string, len(msgs))
			for i := range msgs {
				names[uint32(msgs[i].Index)] = msgs[i].Name
			}
			for i := range msgs {
				m := &msgs[i]
				if _, ok := names[m.Master]; m.Has(unix.IFLA_MASTER) && !ok {
					// Asked for one link: ask for its master too.
					err := netlinkx.DumpLinks(ctx, netlinkx.LinkRequest{NetNS: q.NetNS, Index: int32(m.Master), ExtMask: ext}, func(mm *netlinkx.LinkMessage) error {
						names[uint32(mm.Index)] = mm.Name
						return nil
					})
					if err != nil {
						return fmt.Errorf("link %s: master %d: %w", m.Name, m.Master, err)
					}
				}
			}
			row := linkRow{names: names}
			for i := range msgs {
				row.LinkMessage = &msgs[i]
				if err := emit(&row); err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// collectLinks reads every link q asks for into memory: one copy of the raw
// dump, decoded afterwards (the decoded messages alias the copy).
func collectLinks(ctx context.Context, q *Query, ext uint32) ([]netlinkx.LinkMessage, error) {
	var arena []byte
	var ends []int
	err := ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
		req.ExtMask = ext
		return netlinkx.DumpLinksRaw(ctx, req, func(b []byte) error {
			arena = append(arena, b...)
			ends = append(ends, len(arena))
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	msgs := make([]netlinkx.LinkMessage, len(ends))
	start := 0
	for i, end := range ends {
		if err := msgs[i].UnmarshalBinary(arena[start:end:end]); err != nil {
			return nil, fmt.Errorf("dump links: %w", err)
		}
		start = end
	}
	return msgs, nil
}

// linkCol is an IFLA_* column, NULL when the kernel did not send attr.
func linkCol(name string, typ Type, attr uint16, doc string, get func(*netlinkx.LinkMessage) Value) Column[linkRow] {
	return Col(name, typ, doc, func(r *linkRow) Value {
		if !r.Has(attr) {
			return Null
		}
		return get(r.LinkMessage)
	})
}

// linkNum is a numeric IFLA_* column.
func linkNum(name string, typ Type, attr uint16, doc string, get func(*netlinkx.LinkMessage) int64) Column[linkRow] {
	return linkCol(name, typ, attr, doc, func(m *netlinkx.LinkMessage) Value { return IntValue(get(m)) })
}

// linkText is a string IFLA_* column.
func linkText(name string, attr uint16, doc string, get func(*netlinkx.LinkMessage) []byte) Column[linkRow] {
	return linkCol(name, TypeText, attr, doc, func(m *netlinkx.LinkMessage) Value { return TextValue(string(get(m))) })
}

// linkLLAddr is a link-layer address column, formatted as ip prints it.
func linkLLAddr(name string, attr uint16, doc string, get func(*netlinkx.LinkMessage) []byte) Column[linkRow] {
	return linkCol(name, TypeText, attr, doc, func(m *netlinkx.LinkMessage) Value { return TextValue(netlinkx.LLAddr(get(m), m.Type)) })
}
