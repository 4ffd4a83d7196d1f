package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// DumpUnix dumps the AF_UNIX sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct unix_diag_req) and calls emit with each one, decoded in place: the
// message and its byte slices point into a reused buffer, so emit must not
// keep them. A kernel without unix_diag (ENOENT: CONFIG_UNIX_DIAG off or
// the module not loaded) yields no messages and no error.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	if err := dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req.marshal(), emit); err != nil {
		return fmt.Errorf("dump unix sockets: %w", err)
	}
	return nil
}

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
	if len(b) < sizeofUnixDiagMsg {
		return fmt.Errorf("unix_diag_msg: %d bytes, want at least %d", len(b), sizeofUnixDiagMsg)
	}
	*m = UnixDiagMsg{
		Family: b[0],
		Type:   b[1],
		State:  b[2],
		Inode:  binary.NativeEndian.Uint32(b[4:8]),
		Cookie: diagCookie(b[8:16]),
	}
	a := diagAttrs{b: b[sizeofUnixDiagMsg:]}
	for a.next() {
		p := a.data
		switch a.typ {
		case UNIX_DIAG_NAME:
			m.Name = p
		case UNIX_DIAG_VFS:
			if a.atLeast(8) {
				m.VFSInode = binary.NativeEndian.Uint32(p[0:4])
				m.VFSDev = binary.NativeEndian.Uint32(p[4:8])
			}
		case UNIX_DIAG_PEER:
			if a.want(4) {
				m.Peer = binary.NativeEndian.Uint32(p)
			}
		case UNIX_DIAG_ICONS:
			if a.multipleOf(4) {
				m.Icons = p
			}
		case UNIX_DIAG_RQLEN:
			if a.atLeast(8) {
				m.RQueue = binary.NativeEndian.Uint32(p[0:4])
				m.WQueue = binary.NativeEndian.Uint32(p[4:8])
			}
		case UNIX_DIAG_MEMINFO:
			if a.multipleOf(4) {
				m.SKMemInfo = p
			}
		case UNIX_DIAG_SHUTDOWN:
			if a.want(1) {
				m.Shutdown = p[0]
			}
		case UNIX_DIAG_UID:
			if a.want(4) {
				m.UID = binary.NativeEndian.Uint32(p)
			}
		}
		if a.typ < 32 {
			m.attrs |= 1 << a.typ
		}
	}
	if a.err != nil {
		return fmt.Errorf("unix_diag_msg inode %d: %w", m.Inode, a.err)
	}
	return nil
}
