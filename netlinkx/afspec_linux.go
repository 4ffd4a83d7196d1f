package netlinkx

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"sync"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DecodeAFSpec decodes an IFLA_AF_SPEC payload (LinkMessage.AFSpec): one
// nest per address family, AF_INET and AF_INET6 read, others skipped. The
// arrays in the result alias b. An array shorter than this package's name
// list leaves the missing entries unset; a longer one is kept whole and its
// extra entries go unnamed. A fixed-size attribute that is longer than
// expected is read from its start; a shorter one is left unset (IFLA_INET6_CACHEINFO:
// the fields it covers are read, CacheInfoSent says how many bytes), so that one
// odd link cannot fail a table over every link. Only an attribute header that
// overruns b is an error.
func DecodeAFSpec(b []byte) (AFSpec, error) {
	var s AFSpec
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return s, fmt.Errorf("IFLA_AF_SPEC: %w", err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.AF_INET:
			s.Inet.Present = true
			ad.Nested(s.Inet.decode)
		case unix.AF_INET6:
			s.Inet6.Present = true
			ad.Nested(s.Inet6.decode)
		}
	}
	if err := ad.Err(); err != nil {
		return s, fmt.Errorf("IFLA_AF_SPEC: %w", err)
	}
	return s, nil
}

func (s *InetAFSpec) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		if ad.Type() == unix.IFLA_INET_CONF {
			s.Conf = U32Array(ad.Bytes())
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("AF_INET: %w", err)
	}
	return nil
}

func (s *Inet6AFSpec) decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_INET6_FLAGS:
			if p := ad.Bytes(); len(p) >= 4 {
				s.Flags, s.HasFlags = binary.NativeEndian.Uint32(p), true
			}
		case unix.IFLA_INET6_CONF:
			s.Conf = U32Array(ad.Bytes())
		case unix.IFLA_INET6_STATS:
			s.Stats = MIBArray(ad.Bytes())
		case unix.IFLA_INET6_ICMP6STATS:
			s.ICMP6Stats = MIBArray(ad.Bytes())
		case unix.IFLA_INET6_CACHEINFO:
			p := ad.Bytes()
			var c [sizeofIflaCacheinfo]byte
			copy(c[:], p)
			s.CacheInfo = &IflaCacheinfo{
				MaxReasmLen:   binary.NativeEndian.Uint32(c[0:4]),
				Tstamp:        binary.NativeEndian.Uint32(c[4:8]),
				ReachableTime: binary.NativeEndian.Uint32(c[8:12]),
				RetransTime:   binary.NativeEndian.Uint32(c[12:16]),
			}
			s.CacheInfoSent = min(len(p), sizeofIflaCacheinfo)
		case unix.IFLA_INET6_TOKEN:
			if p := ad.Bytes(); len(p) == 16 {
				s.Token = netip.AddrFrom16([16]byte(p))
			}
		case unix.IFLA_INET6_ADDR_GEN_MODE:
			if p := ad.Bytes(); len(p) >= 1 {
				s.AddrGenMode, s.HasAddrGenMode = p[0], true
			}
		case unix.IFLA_INET6_RA_MTU:
			if p := ad.Bytes(); len(p) >= 4 {
				s.RAMTU, s.HasRAMTU = binary.NativeEndian.Uint32(p), true
			}
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("AF_INET6: %w", err)
	}
	return nil
}

// inet6Flags names the IFLA_INET6_FLAGS bits, in bit order.
var inet6Flags = []flagName[uint32]{
	{IF_RS_SENT, "rs_sent"},
	{IF_RA_RCVD, "ra_rcvd"},
	{IF_RA_MANAGED, "ra_managed"},
	{IF_RA_OTHERCONF, "ra_otherconf"},
	{IF_READY, "ready"},
}

// Inet6FlagsString spells IFLA_INET6_FLAGS as comma-separated names without
// the IF_ prefix (rs_sent, ra_rcvd, ra_managed, ra_otherconf, ready), and any
// other bits as one hexadecimal number; "" when none is set.
func Inet6FlagsString(f uint32) string {
	return formatFlags(f, inet6Flags, ",", "0x")
}

// AddrGenModeName is an IN6_ADDR_GEN_MODE_* value without its prefix, in
// lower case (eui64, none, stable_privacy, random); another value is its number.
func AddrGenModeName(m uint8) string {
	switch m {
	case IN6_ADDR_GEN_MODE_EUI64:
		return "eui64"
	case IN6_ADDR_GEN_MODE_NONE:
		return "none"
	case IN6_ADDR_GEN_MODE_STABLE_PRIVACY:
		return "stable_privacy"
	case IN6_ADDR_GEN_MODE_RANDOM:
		return "random"
	}
	return strconv.Itoa(int(m))
}

// KernelIPStatsLayout is the IFLA_INET6_STATS order of the running kernel,
// from uname(2)'s release; every network namespace shares it.
var KernelIPStatsLayout = sync.OnceValue(func() IPStatsLayout { return IPStatsLayoutOf(kernelRelease()) })
