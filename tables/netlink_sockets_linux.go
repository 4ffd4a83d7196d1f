package tables

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// The needs of the socket columns of netlink_sockets and tcp_info (the two
// tables share the row type): extra work a column calls for.
const (
	needIfName   Need[socket] = 1 << iota // interface: an rtnetlink dump of the ifindex → name map
	needOwner                             // pid, fd, process_name: the /proc/*/fd walk
	needName                              // local_address: UDIAG_SHOW_NAME
	needPeer                              // unix_peer_inode: UDIAG_SHOW_PEER
	needQueues                            // rx_queue, tx_queue: UDIAG_SHOW_RQLEN, NDIAG_SHOW_MEMINFO, PACKET_SHOW_MEMINFO
	needUID                               // uid: UDIAG_SHOW_UID, PACKET_SHOW_INFO
	needInfo                              // tcp_info's struct tcp_info: INET_DIAG_INFO
	needCong                              // congestion: INET_DIAG_CONG
	needTOS                               // tos: INET_DIAG_TOS
	needTClass                            // tclass: INET_DIAG_TCLASS
	needSKMem                             // the SK_MEMINFO_* columns: INET_DIAG_SKMEMINFO
	needShutdown                          // shutdown: INET_DIAG_SHUTDOWN
)

// showFlag is a flag of a diag request (a *_SHOW_* bit, an idiag_ext bit)
// and the needs that ask for it.
type showFlag struct {
	need Need[socket]
	flag uint32
}

// showFlags is the union of the flags whose needs some column q uses declared.
func showFlags(q *Query, flags []showFlag) uint32 {
	var show uint32
	for _, f := range flags {
		if f.need.In(q) {
			show |= f.flag
		}
	}
	return show
}

// The flags each family's request carries for the columns a query uses.
var (
	unixShow = []showFlag{
		{needName, netlinkx.UDIAG_SHOW_NAME},
		{needPeer, netlinkx.UDIAG_SHOW_PEER},
		{needQueues, netlinkx.UDIAG_SHOW_RQLEN},
		{needUID, netlinkx.UDIAG_SHOW_UID},
	}
	netlinkShow = []showFlag{
		{needQueues, netlinkx.NDIAG_SHOW_MEMINFO},
	}
	packetShow = []showFlag{
		{needUID | needIfName, netlinkx.PACKET_SHOW_INFO}, // the uid and the bound device's ifindex
		{needQueues, netlinkx.PACKET_SHOW_MEMINFO},
	}
)

// socket is one row of netlink_sockets or tcp_info: one diag message, read
// through the sockMsg of the family it came from, and the query's shared
// lookups.
type socket struct {
	sockMsg
	// inet is the message when it is an inet socket's, nil otherwise: the
	// inet_diag attributes (tcp_info's columns, cgroup_id) are read from it.
	inet *inetSock
	sq   *sockQuery
	// info is inet's INET_DIAG_INFO decoded, infoSent how many bytes of it
	// the kernel sent (0: none); filled only for tcp_info's columns.
	info     netlinkx.TCPInfo
	infoSent int
}

// sockMsg is what netlink_sockets reads of one socket, whichever diag family
// sent it: each family's message type answers every column. ProtocolName,
// TypeName and StateName are spelt as netlinkx's diag messages spell them,
// so that a message that names its own answers them itself.
type sockMsg interface {
	familyName() string
	ProtocolName() string
	TypeName() string
	localAddress() string
	remoteAddress() string
	localPort() int64
	remotePort() int64
	StateName() string
	rxQueue() Value
	txQueue() Value
	uid() Value
	inode() int64
	cookieValue() uint64
	unixPeerInode() Value
	// ifIndex is the device the socket is bound to, 0 for none.
	ifIndex() uint32
}

// sockQuery holds what a query computes once and every row reads.
type sockQuery struct {
	ctx     context.Context
	q       *Query
	ifNames map[uint32]string               // ifindex → name in q.NetNS, read on first use
	owners  map[uint64]netlinkx.SocketOwner // socket inode → owner, when a process column is used
	cgroups netlinkx.CgroupResolver         // cgroup id → path, for the cgroup column
	addrs   [2]struct {                     // the last address of each slot and its text
		addr netip.Addr
		text string
		ok   bool
	}
}

// inetProtocol is an IPPROTO_* netlink_sockets dumps.
type inetProtocol struct {
	proto uint32
	name  string
	typ   string // the socket type the protocol implies
	conn  bool   // connection-oriented: TCP_CLOSE means CLOSE, not NONE
}

// inetProtocols are the IPPROTO_* netlink_sockets dumps over AF_INET and
// AF_INET6, in dump order, with their names in the protocol column.
var inetProtocols = []inetProtocol{
	{unix.IPPROTO_TCP, "tcp", "stream", true},
	{unix.IPPROTO_UDP, "udp", "dgram", false},
	{unix.IPPROTO_UDPLITE, "udplite", "dgram", false},
	{unix.IPPROTO_RAW, "raw", "raw", false},
	{unix.IPPROTO_SCTP, "sctp", "seqpacket", true},
	{unix.IPPROTO_MPTCP, "mptcp", "stream", true},
}

// ssAllStates is the idiag_states mask `ss -a` sends (iproute2 6.1 SS_ALL):
// every state up to TCP_NEW_SYN_RECV, but not TCP_BOUND_INACTIVE, whose
// dump walks the kernel's whole bind table.
const ssAllStates uint32 = 1<<(netlinkx.TCP_NEW_SYN_RECV+1) - 1

// inetDumpHook, when set by a test, sees every inet_diag request
// netlink_sockets and tcp_info send.
var inetDumpHook func(netlinkx.InetDiagReq)

// netlinkSockets is netlink_sockets: every socket of the namespace, from
// sock_diag, one row each.
var netlinkSockets = lazy("netlink_sockets", func() *Table[socket] {
	return &Table[socket]{
		Columns: []Column[socket]{
			Text("family", "Address family: inet, inet6, unix, netlink or packet", (*socket).familyName).With(Index | Optimized),
			Text("protocol", "tcp, udp, udplite, raw, sctp or mptcp: the inet_diag dump the socket came from; empty for unix; "+
				"for netlink the netlink protocol (route, sock_diag, generic, ...); for packet the ETH_P_* protocol as ss names it (all, ip, ...)", (*socket).ProtocolName).With(Index | Optimized),
			Text("type", "Socket type: stream, dgram, seqpacket or raw", (*socket).TypeName),
			Text("local_address", "idiag_src: the local IP, IPv4-mapped IPv6 as ::ffff:a.b.c.d, wildcard as 0.0.0.0 or ::; "+
				"for unix UNIX_DIAG_NAME: the path, @name for an abstract name, empty when unnamed", (*socket).localAddress).Asks(needName),
			Int("local_port", "idiag_sport in host byte order (a raw socket's IP protocol, as ss shows it); a netlink socket's port id (ndiag_portid); 0 for unix and packet", (*socket).localPort).With(Index | Optimized),
			Text("remote_address", "idiag_dst: the peer's IP, wildcard when unconnected", (*socket).remoteAddress),
			Int("remote_port", "idiag_dport in host byte order, 0 when unconnected; a netlink socket's ndiag_dst_portid", (*socket).remotePort).With(Index | Optimized),
			Text("state", "idiag_state in psutil's names: ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, "+
				"LAST_ACK, LISTEN, CLOSING, BOUND (TCP_BOUND_INACTIVE), or NONE for a socket without connection state (unconnected UDP or raw); "+
				"osquery's process_open_sockets spells CLOSE as CLOSED. An SCTP association (the rows after an SCTP socket's own row, "+
				"with the peer's address, as ss shows them) has SCTP's states: CLOSED, COOKIE_WAIT, COOKIE_ECHOED, ESTABLISHED, "+
				"SHUTDOWN_PENDING, SHUTDOWN_SENT, SHUTDOWN_RECEIVED, SHUTDOWN_ACK_SENT", (*socket).StateName).With(Index | Optimized).Selects(),
			Col("rx_queue", TypeBigInt, "idiag_rqueue (unix: UNIX_DIAG_RQLEN): bytes queued to read; for LISTEN the accept queue's length (ss Recv-Q)", (*socket).rxQueue).Asks(needQueues),
			Col("tx_queue", TypeBigInt, "idiag_wqueue (unix: UNIX_DIAG_RQLEN): bytes not yet acknowledged or read by the peer; for LISTEN the backlog limit (ss Send-Q)", (*socket).txQueue).Asks(needQueues),
			Col("uid", TypeInteger, "idiag_uid (unix: UNIX_DIAG_UID, kernel 5.3+): the owner's uid", (*socket).uid).Asks(needUID),
			BigInt("inode", "idiag_inode: the socket's inode (socket:[inode] in /proc/PID/fd); 0 for TIME_WAIT and request sockets", (*socket).inode),
			Text("cookie", "idiag_cookie: the kernel's socket cookie (SO_COOKIE) in decimal, unique for the boot; joins tcp_info", (*socket).cookie),
			Text("interface", "idiag_if: the device the socket is bound to (SO_BINDTODEVICE), empty when none", (*socket).ifName).Needs(needIfName),
			Int("pid", "The owning process (the lowest pid holding the socket, from /proc/PID/fd); -1 when unknown "+
				"(no process holds it, it exited, or another user's process when not root)", (*socket).pid).Needs(needOwner).With(Index | Optimized),
			Int("fd", "The descriptor of the socket in the owning process (the lowest), -1 when unknown", (*socket).fd).Needs(needOwner),
			Text("process_name", "/proc/PID/comm of the owning process, empty when unknown", (*socket).processName).Needs(needOwner),
			Col("unix_peer_inode", TypeBigInt, "UNIX_DIAG_PEER: the inode of a unix socket's peer, 0 when unconnected; NULL for other families", (*socket).unixPeerInode).Asks(needPeer),
			Col("cgroup_id", TypeBigInt, cgroupIDDoc, (*socket).cgroupID),
			Col("cgroup", TypeText, cgroupDoc, (*socket).cgroupPath),
		},
		Generate: generateSockets,
	}
})

// generateSockets runs the dumps q needs and emits every socket they return.
func generateSockets(ctx context.Context, q *Query, emit func(*socket) error) error {
	p := planSockets(q)
	sq := &sockQuery{ctx: ctx, q: q}
	if needOwner.In(q) {
		pids, only := ownerPids(q)
		if ownerWalkHook != nil {
			ownerWalkHook(pids)
		}
		owners, err := netlinkx.SocketOwners(ctx, pids)
		if err != nil {
			return err
		}
		sq.owners = owners
		// Tell netlink_socket_events who held each inet socket, for when it
		// is freed (its destroy message names no process).
		seen, next := time.Now(), emit
		emit = func(s *socket) error {
			if s.inet != nil {
				if o, ok := owners[uint64(s.inode())]; ok {
					NoteSocketOwner(s.cookieValue(), int64(o.PID), seen)
				}
			}
			return next(s)
		}
		if only {
			// pid = N with every N > 0: a socket nobody among them owns shows
			// pid -1 and cannot match, so it need not reach the host.
			all := emit
			emit = func(s *socket) error {
				if _, ok := owners[uint64(s.inode())]; !ok {
					return nil
				}
				return all(s)
			}
		}
	}
	err := forInetDumps(p, 0, false, func(req netlinkx.InetDiagReq, bound bool) error {
		req.NetNS = q.NetNS
		return runInetDump(ctx, req, bound, sq, emit)
	})
	if err != nil {
		return err
	}
	if err := dumpUnixSockets(ctx, q, p, sq, emit); err != nil {
		return err
	}
	if err := dumpNetlinkSockets(ctx, q, p, sq, emit); err != nil {
		return err
	}
	return dumpPacketSockets(ctx, q, p, sq, emit)
}

// ownerWalkHook, when set by a test, sees each /proc walk for owners.
var ownerWalkHook func(pids []int32)

// ownerPids is the processes whose descriptors the owner walk must read: those
// of a pid = constraint when every value is a real pid (only is then true),
// otherwise nil for all of them. A value of 0 or less (pid = -1 asks for
// sockets nobody owns) needs every process: a socket owned by a pid not
// walked would show -1 and match wrongly.
func ownerPids(q *Query) (pids []int32, only bool) {
	vals, ok := q.IntEquals("pid")
	if !ok {
		return nil, false
	}
	for _, v := range dedup(vals) {
		if v <= 0 {
			return nil, false
		}
		if v > 1<<31-1 {
			continue // no such process
		}
		pids = append(pids, int32(v))
	}
	if len(pids) == 0 {
		pids = []int32{} // only impossible pids: walk nothing (nil would mean all)
	}
	return pids, true
}

// owner is the socket's owning process from the query's walk.
func (s *socket) owner() (netlinkx.SocketOwner, bool) {
	ino := s.inode()
	if ino == 0 {
		return netlinkx.SocketOwner{}, false
	}
	o, ok := s.sq.owners[uint64(ino)]
	return o, ok
}

func (s *socket) pid() int64 {
	if o, ok := s.owner(); ok {
		return int64(o.PID)
	}
	return -1
}

func (s *socket) fd() int64 {
	if o, ok := s.owner(); ok {
		return int64(o.FD)
	}
	return -1
}

func (s *socket) processName() string {
	o, _ := s.owner()
	return o.Comm
}

// stateMayBe reports whether the state constraint allows one of names.
func (p socketPlan) stateMayBe(names ...string) bool {
	if p.states == nil {
		return true
	}
	for _, n := range names {
		if p.states[n] {
			return true
		}
	}
	return false
}

// dumpNetlinkSockets runs the netlink_diag dump of every netlink protocol
// when p leaves one.
func dumpNetlinkSockets(ctx context.Context, q *Query, p socketPlan, sq *sockQuery, emit func(*socket) error) error {
	if !p.family("netlink") || !p.nonInet() || !p.stateMayBe("NONE", "ESTABLISHED") {
		return nil
	}
	req := netlinkx.NetlinkDiagReq{NetNS: q.NetNS, Protocol: netlinkx.NDIAG_PROTO_ALL, Show: showFlags(q, netlinkShow)}
	var msg netlinkSock
	row := socket{sockMsg: &msg, sq: sq}
	return netlinkx.DumpNetlink(ctx, req, func(m *netlinkx.NetlinkDiagMsg) error {
		// Ports are port ids: remote_port is a connected socket's peer's
		// (ndiag_dst_portid), any value a process may have bound.
		if p.sport != 0 && int64(int32(m.PortID)) != int64(p.sport) ||
			p.dport != 0 && int64(int32(m.DstPortID)) != int64(p.dport) {
			return nil
		}
		msg.NetlinkDiagMsg = m
		return emit(&row)
	})
}

// dumpPacketSockets runs the packet_diag dump when p leaves one.
func dumpPacketSockets(ctx context.Context, q *Query, p socketPlan, sq *sockQuery, emit func(*socket) error) error {
	if !p.family("packet") || !p.nonInet() || p.sport != 0 || p.dport != 0 || !p.stateMayBe("NONE") {
		return nil // packet rows have ports 0 and state NONE
	}
	req := netlinkx.PacketDiagReq{NetNS: q.NetNS, Show: showFlags(q, packetShow)}
	var msg packetSock
	row := socket{sockMsg: &msg, sq: sq}
	return netlinkx.DumpPacket(ctx, req, func(m *netlinkx.PacketDiagMsg) error {
		msg.PacketDiagMsg = m
		if err := sq.prepareIf(m.Info.Index); err != nil {
			return err
		}
		return emit(&row)
	})
}

// dumpUnixSockets runs the unix_diag dump when p leaves one, asking for the
// attributes the used columns read.
func dumpUnixSockets(ctx context.Context, q *Query, p socketPlan, sq *sockQuery, emit func(*socket) error) error {
	if !p.family("unix") || !p.nonInet() || p.sport != 0 || p.dport != 0 {
		return nil // unix rows have protocol '' and ports 0
	}
	req := netlinkx.UnixDiagReq{NetNS: q.NetNS, Show: showFlags(q, unixShow)}
	if p.states != nil {
		for name := range p.states {
			switch name {
			case "NONE":
				req.States |= 1 << netlinkx.TCP_CLOSE
			case "ESTABLISHED":
				req.States |= 1 << netlinkx.TCP_ESTABLISHED
			case "LISTEN":
				req.States |= 1 << netlinkx.TCP_LISTEN
			}
		}
		if req.States == 0 {
			return nil
		}
	}
	if unixDumpHook != nil {
		unixDumpHook(req)
	}
	var msg unixSock
	row := socket{sockMsg: &msg, sq: sq}
	return netlinkx.DumpUnix(ctx, req, func(m *netlinkx.UnixDiagMsg) error {
		msg.UnixDiagMsg = m
		return emit(&row)
	})
}

// unixDumpHook, when set by a test, sees the unix_diag request.
var unixDumpHook func(netlinkx.UnixDiagReq)

// socketPlan is what a query's constraints leave to dump.
type socketPlan struct {
	families map[string]bool // family names that may match; nil: all
	protos   map[string]bool // protocol names that may match; nil: all
	states   map[string]bool // state names that may match; nil: all
	sport    uint16          // a single local_port asked for, or 0
	dport    uint16          // a single remote_port asked for, or 0
	sports   []uint16        // several local_port values (an IN list), for inet's bytecode filter
	dports   []uint16        // several remote_port values
}

// planSockets reads the constraints a dump can use. Every value set is an
// upper bound: a row whose value is not in it cannot match.
func planSockets(q *Query) socketPlan {
	var p socketPlan
	set := func(col string) map[string]bool {
		vals, ok := q.Equals(col)
		if !ok {
			return nil
		}
		m := make(map[string]bool, len(vals))
		for _, v := range vals {
			m[v] = true
		}
		return m
	}
	p.families, p.protos, p.states = set("family"), set("protocol"), set("state")
	port := func(col string) uint16 {
		vals, ok := q.IntEquals(col)
		if !ok {
			return 0
		}
		vals = dedup(vals)
		if len(vals) != 1 || vals[0] < 1 || vals[0] > 65535 {
			return 0 // several ports, or none that can match: let SQLite decide
		}
		return uint16(vals[0])
	}
	p.sport, p.dport = port("local_port"), port("remote_port")
	ports := func(col string) []uint16 {
		vals, ok := q.IntEquals(col)
		if !ok || len(dedup(vals)) < 2 {
			return nil
		}
		var out []uint16
		for _, v := range dedup(vals) {
			if v >= 0 && v <= 65535 { // the others match no inet socket
				out = append(out, uint16(v))
			}
		}
		if len(out) == 0 {
			out = []uint16{0} // none can match an inet port but 0's sockets: the kernel's filter keeps the superset small
		}
		return out
	}
	p.sports, p.dports = ports("local_port"), ports("remote_port")
	return p
}

func (p socketPlan) family(name string) bool { return p.families == nil || p.families[name] }
func (p socketPlan) proto(name string) bool  { return p.protos == nil || p.protos[name] }

// nonInet reports whether the protocol constraint leaves room for the
// families that are not inet: some value is not an inet protocol's name.
func (p socketPlan) nonInet() bool {
	if p.protos == nil {
		return true
	}
	for name := range p.protos {
		if !slices.ContainsFunc(inetProtocols, func(ip inetProtocol) bool { return ip.name == name }) {
			return true
		}
	}
	return false
}

// inetStates is the idiag_states mask for a protocol under p, and whether
// the TCP_BOUND_INACTIVE dump is wanted too.
func (p socketPlan) inetStates(conn bool, tcp bool) (mask uint32, bound bool) {
	if p.states == nil {
		return ssAllStates, false
	}
	for name := range p.states {
		switch {
		case name == "BOUND":
			bound = tcp
		case name == "NONE":
			if !conn {
				mask |= 1 << netlinkx.TCP_CLOSE
			}
		case name == "CLOSE" && !conn:
			// an unconnected UDP or raw socket is NONE, never CLOSE
		default:
			if s, ok := netlinkx.TCPStateByName(name); ok && s != netlinkx.TCP_BOUND_INACTIVE {
				mask |= 1 << s
				if s == netlinkx.TCP_SYN_RECV || s == netlinkx.TCP_NEW_SYN_RECV {
					mask |= 1<<netlinkx.TCP_SYN_RECV | 1<<netlinkx.TCP_NEW_SYN_RECV // request sockets report SYN_RECV
				}
			}
		}
	}
	return mask, bound
}

// forInetDumps calls fn with each inet_diag request p calls for, asking for
// the attributes in ext; onlyTCP restricts them to IPPROTO_TCP (tcp_info).
// TCP of both families is one request (netlinkx.InetDiagReq, AF_UNSPEC).
func forInetDumps(p socketPlan, ext uint8, onlyTCP bool, fn func(req netlinkx.InetDiagReq, bound bool) error) error {
	bothFamilies := p.family("inet") && p.family("inet6")
	for _, f := range []struct {
		af   uint8
		name string
	}{{unix.AF_INET, "inet"}, {unix.AF_INET6, "inet6"}} {
		if !p.family(f.name) {
			continue
		}
		for _, ip := range inetProtocols {
			if onlyTCP && ip.proto != unix.IPPROTO_TCP {
				continue
			}
			if !p.proto(ip.name) {
				continue
			}
			req := netlinkx.InetDiagReq{Family: f.af, Protocol: ip.proto, Ext: ext}
			if ip.proto == unix.IPPROTO_TCP && bothFamilies {
				// One dump for both: the kernel walks its TCP hash
				// tables once instead of once per family.
				if f.af == unix.AF_INET6 {
					continue
				}
				req.Family = unix.AF_UNSPEC
			}
			if ip.proto != unix.IPPROTO_RAW { // a raw socket's "port" is its protocol; keep the kernel out of it
				req.SPort, req.DPort = p.sport, p.dport
				req.SPorts, req.DPorts = p.sports, p.dports
			}
			mask, bound := p.inetStates(ip.conn, ip.proto == unix.IPPROTO_TCP)
			if ip.proto == unix.IPPROTO_SCTP {
				mask = ssAllStates // association states are SCTP_STATE_*, not TCP_*: no narrowing
			}
			if mask != 0 {
				req.States = mask
				if err := fn(req, false); err != nil {
					return err
				}
			}
			if bound {
				req.States = 1 << netlinkx.TCP_BOUND_INACTIVE
				req.DPort, req.DPorts = 0, nil // bound sockets have no peer; the kernel ignores it there anyway
				if err := fn(req, true); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runInetDump runs one inet_diag dump and emits its sockets.
func runInetDump(ctx context.Context, req netlinkx.InetDiagReq, bound bool, sq *sockQuery, emit func(*socket) error) error {
	if inetDumpHook != nil {
		inetDumpHook(req)
	}
	msg := inetSock{bound: bound, sq: sq}
	row := socket{sockMsg: &msg, inet: &msg, sq: sq}
	decodeInfo := needInfo.In(sq.q)
	return netlinkx.DumpInet(ctx, req, func(m *netlinkx.InetDiagMsg) error {
		if bound && m.State != netlinkx.TCP_CLOSE {
			return nil
		}
		if err := sq.prepareIf(m.ID.If); err != nil {
			return err
		}
		msg.InetDiagMsg = m
		if decodeInfo {
			row.infoSent = 0
			if m.Info != nil {
				n, err := netlinkx.DecodeTCPInfo(m.Info, &row.info)
				if err != nil {
					return fmt.Errorf("socket inode %d: %w", m.Inode, err)
				}
				row.infoSent = n
			}
		}
		return emit(&row)
	})
}

// addrString is a.String(), remembered per slot (0 local, 1 remote): a
// host's sockets share few addresses, and the text is built once per run of them.
func (sq *sockQuery) addrString(slot int, a netip.Addr) string {
	c := &sq.addrs[slot]
	if !c.ok || c.addr != a {
		c.addr, c.text, c.ok = a, a.String(), true
	}
	return c.text
}

func (s *socket) cookie() string { return strconv.FormatUint(s.cookieValue(), 10) }

// ifName is the name of the device the socket is bound to, from the
// query's ifindex → name map (its index in decimal if the link has gone).
func (s *socket) ifName() string {
	idx := s.ifIndex()
	if idx == 0 {
		return ""
	}
	if name, ok := s.sq.ifNames[idx]; ok {
		return name
	}
	return strconv.FormatUint(uint64(idx), 10)
}

// prepareIf reads the namespace's links once per query, on the first
// socket bound to a device (idx != 0) when the interface column is used.
func (sq *sockQuery) prepareIf(idx uint32) error {
	if idx == 0 || !needIfName.In(sq.q) || sq.ifNames != nil {
		return nil
	}
	names := map[uint32]string{}
	err := netlinkx.DumpLinks(sq.ctx, netlinkx.LinkRequest{NetNS: sq.q.NetNS}, func(l *netlinkx.LinkMessage) error {
		names[uint32(l.Index)] = l.Name
		return nil
	})
	if err != nil {
		return fmt.Errorf("interface names: %w", err)
	}
	sq.ifNames = names
	return nil
}

// noAddress answers, for a family that has none, the columns of addresses,
// ports, the bound device and the unix peer: empty, 0, or NULL.
type noAddress struct{}

func (noAddress) localAddress() string  { return "" }
func (noAddress) remoteAddress() string { return "" }
func (noAddress) localPort() int64      { return 0 }
func (noAddress) remotePort() int64     { return 0 }
func (noAddress) ifIndex() uint32       { return 0 }
func (noAddress) unixPeerInode() Value  { return Null }

// inetSock is an inet_diag message (TCP, UDP, UDP-Lite, raw, SCTP, MPTCP).
type inetSock struct {
	*netlinkx.InetDiagMsg
	// bound marks a TCP socket from the TCP_BOUND_INACTIVE dump: the kernel
	// reports it as TCP_CLOSE.
	bound bool
	sq    *sockQuery // for the address texts it remembers
}

func (s *inetSock) familyName() string {
	if s.Family == unix.AF_INET6 {
		return "inet6"
	}
	return "inet"
}

// proto finds the socket's protocol entry, -1 for one not in inetProtocols.
func (s *inetSock) proto() int {
	for i, ip := range inetProtocols {
		if ip.proto == s.Protocol {
			return i
		}
	}
	return -1
}

func (s *inetSock) ProtocolName() string {
	if i := s.proto(); i >= 0 {
		return inetProtocols[i].name
	}
	return strconv.Itoa(int(s.Protocol))
}

func (s *inetSock) TypeName() string {
	if i := s.proto(); i >= 0 {
		return inetProtocols[i].typ
	}
	return ""
}

func (s *inetSock) localAddress() string  { return s.sq.addrString(0, s.SrcAddr()) }
func (s *inetSock) remoteAddress() string { return s.sq.addrString(1, s.DstAddr()) }
func (s *inetSock) localPort() int64      { return int64(s.ID.SPort) }
func (s *inetSock) remotePort() int64     { return int64(s.ID.DPort) }

func (s *inetSock) StateName() string {
	if s.bound {
		return "BOUND"
	}
	if i := s.proto(); i >= 0 && !inetProtocols[i].conn && s.State == netlinkx.TCP_CLOSE {
		return "NONE"
	}
	if s.SCTPAssociation() {
		return netlinkx.SCTPStateName(s.State)
	}
	return netlinkx.TCPStateName(s.State)
}

func (s *inetSock) rxQueue() Value       { return IntValue(int64(s.RQueue)) }
func (s *inetSock) txQueue() Value       { return IntValue(int64(s.WQueue)) }
func (s *inetSock) uid() Value           { return IntValue(int64(s.UID)) }
func (s *inetSock) inode() int64         { return int64(s.Inode) }
func (s *inetSock) cookieValue() uint64  { return s.ID.Cookie }
func (s *inetSock) unixPeerInode() Value { return Null }
func (s *inetSock) ifIndex() uint32      { return s.ID.If }

// unixSock is a unix_diag message.
type unixSock struct {
	noAddress
	*netlinkx.UnixDiagMsg
}

func (s *unixSock) familyName() string   { return "unix" }
func (s *unixSock) ProtocolName() string { return "" }
func (s *unixSock) localAddress() string { return s.Path() }

// rxQueue and txQueue are UNIX_DIAG_RQLEN's, NULL when the kernel sent
// none; uid is NULL before kernel 5.3.
func (s *unixSock) rxQueue() Value      { return optUint(s.RQueue, s.Has(netlinkx.UNIX_DIAG_RQLEN)) }
func (s *unixSock) txQueue() Value      { return optUint(s.WQueue, s.Has(netlinkx.UNIX_DIAG_RQLEN)) }
func (s *unixSock) uid() Value          { return optUint(s.UID, s.Has(netlinkx.UNIX_DIAG_UID)) }
func (s *unixSock) inode() int64        { return int64(s.Inode) }
func (s *unixSock) cookieValue() uint64 { return s.Cookie }

// unixPeerInode is UNIX_DIAG_PEER, which the kernel leaves out when there
// is no peer (asked for whenever the column is used, so absent means 0).
func (s *unixSock) unixPeerInode() Value { return IntValue(int64(s.Peer)) }

// netlinkSock is a netlink_diag message; its ports are port ids.
type netlinkSock struct {
	noAddress
	*netlinkx.NetlinkDiagMsg
}

func (s *netlinkSock) familyName() string  { return "netlink" }
func (s *netlinkSock) localPort() int64    { return int64(int32(s.PortID)) } // as ss prints it: autobound ids are negative
func (s *netlinkSock) remotePort() int64   { return int64(int32(s.DstPortID)) }
func (s *netlinkSock) rxQueue() Value      { return optUint(s.RQueue()) }
func (s *netlinkSock) txQueue() Value      { return optUint(s.WQueue()) }
func (s *netlinkSock) uid() Value          { return Null } // netlink_diag carries no uid
func (s *netlinkSock) inode() int64        { return int64(s.Inode) }
func (s *netlinkSock) cookieValue() uint64 { return s.Cookie }

// packetSock is a packet_diag message.
type packetSock struct {
	noAddress
	*netlinkx.PacketDiagMsg
}

func (s *packetSock) familyName() string  { return "packet" }
func (s *packetSock) rxQueue() Value      { return optUint(s.RQueue()) }
func (s *packetSock) uid() Value          { return optUint(s.UID, s.Has(netlinkx.PACKET_DIAG_UID)) }
func (s *packetSock) inode() int64        { return int64(s.Inode) }
func (s *packetSock) cookieValue() uint64 { return s.Cookie }
func (s *packetSock) ifIndex() uint32     { return s.Info.Index }

func (s *packetSock) txQueue() Value {
	_, ok := s.RQueue()
	return optUint(0, ok) // ss shows 0: a packet socket's sends do not queue
}

// The docs of the cgroup columns of netlink_sockets and tcp_info.
const (
	cgroupIDDoc = "INET_DIAG_CGROUP_ID (kernel 5.7+, sent unasked): the id of the cgroup v2 the socket's creator was in " +
		"when it made the socket (the cgroup directory's inode number); NULL for unix, netlink and packet sockets"
	cgroupDoc = "The cgroup v2 path of cgroup_id relative to the cgroup2 mount, as `ss --cgroup` prints it " +
		"(/system.slice/nginx.service), from a walk of the cgroup2 hierarchy cached across queries and walked again " +
		"at most once per query on an unknown id; NULL on a cgroup v1-only host or for an id no cgroup has " +
		"(removed since; ss prints unreachable:ID). Costs no /proc walk; a constraint on it narrows no dump"
)

// cgroupID is INET_DIAG_CGROUP_ID, NULL where the kernel sent none.
func (s *socket) cgroupID() Value {
	if s.inet == nil || !s.inet.Has(netlinkx.INET_DIAG_CGROUP_ID) {
		return Null
	}
	return IntValue(int64(s.inet.CgroupID))
}

// cgroupPath is the cgroup v2 path of INET_DIAG_CGROUP_ID, NULL where unknown.
func (s *socket) cgroupPath() Value {
	if s.inet == nil || !s.inet.Has(netlinkx.INET_DIAG_CGROUP_ID) {
		return Null
	}
	if p, ok := s.sq.cgroups.Path(s.inet.CgroupID); ok {
		return TextValue(p)
	}
	return Null
}
