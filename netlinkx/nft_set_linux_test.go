package netlinkx_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// nftSetRuleset has sets and maps of each kind NFTA_SET_* describes: an
// interval set, a concatenation, a dynamic set with timeouts, a constant
// set, a value map, a verdict map, and an anonymous set.
const nftSetRuleset = `
table inet s {
	set blocked { type ipv4_addr; flags interval; elements = { 10.0.0.0/8, 192.168.1.10-192.168.1.20 } }
	set svc { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 22 } }
	set seen { type ipv6_addr; flags dynamic,timeout; timeout 1m; }
	set fixed { type inet_service; flags constant; elements = { 53 } }
	map nat4 { type inet_service : ipv4_addr; elements = { 80 : 10.1.0.1 } }
	map verdicts { type ifname : verdict; elements = { "lo" : accept, "eth0" : jump c } }
	chain c { tcp dport { 1, 2 } drop; }
}
`

// nftSetFlagNames are the NFTA_SET_FLAGS bits `nft -j` (1.0.6) lists; it
// leaves out dynamic (NFT_SET_EVAL) and says map by a "map" key.
var nftSetFlagNames = []struct {
	bit  uint32
	name string
}{{unix.NFT_SET_CONSTANT, "constant"}, {unix.NFT_SET_INTERVAL, "interval"}, {unix.NFT_SET_TIMEOUT, "timeout"}}

// nftSetLine is s as nftJSONSetLines prints a set, or "" for an anonymous set, which `nft -j` shows inline.
func nftSetLine(s *netlinkx.NftSet) string {
	if s.Flags&unix.NFT_SET_ANONYMOUS != 0 {
		return ""
	}
	var flags []string
	for _, f := range nftSetFlagNames {
		if s.Flags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	return fmt.Sprintf("%s %s %s type=%q map=%q flags=%v", nftFamilyNames[s.Family], s.Table, s.Name, s.KeyTypeName(), s.DataTypeName(), flags)
}

// nftJSONSetLines turns the sets and maps of `nft -j list ruleset` into nftSetLine's lines, sorted.
func nftJSONSetLines(t *testing.T, out string) []string {
	t.Helper()
	var doc struct {
		Nftables []map[string]struct {
			Family, Table, Name, Map string
			Type                     any // a name, or a list for a concatenation
			Flags                    []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j: %v", err)
	}
	var lines []string
	for _, o := range doc.Nftables {
		for _, kind := range []string{"set", "map"} {
			s, ok := o[kind]
			if !ok {
				continue
			}
			typ := fmt.Sprint(s.Type)
			if l, ok := s.Type.([]any); ok {
				var names []string
				for _, n := range l {
					names = append(names, fmt.Sprint(n))
				}
				typ = strings.Join(names, " . ")
			}
			lines = append(lines, fmt.Sprintf("%s %s %s type=%q map=%q flags=%v", s.Family, s.Table, s.Name, typ, s.Map, s.Flags))
		}
	}
	slices.Sort(lines)
	return lines
}

// checkNftSets compares sets with `nft -j list ruleset`, and the verdict
// map's elements with what nft prints.
func checkNftSets(t *testing.T, sets []netlinkx.NftSet, nftJSON string) {
	t.Helper()
	var got []string
	anonymous := 0
	for i := range sets {
		if l := nftSetLine(&sets[i]); l != "" {
			got = append(got, l)
		} else {
			anonymous++
		}
	}
	checkLines(t, "sets vs nft -j list ruleset", nftJSONSetLines(t, nftJSON), got)
	if anonymous != 1 {
		t.Errorf("%d anonymous sets, want 1 (tcp dport { 1, 2 })", anonymous)
	}
}

// nftSets are the sets and maps of nftSetRuleset, compared with `nft -j list ruleset`.
var nftSets = nftKind[netlinkx.NftSet]{name: "sets", msg: unix.NFT_MSG_GETSET, ruleset: nftSetRuleset, about: "nftSetRuleset",
	nftArgs: []string{"nft", "-j", "list", "ruleset"}, decode: netlinkx.DecodeNftSet,
	objects: func(rs *netlinkx.NftRuleset) []netlinkx.NftSet { return rs.Sets }, check: checkNftSets}

func TestNftSetRecorded(t *testing.T) { nftSets.checkRecorded(t) }

// TestNftSetLive checks the elements too, which only a live read has.
func TestNftSetLive(t *testing.T) {
	rs := nftSets.checkLive(t)
	var elems []string
	for i := range rs.Sets {
		if n := rs.Sets[i].Name; n == "verdicts" || n == "svc" {
			for _, e := range netlinkx.RenderNftSetElements(&rs.Sets[i]) {
				elems = append(elems, n+" "+e.Key+" : "+e.Data)
			}
		}
	}
	checkLines(t, "verdict map and concatenation elements", []string{`svc 10.0.0.1 . 22 : `, `verdicts "eth0" : jump c`, `verdicts "lo" : accept`}, elems)
}

// TestRecordNftSets re-records testdata/nft/sets with -record.
func TestRecordNftSets(t *testing.T) { nftSets.record(t) }

func TestDecodeNftSet(t *testing.T) {
	hdr := []byte{unix.NFPROTO_INET, 0, 0, 1}
	if _, err := netlinkx.DecodeNftSet(hdr[:1]); err == nil {
		t.Errorf("short nfgenmsg: no error")
	}
	checkNftDecode(t, hdr, netlinkx.DecodeNftSet, func(_ *testing.T, s netlinkx.NftSet) netlinkx.NftSet { return s }, []viewCase[netlinkx.NftSet]{
		{name: "header only", want: netlinkx.NftSet{Family: unix.NFPROTO_INET}},
		{name: "verdict map, unknown attribute skipped",
			b: cat(nftStr(unix.NFTA_SET_TABLE, "t"), nftStr(unix.NFTA_SET_NAME, "m"), attr(unix.NFTA_SET_FLAGS, be32(unix.NFT_SET_MAP)...),
				attr(unix.NFTA_SET_KEY_TYPE, be32(41)...), attr(unix.NFTA_SET_KEY_LEN, be32(16)...), attr(200, 1),
				attr(unix.NFTA_SET_DATA_TYPE, be32(unix.NFT_DATA_VERDICT)...)),
			want: netlinkx.NftSet{Family: unix.NFPROTO_INET, Table: "t", Name: "m", Flags: unix.NFT_SET_MAP, KeyType: 41, DataType: unix.NFT_DATA_VERDICT}},
		{name: "flags short", b: cat(nftStr(unix.NFTA_SET_NAME, "m"), attr(unix.NFTA_SET_FLAGS, 1, 2)),
			wantErr: `nf_tables set "" "m": netlink: attribute 3 is not a uint32; length: 2`},
	})
	m := netlinkx.NftSet{Flags: unix.NFT_SET_MAP, KeyType: 41, DataType: unix.NFT_DATA_VERDICT}
	if k, d := m.KeyTypeName(), m.DataTypeName(); k != "ifname" || d != "verdict" {
		t.Errorf("verdict map types %q : %q, want ifname : verdict", k, d)
	}
}

func FuzzDecodeNftSet(f *testing.F) {
	fuzzNft(f, "sets", netlinkx.DecodeNftSet, nftSetLine)
}
