package netlinkx_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// setNftMidRead makes ReadNftRuleset call f in the middle of each read until the test ends.
func setNftMidRead(t *testing.T, f func(try int)) {
	t.Helper()
	*netlinkx.NftMidRead = f
	t.Cleanup(func() { *netlinkx.NftMidRead = nil })
}

// TestReadNftRulesetRereads changes the ruleset during the first read (a
// chain and a rule are added after the chains were listed): the read is
// thrown away and the new ruleset read again, whole and under one generation.
func TestReadNftRulesetRereads(t *testing.T) {
	ns := nftNamespace(t, nftChainRuleset)
	var tries []int
	setNftMidRead(t, func(try int) {
		tries = append(tries, try)
		if try == 0 {
			ns.Run("nft", "add chain inet t extra { comment \"added mid-read\"; }")
			ns.Run("nft", "add rule inet t extra counter accept")
		}
	})
	rs, err := netlinkx.ReadNftRuleset(t.Context(), ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	checkDiff(t, "reads (-want +got)", []int{0, 1}, tries)
	*netlinkx.NftMidRead = nil
	gen, err := netlinkx.NftGen(ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	if rs.Gen != gen {
		t.Errorf("ruleset read under generation %d, the kernel is at %d", rs.Gen, gen)
	}
	var chains []string
	for i := range rs.Chains {
		if rs.Chains[i].Flags&netlinkx.NFT_CHAIN_BINDING == 0 {
			chains = append(chains, nftChainLine(&rs.Chains[i]))
		}
	}
	checkLines(t, "chains vs nft -j -a list chains after the change", nftJSONChainLines(t, ns.Run("nft", "-j", "-a", "list", "chains")), chains)
	var rules []string
	for _, r := range rs.Rules {
		rules = append(rules, fmt.Sprintf("%s %s %s", r.Table, r.Chain, netlinkx.RenderNftExprs(r.Exprs, nil)))
	}
	if !slices.Contains(rules, "t extra counter packets 0 bytes 0 accept") {
		t.Errorf("the rule added mid-read is not among %q", rules)
	}
}

// TestReadNftRulesetGivesUp changes the ruleset during every read:
// ReadNftRuleset stops after NftReadTries reads with ErrNftGenMoved.
func TestReadNftRulesetGivesUp(t *testing.T) {
	ns := nftNamespace(t, nftChainRuleset)
	var tries []int
	setNftMidRead(t, func(try int) {
		tries = append(tries, try)
		ns.Run("nft", "add rule inet t c counter")
	})
	rs, err := netlinkx.ReadNftRuleset(t.Context(), ns.Open())
	if !errors.Is(err, netlinkx.ErrNftGenMoved) {
		t.Fatalf("ReadNftRuleset = %v, %v; want ErrNftGenMoved", rs, err)
	}
	t.Logf("error: %v", err)
	if len(tries) != netlinkx.NftReadTries {
		t.Errorf("%d reads, want %d", len(tries), netlinkx.NftReadTries)
	}
}

// nftFamilyNames are the NFPROTO_* families as nft names them.
var nftFamilyNames = map[uint8]string{unix.NFPROTO_INET: "inet", unix.NFPROTO_IPV4: "ip", unix.NFPROTO_IPV6: "ip6", unix.NFPROTO_NETDEV: "netdev"}

// nftNamespace is a fresh namespace loaded with ruleset (`nft -f`) and then
// with each of ipt, the arguments of an iptables-nft rule.
func nftNamespace(t *testing.T, ruleset string, ipt ...[]string) *nstest.NS {
	t.Helper()
	nstest.NeedTool(t, "nft")
	if len(ipt) > 0 {
		nstest.NeedTool(t, "iptables-nft")
	}
	ns := nstest.New(t)
	ns.Run("sh", "-c", "nft -f - <<'EOF'\n"+ruleset+"\nEOF")
	for _, a := range ipt {
		ns.Run(append([]string{"iptables-nft"}, a...)...)
	}
	return ns
}

// nftRecorded decodes each message recorded in testdata/nft/<name> and
// returns them, with the lines of what nft printed at recording time.
func nftRecorded[T any](t *testing.T, name string, decode func([]byte) (T, error)) ([]T, []string) {
	t.Helper()
	payloads, nft := recorded(t, "nft", name)
	var out []T
	for _, p := range payloads {
		v, err := decode(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out, nft
}

// checkNftDecode decodes hdr, an nfgenmsg, followed by each case's
// attributes (checkViewCases).
func checkNftDecode[T, W any](t *testing.T, hdr []byte, decode func([]byte) (T, error), view func(*testing.T, T) W, cases []viewCase[W]) {
	t.Helper()
	checkViewCases(t, func(b []byte) (T, error) { return decode(cat(hdr, b)) }, view, cases)
}

// nftStr is a NUL-terminated string attribute, as nf_tables sends names.
func nftStr(typ uint16, s string) []byte { return attr(typ, append([]byte(s), 0)...) }

// fuzzNft is the fuzz target of an nf_tables decoder, seeded from
// testdata/nft/<name> and with seeds: what decodes renders (line) without
// panicking, and keeps nothing of its input (scribbling on the bytes
// changes nothing).
func fuzzNft[T any](f *testing.F, name string, decode func([]byte) (T, error), line func(*T) string, seeds ...[]byte) {
	payloads, _ := recorded(f, "nft", name)
	for _, p := range append(payloads, seeds...) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			return
		}
		want := line(&v)
		for i := range b {
			b[i] ^= 0xff
		}
		if got := line(&v); got != want {
			t.Fatalf("decoded %s alias their input: %q became %q", name, want, got)
		}
	})
}

// nftKind is what the tests of one kind of nf_tables object (chains, sets,
// rules) share: the ruleset they load, the dump and the nft command whose
// output testdata/nft/<name> keeps, and how decoded objects are compared
// with that output, recorded and live.
type nftKind[T any] struct {
	name    string     // testdata/nft/<name>
	msg     uint16     // the dump: NFT_MSG_GET*
	ruleset string     // loaded with nft -f
	about   string     // names ruleset in the recording's .txt: its constant
	ipt     [][]string // iptables-nft rules added after ruleset
	nftArgs []string   // the nft command compared with
	decode  func([]byte) (T, error)
	objects func(*netlinkx.NftRuleset) []T          // the kind's objects that ReadNftRuleset read
	check   func(t *testing.T, got []T, nft string) // compares decoded objects with nftArgs' output
}

// checkRecorded decodes testdata/nft/<name> and compares it with what nft
// printed at recording time.
func (k nftKind[T]) checkRecorded(t *testing.T) {
	t.Helper()
	got, nft := nftRecorded(t, k.name, k.decode)
	k.check(t, got, strings.Join(nft, "\n"))
}

// checkLive loads the ruleset in a fresh namespace and compares what
// ReadNftRuleset reads there with nft; it returns the ruleset read.
func (k nftKind[T]) checkLive(t *testing.T) *netlinkx.NftRuleset {
	t.Helper()
	ns := nftNamespace(t, k.ruleset, k.ipt...)
	rs, err := netlinkx.ReadNftRuleset(t.Context(), ns.Open())
	if err != nil {
		t.Fatal(err)
	}
	k.check(t, k.objects(rs), ns.Run(k.nftArgs...))
	return rs
}

// record re-records testdata/nft/<name> with -record: the messages of the
// kind's dump (every family) in a fresh namespace, and what says how they
// were made with the output of nftArgs below `ss:`, the section name the
// reader shares with sock_diag.
func (k nftKind[T]) record(t *testing.T) {
	needRecord(t)
	ns := nftNamespace(t, k.ruleset, k.ipt...)
	msgs := dumpMessages(t, netlinkx.DumpRequest{
		Protocol: unix.NETLINK_NETFILTER, NetNS: ns.Open(), Type: unix.NFNL_SUBSYS_NFTABLES<<8 | k.msg,
		Flags: unix.NLM_F_DUMP, Data: []byte{unix.AF_UNSPEC, netlinkx.NFNETLINK_V0, 0, 0},
	})
	about := k.about
	for _, a := range k.ipt {
		about += ", `iptables-nft " + strings.Join(a, " ") + "`"
	}
	txt := fmt.Sprintf("%s\nrecorded by: go test -run %s -record (netlinkx/nft_*_linux_test.go):\n"+
		"in a fresh namespace, `nft -f` of %s,\nthen an %s dump (AF_UNSPEC) and, below `ss:`\n"+
		"(the section name the reader shares with sock_diag), `%s`:\nss:\n%s",
		strings.TrimSpace(ns.Run("nft", "--version")), t.Name(), about, map[uint16]string{unix.NFT_MSG_GETCHAIN: "NFT_MSG_GETCHAIN", unix.NFT_MSG_GETRULE: "NFT_MSG_GETRULE",
			unix.NFT_MSG_GETSET: "NFT_MSG_GETSET"}[k.msg], strings.Join(k.nftArgs, " "), ns.Run(k.nftArgs...))
	writeRecording(t, "nft/"+k.name, framed(msgs), txt)
}
