package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// rtnlMessage is a pointer to an rtnetlink message type M that decodes
// itself from a payload.
type rtnlMessage[M any] interface {
	*M
	UnmarshalBinary(b []byte) error
}

// rtnlReq is a request of dumpRtnl for messages P (AddrRequest,
// NeighRequest, RouteRequest, RuleRequest, NexthopRequest, TcRequest).
type rtnlReq[P any] interface {
	// matches applies the filters an older kernel ignores.
	matches(m P) bool
	// describe names what is dumped, in errors ("addresses (family 2)"). It
	// is called only on an error, so that a dump formats nothing it does not
	// need.
	describe() string
}

// dumpRtnl sends dump (its Type an RTM_GET*, see rtnlGet) over
// NETLINK_ROUTE and calls emit with each reply of the matching RTM_NEW* type,
// decoded into one reused M (whose UnmarshalBinary must keep nothing of the
// message before), that req matches. Replies of other types are skipped. An
// error is Dump's, returned as "dump <req.describe()>: <error>".
func dumpRtnl[M any, P rtnlMessage[M], R rtnlReq[P]](ctx context.Context, req R, dump DumpRequest, emit func(P) error) error {
	dump.Protocol = unix.NETLINK_ROUTE
	// RTM_* types come in families of four, RTM_NEW* first (RTM_FAM in
	// linux/rtnetlink.h): RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR, ...
	reply := netlink.HeaderType(dump.Type &^ 3)
	var m M
	err := Dump(ctx, dump, func(h netlink.Header, b []byte) error {
		if h.Type != reply {
			return nil
		}
		p := P(&m)
		if err := p.UnmarshalBinary(b); err != nil {
			return err
		}
		if !req.matches(p) {
			return nil
		}
		return emit(p)
	})
	if err != nil {
		return fmt.Errorf("dump %s: %w", req.describe(), err)
	}
	return nil
}

// rtnlGet is the request of an rtnetlink dump (NLM_F_DUMP) of type typ in
// ns: data is the family's header (rtnlHeader) and any attributes, and key
// names the replies for a restarted dump.
func rtnlGet(ns NetNS, typ uint16, data []byte, key func([]byte) (uint64, bool)) DumpRequest {
	return DumpRequest{NetNS: ns, Type: typ, Flags: unix.NLM_F_DUMP, Data: data, Key: key}
}

// rtnlHeader is the fixed header of an rtnetlink request (ifaddrmsg, ndmsg,
// rtmsg, ...), size bytes, zero but for its first byte, the family, with
// room after it for the attributes a filter appends.
func rtnlHeader(size int, family uint8) []byte {
	b := make([]byte, size, size+16)
	b[0] = family
	return b
}

// appendU32Attr appends a netlink attribute of type typ holding v, a
// native-endian u32.
func appendU32Attr(b []byte, typ uint16, v uint32) []byte {
	return appendAttr(b, typ, binary.NativeEndian.AppendUint32(nil, v))
}

// appendAttr appends one netlink attribute (struct nlattr, padded to 4 bytes).
func appendAttr(b []byte, typ uint16, val []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(unix.NLA_HDRLEN+len(val)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, val...)
	for len(b)%unix.NLA_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

// span is the bytes [lo, hi) of a message's fixed header.
type span struct{ lo, hi int }

// fnvKey names a message for dumps restarted after NLM_F_DUMP_INTR
// (DumpRequest.Key): the FNV-1a hash of the header bytes in id, those that
// name the object, then of its attributes (after a header of hdrLen bytes)
// of the types in attrs. ok is false for a message too short or malformed.
func fnvKey(b []byte, hdrLen int, id []span, attrs ...uint16) (key uint64, ok bool) {
	if len(b) < hdrLen {
		return 0, false
	}
	h := fnv.New64a()
	for _, s := range id {
		h.Write(b[s.lo:s.hi])
	}
	a := diagAttrs{b: b[hdrLen:]}
	for a.next() {
		for _, t := range attrs {
			if a.typ == t {
				h.Write(a.data)
			}
		}
	}
	return h.Sum64(), a.err == nil
}

// structAttr decodes an attribute holding a C struct of at least size bytes
// with decode; a shorter one is an error naming the attribute.
func structAttr(name string, size int, decode func(p []byte)) func([]byte) error {
	return func(p []byte) error {
		if len(p) < size {
			return fmt.Errorf("%s: %d bytes, want %d", name, len(p), size)
		}
		decode(p)
		return nil
	}
}

// u32sAttr decodes an attribute holding a C struct of consecutive __u32
// fields (ifa_cacheinfo, nda_cacheinfo, gnet_stats_queue) into fields, in
// the struct's order, and sets *ok. A shorter attribute is an error naming
// it; the tail of a longer one, fields a newer kernel added, is ignored.
func u32sAttr(name string, ok *bool, fields ...*uint32) func([]byte) error {
	return structAttr(name, 4*len(fields), func(p []byte) {
		for i, f := range fields {
			*f = binary.NativeEndian.Uint32(p[4*i:])
		}
		*ok = true
	})
}
