package netlinkx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// DumpInet dumps the inet sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct inet_diag_req_v2) and calls emit with each one, decoded in place:
// the message and its byte slices point into a reused buffer, so emit must
// not keep them. A protocol the kernel has no diag handler for (ENOENT from
// an unloaded or absent *_diag module, EINVAL or EOPNOTSUPP from an older
// kernel) yields no messages and no error.
func DumpInet(ctx context.Context, req InetDiagReq, emit func(*InetDiagMsg) error) error {
	if req.Protocol > 255 && !KernelAtLeast(5, 9) {
		// Before 5.9 inet_diag ignores INET_DIAG_REQ_PROTOCOL and answers for
		// sdiag_protocol, the low byte (MPTCP's 262 would dump TCP again).
		return nil
	}
	if req.Family == unix.AF_UNSPEC && req.Protocol != unix.IPPROTO_TCP {
		return fmt.Errorf("dump inet sockets: both families in one dump is for TCP only, not %s", InetDiagProtocolName(req.Protocol))
	}
	typ := uint16(unix.SOCK_DIAG_BY_FAMILY)
	if req.Family == unix.AF_UNSPEC {
		typ = TCPDIAG_GETSOCK
	}
	err := dumpDiag(ctx, req.NetNS, typ, req, func(m *InetDiagMsg) error {
		m.Protocol = req.Protocol
		return emit(m)
	})
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) {
		return nil
	}
	return err
}

// MarshalBinary builds the request's payload: struct inet_diag_req_v2, plus
// INET_DIAG_REQ_PROTOCOL for a protocol above 255 (sdiag_protocol then holds
// its low byte, as in ss), plus INET_DIAG_REQ_BYTECODE for port lists; for
// Family AF_UNSPEC, the compat struct inet_diag_req (TCP both families) and
// the same bytecode. NetNS is not part of it. It never fails.
func (req InetDiagReq) MarshalBinary() ([]byte, error) {
	var sports, dports []uint16
	if req.SPort == 0 {
		sports = req.SPorts
	}
	if req.DPort == 0 {
		dports = req.DPorts
	}
	bc := portFilter(sports, dports)
	if req.Family == unix.AF_UNSPEC {
		return req.marshalCompat(bc), nil
	}
	n := sizeofInetDiagReqV2
	if req.Protocol > 255 {
		n += unix.NLA_HDRLEN + 4
	}
	if bc != nil {
		n += unix.NLA_HDRLEN + len(bc)
	}
	b := make([]byte, n)
	b[0] = req.Family
	b[1] = uint8(req.Protocol)
	b[2] = req.Ext
	binary.NativeEndian.PutUint32(b[4:8], req.States)
	binary.BigEndian.PutUint16(b[8:10], req.SPort)
	binary.BigEndian.PutUint16(b[10:12], req.DPort)
	// id.idiag_cookie stays 0: a dump ignores it (ss sends 0 too).
	if req.Protocol > 255 {
		a := b[sizeofInetDiagReqV2:]
		binary.NativeEndian.PutUint16(a[0:2], unix.NLA_HDRLEN+4)
		binary.NativeEndian.PutUint16(a[2:4], INET_DIAG_REQ_PROTOCOL)
		binary.NativeEndian.PutUint32(a[4:8], req.Protocol)
	}
	if bc != nil {
		a := b[n-unix.NLA_HDRLEN-len(bc):]
		binary.NativeEndian.PutUint16(a[0:2], uint16(unix.NLA_HDRLEN+len(bc)))
		binary.NativeEndian.PutUint16(a[2:4], INET_DIAG_REQ_BYTECODE)
		copy(a[unix.NLA_HDRLEN:], bc)
	}
	return b, nil
}

// marshal and describe make InetDiagReq a diagReq for dumpDiag.
func (req InetDiagReq) marshal() []byte {
	b, _ := req.MarshalBinary()
	return b
}

func (req InetDiagReq) describe() string {
	return "inet sockets (" + inetFamilyName(req.Family) + " " + InetDiagProtocolName(req.Protocol) + ")"
}

// marshalCompat builds struct inet_diag_req, the request of TCPDIAG_GETSOCK,
// which inet_diag answers for both families in one walk of the TCP hash
// tables (inet_diag_dump_compat sets sdiag_family AF_UNSPEC), then bc as
// INET_DIAG_REQ_BYTECODE when there is one.
func (req InetDiagReq) marshalCompat(bc []byte) []byte {
	n := sizeofInetDiagReq
	if bc != nil {
		n += unix.NLA_HDRLEN + len(bc)
	}
	b := make([]byte, n)
	b[3] = req.Ext // idiag_family, idiag_src_len and idiag_dst_len stay 0
	binary.BigEndian.PutUint16(b[4:6], req.SPort)
	binary.BigEndian.PutUint16(b[6:8], req.DPort)
	binary.NativeEndian.PutUint32(b[52:56], req.States) // idiag_dbs stays 0
	if bc != nil {
		a := b[sizeofInetDiagReq:]
		binary.NativeEndian.PutUint16(a[0:2], uint16(unix.NLA_HDRLEN+len(bc)))
		binary.NativeEndian.PutUint16(a[2:4], INET_DIAG_REQ_BYTECODE)
		copy(a[unix.NLA_HDRLEN:], bc)
	}
	return b
}

// UnmarshalBinary decodes one inet_diag_msg and the attributes after it into
// m, which it resets first. Unknown attributes are skipped (newer kernels add
// them); a known one of the wrong length is an error. It allocates nothing:
// the attribute walk is inlined rather than done with netlink's
// AttributeDecoder, which allocates per message, and Cong, Info, SKMemInfo and
// MemInfo alias b.
func (m *InetDiagMsg) UnmarshalBinary(b []byte) error {
	// Bytes too few for an attribute header after the last one are
	// ignored, as they always were here.
	a := diagAttrs{shortTailOK: true}
	if err := a.start(b, sizeofInetDiagMsg, "inet_diag_msg"); err != nil {
		return err
	}
	*m = InetDiagMsg{
		Family:  b[0],
		State:   b[1],
		Timer:   b[2],
		Retrans: b[3],
		ID: InetDiagSockID{
			SPort:  binary.BigEndian.Uint16(b[4:6]), // sock_diag ports are big-endian
			DPort:  binary.BigEndian.Uint16(b[6:8]),
			Src:    [16]byte(b[8:24]),
			Dst:    [16]byte(b[24:40]),
			If:     binary.NativeEndian.Uint32(b[40:44]),
			Cookie: diagCookie(b[44:52]),
		},
		Expires: binary.NativeEndian.Uint32(b[52:56]),
		RQueue:  binary.NativeEndian.Uint32(b[56:60]),
		WQueue:  binary.NativeEndian.Uint32(b[60:64]),
		UID:     binary.NativeEndian.Uint32(b[64:68]),
		Inode:   binary.NativeEndian.Uint32(b[68:72]),
	}
	for a.next() {
		m.decodeAttr(&a)
	}
	m.attrs = a.seen
	return a.msgErr("inet_diag_msg", m.Inode)
}

// SCTPAssociation reports whether the message is one of sctp_diag's
// associations rather than a socket: the kernel sends each socket that has
// associations, then its associations, and only those carry the peers'
// addresses (INET_DIAG_PEERS). An association's State is SCTP_STATE_*
// (SCTPStateName), not TCP_*.
func (m *InetDiagMsg) SCTPAssociation() bool {
	return m.Protocol == unix.IPPROTO_SCTP && m.Has(INET_DIAG_PEERS)
}

// decodeAttr stores the attribute a is at; a known one of the wrong length
// ends the walk with an error.
func (m *InetDiagMsg) decodeAttr(a *diagAttrs) {
	p := a.data
	switch a.typ {
	case INET_DIAG_PROTOCOL, INET_DIAG_SHUTDOWN, INET_DIAG_TOS, INET_DIAG_TCLASS, INET_DIAG_SKV6ONLY:
		if a.want(1) {
			*m.byteField(a.typ) = p[0]
		}
	case INET_DIAG_MARK:
		a.u32(&m.Mark)
	case INET_DIAG_CLASS_ID:
		a.u32(&m.ClassID)
	case INET_DIAG_CGROUP_ID:
		if a.want(8) {
			m.CgroupID = binary.NativeEndian.Uint64(p)
		}
	case INET_DIAG_CONG:
		if i := bytes.IndexByte(p, 0); i >= 0 {
			p = p[:i]
		}
		m.Cong = p
	case INET_DIAG_INFO:
		m.Info = p
	case INET_DIAG_SKMEMINFO:
		a.u32s(&m.SKMemInfo)
	case INET_DIAG_MEMINFO:
		// struct inet_diag_meminfo: a struct may grow in a newer kernel, so
		// a longer one is read from its start; a shorter one is an error.
		if a.atLeast(16) {
			m.MemInfo = p[:16]
		}
	}
}

// byteField is the one-byte field attribute typ fills.
func (m *InetDiagMsg) byteField(typ uint16) *uint8 {
	switch typ {
	case INET_DIAG_PROTOCOL:
		return &m.SKProtocol
	case INET_DIAG_SHUTDOWN:
		return &m.Shutdown
	case INET_DIAG_TOS:
		return &m.TOS
	case INET_DIAG_TCLASS:
		return &m.TClass
	}
	return &m.V6Only
}

// inetFamilyName is "AF_INET" or "AF_INET6" for error messages.
func inetFamilyName(f uint8) string { return nameOr(inetFamilyNames, f, "family") }

var inetFamilyNames = map[uint8]string{
	unix.AF_INET:   "AF_INET",
	unix.AF_INET6:  "AF_INET6",
	unix.AF_UNSPEC: "AF_INET and AF_INET6",
}

// InetDiagProtocolName is the IPPROTO_* name of an inet_diag request's
// protocol ("IPPROTO_TCP"), or "protocol N" for one no inet dump asks for:
// the name errors and the shell's explanation of a request use (conntrack's
// ProtocolName is the lower-case word conntrack prints).
func InetDiagProtocolName(p uint32) string { return nameOr(inetProtocolNames, p, "protocol") }

var inetProtocolNames = map[uint32]string{
	unix.IPPROTO_TCP:     "IPPROTO_TCP",
	unix.IPPROTO_UDP:     "IPPROTO_UDP",
	unix.IPPROTO_UDPLITE: "IPPROTO_UDPLITE",
	unix.IPPROTO_RAW:     "IPPROTO_RAW",
	unix.IPPROTO_SCTP:    "IPPROTO_SCTP",
	unix.IPPROTO_MPTCP:   "IPPROTO_MPTCP",
}
