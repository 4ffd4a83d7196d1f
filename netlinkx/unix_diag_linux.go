package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpUnix dumps the AF_UNIX sockets req selects (SOCK_DIAG_BY_FAMILY with
// struct unix_diag_req) and calls emit with each one, decoded in place: the
// message and its byte slices point into a reused buffer, so emit must not
// keep them. A kernel without unix_diag (ENOENT: CONFIG_UNIX_DIAG off or
// the module not loaded) yields no messages and no error.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	var m UnixDiagMsg
	err := dumpSockDiag(ctx, req.NetNS, req.marshal(), func(b []byte) error {
		if err := m.UnmarshalBinary(b); err != nil {
			return err
		}
		return emit(&m)
	})
	if err != nil {
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

// dumpSockDiag runs one SOCK_DIAG_BY_FAMILY dump with the request header
// data (a struct *_diag_req starting with sdiag_family) and calls fn with the
// payload of each reply. No Key is passed to Dump: unix_diag, netlink_diag
// and packet_diag keep no generation count and never set NLM_F_DUMP_INTR,
// and a set of every cookie would cost a map insert per socket.
// A family the kernel has no sock_diag handler for (ENOENT) is no error.
func dumpSockDiag(ctx context.Context, ns NetNS, data []byte, fn func(payload []byte) error) error {
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_SOCK_DIAG,
		NetNS:    ns,
		Type:     unix.SOCK_DIAG_BY_FAMILY,
		Flags:    unix.NLM_F_DUMP,
		Data:     data,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != unix.SOCK_DIAG_BY_FAMILY {
			return nil
		}
		return fn(b)
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// diagCookie reads a __u32 cookie[2] pair as cookie[0] | cookie[1]<<32,
// the kernel's u64 socket cookie (as ss's cookie_sk_get does).
func diagCookie(b []byte) uint64 {
	return uint64(binary.NativeEndian.Uint32(b[0:4])) | uint64(binary.NativeEndian.Uint32(b[4:8]))<<32
}

// diagAttrs walks the netlink attributes (struct nlattr) after a sock_diag
// message header without allocating: next steps to the following attribute,
// typ and data describe it (data aliases the message). The first malformed
// header or wrong length stops the walk and is kept in err.
type diagAttrs struct {
	b    []byte
	typ  uint16
	data []byte
	err  error
	// shortTailOK ends the walk quietly at fewer bytes than an attribute
	// header instead of reporting them.
	shortTailOK bool
}

// next advances to the next attribute; false at the end or on an error.
func (a *diagAttrs) next() bool {
	if a.err != nil {
		return false
	}
	if len(a.b) == 0 {
		return false
	}
	if len(a.b) < unix.NLA_HDRLEN {
		if !a.shortTailOK {
			a.err = fmt.Errorf("%d trailing bytes after the last attribute", len(a.b))
		}
		return false
	}
	l := int(binary.NativeEndian.Uint16(a.b[0:2]))
	a.typ = binary.NativeEndian.Uint16(a.b[2:4]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
	if l < unix.NLA_HDRLEN || l > len(a.b) {
		a.err = fmt.Errorf("attribute %d: length %d with %d bytes left", a.typ, l, len(a.b))
		return false
	}
	a.data = a.b[unix.NLA_HDRLEN:l]
	a.b = a.b[min((l+unix.NLA_ALIGNTO-1)&^(unix.NLA_ALIGNTO-1), len(a.b)):]
	return true
}

// want reports whether the current attribute has exactly n bytes, and
// records an error (ending the walk) when it has not.
func (a *diagAttrs) want(n int) bool {
	if len(a.data) != n {
		a.err = fmt.Errorf("attribute %d: %d bytes, want %d", a.typ, len(a.data), n)
		return false
	}
	return true
}

// atLeast is want for a struct that newer kernels may extend: the tail
// beyond n bytes is ignored.
func (a *diagAttrs) atLeast(n int) bool {
	if len(a.data) < n {
		a.err = fmt.Errorf("attribute %d: %d bytes, want at least %d", a.typ, len(a.data), n)
		return false
	}
	return true
}

// multipleOf is want for arrays of n-byte elements.
func (a *diagAttrs) multipleOf(n int) bool {
	if len(a.data)%n != 0 {
		a.err = fmt.Errorf("attribute %d: %d bytes, not a multiple of %d", a.typ, len(a.data), n)
		return false
	}
	return true
}
