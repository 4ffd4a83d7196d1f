package netlinkx

import "strconv"

// flagName names one bit of a flags word, as a list of them names the bits
// of a kernel field (NUD_*, NTF_*, IFA_F_*, IFF_*, IPS_*) in the order and
// spelling of the tool that prints it.
type flagName[T ~uint8 | ~uint16 | ~uint32] struct {
	bit  T
	name string
}

// formatFlags spells v as the names of its bits that names lists, in names'
// order and joined by sep, then the bits left unnamed as one hexadecimal
// number after hexPrefix ("0x", or "" as `ip link` prints them). It returns
// "" for no bits.
func formatFlags[T ~uint8 | ~uint16 | ~uint32](v T, names []flagName[T], sep, hexPrefix string) string {
	var b []byte
	add := func(s string) {
		if len(b) > 0 {
			b = append(b, sep...)
		}
		b = append(b, s...)
	}
	for _, n := range names {
		if v&n.bit != 0 {
			v &^= n.bit
			add(n.name)
		}
	}
	if v != 0 {
		add(hexPrefix + strconv.FormatUint(uint64(v), 16))
	}
	return string(b)
}

// bitOrder names the bits of a flags word whose names are listed by bit
// number (bit 0 first), as formatFlags takes them.
func bitOrder[T ~uint8 | ~uint16 | ~uint32](names ...string) []flagName[T] {
	out := make([]flagName[T], len(names))
	for i, n := range names {
		out[i] = flagName[T]{T(1) << i, n}
	}
	return out
}

// nameOf is names[v], or v in decimal where names has no entry: how ip, ss
// and conntrack print an enum value they cannot name.
func nameOf[T ~uint8 | ~uint16 | ~uint32](names map[T]string, v T) string {
	if n, ok := names[v]; ok {
		return n
	}
	return strconv.FormatUint(uint64(v), 10)
}

// nameOr is names[v], or what and v in decimal ("protocol 7") where names
// has no entry: how an error names a value.
func nameOr[T ~uint8 | ~uint16 | ~uint32](names map[T]string, v T, what string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return what + " " + strconv.FormatUint(uint64(v), 10)
}

// indexName is names[v], or v in decimal where names has no entry (is short
// of v or has "" there): nameOf for an array indexed by the value.
func indexName[T ~uint8 | ~uint16](names []string, v T) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return strconv.Itoa(int(v))
}
