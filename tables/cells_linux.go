package tables

import (
	"net/netip"
	"strconv"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// The cells several tables spell alike: address families by name,
// addresses, lifetimes and booleans.

// familyName is an address family as ip names it.
func familyName(f uint8) string {
	switch f {
	case unix.AF_INET:
		return famInet
	case unix.AF_INET6:
		return famInet6
	}
	return strconv.Itoa(int(f))
}

// addrValue is an address cell: NULL for the zero netip.Addr.
func addrValue(a netip.Addr) Value {
	if !a.IsValid() {
		return Null
	}
	return TextValue(a.String())
}

// lifetime is an ifa_cacheinfo lifetime in seconds, -1 for INFINITY_LIFE_TIME.
func lifetime(s uint32) Value {
	if s == netlinkx.INFINITY_LIFE_TIME {
		return IntValue(-1)
	}
	return IntValue(int64(s))
}

// b2i is 1 for true, 0 for false, as osquery spells booleans.
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// optUint is a cell for an optional unsigned value: NULL unless ok (the
// kernel sent it).
func optUint(v uint32, ok bool) Value {
	if !ok {
		return Null
	}
	return IntValue(int64(v))
}

// optUint64 is an UNSIGNED BIGINT cell for an optional value: NULL unless ok.
func optUint64(v uint64, ok bool) Value {
	if !ok {
		return Null
	}
	return UintValue(v)
}

// optName is a text cell for an optional value shown by name: NULL unless
// ok (the kernel sent it), else name(v).
func optName[V any](v V, ok bool, name func(V) string) Value {
	if !ok {
		return Null
	}
	return TextValue(name(v))
}

// optInt is a cell for an optional signed value: NULL unless ok.
func optInt(v int64, ok bool) Value {
	if !ok {
		return Null
	}
	return IntValue(v)
}

// optText is a text cell that is NULL when empty (the kernel sent none).
func optText(s string) Value {
	if s == "" {
		return Null
	}
	return TextValue(s)
}

// nonZero is an unsigned cell that is NULL for 0, which the kernel sends
// for "not set".
func nonZero(v uint64) Value {
	if v == 0 {
		return Null
	}
	return UintValue(v)
}
