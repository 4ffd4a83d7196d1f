package netlinkx

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// What the sock_diag families share of their messages' bytes: the request
// layout netlink_diag and packet_diag have in common, the socket cookie, the
// decoding of unix_diag, netlink_diag and packet_diag messages (decodeDiag),
// and the attribute walk all four use (the fixed header's length check, the
// attribute types seen, the __u32 attributes and the message's error).

// sizeofDiagShowReq is sizeof(struct netlink_diag_req) and
// sizeof(struct packet_diag_req).
const sizeofDiagShowReq = 20

// diagShowReq builds struct netlink_diag_req or struct packet_diag_req, which
// are laid out alike: sdiag_family, sdiag_protocol, a pad, the inode of one
// socket, the *DIAG_SHOW_* flags and its cookie. The inode and cookie stay
// 0: a dump ignores them.
func diagShowReq(family, protocol uint8, show uint32) []byte {
	b := make([]byte, sizeofDiagShowReq)
	b[0] = family
	b[1] = protocol
	binary.NativeEndian.PutUint32(b[8:12], show)
	return b
}

// diagCookie reads a __u32 cookie[2] pair as cookie[0] | cookie[1]<<32,
// the kernel's u64 socket cookie (as ss's cookie_sk_get does).
func diagCookie(b []byte) uint64 {
	return uint64(binary.NativeEndian.Uint32(b[0:4])) | uint64(binary.NativeEndian.Uint32(b[4:8]))<<32
}

// diagAttrs walks the netlink attributes (struct nlattr) after a sock_diag
// message header without allocating: next steps to the following attribute,
// typ and data describe it (data aliases the message), and seen has bit typ
// set for each type below 64 met so far. The first malformed header or wrong
// length stops the walk and is kept in err.
type diagAttrs struct {
	b    []byte
	typ  uint16
	data []byte
	seen uint64
	err  error
	// shortTailOK ends the walk quietly at fewer bytes than an attribute
	// header instead of reporting them.
	shortTailOK bool
}

// start checks that b holds the fixed header of a *_diag message, n bytes
// of struct name, and sets a to walk the attributes after it. It inlines
// (its error is made out of line), and a stays where the caller has it: a
// message's decoding costs no more than with the check written out.
func (a *diagAttrs) start(b []byte, n int, name string) error {
	if len(b) < n {
		return errShortDiagMsg(name, len(b), n)
	}
	a.b = b[n:]
	return nil
}

// errShortDiagMsg is start's error.
//
//go:noinline
func errShortDiagMsg(name string, got, want int) error {
	return fmt.Errorf("%s: %d bytes, want at least %d", name, got, want)
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
	if a.typ < 64 {
		a.seen |= 1 << a.typ
	}
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

// u32 stores a __u32 attribute in *dst.
func (a *diagAttrs) u32(dst *uint32) {
	if a.want(4) {
		*dst = binary.NativeEndian.Uint32(a.data)
	}
}

// u32Pair stores the first two __u32 of a struct attribute that newer
// kernels may extend in *x and *y.
func (a *diagAttrs) u32Pair(x, y *uint32) {
	if a.atLeast(8) {
		*x = binary.NativeEndian.Uint32(a.data)
		*y = binary.NativeEndian.Uint32(a.data[4:])
	}
}

// u32s stores an attribute that is an array of __u32 (SK_MEMINFO_*, ...) in
// *dst, aliasing the message.
func (a *diagAttrs) u32s(dst *[]byte) {
	if a.multipleOf(4) {
		*dst = a.data
	}
}

// msgErr is the walk's error, if any, as the error of the message of struct
// name for the socket with that inode. It inlines: the error is made out of
// line.
func (a *diagAttrs) msgErr(name string, inode uint32) error {
	if a.err != nil {
		return errDiagMsg(name, inode, a.err)
	}
	return nil
}

// errDiagMsg is msgErr's error.
//
//go:noinline
func errDiagMsg(name string, inode uint32, err error) error {
	return fmt.Errorf("%s inode %d: %w", name, inode, err)
}

// diagBody is a unix_diag, netlink_diag or packet_diag message as
// decodeDiag decodes it: decode resets it from its fixed header, b, and
// steps a through the attributes after it, storing each known one; it
// returns a at their end (a goes by value: a pointer to it, behind an
// interface, would put it on the heap).
type diagBody interface {
	decode(b []byte, a diagAttrs) diagAttrs
}

// decodeDiag is the UnmarshalBinary of a unix_diag, netlink_diag or
// packet_diag message m: b starts with its fixed header, n bytes of struct
// name, and the attributes follow. The types seen go to *attrs, and an error
// names the socket by *inode, which decode sets. It costs an indirect call a
// message; InetDiagMsg.UnmarshalBinary, on the path that must keep up with
// ss, spells the same steps out instead.
func decodeDiag(m diagBody, b []byte, n int, name string, attrs, inode *uint32) error {
	var a diagAttrs
	if err := a.start(b, n, name); err != nil {
		return err
	}
	a = m.decode(b, a)
	*attrs = uint32(a.seen)
	return a.msgErr(name, *inode)
}
