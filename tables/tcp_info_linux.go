package tables

import (
	"context"
	"strings"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// inetExt are tcp_info's idiag_ext bits, each asking for one attribute.
var inetExt = []showFlag{
	{needInfo, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_INFO))},
	{needCong, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_CONG))},
	{needTOS, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_TOS))},
	{needTClass, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_TCLASS))},
	{needSKMem, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_SKMEMINFO))},
	{needShutdown, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_SHUTDOWN))},
}

// tcpInfo is tcp_info: the kernel's TCP internals for each TCP socket.
var tcpInfo = lazy("tcp_info", func() *Table[socket] {
	return &Table[socket]{
		Columns: Concat(
			[]Column[socket]{
				Text("cookie", "idiag_cookie: the kernel's socket cookie in decimal; joins netlink_sockets", (*socket).cookie),
				Text("family", "Address family: inet or inet6 (idiag_family)", (*socket).familyName).With(Index | Optimized),
				Text("local_address", "idiag_src: the local IP", (*socket).localAddress),
				Int("local_port", "idiag_sport in host byte order", (*socket).localPort).With(Index | Optimized),
				Text("remote_address", "idiag_dst: the peer's IP", (*socket).remoteAddress),
				Int("remote_port", "idiag_dport in host byte order", (*socket).remotePort).With(Index | Optimized),
				Text("state", "idiag_state in psutil's names (ESTABLISHED, LISTEN, TIME_WAIT, ...)", (*socket).StateName).With(Index | Optimized).Selects(),
				BigInt("inode", "idiag_inode: the socket's inode, 0 for TIME_WAIT and request sockets", (*socket).inode),
			},
			tcpInfoColumns(),
			[]Column[socket]{
				Col("congestion", TypeText, "INET_DIAG_CONG: the congestion control algorithm (cubic, bbr, ...)", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_CONG) {
						return Null
					}
					return TextValue(string(s.inet.Cong))
				}).Needs(needCong),
			},
			skMemColumns(),
			[]Column[socket]{
				Col("shutdown", TypeText, "INET_DIAG_SHUTDOWN: the directions shut down (sk_shutdown): rd, wr, rdwr, or empty", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_SHUTDOWN) {
						return Null
					}
					return TextValue([...]string{"", "rd", "wr", "rdwr"}[s.inet.Shutdown&3])
				}).Needs(needShutdown),
				Col("tos", TypeInteger, "INET_DIAG_TOS: the IPv4 TOS byte of outgoing packets", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_TOS) {
						return Null
					}
					return IntValue(int64(s.inet.TOS))
				}).Needs(needTOS),
				Col("tclass", TypeInteger, "INET_DIAG_TCLASS: the IPv6 traffic class (IPv6 sockets only)", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_TCLASS) {
						return Null
					}
					return IntValue(int64(s.inet.TClass))
				}).Needs(needTClass),
				Col("mark", TypeBigInt, "INET_DIAG_MARK: sk_mark (SO_MARK); sent only to CAP_NET_ADMIN callers, NULL otherwise", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_MARK) {
						return Null
					}
					return IntValue(int64(s.inet.Mark))
				}),
				Col("cgroup_id", TypeUnsignedBigInt, "INET_DIAG_CGROUP_ID: the cgroup v2 id of the socket's creator (kernel 5.7+)", func(s *socket) Value {
					if !s.inet.Has(netlinkx.INET_DIAG_CGROUP_ID) {
						return Null
					}
					return UintValue(s.inet.CgroupID)
				}),
				Col("cgroup", TypeText, cgroupDoc, (*socket).cgroupPath),
			},
		),
		Generate: func(ctx context.Context, q *Query, emit func(*socket) error) error {
			p := planSockets(q)
			if !p.proto("tcp") {
				return nil
			}
			sq := &sockQuery{ctx: ctx, q: q}
			return forInetDumps(p, uint8(showFlags(q, inetExt)), true, func(req netlinkx.InetDiagReq, bound bool) error {
				req.NetNS = q.NetNS
				return runInetDump(ctx, req, bound, sq, emit)
			})
		},
	}
})

// tcpInfoColumns has one column per tagged field of netlinkx.TCPInfo, named
// by its tag; each asks for INET_DIAG_INFO and is NULL when the kernel did
// not send the field.
func tcpInfoColumns() []Column[socket] {
	doc := func(f netlinkx.UAPIField) string {
		cname := "tcpi_" + strings.TrimSuffix(strings.TrimSuffix(f.Name, "_us"), "_ms")
		if f.Name == "tcpi_state" {
			cname = f.Name
		}
		return "tcp_info." + cname + tcpInfoUnit(f.Name)
	}
	return StructColumns(needInfo, doc, func(s *socket) (*netlinkx.TCPInfo, int) {
		if s.infoSent == 0 {
			return nil, 0
		}
		return &s.info, s.infoSent
	})
}

// tcpInfoUnit is the unit a column's name carries, for its description.
func tcpInfoUnit(name string) string {
	switch {
	case strings.HasSuffix(name, "_us"):
		return ", µs"
	case strings.HasSuffix(name, "_ms"):
		return ", ms"
	case strings.HasSuffix(name, "_rate"):
		return ", bytes per second"
	}
	return ""
}

// skMemColumns has one column per SK_MEMINFO_* index of INET_DIAG_SKMEMINFO.
func skMemColumns() []Column[socket] {
	var cols []Column[socket]
	for i, name := range netlinkx.SKMemInfoNames {
		cols = append(cols, Col(name, TypeBigInt, "INET_DIAG_SKMEMINFO[SK_MEMINFO_"+strings.ToUpper(name)+"], bytes (drops: packets)", func(s *socket) Value {
			v, ok := s.inet.SKMemInfoValue(i)
			if !ok {
				return Null
			}
			return IntValue(int64(v))
		}).Needs(needSKMem))
	}
	return cols
}
