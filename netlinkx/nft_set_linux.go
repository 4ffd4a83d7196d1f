package netlinkx

import (
	"bytes"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/google/nftables"
)

// NftElement is one set element as nft prints it: Key is a value, a prefix
// ("10.0.0.0/8") or a range ("1000-2000"); Data is a map element's value or
// verdict ("" for a plain set).
type NftElement struct {
	Key     string
	Data    string
	Comment string
	Counter *[2]uint64 // packets, bytes when the element has a counter
}

// RenderNftSetElements turns a set's kernel elements into nft's view. An
// interval set's kernel form (a start element, then an IntervalEnd element
// one past the end) is merged back into prefixes and ranges.
func RenderNftSetElements(s *nftables.Set, els []nftables.SetElement) []NftElement {
	kind := nftTypeKind(s.KeyType.Name)
	data := func(e nftables.SetElement) string {
		if e.VerdictData != nil {
			return nftVerdict(e.VerdictData)
		}
		if s.IsMap {
			return nftValue(nftTypeKind(s.DataType.Name), e.Val)
		}
		return ""
	}
	one := func(e nftables.SetElement, key string) NftElement {
		ne := NftElement{Key: key, Data: data(e), Comment: e.Comment}
		if e.Counter != nil {
			ne.Counter = &[2]uint64{e.Counter.Packets, e.Counter.Bytes}
		}
		return ne
	}
	if !s.Interval {
		out := make([]NftElement, 0, len(els))
		for _, e := range els {
			out = append(out, one(e, nftValue(kind, e.Key)))
		}
		return out
	}
	sorted := slices.Clone(els)
	slices.SortStableFunc(sorted, func(a, b nftables.SetElement) int { return bytes.Compare(a.Key, b.Key) })
	var out []NftElement
	for i, e := range sorted {
		if e.IntervalEnd {
			continue
		}
		var last []byte
		switch {
		case len(e.KeyEnd) > 0:
			last = e.KeyEnd
		case i+1 < len(sorted) && sorted[i+1].IntervalEnd:
			last = decrement(sorted[i+1].Key)
		default:
			last = bytes.Repeat([]byte{0xff}, len(e.Key)) // open to the end of the key space
		}
		out = append(out, one(e, nftRange(kind, e.Key, last)))
	}
	return out
}

// nftRange prints [first, last] as one value, a prefix or a range.
func nftRange(kind nftValueKind, first, last []byte) string {
	if bytes.Equal(first, last) {
		return nftValue(kind, first)
	}
	if kind == nftAddr && len(first) == len(last) {
		if n, ok := commonPrefix(first, last); ok {
			a, _ := netip.AddrFromSlice(first)
			return fmt.Sprintf("%s/%d", a, n)
		}
	}
	return nftValue(kind, first) + "-" + nftValue(kind, last)
}

// commonPrefix reports whether [first, last] is exactly one prefix, and its length.
func commonPrefix(first, last []byte) (int, bool) {
	n := 0
	for i := range first {
		x := first[i] ^ last[i]
		if x == 0 {
			n += 8
			continue
		}
		n += bits.LeadingZeros8(x)
		break
	}
	for i := range first {
		for b := 7; b >= 0; b-- {
			pos := i*8 + 7 - b
			if pos < n {
				continue
			}
			if first[i]&(1<<b) != 0 || last[i]&(1<<b) == 0 {
				return 0, false
			}
		}
	}
	return n, true
}

func decrement(b []byte) []byte {
	out := slices.Clone(b)
	for i := len(out) - 1; i >= 0; i-- {
		out[i]--
		if out[i] != 0xff {
			break
		}
	}
	return out
}

// nftTypeKind maps an nft datatype name (NFTA_SET_KEY_TYPE) to how its bytes print.
func nftTypeKind(name string) nftValueKind {
	switch name {
	case "ipv4_addr", "ipv6_addr":
		return nftAddr
	case "inet_service":
		return nftPort
	case "ifname":
		return nftIfname
	case "inet_proto":
		return nftL4Proto
	case "mark":
		return nftHostInt
	}
	return nftHex
}
