package netlinkx_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/nftables/expr"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// nftRuleRuleset has rules of every kind RenderNftExprs renders that need no
// anonymous set (those are rendered from the sets, which the rule dump does
// not carry): ct state, a named interval set, counters, NAT, comments, and an
// expression it does not render (fib).
const nftRuleRuleset = `
table inet lab {
	set blocked {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 192.168.1.10-192.168.1.20 }
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related counter accept
		iifname "lo" counter accept comment "loopback"
		ip saddr @blocked counter drop
		ip saddr 10.9.0.1-10.9.0.9 drop
		tcp dport 23 reject with tcp reset
		fib daddr type local counter accept
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8080 dnat to 10.1.0.5:80
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.2.0.0/16 snat to 10.3.0.1
		oifname "eth9" masquerade
	}
}
`

// nftRuleDiffs are rendered rules that differ from `nft -a list ruleset` by
// design: ours → nft's.
var nftRuleDiffs = map[string]string{
	// fib is not rendered: it shows as unknown(fib), its result register as raw bytes.
	"unknown(fib) 0x02000000 counter packets 0 bytes 0 accept": "fib daddr type local counter packets 0 bytes 0 accept",
}

// nftRuleArgs are the iptables-nft rules the recording adds.
var nftRuleArgs = [][]string{
	{"-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"},
	{"-A", "OUTPUT", "-o", "lo", "-j", "ACCEPT"},
}

var nftRuleHandle = regexp.MustCompile(` # handle \d+$`)

// nftRuleLines keeps the rule lines of `nft -a list ruleset` in
// ssLines0's form: "TEXT # handle N", sorted.
func nftRuleLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if nftRuleHandle.MatchString(l) && !strings.Contains(l, "{ # handle") {
			out = append(out, l)
		}
	}
	return out
}

// nftRuleLine is r as `nft -a list ruleset` prints it.
func nftRuleLine(r *netlinkx.NftRule) string {
	text := netlinkx.RenderNftExprs(r.Exprs, nil)
	if nft, ok := nftRuleDiffs[text]; ok {
		text = nft
	}
	if c, ok := netlinkx.NftUserdataString(r.UserData, netlinkx.NFTNL_UDATA_RULE_COMMENT); ok {
		text += fmt.Sprintf(" comment %q", c)
	}
	return fmt.Sprintf("%s # handle %d", text, r.Handle)
}

func TestNftRuleRecorded(t *testing.T) {
	payloads, nft := recorded(t, "nft", "rules")
	var got []string
	for _, p := range payloads {
		r, err := netlinkx.DecodeNftRule(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, nftRuleLine(&r))
	}
	slices.Sort(got)
	if diff := cmp.Diff(nftRuleLines(nft), got); diff != "" {
		t.Errorf("decoded recording vs nft -a list ruleset (-want +got):\n%s", diff)
	}
}

func nftRuleNamespace(t *testing.T) *nstest.NS {
	t.Helper()
	nstest.NeedTool(t, "nft")
	nstest.NeedTool(t, "iptables-nft")
	ns := nstest.New(t)
	ns.Run("sh", "-c", "nft -f - <<'EOF'\n"+nftRuleRuleset+"\nEOF")
	for _, a := range nftRuleArgs {
		ns.Run(append([]string{"iptables-nft"}, a...)...)
	}
	return ns
}

func TestNftRuleLive(t *testing.T) {
	ns := nftRuleNamespace(t)
	rs, err := netlinkx.ReadNftRuleset(context.Background(), ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range rs.Rules {
		got = append(got, nftRuleLine(&rs.Rules[i]))
	}
	slices.Sort(got)
	if diff := cmp.Diff(nftRuleLines(ssLines0(ns.Run("nft", "-a", "list", "ruleset"))), got); diff != "" {
		t.Errorf("ReadNftRuleset vs nft -a list ruleset (-want +got):\n%s", diff)
	}
}

// TestRecordNftRules re-records testdata/nft/rules with -record.
func TestRecordNftRules(t *testing.T) {
	if !*record {
		t.Skip("re-records testdata: go test -run TestRecord -record (root)")
	}
	var ipt []string
	for _, a := range nftRuleArgs {
		ipt = append(ipt, "`iptables-nft "+strings.Join(a, " ")+"`")
	}
	recordNft(t, nftRuleNamespace(t), unix.NFT_MSG_GETRULE, "rules", "nftRuleRuleset, "+strings.Join(ipt, ", "),
		"nft", "-a", "list", "ruleset")
}

// nftExprElem is one NFTA_LIST_ELEM: NFTA_EXPR_NAME and, when data is not nil, NFTA_EXPR_DATA.
func nftExprElem(name string, data []byte) []byte {
	b := attr(unix.NFTA_EXPR_NAME, append([]byte(name), 0)...)
	if data != nil {
		b = cat(b, attr(unix.NFTA_EXPR_DATA|unix.NLA_F_NESTED, data...))
	}
	return attr(unix.NFTA_LIST_ELEM|unix.NLA_F_NESTED, b...)
}

func TestDecodeNftRule(t *testing.T) {
	hdr := []byte{unix.NFPROTO_IPV4, 0, 0, 1}
	str := func(typ uint16, s string) []byte { return attr(typ, append([]byte(s), 0)...) }
	exprs := func(elems ...[]byte) []byte {
		return attr(unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, cat(elems...)...)
	}
	counter := cat(attr(unix.NFTA_COUNTER_BYTES, binary.BigEndian.AppendUint64(nil, 180)...), attr(unix.NFTA_COUNTER_PACKETS, binary.BigEndian.AppendUint64(nil, 3)...))
	accept := attr(unix.NFTA_IMMEDIATE_DREG, be32(unix.NFT_REG_VERDICT)...)
	accept = cat(accept, attr(unix.NFTA_IMMEDIATE_DATA|unix.NLA_F_NESTED, attr(unix.NFTA_DATA_VERDICT|unix.NLA_F_NESTED, attr(unix.NFTA_VERDICT_CODE, be32(1)...)...)...))
	envelope := cat(str(unix.NFTA_RULE_TABLE, "filter"), str(unix.NFTA_RULE_CHAIN, "INPUT"),
		attr(unix.NFTA_RULE_HANDLE, binary.BigEndian.AppendUint64(nil, 4)...))
	tests := []struct {
		name    string
		b       []byte // after hdr
		want    string // "table chain handle | rendered | userdata"
		wantErr string
	}{
		{name: "header only", want: "  0 |  | []"},
		{name: "counter accept, comment, unknown attribute skipped",
			b: cat(envelope, attr(200, 1), exprs(nftExprElem("counter", counter), nftExprElem("immediate", accept)),
				attr(unix.NFTA_RULE_USERDATA, nftUdata(0, "c\x00")...)),
			want: `filter INPUT 4 | counter packets 3 bytes 180 accept | [0 2 99 0]`},
		{name: "expressions not rendered, or not decoding, are unknown",
			b: cat(envelope, exprs(nftExprElem("socket", []byte{1, 2, 3, 4}), nftExprElem("counter", []byte{9, 9}),
				nftExprElem("notrack", nil), nftExprElem("immediate", accept))),
			want: `filter INPUT 4 | unknown(socket) unknown(counter) notrack accept | []`},
		{name: "data google/nftables panics on is unknown", // expr.Log reads a u16 group from 1 byte
			b:    cat(envelope, exprs(nftExprElem("log", attr(unix.NFTA_LOG_GROUP, 1)), nftExprElem("immediate", accept))),
			want: `filter INPUT 4 | unknown(log) accept | []`},
		{name: "handle not 64 bits", b: cat(str(unix.NFTA_RULE_TABLE, "filter"), attr(unix.NFTA_RULE_HANDLE, be32(4)...)),
			wantErr: `nf_tables rule "filter" "" handle 0: netlink: attribute 3 is not a uint64; length: 4`},
	}
	if _, err := netlinkx.DecodeNftRule(hdr[:2]); err == nil {
		t.Errorf("short nfgenmsg: no error")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := netlinkx.DecodeNftRule(cat(hdr, tt.b))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%s %s %d | %s | %v", r.Table, r.Chain, r.Handle, netlinkx.RenderNftExprs(r.Exprs, nil), r.UserData)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if r.Family != unix.NFPROTO_IPV4 {
				t.Errorf("family %d", r.Family)
			}
		})
	}
}

func FuzzDecodeNftRule(f *testing.F) {
	payloads, _ := recorded(f, "nft", "rules")
	for _, p := range payloads {
		f.Add(p)
	}
	// Each decoded expression with short data, for the fuzzer to grow.
	for _, name := range []string{"meta", "ct", "payload", "bitwise", "cmp", "range", "lookup", "immediate", "counter", "nat",
		"masq", "redir", "reject", "log", "limit", "quota", "match", "target"} {
		f.Add(cat([]byte{unix.NFPROTO_IPV4, 0, 0, 0}, attr(unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, nftExprElem(name, attr(1, 0, 0, 0, 1))...)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := netlinkx.DecodeNftRule(b)
		if err != nil {
			return
		}
		want := nftRuleLine(&r) // renders whatever decoded, never panics
		for _, e := range r.Exprs {
			if c, ok := e.Expr.(*expr.Counter); ok {
				_ = c.Packets
			}
		}
		// The decoder keeps nothing of b: scribbling on it changes nothing.
		for i := range b {
			b[i] ^= 0xff
		}
		if got := nftRuleLine(&r); got != want {
			t.Fatalf("decoded rule aliases its input: %q became %q", want, got)
		}
	})
}
