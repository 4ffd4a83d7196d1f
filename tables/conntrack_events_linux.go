package tables

import (
	"strings"
	"time"
	"unsafe"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// ctEventStream fills conntrack_events.
var ctEventStream = &eventStream[netlinkx.CTEvent]{
	name:     "conntrack_events",
	protocol: unix.NETLINK_NETFILTER,
	groups:   []uint32{unix.NFNLGRP_CONNTRACK_NEW, unix.NFNLGRP_CONNTRACK_UPDATE, unix.NFNLGRP_CONNTRACK_DESTROY},
	newDecoder: func(netlinkx.NetNS) (eventDecoder[netlinkx.CTEvent], error) {
		return decodeCTEvent, nil
	},
}

// decodeCTEvent decodes one ctnetlink event; expectation events are skipped.
func decodeCTEvent(typ, flags uint16, b []byte) (*netlinkx.CTEvent, int64, bool, error) {
	if typ>>8 != unix.NFNL_SUBSYS_CTNETLINK {
		return nil, 0, false, nil
	}
	e, err := netlinkx.DecodeCTEvent(typ, flags, b)
	if err != nil {
		return nil, 0, false, err
	}
	size := int64(unsafe.Sizeof(e)) + int64(len(e.Flow.Labels)+len(e.Flow.LabelsMask)+len(e.Flow.SecurityContext)+len(e.Flow.Helper.Name))
	return &e, size, true, nil
}

// conntrackEvents is conntrack_events.
var conntrackEvents = newEventTable(ctEventStream, "conntrack_events",
	func() []Column[netlinkx.CTEvent] {
		return []Column[netlinkx.CTEvent]{
			Text("type", "the event: NEW (IPCTNL_MSG_CT_NEW with NLM_F_CREATE), UPDATE (IPCTNL_MSG_CT_NEW) or DESTROY (IPCTNL_MSG_CT_DELETE)",
				func(e *netlinkx.CTEvent) string { return e.Type }),
			Text("family", "the original tuple's family: inet or inet6", func(e *netlinkx.CTEvent) string {
				if e.Flow.TupleOrig.IP.SourceAddress.Is4() {
					return famInet
				}
				return famInet6
			}),
			Text("protocol", "CTA_PROTO_NUM of the original tuple: tcp, udp, icmp, icmpv6, sctp, ... (a number for others)",
				func(e *netlinkx.CTEvent) string { return netlinkx.ProtocolName(e.Flow.TupleOrig.Proto.Protocol) }),
			Col("src", TypeText, "CTA_TUPLE_ORIG CTA_IP_*_SRC: the originator's address", func(e *netlinkx.CTEvent) Value { return addrValue(e.Flow.TupleOrig.IP.SourceAddress) }),
			Col("dst", TypeText, "CTA_TUPLE_ORIG CTA_IP_*_DST: the address the originator sent to", func(e *netlinkx.CTEvent) Value { return addrValue(e.Flow.TupleOrig.IP.DestinationAddress) }),
			Int("sport", "CTA_TUPLE_ORIG CTA_PROTO_SRC_PORT; 0 for protocols without ports", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.TupleOrig.Proto.SourcePort) }),
			Int("dport", "CTA_TUPLE_ORIG CTA_PROTO_DST_PORT; 0 for protocols without ports", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.TupleOrig.Proto.DestinationPort) }),
			Col("reply_src", TypeText, "CTA_TUPLE_REPLY CTA_IP_*_SRC: the address replies come from (differs from dst under DNAT)", func(e *netlinkx.CTEvent) Value { return addrValue(e.Flow.TupleReply.IP.SourceAddress) }),
			Col("reply_dst", TypeText, "CTA_TUPLE_REPLY CTA_IP_*_DST: the address replies go to (differs from src under SNAT)", func(e *netlinkx.CTEvent) Value { return addrValue(e.Flow.TupleReply.IP.DestinationAddress) }),
			Int("reply_sport", "CTA_TUPLE_REPLY CTA_PROTO_SRC_PORT", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.TupleReply.Proto.SourcePort) }),
			Int("reply_dport", "CTA_TUPLE_REPLY CTA_PROTO_DST_PORT", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.TupleReply.Proto.DestinationPort) }),
			Text("nat", "snat, dnat or snat,dnat from CTA_STATUS's IPS_SRC_NAT and IPS_DST_NAT; empty without NAT", func(e *netlinkx.CTEvent) string {
				var n []string
				if e.Flow.Status.SrcNAT() {
					n = append(n, "snat")
				}
				if e.Flow.Status.DstNAT() {
					n = append(n, "dnat")
				}
				return strings.Join(n, ",")
			}),
			Col("tcp_state", TypeText, "CTA_PROTOINFO_TCP_STATE without TCP_CONNTRACK_ (SYN_SENT, ESTABLISHED, TIME_WAIT, ...); NULL for other protocols or when not sent",
				func(e *netlinkx.CTEvent) Value {
					if e.Flow.ProtoInfo.TCP == nil {
						return Null
					}
					return TextValue(netlinkx.CTTCPStateName(e.Flow.ProtoInfo.TCP.State))
				}),
			Text("status", "CTA_STATUS: the IPS_* bits without prefix joined by | (SEEN_REPLY|ASSURED|CONFIRMED ...)",
				func(e *netlinkx.CTEvent) string { return netlinkx.CTStatus(uint32(e.Flow.Status)) }),
			BigInt("mark", "CTA_MARK: the connection mark (ct mark), 0 when not sent", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.Mark) }),
			Int("zone", "CTA_ZONE: the conntrack zone, 0 for the default", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.Zone) }),
			BigInt("id", "CTA_ID: the entry's id, the same in its NEW, UPDATE and DESTROY events", func(e *netlinkx.CTEvent) int64 { return int64(e.Flow.ID) }),
			Col("timeout", TypeBigInt, "CTA_TIMEOUT: seconds until the entry expires; NULL when not sent (DESTROY)", func(e *netlinkx.CTEvent) Value {
				if e.Type == "DESTROY" {
					return Null
				}
				return IntValue(int64(e.Flow.Timeout))
			}),
			ctCounter("orig_packets", "CTA_COUNTERS_ORIG CTA_COUNTERS_PACKETS: packets from the originator", func(e *netlinkx.CTEvent) (uint64, bool) {
				c := e.Flow.CountersOrig
				return c.Packets, c.Packets != 0 || c.Bytes != 0
			}),
			ctCounter("orig_bytes", "CTA_COUNTERS_ORIG CTA_COUNTERS_BYTES: bytes from the originator, IP headers included", func(e *netlinkx.CTEvent) (uint64, bool) {
				c := e.Flow.CountersOrig
				return c.Bytes, c.Packets != 0 || c.Bytes != 0
			}),
			ctCounter("reply_packets", "CTA_COUNTERS_REPLY CTA_COUNTERS_PACKETS: packets of the reply direction", func(e *netlinkx.CTEvent) (uint64, bool) {
				c := e.Flow.CountersReply
				return c.Packets, e.Flow.CountersOrig.Packets != 0 || c.Packets != 0
			}),
			ctCounter("reply_bytes", "CTA_COUNTERS_REPLY CTA_COUNTERS_BYTES: bytes of the reply direction", func(e *netlinkx.CTEvent) (uint64, bool) {
				c := e.Flow.CountersReply
				return c.Bytes, e.Flow.CountersOrig.Packets != 0 || c.Packets != 0
			}),
			ctTime("start", "CTA_TIMESTAMP_START: when the connection was tracked, unix seconds; NULL unless nf_conntrack_timestamp=1",
				func(e *netlinkx.CTEvent) int64 { return tsUnix(e.Flow.Timestamp.Start) }),
			ctTime("stop", "CTA_TIMESTAMP_STOP: when it ended (DESTROY), unix seconds; NULL unless nf_conntrack_timestamp=1",
				func(e *netlinkx.CTEvent) int64 { return tsUnix(e.Flow.Timestamp.Stop) }),
		}
	})

// ctCounter is a counter column: NULL when the kernel sent no counters
// (accounting off: a tracked connection has at least one packet).
func ctCounter(name, doc string, get func(*netlinkx.CTEvent) (uint64, bool)) Column[netlinkx.CTEvent] {
	return Col(name, TypeUnsignedBigInt, doc+"; NULL unless net.netfilter.nf_conntrack_acct=1", func(e *netlinkx.CTEvent) Value {
		v, ok := get(e)
		if !ok {
			return Null
		}
		return UintValue(v)
	})
}

// ctTime is a timestamp column in unix seconds, NULL for 0.
func ctTime(name, doc string, get func(*netlinkx.CTEvent) int64) Column[netlinkx.CTEvent] {
	return Col(name, TypeBigInt, doc, func(e *netlinkx.CTEvent) Value {
		if v := get(e); v > 0 {
			return IntValue(v)
		}
		return Null
	})
}

// tsUnix is t in unix seconds, 0 for the zero time.
func tsUnix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
