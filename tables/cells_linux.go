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

// opt is the cell of an optional value: cell(v) where ok (the kernel sent
// v), NULL where not. The opt* helpers below are its common uses.
func opt[V any](v V, ok bool, cell func(V) Value) Value {
	if !ok {
		return Null
	}
	return cell(v)
}

// optUint and optInt are INTEGER or BIGINT cells, optUint64 an UNSIGNED
// BIGINT cell, for an optional value: NULL unless ok.
func optUint(v uint32, ok bool) Value   { return opt(int64(v), ok, IntValue) }
func optInt(v int64, ok bool) Value     { return opt(v, ok, IntValue) }
func optUint64(v uint64, ok bool) Value { return opt(v, ok, UintValue) }

// optText is a text cell that is NULL when empty (the kernel sent none).
func optText(s string) Value { return opt(s, s != "", TextValue) }

// nonZero is an unsigned cell that is NULL for 0, which the kernel sends
// for "not set".
func nonZero(v uint64) Value { return opt(v, v != 0, UintValue) }

// optName is a text cell for an optional value shown by name: NULL unless
// ok, else name(v).
func optName[V any](v V, ok bool, name func(V) string) Value {
	return opt(v, ok, func(v V) Value { return TextValue(name(v)) })
}
