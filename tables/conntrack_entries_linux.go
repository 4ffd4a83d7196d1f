package tables

import (
	"context"
	"errors"
	"net/netip"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// conntrackEntries is conntrack_entries: one row per entry of the conntrack
// table (what `conntrack -L -o extended` lists), from a ctnetlink dump.
var conntrackEntries = lazy("conntrack_entries", func() *Table[netlinkx.Conntrack] {
	return &Table[netlinkx.Conntrack]{
		Columns: Concat([]Column[netlinkx.Conntrack]{
			Text("family", "nfgenmsg.nfgen_family: inet (AF_INET) or inet6 (AF_INET6); conntrack prints ipv4/ipv6", func(c *netlinkx.Conntrack) string {
				return familyName(c.Family)
			}).With(Index),
			Text("protocol", "CTA_PROTO_NUM of the original tuple as conntrack names it (tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre), else the number", (*netlinkx.Conntrack).ProtocolName),
			Int("protocol_number", "CTA_PROTO_NUM of the original tuple: the IP protocol number", func(c *netlinkx.Conntrack) int64 {
				return int64(c.TupleOrig.Proto.Protocol)
			}),
		}, tupleColumns("orig", "CTA_TUPLE_ORIG", tupleDocs{
			src:  "the source address of the original direction",
			dst:  "the destination address of the original direction",
			icmp: "conntrack's type=, code=, id=",
		}, func(c *netlinkx.Conntrack) *conntrack.Tuple { return &c.TupleOrig }), tupleColumns("reply", "CTA_TUPLE_REPLY", tupleDocs{
			src:  "where replies come from",
			dst:  "where replies go (the SNAT address when the source is rewritten)",
			icmp: "an echo request's entry expects type 0, echo reply",
		}, func(c *netlinkx.Conntrack) *conntrack.Tuple { return &c.TupleReply }), []Column[netlinkx.Conntrack]{
			Col("state", TypeText, "CTA_PROTOINFO state as conntrack prints it: TCP (enum tcp_conntrack without TCP_CONNTRACK_: SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT, CLOSE, SYN_SENT2), SCTP or DCCP; NULL for other protocols", func(c *netlinkx.Conntrack) Value {
				if s, ok := c.State(); ok {
					return TextValue(s)
				}
				return Null
			}),
			Text("status", "CTA_STATUS: the set bits of enum ip_conntrack_status without IPS_, comma-separated (EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED, SRC_NAT, DST_NAT, SEQ_ADJUST, SRC_NAT_DONE, DST_NAT_DONE, DYING, FIXED_TIMEOUT, TEMPLATE, UNTRACKED, HELPER, OFFLOAD, HW_OFFLOAD); conntrack prints [ASSURED], and [UNREPLIED] where SEEN_REPLY is missing", func(c *netlinkx.Conntrack) string {
				return netlinkx.StatusNames(c.Status)
			}),
			BigInt("timeout", "CTA_TIMEOUT: seconds until the entry expires", func(c *netlinkx.Conntrack) int64 { return int64(c.Timeout) }),
			BigInt("mark", "CTA_MARK: the connection mark (ct mark, CONNMARK)", func(c *netlinkx.Conntrack) int64 { return int64(c.Mark) }).With(Index),
			Int("zone", "CTA_ZONE: the conntrack zone; 0, the default zone, is not sent and shows as 0", func(c *netlinkx.Conntrack) int64 { return int64(c.Zone) }).With(Index),
			Col("labels", TypeText, "CTA_LABELS: the numbers of the set connlabel bits, comma-separated (ct label, connlabel.conf); NULL when the entry has no label extension", func(c *netlinkx.Conntrack) Value {
				if c.Labels == nil {
					return Null
				}
				return TextValue(netlinkx.LabelBits(c.Labels))
			}),
			BigInt("use", "CTA_USE: the entry's reference count", func(c *netlinkx.Conntrack) int64 { return int64(c.Use) }),
			BigInt("id", "CTA_ID: the entry's id (conntrack -o id prints it)", func(c *netlinkx.Conntrack) int64 { return int64(c.ID) }),
			Col("orig_packets", TypeBigInt, "CTA_COUNTERS_ORIG CTA_COUNTERS_PACKETS: packets in the original direction; NULL without the acct extension (nf_conntrack_acct was 0 when the entry was made)", func(c *netlinkx.Conntrack) Value {
				return counterValue(c, c.CountersOrig.Packets)
			}),
			Col("orig_bytes", TypeBigInt, "CTA_COUNTERS_ORIG CTA_COUNTERS_BYTES: bytes (IP packet lengths) in the original direction; NULL without acct", func(c *netlinkx.Conntrack) Value {
				return counterValue(c, c.CountersOrig.Bytes)
			}),
			Col("reply_packets", TypeBigInt, "CTA_COUNTERS_REPLY CTA_COUNTERS_PACKETS: packets in the reply direction; NULL without acct", func(c *netlinkx.Conntrack) Value {
				return counterValue(c, c.CountersReply.Packets)
			}),
			Col("reply_bytes", TypeBigInt, "CTA_COUNTERS_REPLY CTA_COUNTERS_BYTES: bytes in the reply direction; NULL without acct", func(c *netlinkx.Conntrack) Value {
				return counterValue(c, c.CountersReply.Bytes)
			}),
		}, natColumns(), []Column[netlinkx.Conntrack]{
			Col("helper", TypeText, "CTA_HELP CTA_HELP_NAME: the conntrack helper attached (ftp, sip, ...); NULL for none", func(c *netlinkx.Conntrack) Value {
				return optText(c.Helper.Name)
			}),
			Col("start", TypeBigInt, "CTA_TIMESTAMP CTA_TIMESTAMP_START: when the entry was made, unix seconds; NULL unless nf_conntrack_timestamp was 1 then", func(c *netlinkx.Conntrack) Value {
				if !c.HasTimestamp || c.Timestamp.Start.IsZero() {
					return Null
				}
				return IntValue(c.Timestamp.Start.Unix())
			}),
		}),
		Generate: func(ctx context.Context, q *Query, emit func(*netlinkx.Conntrack) error) error {
			family, none := inetFamily(q)
			if none {
				return nil
			}
			req := netlinkx.ConntrackRequest{NetNS: q.NetNS, Family: family}
			if marks, ok := q.IntEquals("mark"); ok && len(dedup(marks)) == 1 {
				if marks[0] < 0 || marks[0] > 0xffffffff {
					return nil
				}
				m := uint32(marks[0])
				req.Mark = &m
			}
			if zones, ok := q.IntEquals("zone"); ok && len(dedup(zones)) == 1 {
				if zones[0] < 0 || zones[0] > 0xffff {
					return nil
				}
				z := uint16(zones[0])
				req.Zone = &z
			}
			return conntrackErr(q, "conntrack_entries", "reading the conntrack table", netlinkx.DumpConntrack(ctx, req, emit))
		},
	}
})

// conntrackErr is err, or nil where a conntrack table is to have no rows
// and a warning: no conntrack in the kernel or the namespace, or no
// CAP_NET_ADMIN for reading.
func conntrackErr(q *Query, table, reading string, err error) error {
	switch {
	case netlinkx.IsConntrackUnavailable(err):
		q.logf("table %s: no conntrack in this kernel or namespace: %v", table, err)
		return nil
	case errors.Is(err, unix.EPERM):
		q.logf("table %s: %s needs CAP_NET_ADMIN: %v", table, reading, err)
		return nil
	}
	return err
}

// tupleDocs say what a conntrack tuple's addresses and ICMP fields mean in
// its direction, for the column descriptions.
type tupleDocs struct{ src, dst, icmp string }

// tupleColumns are the columns of one conntrack tuple (CTA_TUPLE_ORIG or
// CTA_TUPLE_REPLY, named by attr): prefix_src, _dst, _sport, _dport,
// _icmp_type, _icmp_code and _icmp_id. Ports are NULL for protocols without
// ports, ICMP fields unless the entry is ICMP or ICMPv6.
func tupleColumns(prefix, attr string, docs tupleDocs, tuple func(*netlinkx.Conntrack) *conntrack.Tuple) []Column[netlinkx.Conntrack] {
	icmp := func(name, field string, get func(t *conntrack.Tuple) uint16) Column[netlinkx.Conntrack] {
		return Col(prefix+"_icmp_"+name, TypeInteger, attr+" CTA_PROTO_ICMP_"+field+"/CTA_PROTO_ICMPV6_"+field+" ("+docs.icmp+"); NULL unless ICMP or ICMPv6", func(c *netlinkx.Conntrack) Value {
			return icmpValue(c, int64(get(tuple(c))))
		})
	}
	return []Column[netlinkx.Conntrack]{
		Col(prefix+"_src", TypeText, attr+" CTA_IP_V4_SRC/CTA_IP_V6_SRC: "+docs.src, func(c *netlinkx.Conntrack) Value {
			return addrValue(tuple(c).IP.SourceAddress)
		}),
		Col(prefix+"_dst", TypeText, attr+" CTA_IP_V4_DST/CTA_IP_V6_DST: "+docs.dst, func(c *netlinkx.Conntrack) Value {
			return addrValue(tuple(c).IP.DestinationAddress)
		}),
		Col(prefix+"_sport", TypeInteger, attr+" CTA_PROTO_SRC_PORT: the source port (TCP, UDP, SCTP, DCCP, UDP-Lite); NULL for protocols without ports", func(c *netlinkx.Conntrack) Value {
			return portValue(c, tuple(c).Proto.SourcePort)
		}),
		Col(prefix+"_dport", TypeInteger, attr+" CTA_PROTO_DST_PORT: the destination port; NULL for protocols without ports", func(c *netlinkx.Conntrack) Value {
			return portValue(c, tuple(c).Proto.DestinationPort)
		}),
		icmp("type", "TYPE", func(t *conntrack.Tuple) uint16 { return uint16(t.Proto.ICMPType) }),
		icmp("code", "CODE", func(t *conntrack.Tuple) uint16 { return uint16(t.Proto.ICMPCode) }),
		icmp("id", "ID", func(t *conntrack.Tuple) uint16 { return t.Proto.ICMPID }),
	}
}

// portValue is a tuple's port, NULL for protocols without ports.
func portValue(c *netlinkx.Conntrack, p uint16) Value {
	if !netlinkx.HasPorts(c.TupleOrig.Proto.Protocol) {
		return Null
	}
	return IntValue(int64(p))
}

// icmpValue is an ICMP tuple field, NULL for other protocols.
func icmpValue(c *netlinkx.Conntrack, v int64) Value {
	if !netlinkx.IsICMP(c.TupleOrig.Proto.Protocol) {
		return Null
	}
	return IntValue(v)
}

// counterValue is a CTA_COUNTERS_* value, NULL without the acct extension.
func counterValue(c *netlinkx.Conntrack, v uint64) Value {
	if !c.HasCounters {
		return Null
	}
	return IntValue(int64(v))
}

// natColumns are nat_src, nat_sport, nat_dst and nat_dport: the address
// and port NAT rewrites the original source or destination to, where the
// reply tuple's other end differs from it; NULL where nothing is rewritten.
func natColumns() []Column[netlinkx.Conntrack] {
	var cols []Column[netlinkx.Conntrack]
	for _, n := range []struct {
		end, word, kinds, other string // src, source, the NAT that does it, dst
		nat                     func(*netlinkx.Conntrack) (netip.Addr, bool, uint16, bool)
	}{
		{"src", "source", "SNAT, masquerade", "dst", (*netlinkx.Conntrack).NATSource},
		{"dst", "destination", "DNAT, redirect", "src", (*netlinkx.Conntrack).NATDestination},
	} {
		port, otherPort, nat := n.end[:1]+"port", n.other[:1]+"port", n.nat
		cols = append(cols,
			Col("nat_"+n.end, TypeText, "the address the original "+n.word+" is rewritten to ("+n.kinds+"): reply_"+n.other+" where it differs from orig_"+n.end+"; NULL otherwise", func(c *netlinkx.Conntrack) Value {
				if a, ok, _, _ := nat(c); ok {
					return addrValue(a)
				}
				return Null
			}),
			Col("nat_"+port, TypeInteger, "the port the original "+n.word+" port is rewritten to: reply_"+otherPort+" where it differs from orig_"+port+"; NULL otherwise", func(c *netlinkx.Conntrack) Value {
				_, _, p, ok := nat(c)
				return optUint(uint32(p), ok)
			}))
	}
	return cols
}
