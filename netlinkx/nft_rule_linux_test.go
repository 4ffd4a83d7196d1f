package netlinkx_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

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
` + nstest.NatRuleset

// nftRuleDiffs are rendered rules that differ from `nft -a list ruleset` by
// design: ours → nft's.
var nftRuleDiffs = map[string]string{
	// fib is not rendered: it shows as unknown(fib), its result register as raw bytes.
	"unknown(fib) 0x02000000 counter packets 0 bytes 0 accept": "fib daddr type local counter packets 0 bytes 0 accept",
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

// checkNftRules compares rules with `nft -a list ruleset`.
func checkNftRules(t *testing.T, rules []netlinkx.NftRule, nft string) {
	t.Helper()
	var got []string
	for i := range rules {
		got = append(got, nftRuleLine(&rules[i]))
	}
	checkLines(t, "rules vs nft -a list ruleset", nftRuleLines(ssLines0(nft)), got)
}

// nftRules are the rules of nftRuleRuleset and of two iptables-nft
// commands, compared with `nft -a list ruleset`.
var nftRules = nftKind[netlinkx.NftRule]{name: "rules", msg: unix.NFT_MSG_GETRULE, ruleset: nftRuleRuleset, about: "nftRuleRuleset",
	ipt: [][]string{
		{"-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"},
		{"-A", "OUTPUT", "-o", "lo", "-j", "ACCEPT"},
	},
	nftArgs: []string{"nft", "-a", "list", "ruleset"}, decode: netlinkx.DecodeNftRule,
	objects: func(rs *netlinkx.NftRuleset) []netlinkx.NftRule { return rs.Rules }, check: checkNftRules}

func TestNftRuleRecorded(t *testing.T) { nftRules.checkRecorded(t) }

func TestNftRuleLive(t *testing.T) { nftRules.checkLive(t) }

// TestRecordNftRules re-records testdata/nft/rules with -record.
func TestRecordNftRules(t *testing.T) { nftRules.record(t) }

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
	exprs := func(elems ...[]byte) []byte {
		return attr(unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, cat(elems...)...)
	}
	counter := cat(attr(unix.NFTA_COUNTER_BYTES, be64(180)...), attr(unix.NFTA_COUNTER_PACKETS, be64(3)...))
	accept := attr(unix.NFTA_IMMEDIATE_DREG, be32(unix.NFT_REG_VERDICT)...)
	accept = cat(accept, attr(unix.NFTA_IMMEDIATE_DATA|unix.NLA_F_NESTED, attr(unix.NFTA_DATA_VERDICT|unix.NLA_F_NESTED, attr(unix.NFTA_VERDICT_CODE, be32(1)...)...)...))
	envelope := cat(nftStr(unix.NFTA_RULE_TABLE, "filter"), nftStr(unix.NFTA_RULE_CHAIN, "INPUT"),
		attr(unix.NFTA_RULE_HANDLE, be64(4)...))
	if _, err := netlinkx.DecodeNftRule(hdr[:2]); err == nil {
		t.Errorf("short nfgenmsg: no error")
	}
	// want is "table chain handle | rendered | userdata".
	checkNftDecode(t, hdr, netlinkx.DecodeNftRule, func(t *testing.T, r netlinkx.NftRule) string {
		if r.Family != unix.NFPROTO_IPV4 {
			t.Errorf("family %d", r.Family)
		}
		return fmt.Sprintf("%s %s %d | %s | %v", r.Table, r.Chain, r.Handle, netlinkx.RenderNftExprs(r.Exprs, nil), r.UserData)
	}, []viewCase[string]{
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
		{name: "handle not 64 bits", b: cat(nftStr(unix.NFTA_RULE_TABLE, "filter"), attr(unix.NFTA_RULE_HANDLE, be32(4)...)),
			wantErr: `nf_tables rule "filter" "" handle 0: netlink: attribute 3 is not a uint64; length: 4`},
	})
}

// FuzzDecodeNftRule is seeded also with each decoded expression with short
// data, for the fuzzer to grow.
func FuzzDecodeNftRule(f *testing.F) {
	var seeds [][]byte
	for _, name := range []string{"meta", "ct", "payload", "bitwise", "cmp", "range", "lookup", "immediate", "counter", "nat",
		"masq", "redir", "reject", "log", "limit", "quota", "match", "target"} {
		seeds = append(seeds, cat([]byte{unix.NFPROTO_IPV4, 0, 0, 0}, attr(unix.NFTA_RULE_EXPRESSIONS|unix.NLA_F_NESTED, nftExprElem(name, attr(1, 0, 0, 0, 1))...)))
	}
	fuzzNft(f, "rules", netlinkx.DecodeNftRule, nftRuleLine, seeds...)
}
