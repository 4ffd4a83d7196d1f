package netlinkx

import (
	"context"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// DumpUnix dumps the AF_UNIX sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct unix_diag_req) and calls emit with each one, decoded in place: the
// message and its byte slices point into a reused buffer, so emit must not
// keep them. A kernel without unix_diag (ENOENT: CONFIG_UNIX_DIAG off or
// the module not loaded) yields no messages and no error.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	return dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req, emit)
}

func (UnixDiagReq) describe() string { return "unix sockets" }

// marshal builds struct unix_diag_req. udiag_ino and udiag_cookie stay 0: a
// dump ignores them.
func (req UnixDiagReq) marshal() []byte {
	b := make([]byte, sizeofUnixDiagReq)
	b[0] = unix.AF_UNIX
	states := req.States
	if states == 0 {
		states = ^uint32(0)
	}
	binary.NativeEndian.PutUint32(b[4:8], states)
	binary.NativeEndian.PutUint32(b[12:16], req.Show)
	return b
}

// UnmarshalBinary decodes one unix_diag_msg and the attributes after it into
// m, which it resets first. Unknown attributes are skipped (newer kernels add
// them); a known one of the wrong length is an error. Name, Icons and
// SKMemInfo alias b.
func (m *UnixDiagMsg) UnmarshalBinary(b []byte) error {
	return decodeDiag(m, b, sizeofUnixDiagMsg, "unix_diag_msg", &m.attrs, &m.Inode)
}

// decode resets m from its fixed header, b, and steps a through the
// attributes after it, storing each known one; it returns a at their end.
func (m *UnixDiagMsg) decode(b []byte, a diagAttrs) diagAttrs {
	*m = UnixDiagMsg{
		Family: b[0],
		Type:   b[1],
		State:  b[2],
		Inode:  binary.NativeEndian.Uint32(b[4:8]),
		Cookie: diagCookie(b[8:16]),
	}
	for a.next() {
		switch a.typ {
		case UNIX_DIAG_NAME:
			m.Name = a.data
		case UNIX_DIAG_VFS:
			a.u32Pair(&m.VFSInode, &m.VFSDev)
		case UNIX_DIAG_PEER:
			a.u32(&m.Peer)
		case UNIX_DIAG_ICONS:
			a.u32s(&m.Icons)
		case UNIX_DIAG_RQLEN:
			a.u32Pair(&m.RQueue, &m.WQueue)
		case UNIX_DIAG_MEMINFO:
			a.u32s(&m.SKMemInfo)
		case UNIX_DIAG_SHUTDOWN:
			if a.want(1) {
				m.Shutdown = a.data[0]
			}
		case UNIX_DIAG_UID:
			a.u32(&m.UID)
		}
	}
	return a
}
