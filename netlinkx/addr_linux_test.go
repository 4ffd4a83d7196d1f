package netlinkx_test

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// TestAddrMessageTestdata decodes each recorded RTM_NEWADDR and finds it, as
// decoded, in what `ip -j addr show` printed at recording time.
func TestAddrMessageTestdata(t *testing.T) {
	eachRecording(t, "rtnl_addr", 1, func(t *testing.T, bin []byte, txt string) {
		var m netlinkx.AddrMessage
		if err := m.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		got := addrLine(m)
		var lines []string
		for _, l := range ipJSON(t, txt) {
			for _, ai := range l["addr_info"].([]any) {
				a := ai.(map[string]any)
				s := func(k string) string {
					if v, ok := a[k].(string); ok {
						return v
					}
					return "-"
				}
				var flags []string
				for _, k := range []string{"secondary", "temporary", "nodad", "tentative", "deprecated", "dadfailed", "noprefixroute", "mngtmpaddr"} {
					if a[k] == true {
						flags = append(flags, k)
					}
				}
				if a["dynamic"] != true {
					flags = append(flags, "permanent")
				}
				sort.Strings(flags)
				lines = append(lines, strings.Join([]string{itoa64(jsonNum(l["ifindex"])), s("family"), s("local"), itoa64(jsonNum(a["prefixlen"])),
					s("address"), s("broadcast"), s("scope"), s("label"), strings.Join(flags, ",")}, " "))
			}
		}
		found := false
		for _, l := range lines {
			found = found || l == got
		}
		if !found {
			t.Errorf("decoded %q, not among ip's:\n%s", got, strings.Join(lines, "\n"))
		}
	})
}

func itoa64(u uint64) string { return strconv.FormatUint(u, 10) }

// addrLine is an address as the ip JSON lines above are built.
func addrLine(m netlinkx.AddrMessage) string {
	fam := "inet"
	if m.Family == unix.AF_INET6 {
		fam = "inet6"
	}
	label := "-"
	if m.Label != nil {
		label = string(m.Label)
	}
	flags := strings.Split(netlinkx.AddrFlags(m.AllFlags, m.Family), ",")
	sort.Strings(flags)
	return strings.Join([]string{itoa64(uint64(m.Index)), fam, addrOrDash(m.LocalAddr()), itoa64(uint64(m.PrefixLen)), addrOrDash(m.Peer()), addrOrDash(m.Broadcast),
		netlinkx.ScopeName(m.Scope), label, strings.Join(flags, ",")}, " ")
}

func ifaddr(family, prefix, flags, scope uint8, index uint32, attrs ...[]byte) []byte {
	return withAttrs(cat([]byte{family, prefix, flags, scope}, u32(index)), attrs...)
}

func TestAddrMessageUnmarshal(t *testing.T) {
	ci := u32(100, 0xFFFFFFFF, 0, 0) // ifa_cacheinfo: prefered, valid, cstamp, tstamp
	checkLineCases(t, func(m *netlinkx.AddrMessage) string {
		return addrLine(*m) + " " + itoa64(uint64(m.CacheInfo.Prefered)) + " " + itoa64(uint64(m.CacheInfo.Valid))
	}, []lineCase{
		{name: "short", b: make([]byte, 7), wantErr: "ifaddrmsg: 7 bytes"},
		{name: "address of 5 bytes", b: ifaddr(unix.AF_INET, 24, 0, 0, 2, attr(unix.IFA_ADDRESS, []byte{1, 2, 3, 4, 5}...)), wantErr: "address of 5 bytes"},
		{name: "short cacheinfo", b: ifaddr(unix.AF_INET, 24, 0, 0, 2, attr(unix.IFA_CACHEINFO, ci[:8]...)), wantErr: "IFA_CACHEINFO: 8 bytes"},
		{name: "ptp v4 with label, IFA_FLAGS overrides ifa_flags", b: ifaddr(unix.AF_INET, 32, unix.IFA_F_SECONDARY, unix.RT_SCOPE_UNIVERSE, 3,
			attr(unix.IFA_ADDRESS, []byte{10, 9, 0, 2}...), attr(unix.IFA_LOCAL, []byte{10, 9, 0, 1}...),
			attr(unix.IFA_LABEL, []byte("eth0:p\x00")...), attr(unix.IFA_FLAGS, u32(unix.IFA_F_PERMANENT|unix.IFA_F_NOPREFIXROUTE)...),
			attr(unix.IFA_CACHEINFO, ci...)),
			want: "3 inet 10.9.0.1 32 10.9.0.2 - global eth0:p noprefixroute,permanent 100 4294967295"},
		{name: "v6 without IFA_LOCAL", b: ifaddr(unix.AF_INET6, 64, unix.IFA_F_SECONDARY, unix.RT_SCOPE_LINK, 4,
			attr(unix.IFA_ADDRESS, netip.MustParseAddr("fe80::1").AsSlice()...)),
			want: "4 inet6 fe80::1 64 - - link - temporary 0 0"},
	})
}

func TestPrefixMask(t *testing.T) {
	for _, tt := range []struct {
		addr string
		bits int
		want string
	}{
		{"10.0.0.1", 24, "255.255.255.0"}, {"10.0.0.1", 0, "0.0.0.0"}, {"10.0.0.1", 32, "255.255.255.255"},
		{"10.0.0.1", 33, "invalid IP"}, {"2001:db8::1", 64, "ffff:ffff:ffff:ffff::"}, {"2001:db8::1", 127, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"},
	} {
		if got := netlinkx.PrefixMask(netip.MustParseAddr(tt.addr), tt.bits).String(); got != tt.want {
			t.Errorf("%s/%d: %s, want %s", tt.addr, tt.bits, got, tt.want)
		}
	}
}

// FuzzAddrMessage decodes arbitrary RTM_NEWADDR payloads without panicking.
func FuzzAddrMessage(f *testing.F) {
	fuzzFiles(f, "rtnl_addr")
	f.Fuzz(func(t *testing.T, b []byte) {
		var m netlinkx.AddrMessage
		if m.UnmarshalBinary(b) != nil {
			return
		}
		_ = addrLine(m)
		_ = netlinkx.PrefixMask(m.LocalAddr(), int(m.PrefixLen))
	})
}
