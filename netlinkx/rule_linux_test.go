package netlinkx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// ruleLine is a decoded RTM_NEWRULE on one line, as the .txt files keep it.
func ruleLine(m *netlinkx.RuleMessage) string {
	s := fmt.Sprintf("fam=%d pref=%d %s action=%s table=%d hdr_table=%d flags=%s suppress_prefixlen=%d suppress_ifgroup=%d l3mdev=%d",
		m.Family, m.Priority, m.Selector(), netlinkx.RuleActionName(m.Action), m.TableID, m.Table, netlinkx.RuleFlags(m.Flags),
		m.SuppressPrefixLen, m.SuppressIfGroup, m.L3MDev)
	if m.HasGoto {
		s += fmt.Sprintf(" goto=%d", m.Goto)
	}
	if m.HasFwMark || m.HasFwMask {
		s += fmt.Sprintf(" fwmark=%v:%#x fwmask=%v:%#x", m.HasFwMark, m.FwMark, m.HasFwMask, m.FwMask)
	}
	if m.HasProtocol {
		s += " proto=" + netlinkx.RouteProtocolName(m.Protocol)
	}
	return s
}

// ruleLab is a namespace with a link veth0 and rules of every selector and
// action, v4 and v6. It returns the commands.
func ruleLab(t *testing.T) (*nstest.NS, []string) {
	t.Helper()
	ns := nstest.New(t)
	var cmds []string
	run := func(args ...string) {
		ns.Run(args...)
		cmds = append(cmds, "  "+strings.Join(args, " "))
	}
	run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	for _, r := range []string{
		"from 10.1.0.0/16 table 100 pref 100",
		"to 10.2.0.0/16 table 101 pref 101",
		"iif lo oif veth0 table 102 pref 102",
		"fwmark 0x10/0xff table 104 pref 104",
		"fwmark 0x20 table 104 pref 105",
		"uidrange 1000-2000 table 105 pref 107",
		"ipproto tcp dport 80-90 sport 1000 table 106 pref 108",
		"not from 10.3.0.0/16 table 107 pref 110",
		"from 10.4.0.1 goto 113 pref 111",
		"goto 999 pref 112",
		"from 10.5.0.0/16 blackhole pref 113",
		"unreachable pref 114",
		"prohibit pref 115",
		"table main suppress_prefixlength 0 pref 116",
		"iif nosuch0 table 108 pref 117",
		"tos 0x10 table 109 pref 118",
		"nop pref 119",
		"from 10.8.0.0/16 table 4000000 pref 120 protocol static",
		"-6 from 2001:db8::/32 to 2001:db8:1::1 table 100 pref 100",
		"-6 not iif veth0 fwmark 1 ipproto 58 table 200 pref 101",
	} {
		args := strings.Fields(r)
		if args[0] == "-6" {
			run(append([]string{"ip", "-6", "rule", "add"}, args[1:]...)...)
		} else {
			run(append([]string{"ip", "rule", "add"}, args...)...)
		}
	}
	return ns, cmds
}

// TestRecordRules re-records testdata/rtnl_rule with -record, from
// ruleLab's namespace: one file per rule, named by family and priority.
func TestRecordRules(t *testing.T) {
	if !*record {
		t.Skip("run with -record to re-record testdata")
	}
	ns, cmds := ruleLab(t)
	fd := ns.Open()
	uname := strings.TrimSpace(string(lkMust(exec.Command("uname", "-r").Output())))
	header := fmt.Sprintf("uname -r: %s\nrecorded by `go test ./netlinkx -run TestRecordRules -record` in a namespace built with:\n%s\n",
		uname, strings.Join(cmds, "\n"))
	shown := map[uint8]map[string]string{}
	for fam, flag := range map[uint8]string{unix.AF_INET: "-4", unix.AF_INET6: "-6"} {
		shown[fam] = map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(ns.Run("ip", flag, "-d", "rule", "show")), "\n") {
			prio, _, _ := strings.Cut(l, ":")
			shown[fam][prio] = l
		}
	}
	for _, b := range rawDump(t, fd, unix.RTM_GETRULE, unix.RTM_NEWRULE, make([]byte, 12)) {
		var m netlinkx.RuleMessage
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if m.Family != unix.AF_INET && m.Family != unix.AF_INET6 {
			continue
		}
		name := fmt.Sprintf("inet_%d", m.Priority)
		if m.Family == unix.AF_INET6 {
			name = fmt.Sprintf("inet6_%d", m.Priority)
		}
		txt := header + "\nip -d rule show:\n" + shown[m.Family][fmt.Sprint(m.Priority)] + "\n# decoded\n" + ruleLine(&m) + "\n"
		if err := lkWriteCase(filepath.Join("testdata", "rtnl_rule", name), b, txt); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRuleMessageTestdata decodes each recorded RTM_NEWRULE and compares it
// with the line decoded at recording time (checked then against `ip -d
// rule show`, kept beside it, and by the tables tests against `ip -j`).
func TestRuleMessageTestdata(t *testing.T) {
	nstest.NeedLittleEndian(t)
	files, _ := filepath.Glob("testdata/rtnl_rule/*.bin")
	if len(files) < 20 {
		t.Fatalf("%d files in testdata/rtnl_rule, want the recorded set", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var m netlinkx.RuleMessage
			if err := m.UnmarshalBinary(lkMust(os.ReadFile(f))); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(decodedLine(t, f), ruleLine(&m)); diff != "" {
				t.Errorf("(-recorded +decoded):\n%s", diff)
			}
		})
	}
}

// fibRuleHdr builds an RTM_NEWRULE payload.
func fibRuleHdr(family, dstLen, srcLen, action uint8, flags uint32, attrs ...[]byte) []byte {
	b := []byte{family, dstLen, srcLen, 0, unix.RT_TABLE_MAIN, 0, 0, action}
	b = binary.NativeEndian.AppendUint32(b, flags)
	for _, a := range attrs {
		b = append(b, a...)
	}
	return b
}

func TestRuleMessageUnmarshal(t *testing.T) {
	u16s := func(a, b uint16) []byte {
		return binary.NativeEndian.AppendUint16(binary.NativeEndian.AppendUint16(nil, a), b)
	}
	tests := []struct {
		name, want, wantErr string
		b                   []byte
	}{
		{name: "short", b: make([]byte, 11), wantErr: "fib_rule_hdr: 11 bytes"},
		{name: "src of 3 bytes", b: fibRuleHdr(unix.AF_INET, 0, 8, unix.FR_ACT_TO_TBL, 0, lkNLA(unix.FRA_SRC, []byte{10, 0, 0})), wantErr: "address of 3 bytes"},
		{name: "short uid range", b: fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0, lkNLA(unix.FRA_UID_RANGE, lkU32(1))), wantErr: "FRA_UID_RANGE: 4 bytes"},
		{name: "short port range", b: fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0, lkNLA(unix.FRA_DPORT_RANGE, []byte{80, 0})), wantErr: "FRA_DPORT_RANGE: 2 bytes"},
		{name: "short tun_id", b: fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0, lkNLA(unix.FRA_TUN_ID, lkU32(1))), wantErr: "FRA_TUN_ID: 4 bytes"},
		{name: "short priority", b: fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0, lkNLA(unix.FRA_PRIORITY, []byte{1})), wantErr: "rule (family 2, priority 0)"},
		{name: "header only: the 8-bit table, no suppression", b: fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0),
			want: "fam=2 pref=0 from all action=lookup table=254 hdr_table=254 flags= suppress_prefixlen=-1 suppress_ifgroup=-1 l3mdev=0"},
		{name: "v6 everything, unknown attribute skipped", b: fibRuleHdr(unix.AF_INET6, 48, 128, unix.FR_ACT_GOTO, unix.FIB_RULE_INVERT|unix.FIB_RULE_UNRESOLVED|unix.FIB_RULE_OIF_DETACHED|0x100,
			lkNLA(unix.FRA_SRC, netip.MustParseAddr("2001:db8::1").AsSlice()), lkNLA(unix.FRA_DST, netip.MustParseAddr("2001:db8:2::").AsSlice()),
			lkNLA(unix.FRA_IIFNAME, []byte("eth0\x00")), lkNLA(unix.FRA_OIFNAME, []byte("gone\x00")),
			lkNLA(unix.FRA_PRIORITY, lkU32(77)), lkNLA(unix.FRA_TABLE, lkU32(0)), lkNLA(unix.FRA_GOTO, lkU32(90)),
			lkNLA(unix.FRA_FWMARK, lkU32(0)), lkNLA(unix.FRA_FWMASK, lkU32(0xf0)),
			lkNLA(unix.FRA_SUPPRESS_PREFIXLEN, lkU32(0xffffffff)), lkNLA(unix.FRA_SUPPRESS_IFGROUP, lkU32(3)),
			lkNLA(unix.FRA_UID_RANGE, append(lkU32(0), lkU32(999)...)), lkNLA(unix.FRA_PROTOCOL, []byte{unix.RTPROT_STATIC}),
			lkNLA(unix.FRA_IP_PROTO, []byte{unix.IPPROTO_UDP}), lkNLA(unix.FRA_SPORT_RANGE, u16s(53, 53)), lkNLA(unix.FRA_DPORT_RANGE, u16s(1000, 2000)),
			lkNLA(unix.FRA_TUN_ID, []byte{0, 0, 0, 0, 0, 0, 1, 0}), lkNLA(netlinkx.FRA_DSCP, []byte{46}), lkNLA(200, []byte{1, 2, 3, 4})),
			want: "fam=10 pref=77 not from 2001:db8::1 to 2001:db8:2::/48 dscp 46 fwmark 0/0xf0 iif eth0 oif gone [detached] uidrange 0-999 ipproto udp sport 53 dport 1000-2000 tun_id 256 " +
				"action=goto table=0 hdr_table=254 flags=invert,unresolved,oif_detached,0x100 suppress_prefixlen=-1 suppress_ifgroup=3 l3mdev=0 goto=90 fwmark=true:0x0 fwmask=true:0xf0 proto=static"},
		{name: "prefix length without address, a drop action", b: fibRuleHdr(unix.AF_INET, 8, 16, unix.FR_ACT_PROHIBIT, 0, lkNLA(unix.FRA_L3MDEV, []byte{1})),
			want: "fam=2 pref=0 from 0/16 to 0/8 action=prohibit table=254 hdr_table=254 flags= suppress_prefixlen=-1 suppress_ifgroup=-1 l3mdev=1"},
		{name: "unknown action", b: fibRuleHdr(unix.AF_INET, 0, 0, 42, 0, lkNLA(unix.FRA_FWMARK, lkU32(7))),
			want: "fam=2 pref=0 from all fwmark 0x7 action=42 table=254 hdr_table=254 flags= suppress_prefixlen=-1 suppress_ifgroup=-1 l3mdev=0 fwmark=true:0x7 fwmask=false:0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m netlinkx.RuleMessage
			if !decoded(t, m.UnmarshalBinary(tt.b), tt.wantErr) {
				return
			}
			if diff := cmp.Diff(tt.want, ruleLine(&m)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRuleMessageReused checks that decoding into a message that held
// another rule leaves nothing of it behind, as DumpRules reuses one.
func TestRuleMessageReused(t *testing.T) {
	full := fibRuleHdr(unix.AF_INET, 0, 32, unix.FR_ACT_TO_TBL, unix.FIB_RULE_INVERT, lkNLA(unix.FRA_SRC, []byte{10, 0, 0, 1}),
		lkNLA(unix.FRA_FWMARK, lkU32(1)), lkNLA(unix.FRA_GOTO, lkU32(5)), lkNLA(unix.FRA_SUPPRESS_PREFIXLEN, lkU32(0)), lkNLA(unix.FRA_IIFNAME, []byte("lo\x00")))
	bare := fibRuleHdr(unix.AF_INET, 0, 0, unix.FR_ACT_TO_TBL, 0)
	var m, fresh netlinkx.RuleMessage
	for _, b := range [][]byte{full, bare} {
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := fresh.UnmarshalBinary(bare); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ruleLine(&fresh), ruleLine(&m)); diff != "" {
		t.Errorf("(-fresh +reused):\n%s", diff)
	}
}

func FuzzRuleMessage(f *testing.F) {
	fuzzFiles(f, "rtnl_rule")
	f.Fuzz(func(t *testing.T, b []byte) {
		var m netlinkx.RuleMessage
		if m.UnmarshalBinary(b) != nil {
			return
		}
		line := ruleLine(&m)
		// Decoding depends on nothing but b: a copy decodes the same, and
		// so does a message that held another rule.
		m2 := netlinkx.RuleMessage{Priority: 9, HasGoto: true, IIfName: []byte("x"), SuppressPrefixLen: 3}
		if err := m2.UnmarshalBinary(bytes.Clone(b)); err != nil {
			t.Fatalf("copy fails: %v", err)
		}
		if l2 := ruleLine(&m2); l2 != line {
			t.Fatalf("copy decodes %q, original %q", l2, line)
		}
	})
}

// TestDumpRulesFamily checks that a family's dump holds that family's rules
// only, and all of them.
func TestDumpRulesFamily(t *testing.T) {
	ns, _ := ruleLab(t)
	fd := ns.Open()
	dump := func(family uint8) map[uint8][]string {
		got := map[uint8][]string{}
		err := netlinkx.DumpRules(context.Background(), netlinkx.RuleRequest{NetNS: fd, Family: family}, func(m *netlinkx.RuleMessage) error {
			got[m.Family] = append(got[m.Family], ruleLine(m))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	all := dump(unix.AF_UNSPEC)
	for _, fam := range []uint8{unix.AF_INET, unix.AF_INET6} {
		got := dump(fam)
		if diff := cmp.Diff(map[uint8][]string{fam: all[fam]}, got); diff != "" {
			t.Errorf("family %d (-from the AF_UNSPEC dump +dumped alone):\n%s", fam, diff)
		}
		if len(got[fam]) < 3 {
			t.Errorf("family %d: %d rules", fam, len(got[fam]))
		}
	}
}
