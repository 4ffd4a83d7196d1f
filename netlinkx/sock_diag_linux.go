package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// What the four sock_diag families (inet_diag_linux.go, unix_diag_linux.go,
// netlink_diag_linux.go, packet_diag_linux.go) share: the dump, the decoding
// of each reply into one reused message, and the attribute walk.

// dumpSockDiag runs one dump of message type typ (SOCK_DIAG_BY_FAMILY, or
// TCPDIAG_GETSOCK for inet_diag's compat request) with the request header
// data (a struct *_diag_req starting with the family) and calls fn with the
// payload of each reply, which comes back with the request's type. No Key is passed to Dump: inet_diag, unix_diag,
// netlink_diag and packet_diag keep no generation count and never set
// NLM_F_DUMP_INTR, and a set of every cookie would cost a map insert per
// socket; like ss, an interrupted dump would be read as it is.
// A family the kernel has no sock_diag handler for (ENOENT) is no error.
func dumpSockDiag(ctx context.Context, ns NetNS, typ netlink.HeaderType, data []byte, fn func(payload []byte) error) error {
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_SOCK_DIAG,
		NetNS:    ns,
		Type:     uint16(typ),
		Flags:    unix.NLM_F_DUMP,
		Data:     data,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != typ {
			return nil
		}
		return fn(b)
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// diagMsg is a *_diag message that decodes one reply into itself, resetting
// it first (InetDiagMsg, UnixDiagMsg, NetlinkDiagMsg, PacketDiagMsg).
type diagMsg[M any] interface {
	*M
	UnmarshalBinary(b []byte) error
}

// dumpDiag runs dumpSockDiag and calls emit with each reply decoded into one
// M, reused for the next: the message and its byte slices point into the
// dump's buffer, so emit must not keep them.
func dumpDiag[M any, P diagMsg[M]](ctx context.Context, ns NetNS, typ netlink.HeaderType, data []byte, emit func(P) error) error {
	var m M
	return dumpSockDiag(ctx, ns, typ, data, func(b []byte) error {
		if err := P(&m).UnmarshalBinary(b); err != nil {
			return err
		}
		return emit(&m)
	})
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
