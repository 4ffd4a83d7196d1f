package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// DumpNetlink dumps the netlink sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct netlink_diag_req) and calls emit with each one, decoded in place:
// the message and its byte slices point into a reused buffer, so emit must
// not keep them. The dump includes the socket it is read through. A kernel
// without netlink_diag (ENOENT: CONFIG_NETLINK_DIAG off or the module not
// loaded) yields no messages and no error.
func DumpNetlink(ctx context.Context, req NetlinkDiagReq, emit func(*NetlinkDiagMsg) error) error {
	if err := dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req.marshal(), emit); err != nil {
		return fmt.Errorf("dump netlink sockets (protocol %s): %w", NetlinkProtocolName(req.Protocol), err)
	}
	return nil
}

// marshal builds struct netlink_diag_req. ndiag_ino and ndiag_cookie stay 0:
// a dump ignores them.
func (req NetlinkDiagReq) marshal() []byte {
	b := make([]byte, sizeofNetlinkDiagReq)
	b[0] = unix.AF_NETLINK
	b[1] = req.Protocol
	binary.NativeEndian.PutUint32(b[8:12], req.Show)
	return b
}

// UnmarshalBinary decodes one netlink_diag_msg and the attributes after it
// into m, which it resets first. Unknown attributes (and the rings, gone
// since kernel 4.6) are skipped; a known one of the wrong length is an
// error. Groups and SKMemInfo alias b.
func (m *NetlinkDiagMsg) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofNetlinkDiagMsg {
		return fmt.Errorf("netlink_diag_msg: %d bytes, want at least %d", len(b), sizeofNetlinkDiagMsg)
	}
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
	a := diagAttrs{b: b[sizeofNetlinkDiagMsg:]}
	for a.next() {
		p := a.data
		switch a.typ {
		case NETLINK_DIAG_GROUPS:
			if a.multipleOf(4) {
				m.Groups = p
			}
		case NETLINK_DIAG_FLAGS:
			if a.want(4) {
				m.Flags = binary.NativeEndian.Uint32(p)
			}
		case NETLINK_DIAG_MEMINFO:
			if a.multipleOf(4) {
				m.SKMemInfo = p
			}
		}
		if a.typ < 32 {
			m.attrs |= 1 << a.typ
		}
	}
	if a.err != nil {
		return fmt.Errorf("netlink_diag_msg inode %d: %w", m.Inode, a.err)
	}
	return nil
}
