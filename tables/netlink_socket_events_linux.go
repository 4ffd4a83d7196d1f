package tables

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// sockEvent is one socket destroy notification: the inet_diag_msg with its
// byte slices dropped (Cong copied) and the final tcp_info decoded.
type sockEvent struct {
	msg      netlinkx.InetDiagMsg
	info     netlinkx.TCPInfo
	infoSent int
	owner    socketOwner // pid 0 when unknown (NoteSocketOwner)
}

// The sock_diag destroy groups (enum sknetlink_groups, linux/sock_diag.h).
const (
	SKNLGRP_INET_TCP_DESTROY  = 1
	SKNLGRP_INET_UDP_DESTROY  = 2
	SKNLGRP_INET6_TCP_DESTROY = 3
	SKNLGRP_INET6_UDP_DESTROY = 4
)

// socketEventStream fills netlink_socket_events.
var socketEventStream = &eventStream[sockEvent]{
	name:     "netlink_socket_events",
	protocol: unix.NETLINK_SOCK_DIAG,
	groups:   []uint32{SKNLGRP_INET_TCP_DESTROY, SKNLGRP_INET_UDP_DESTROY, SKNLGRP_INET6_TCP_DESTROY, SKNLGRP_INET6_UDP_DESTROY},
	newDecoder: func(netlinkx.NetNS) (eventDecoder[sockEvent], error) {
		return decodeSockEvent, nil
	},
}

// decodeSockEvent decodes a destroy notification with netlinkx's inet_diag decoder.
func decodeSockEvent(typ, _ uint16, b []byte) (*sockEvent, int64, bool, error) {
	if typ != unix.SOCK_DIAG_BY_FAMILY {
		return nil, 0, false, nil
	}
	e := new(sockEvent)
	if err := e.msg.UnmarshalBinary(b); err != nil {
		return nil, 0, false, err
	}
	m := &e.msg
	m.Protocol = uint32(m.SKProtocol) // INET_DIAG_PROTOCOL: the message says which group it came from only there
	if m.Info != nil && m.Protocol == unix.IPPROTO_TCP {
		sent, err := netlinkx.DecodeTCPInfo(m.Info, &e.info)
		if err != nil {
			return nil, 0, false, err
		}
		e.infoSent = sent
	}
	e.owner, _ = takeSocketOwner(m.ID.Cookie)
	m.Cong = append([]byte(nil), m.Cong...)
	m.Info, m.SKMemInfo, m.MemInfo = nil, nil, nil
	return e, int64(unsafe.Sizeof(*e)) + int64(len(m.Cong)), true, nil
}

// netlinkSocketEvents is netlink_socket_events.
var netlinkSocketEvents = newEventTable(socketEventStream, "netlink_socket_events",
	func() []Column[sockEvent] {
		return Concat(
			[]Column[sockEvent]{
				Text("family", "idiag_family: inet or inet6", func(e *sockEvent) string { return familyName(e.msg.Family) }),
				Text("protocol", "INET_DIAG_PROTOCOL (sk_protocol): tcp or udp", func(e *sockEvent) string { return netlinkx.ProtocolName(uint8(e.msg.Protocol)) }),
				Text("local_address", "idiag_src: the local IP (IPv4-mapped IPv6 as ::ffff:a.b.c.d)", func(e *sockEvent) string { return e.msg.SrcAddr().String() }),
				Int("local_port", "idiag_sport: the local port", func(e *sockEvent) int64 { return int64(e.msg.ID.SPort) }),
				Text("remote_address", "idiag_dst: the peer's IP, wildcard when unconnected", func(e *sockEvent) string { return e.msg.DstAddr().String() }),
				Int("remote_port", "idiag_dport: the peer's port, 0 when unconnected", func(e *sockEvent) int64 { return int64(e.msg.ID.DPort) }),
				Text("state", "idiag_state when freed, TCP_* without prefix: CLOSE for most (psutil's CLOSE; osquery spells TCP_CLOSE CLOSED), ESTABLISHED for a connected UDP socket",
					func(e *sockEvent) string { return netlinkx.TCPStateName(e.msg.State) }),
				Int("uid", "idiag_uid: the socket's owner", func(e *sockEvent) int64 { return int64(e.msg.UID) }),
				Col("pid", TypeInteger, "the process that held the socket when netlink_sockets last read it (that read's pid); NULL when no read saw the socket", func(e *sockEvent) Value {
					return optInt(e.owner.pid, e.owner.pid != 0)
				}),
				Col("pid_seen", TypeBigInt, "when that read of netlink_sockets saw pid holding the socket, unix seconds; NULL with pid", func(e *sockEvent) Value {
					return optInt(e.owner.seen.Unix(), e.owner.pid != 0)
				}),
				Text("cookie", "idiag_cookie: the kernel's socket cookie (SO_COOKIE) in decimal, unique for the boot; joins netlink_sockets.cookie",
					func(e *sockEvent) string { return strconv.FormatUint(e.msg.ID.Cookie, 10) }),
				Int("bound_ifindex", "idiag_if: the ifindex the socket was bound to (SO_BINDTODEVICE), 0 for none", func(e *sockEvent) int64 { return int64(e.msg.ID.If) }),
				Col("mark", TypeBigInt, "INET_DIAG_MARK (sk_mark); sent only to a CAP_NET_ADMIN listener", func(e *sockEvent) Value {
					if !e.msg.Has(netlinkx.INET_DIAG_MARK) {
						return Null
					}
					return IntValue(int64(e.msg.Mark))
				}),
			},
			// The final tcp_info, one column per field; NULL for UDP.
			StructColumns(0, func(f netlinkx.UAPIField) string {
				cname := "tcpi_" + strings.TrimSuffix(strings.TrimSuffix(f.Name, "_us"), "_ms")
				return "INET_DIAG_INFO tcp_info." + cname + tcpInfoUnit(f.Name) + ", when the socket was freed; NULL for UDP"
			}, func(e *sockEvent) (*netlinkx.TCPInfo, int) {
				if e.infoSent == 0 {
					return nil, 0
				}
				return &e.info, e.infoSent
			}),
		)
	})
