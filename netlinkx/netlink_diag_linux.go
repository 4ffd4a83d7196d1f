package netlinkx

import (
	"context"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// DumpNetlink dumps the netlink sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct netlink_diag_req) and calls emit with each one, decoded in place:
// the message and its byte slices point into a reused buffer, so emit must
// not keep them. The dump includes the socket it is read through. A kernel
// without netlink_diag (ENOENT: CONFIG_NETLINK_DIAG off or the module not
// loaded) yields no messages and no error.
func DumpNetlink(ctx context.Context, req NetlinkDiagReq, emit func(*NetlinkDiagMsg) error) error {
	return dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req, emit)
}

// marshal builds struct netlink_diag_req.
func (req NetlinkDiagReq) marshal() []byte {
	return diagShowReq(unix.AF_NETLINK, req.Protocol, req.Show)
}

func (req NetlinkDiagReq) describe() string {
	return "netlink sockets (protocol " + NetlinkProtocolName(req.Protocol) + ")"
}

// UnmarshalBinary decodes one netlink_diag_msg and the attributes after it
// into m, which it resets first. Unknown attributes (and the rings, gone
// since kernel 4.6) are skipped; a known one of the wrong length is an
// error. Groups and SKMemInfo alias b.
func (m *NetlinkDiagMsg) UnmarshalBinary(b []byte) error {
	return decodeDiag(m, b, sizeofNetlinkDiagMsg, "netlink_diag_msg", &m.attrs, &m.Inode)
}

// decode resets m from its fixed header, b, and steps a through the
// attributes after it, storing each known one; it returns a at their end.
func (m *NetlinkDiagMsg) decode(b []byte, a diagAttrs) diagAttrs {
	*m = NetlinkDiagMsg{
		Family:    b[0],
		Type:      b[1],
		Protocol:  b[2],
		State:     b[3],
		PortID:    binary.NativeEndian.Uint32(b[4:8]),
		DstPortID: binary.NativeEndian.Uint32(b[8:12]),
		DstGroup:  binary.NativeEndian.Uint32(b[12:16]),
		Inode:     binary.NativeEndian.Uint32(b[16:20]),
		Cookie:    diagCookie(b[20:28]),
	}
	for a.next() {
		switch a.typ {
		case NETLINK_DIAG_GROUPS:
			a.u32s(&m.Groups)
		case NETLINK_DIAG_FLAGS:
			a.u32(&m.Flags)
		case NETLINK_DIAG_MEMINFO:
			a.u32s(&m.SKMemInfo)
		}
	}
	return a
}
