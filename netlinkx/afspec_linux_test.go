package netlinkx_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// afSpecCase is one recorded IFLA_AF_SPEC under testdata/afspec.
type afSpecCase struct {
	name   string // file stem
	layout netlinkx.IPStatsLayout
}

var afSpecCases = []afSpecCase{
	{"lo", netlinkx.IPStats615},
	{"veth0", netlinkx.IPStats615},
	{"veth0_5.15", netlinkx.IPStatsBefore615},
	{"small_mtu", netlinkx.IPStats615},
}

// flattenAFSpec spells every value DecodeAFSpec gives as name=value lines,
// by the package's name lists; a name the kernel did not send is left out.
func flattenAFSpec(s netlinkx.AFSpec, layout netlinkx.IPStatsLayout) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if s.Inet.Present {
		add("inet present")
		for i, n := range netlinkx.InetDevconfNames {
			if v, ok := s.Inet.Conf.At(i); ok {
				add("inet.%s=%d", n, int32(v))
			}
		}
		if s.Inet.Conf.Len() > len(netlinkx.InetDevconfNames) {
			add("inet.extra=%d", s.Inet.Conf.Len()-len(netlinkx.InetDevconfNames))
		}
	}
	i6 := s.Inet6
	if !i6.Present {
		return out
	}
	add("inet6 present")
	if i6.HasFlags {
		add("inet6.flags=%s", netlinkx.Inet6FlagsString(i6.Flags))
	}
	for i, n := range netlinkx.Inet6DevconfNames {
		if v, ok := i6.Conf.At(i); ok {
			add("inet6.conf.%s=%d", n, int32(v))
		}
	}
	for i, n := range netlinkx.Inet6StatsNames {
		if v, ok := i6.Stats.Stat(layout, i); ok {
			add("inet6.stats.%s=%d", n, v)
		}
	}
	for i, n := range netlinkx.ICMP6StatsNames {
		if v, ok := i6.ICMP6Stats.At(i + 1); ok {
			add("icmp6.%s=%d", n, v)
		}
	}
	if c := i6.CacheInfo; c != nil {
		add("inet6.cacheinfo max_reasm_len=%d reachable_time=%d retrans_time=%d", c.MaxReasmLen, c.ReachableTime, c.RetransTime)
		if i6.CacheInfoSent < 16 {
			add("inet6.cacheinfo_sent=%d", i6.CacheInfoSent)
		}
	}
	if i6.Token.IsValid() {
		add("inet6.token=%s", i6.Token)
	}
	if i6.HasAddrGenMode {
		add("inet6.addr_gen_mode=%s", netlinkx.AddrGenModeName(i6.AddrGenMode))
	}
	if i6.HasRAMTU {
		add("inet6.ra_mtu=%d", i6.RAMTU)
	}
	return out
}

// afDecodedLines returns the "# decoded" block of a recording's .txt.
func afDecodedLines(t *testing.T, txt string) []string {
	t.Helper()
	return strings.Split(strings.TrimSpace(section(t, txt, "# decoded\n")), "\n")
}

func TestDecodeAFSpecRecorded(t *testing.T) {
	nstest.NeedLittleEndian(t)
	for _, tc := range afSpecCases {
		t.Run(tc.name, func(t *testing.T) {
			s, txt := afDecodeFile(t, "afspec/"+tc.name)
			checkDiff(t, "decoded (-want +got)", afDecodedLines(t, txt), flattenAFSpec(s, tc.layout))
		})
	}
}

// TestDecodeAFSpecOlderKernel checks that the 5.15-shaped case (shorter
// arrays, the IPSTATS_MIB_* order before 6.15) decodes to the same values
// as the 6.18 recording it was derived from, by name, with the entries 5.15
// did not have left unset.
func TestDecodeAFSpecOlderKernel(t *testing.T) {
	nstest.NeedLittleEndian(t)
	full, _ := afDecodeFile(t, "afspec/veth0")
	old, _ := afDecodeFile(t, "afspec/veth0_5.15")
	want := map[string]bool{}
	for _, l := range flattenAFSpec(full, netlinkx.IPStats615) {
		name, _, _ := strings.Cut(l, "=")
		switch name {
		case "inet.arp_evict_nocarrier", "inet6.conf.ndisc_evict_nocarrier", "inet6.conf.accept_untracked_na",
			"inet6.conf.accept_ra_min_lft", "inet6.conf.ra_honor_pio_life", "inet6.stats.out_transmits",
			"icmp6.out_rate_limit_host":
			continue // added after 5.15
		}
		want[l] = true
	}
	got := map[string]bool{}
	for _, l := range flattenAFSpec(old, netlinkx.IPStatsBefore615) {
		got[l] = true
	}
	checkDiff(t, "5.15 decode vs 6.18 decode by name (-want +got)", want, got)
}

// afDecodeFile decodes the AF_SPEC recorded in testdata/<base>, and returns
// it with the text of its .txt.
func afDecodeFile(t *testing.T, base string) (netlinkx.AFSpec, string) {
	t.Helper()
	b, txt := readRecording(t, base)
	s, err := netlinkx.DecodeAFSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	return s, txt
}

func TestDecodeAFSpecBad(t *testing.T) {
	nest := func(family uint16, inner []byte) []byte { return attr(family, inner...) }
	tests := []struct {
		name    string
		b       []byte
		wantErr bool
		want    []string
	}{
		{name: "empty", b: nil},
		{name: "truncated header", b: []byte{8, 0}, wantErr: true},
		{name: "length past end", b: []byte{64, 0, 10, 0, 1, 2, 3, 4}, wantErr: true},
		{name: "unknown family skipped", b: nest(unix.AF_PACKET, []byte{1, 2, 3, 4})},
		{name: "inet6 empty nest", b: nest(unix.AF_INET6, nil), want: []string{"inet6 present"}},
		// Fixed-size attributes of another size: what is there is read, the
		// rest left unset, and never an error (issue 6: one odd link must not
		// fail the table).
		{
			name: "cacheinfo short",
			b:    nest(unix.AF_INET6, attr(unix.IFLA_INET6_CACHEINFO, []byte{0xff, 0xff, 0, 0, 7, 0, 0, 0}...)),
			want: []string{"inet6 present", "inet6.cacheinfo max_reasm_len=65535 reachable_time=0 retrans_time=0", "inet6.cacheinfo_sent=8"},
		},
		{
			name: "cacheinfo long",
			b:    nest(unix.AF_INET6, attr(unix.IFLA_INET6_CACHEINFO, []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0}...)),
			want: []string{"inet6 present", "inet6.cacheinfo max_reasm_len=1 reachable_time=3 retrans_time=4"},
		},
		{name: "token short", b: nest(unix.AF_INET6, attr(unix.IFLA_INET6_TOKEN, make([]byte, 4)...)), want: []string{"inet6 present"}},
		{name: "flags short", b: nest(unix.AF_INET6, attr(unix.IFLA_INET6_FLAGS, make([]byte, 2)...)), want: []string{"inet6 present"}},
		{
			name: "flags long, then addr_gen_mode",
			b: nest(unix.AF_INET6, cat(attr(unix.IFLA_INET6_FLAGS, []byte{0x00, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff}...),
				attr(unix.IFLA_INET6_ADDR_GEN_MODE, []byte{1, 0}...))),
			want: []string{"inet6 present", "inet6.flags=ready", "inet6.addr_gen_mode=none"},
		},
		{
			name: "conf with partial element",
			b:    nest(unix.AF_INET, attr(unix.IFLA_INET_CONF, []byte{1, 0, 0, 0, 7, 0, 0, 0, 9}...)),
			want: []string{"inet present", "inet.forwarding=1", "inet.mc_forwarding=7"},
		},
		{
			name: "conf longer than the name list",
			b:    nest(unix.AF_INET, attr(unix.IFLA_INET_CONF, make([]byte, 4*(len(netlinkx.InetDevconfNames)+2))...)),
			want: func() []string {
				w := []string{"inet present"}
				for _, n := range netlinkx.InetDevconfNames {
					w = append(w, "inet."+n+"=0")
				}
				return append(w, "inet.extra=2")
			}(),
		},
		{
			// The count in element 0 limits the array: 2 elements, one counter.
			name: "stats count smaller than attribute",
			b:    nest(unix.AF_INET6, attr(unix.IFLA_INET6_STATS, u64(2, 5, 6, 7)...)),
			want: []string{"inet6 present", "inet6.stats.in_receives=5"},
		},
		{
			name: "stats count zero",
			b:    nest(unix.AF_INET6, attr(unix.IFLA_INET6_STATS, u64(0, 5, 6, 7)...)),
			want: []string{"inet6 present"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := netlinkx.DecodeAFSpec(tt.b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			checkDiff(t, "(-want +got)", tt.want, flattenAFSpec(s, netlinkx.IPStats615))
		})
	}
}

// TestIPStatsLayouts checks both IPSTATS_MIB_* orders on an array whose
// element k holds k: each name must read the element its kernel put it at.
func TestIPStatsLayouts(t *testing.T) {
	arr := []uint64{38}
	for k := 1; k < 38; k++ {
		arr = append(arr, uint64(k))
	}
	stats := netlinkx.MIBArray(u64(arr...))
	want := map[netlinkx.IPStatsLayout]map[string]uint64{
		netlinkx.IPStats615: {
			"in_receives": netlinkx.IPSTATS_MIB_INPKTS, "in_no_ect_pkts": netlinkx.IPSTATS_MIB_NOECTPKTS,
			"out_requests": netlinkx.IPSTATS_MIB_OUTREQUESTS, "out_transmits": netlinkx.IPSTATS_MIB_OUTPKTS,
			"out_forw_datagrams": netlinkx.IPSTATS_MIB_OUTFORWDATAGRAMS, "reasm_overlaps": netlinkx.IPSTATS_MIB_REASM_OVERLAPS,
			"in_csum_errors": netlinkx.IPSTATS_MIB_CSUMERRORS, "in_hdr_errors": netlinkx.IPSTATS_MIB_INHDRERRORS,
		},
		// include/uapi/linux/snmp.h of 6.14 (and of 6.1 before OutTransmits was appended in 6.3).
		netlinkx.IPStatsBefore615: {
			"in_receives": 1, "in_no_ect_pkts": 32, "out_requests": 5, "out_transmits": 37,
			"out_forw_datagrams": 4, "reasm_overlaps": 36, "in_csum_errors": 31, "in_hdr_errors": 7,
		},
	}
	for layout, names := range want {
		got := map[string]uint64{}
		seen := map[uint64]bool{}
		for i, n := range netlinkx.Inet6StatsNames {
			v, ok := stats.Stat(layout, i)
			if !ok {
				t.Fatalf("layout %d: %s not read", layout, n)
			}
			if seen[v] {
				t.Errorf("layout %d: element %d read twice", layout, v)
			}
			seen[v] = true
			if _, ok := names[n]; ok {
				got[n] = v
			}
		}
		checkDiff(t, fmt.Sprintf("layout %d (-want +got)", layout), names, got)
	}
}

func TestIPStatsLayoutOf(t *testing.T) {
	for rel, want := range map[string]netlinkx.IPStatsLayout{
		"6.18.44-fc-v669": netlinkx.IPStats615, "6.15.0": netlinkx.IPStats615, "7.0-rc1": netlinkx.IPStats615,
		"6.14.11-300.fc41.x86_64": netlinkx.IPStatsBefore615, "6.1.0-37-amd64": netlinkx.IPStatsBefore615,
		"5.15.0-139-generic": netlinkx.IPStatsBefore615, "4.18.0-553.el8_10.x86_64": netlinkx.IPStatsBefore615,
		"garbage": netlinkx.IPStats615,
	} {
		if got := netlinkx.IPStatsLayoutOf(rel); got != want {
			t.Errorf("IPStatsLayoutOf(%q) = %d, want %d", rel, got, want)
		}
	}
}

// TestNameLists pins each name list to its enum's length, and checks that
// names are unique (they become columns).
func TestNameLists(t *testing.T) {
	lists := []struct {
		name  string
		names []string
		want  int
	}{
		{"InetDevconfNames", netlinkx.InetDevconfNames, netlinkx.IPV4_DEVCONF_MAX},
		{"Inet6DevconfNames", netlinkx.Inet6DevconfNames, netlinkx.DEVCONF_MAX},
		{"Inet6StatsNames", netlinkx.Inet6StatsNames, netlinkx.IPSTATS_MIB_REASM_OVERLAPS},
		{"ICMP6StatsNames", netlinkx.ICMP6StatsNames, netlinkx.ICMP6_MIB_RATELIMITHOST},
	}
	for _, l := range lists {
		if len(l.names) != l.want {
			t.Errorf("%s has %d names, the enum %d", l.name, len(l.names), l.want)
		}
		s := slices.Clone(l.names)
		slices.Sort(s)
		if len(slices.Compact(s)) != len(l.names) {
			t.Errorf("%s repeats a name", l.name)
		}
	}
}

func TestInet6FlagsString(t *testing.T) {
	for f, want := range map[uint32]string{
		0:                                       "",
		netlinkx.IF_READY:                       "ready",
		netlinkx.IF_READY | netlinkx.IF_RS_SENT: "rs_sent,ready",
		netlinkx.IF_RA_MANAGED | 0x1:            "ra_managed,0x1",
		netlinkx.IF_RA_OTHERCONF | netlinkx.IF_RA_RCVD: "ra_rcvd,ra_otherconf",
	} {
		if got := netlinkx.Inet6FlagsString(f); got != want {
			t.Errorf("Inet6FlagsString(%#x) = %q, want %q", f, got, want)
		}
	}
}

func TestDecodeNetconfRecorded(t *testing.T) {
	eachRecording(t, "netconf", 4, func(t *testing.T, b []byte, txt string) {
		n, err := netlinkx.DecodeNetconf(b)
		if err != nil {
			t.Fatal(err)
		}
		checkDiff(t, "decoded (-want +got)", afDecodedLines(t, txt), afFlattenNetconf(n))
	})
}

func TestDecodeNetconfBad(t *testing.T) {
	for _, b := range [][]byte{nil, {10, 0, 0, 0, 8, 0}, {10, 0, 0, 0, 6, 0, 2, 0, 1, 0, 0, 0}} {
		if _, err := netlinkx.DecodeNetconf(b); err == nil {
			t.Errorf("DecodeNetconf(%v): no error", b)
		}
	}
	n, err := netlinkx.DecodeNetconf([]byte{2})
	if err != nil || n.Family != 2 || n.Has != 0 {
		t.Errorf("DecodeNetconf(bare header) = %+v, %v", n, err)
	}
}

func afFlattenNetconf(n netlinkx.Netconf) []string {
	out := []string{fmt.Sprintf("family=%d ifindex=%d", n.Family, n.IfIndex)}
	for t := range 32 {
		if v, ok := n.Get(t); ok && t != netlinkx.NETCONFA_IFINDEX {
			out = append(out, fmt.Sprintf("NETCONFA %d=%d", t, v))
		}
	}
	return out
}

func FuzzDecodeAFSpec(f *testing.F) {
	fuzzDecode(f, "afspec", netlinkx.DecodeAFSpec, func(t *testing.T, s netlinkx.AFSpec, b []byte) {
		// Every accessor must stay in bounds whatever the lengths.
		for _, l := range []netlinkx.IPStatsLayout{netlinkx.IPStats615, netlinkx.IPStatsBefore615, 7} {
			_ = flattenAFSpec(s, l)
			for i := -1; i < 70; i++ {
				s.Inet6.Stats.Stat(l, i)
				s.Inet6.ICMP6Stats.At(i)
				s.Inet6.Conf.At(i)
				s.Inet.Conf.At(i)
			}
		}
		// Decoding must not depend on anything but b: a copy decodes the same.
		s2, err := netlinkx.DecodeAFSpec(bytes.Clone(b))
		if err != nil {
			t.Fatalf("copy fails: %v", err)
		}
		if diff := cmp.Diff(flattenAFSpec(s, 0), flattenAFSpec(s2, 0)); diff != "" {
			t.Fatalf("copy decodes differently:\n%s", diff)
		}
	})
}

func FuzzDecodeNetconf(f *testing.F) {
	fuzzDecode(f, "netconf", netlinkx.DecodeNetconf, func(_ *testing.T, n netlinkx.Netconf, _ []byte) {
		for i := -1; i < 40; i++ {
			n.Get(i)
		}
	})
}

// TestRecordAFSpec re-records testdata/afspec and testdata/netconf with
// -record: a namespace with lo, a veth pair to a second namespace and a
// veth with an MTU too small for IPv6, some devconf values changed, ICMPv6 echo traffic.
func TestRecordAFSpec(t *testing.T) {
	needRecord(t)
	nstest.NeedTool(t, "ping", "sysctl")
	a, b := nstest.New(t), nstest.New(t)
	a.Run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", b.Name)
	a.Run("ip", "link", "add", "small0", "mtu", "1000", "type", "veth", "peer", "name", "small1", "mtu", "1000")
	a.Run("sysctl", "-q", "-w", "net.ipv6.conf.veth0.hop_limit=42", "net.ipv6.conf.veth0.accept_ra=2",
		"net.ipv4.conf.veth0.rp_filter=2", "net.ipv4.conf.veth0.arp_ignore=1", "net.ipv6.conf.all.forwarding=1",
		"net.ipv6.conf.veth0.addr_gen_mode=3")
	a.Run("ip", "token", "set", "::1:2:3:4/64", "dev", "veth0")
	a.Run("ip", "addr", "add", "fd00::1/64", "dev", "veth0", "nodad")
	b.Run("ip", "addr", "add", "fd00::2/64", "dev", "veth1", "nodad")
	a.Run("ip", "link", "set", "veth0", "up")
	a.Run("ip", "link", "set", "small0", "up")
	b.Run("ip", "link", "set", "veth1", "up")
	a.Run("ping", "-6", "-c", "3", "-i", "0.05", "-W", "2", "fd00::2")
	ns := a.Open()
	ctx := t.Context()

	write := func(dir, name string, payload []byte, how string, decoded []string) {
		writeRecording(t, dir+"/"+name, payload, fmt.Sprintf("recorded by `go test ./netlinkx -run TestRecord -record`\n%s\n# decoded\n%s\n",
			how, strings.Join(decoded, "\n")))
	}
	layout := netlinkx.KernelIPStatsLayout()
	err := netlinkx.DumpLinks(ctx, netlinkx.LinkRequest{NetNS: ns}, func(m *netlinkx.LinkMessage) error {
		name := map[string]string{"lo": "lo", "veth0": "veth0", "small0": "small_mtu"}[m.Name]
		if name == "" {
			return nil
		}
		raw := bytes.Clone(m.AFSpec)
		s, err := netlinkx.DecodeAFSpec(raw)
		if err != nil {
			return err
		}
		how := "Payload of IFLA_AF_SPEC of link " + m.Name + " from an RTM_GETLINK dump, in a namespace where"
		switch m.Name {
		case "lo":
			how += " lo is up and net.ipv6.conf.all.forwarding=1."
		case "veth0":
			how += " veth0 has hop_limit=42, accept_ra=2, addr_gen_mode=3, token ::1:2:3:4,\n" +
				"rp_filter=2, arp_ignore=1, IPv6 forwarding on, after `ping -6 -c 3` to its peer."
		case "small0":
			how += " small0 (a veth) has MTU 1000, below IPv6's 1280: no inet6_dev, so no AF_INET6 nest."
		}
		write("afspec", name, raw, how, flattenAFSpec(s, layout))
		if m.Name == "veth0" {
			old := afOlderKernel(t, raw, layout)
			s, err := netlinkx.DecodeAFSpec(old)
			if err != nil {
				return err
			}
			write("afspec", "veth0_5.15", old,
				"Derived from veth0.bin to the shape Linux 5.15 sends: IFLA_INET_CONF cut to IPV4_DEVCONF_MAX 32,\n"+
					"IFLA_INET6_CONF to DEVCONF_MAX 56, IFLA_INET6_STATS to 37 elements in the IPSTATS_MIB_* order\n"+
					"before 6.15 (values moved by name), IFLA_INET6_ICMP6STATS to 6 elements; counts in element 0 adjusted.",
				flattenAFSpec(s, netlinkx.IPStatsBefore615))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		family uint8
		fname  string
	}{{unix.AF_INET, "inet"}, {unix.AF_INET6, "inet6"}} {
		for _, idx := range []struct {
			i    int32
			name string
		}{{netlinkx.NETCONFA_IFINDEX_ALL, "all"}, {netlinkx.NETCONFA_IFINDEX_DEFAULT, "default"}} {
			raw := dumpOne(t, netlinkx.DumpRequest{
				Protocol: unix.NETLINK_ROUTE, NetNS: ns, Type: unix.RTM_GETNETCONF,
				Data: cat([]byte{f.family, 0, 0, 0}, attr(netlinkx.NETCONFA_IFINDEX, u32(uint32(idx.i))...)),
			})
			n, err := netlinkx.DecodeNetconf(raw)
			if err != nil {
				t.Fatal(err)
			}
			write("netconf", f.fname+"_"+idx.name, raw, fmt.Sprintf(
				"Payload of the RTM_NEWNETCONF reply to RTM_GETNETCONF family %d NETCONFA_IFINDEX %d,\n"+
					"in the namespace of the afspec recording (net.ipv6.conf.all.forwarding=1).", f.family, idx.i),
				afFlattenNetconf(n))
		}
	}
}

// afOlderKernel rebuilds an AF_SPEC payload as Linux 5.15 would have sent it.
func afOlderKernel(t *testing.T, b []byte, from netlinkx.IPStatsLayout) []byte {
	t.Helper()
	s, err := netlinkx.DecodeAFSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	const inetConf, inet6Conf, ipstats, icmp6 = 32, 56, 37, 6
	// IPSTATS_MIB_* before 6.15, less out_transmits (appended in 6.3); the
	// order itself is checked against snmp.h, at sample names, by TestIPStatsLayouts.
	old := netlinkx.Inet6StatsNamesBefore615[:ipstats-1]
	stats := u64(ipstats)
	for _, n := range old {
		i := slices.Index(netlinkx.Inet6StatsNames, n)
		v, _ := s.Inet6.Stats.Stat(from, i)
		stats = append(stats, u64(v)...)
	}
	icmp := slices.Clone([]byte(s.Inet6.ICMP6Stats[:8*icmp6]))
	copy(icmp, u64(icmp6))

	outer := netlink.NewAttributeEncoder()
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		t.Fatal(err)
	}
	for ad.Next() {
		fam := ad.Type()
		inner, err := netlink.NewAttributeDecoder(ad.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		ae := netlink.NewAttributeEncoder()
		for inner.Next() {
			p := inner.Bytes()
			switch {
			case fam == unix.AF_INET && inner.Type() == unix.IFLA_INET_CONF:
				p = p[:4*inetConf]
			case fam == unix.AF_INET6 && inner.Type() == unix.IFLA_INET6_CONF:
				p = p[:4*inet6Conf]
			case fam == unix.AF_INET6 && inner.Type() == unix.IFLA_INET6_STATS:
				p = stats
			case fam == unix.AF_INET6 && inner.Type() == unix.IFLA_INET6_ICMP6STATS:
				p = icmp
			}
			ae.Bytes(inner.Type(), p)
		}
		nb, err := ae.Encode()
		if err != nil {
			t.Fatal(err)
		}
		outer.Bytes(fam, nb)
	}
	out, err := outer.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
