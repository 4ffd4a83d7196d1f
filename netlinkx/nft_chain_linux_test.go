package netlinkx_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// nftChainRuleset has what NFTA_CHAIN_* can carry: a regular chain with a
// comment, base chains with a comment, a drop policy, a negative priority, a
// netdev device, and a chain bound to a rule (nft's jump { ... }).
const nftChainRuleset = `
table inet t {
	chain c {
		comment "regular chain"
		udp dport 9 drop
	}
	chain in {
		type filter hook input priority filter; policy drop;
		comment "base chain"
		tcp dport 99 jump {
			udp dport 5 drop
		}
		jump c
	}
}
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
	}
}
table netdev nd {
	chain ing {
		type filter hook ingress device "lo" priority -5; policy accept;
	}
}
`

// nftChainExtras is what `nft -j` leaves out, by chain: comment, devices, flags.
var nftChainExtras = map[string]string{
	"inet t c":       `comment="regular chain" dev=[] flags=`,
	"inet t in":      `comment="base chain" dev=[] flags=base`,
	"inet t __chain": `comment="" dev=[] flags=binding`, // the kernel names it __chainN
	"ip nat pre":     `comment="" dev=[] flags=base`,
	"netdev nd ing":  `comment="" dev=[lo] flags=base`,
}

var nftHookNums = map[string]uint32{"prerouting": 0, "input": 1, "forward": 2, "output": 3, "postrouting": 4, "ingress": 0}

// nftChainLine is c as `nft -j -a list chains` shows it: family table name
// handle, and for a base chain hook priority type policy.
func nftChainLine(c *netlinkx.NftChain) string {
	l := fmt.Sprintf("%s %s %s %d", nftFamilyNames[c.Family], c.Table, c.Name, c.Handle)
	if c.Hook != nil && c.Policy != nil {
		l += fmt.Sprintf(" hook=%d prio=%d type=%s policy=%d", c.Hook.Num, c.Hook.Priority, c.Type, *c.Policy)
	}
	return l
}

// nftChainExtra is the part of c that nftChainExtras gives.
func nftChainExtra(c *netlinkx.NftChain) string {
	comment, _ := c.Comment()
	dev := []string{}
	if c.Hook != nil && c.Hook.Devices != nil {
		dev = c.Hook.Devices
	}
	return fmt.Sprintf("comment=%q dev=%v flags=%s", comment, dev, c.FlagNames())
}

// nftJSONChainLines turns `nft -j -a list chains` into nftChainLine's lines, sorted.
func nftJSONChainLines(t *testing.T, out string) []string {
	t.Helper()
	var doc struct {
		Nftables []struct {
			Chain *struct {
				Family, Table, Name, Type, Hook, Policy string
				Handle                                  uint64
				Prio                                    int32
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j: %v", err)
	}
	var lines []string
	for _, o := range doc.Nftables {
		c := o.Chain
		if c == nil {
			continue
		}
		l := fmt.Sprintf("%s %s %s %d", c.Family, c.Table, c.Name, c.Handle)
		if c.Hook != "" {
			pol := map[string]int{"drop": netlinkx.NF_DROP, "accept": netlinkx.NF_ACCEPT}[c.Policy]
			l += fmt.Sprintf(" hook=%d prio=%d type=%s policy=%d", nftHookNums[c.Hook], c.Prio, c.Type, pol)
		}
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return lines
}

// checkNftChains compares decoded chains with `nft -j -a list chains` (which
// leaves out bound chains) and with nftChainExtras.
func checkNftChains(t *testing.T, chains []netlinkx.NftChain, nftJSON string) {
	t.Helper()
	var got []string
	extras := map[string]string{}
	for i := range chains {
		c := &chains[i]
		key := nftFamilyNames[c.Family] + " " + c.Table + " " + c.Name
		if c.Flags&netlinkx.NFT_CHAIN_BINDING != 0 {
			key = strings.TrimRight(key, "0123456789")
		} else {
			got = append(got, nftChainLine(c))
		}
		extras[key] = nftChainExtra(c)
	}
	checkLines(t, "chains vs nft -j -a list chains", nftJSONChainLines(t, nftJSON), got)
	if diff := cmp.Diff(nftChainExtras, extras); diff != "" {
		t.Errorf("comments, devices, flags (-want +got):\n%s", diff)
	}
}

// nftChains are the chains of nftChainRuleset, compared with `nft -j -a list chains`.
var nftChains = nftKind[netlinkx.NftChain]{name: "chains", msg: unix.NFT_MSG_GETCHAIN, ruleset: nftChainRuleset, about: "nftChainRuleset",
	nftArgs: []string{"nft", "-j", "-a", "list", "chains"}, decode: netlinkx.DecodeNftChain,
	objects: func(rs *netlinkx.NftRuleset) []netlinkx.NftChain { return rs.Chains }, check: checkNftChains}

func TestNftChainRecorded(t *testing.T) { nftChains.checkRecorded(t) }

func TestNftChainLive(t *testing.T) { nftChains.checkLive(t) }

// TestRecordNft re-records testdata/nft/chains with -record.
func TestRecordNft(t *testing.T) { nftChains.record(t) }

// nftUdata is libnftnl userdata: a u8 type, a u8 length, the value.
func nftUdata(typ byte, v string) []byte { return append([]byte{typ, byte(len(v))}, v...) }

func TestDecodeNftChain(t *testing.T) {
	hdr := []byte{unix.NFPROTO_NETDEV, 0, 0x12, 0x34}
	u64 := func(typ uint16, v uint64) []byte { return attr(typ, be64(v)...) }
	drop := uint32(netlinkx.NF_DROP)
	if _, err := netlinkx.DecodeNftChain(hdr[:3]); err == nil || err.Error() != "nfgenmsg: 3 bytes, want at least 4" {
		t.Errorf("short nfgenmsg: error %v", err)
	}
	checkNftDecode(t, hdr, netlinkx.DecodeNftChain, func(t *testing.T, c netlinkx.NftChain) netlinkx.NftChain {
		if c.Family != unix.NFPROTO_NETDEV {
			t.Errorf("family %d", c.Family)
		}
		c.Family = 0
		return c
	}, []viewCase[netlinkx.NftChain]{
		{name: "header only"},
		{name: "regular chain with comment, unknown attribute skipped",
			b: cat(nftStr(unix.NFTA_CHAIN_TABLE, "t"), u64(unix.NFTA_CHAIN_HANDLE, 7), nftStr(unix.NFTA_CHAIN_NAME, "c"),
				attr(unix.NFTA_CHAIN_USE, be32(1)...), attr(200, 1, 2, 3),
				attr(netlinkx.NFTA_CHAIN_USERDATA, nftUdata(netlinkx.NFTNL_UDATA_CHAIN_COMMENT, "hi\x00")...)),
			want: netlinkx.NftChain{Table: "t", Name: "c", Handle: 7, UserData: nftUdata(0, "hi\x00")}},
		{name: "base chain, two devices and a prefix",
			b: cat(nftStr(unix.NFTA_CHAIN_NAME, "ing"),
				attr(unix.NFTA_CHAIN_HOOK|unix.NLA_F_NESTED, cat(attr(unix.NFTA_HOOK_HOOKNUM, be32(0)...), attr(unix.NFTA_HOOK_PRIORITY, be32(uint32(0xfffffffb))...),
					attr(netlinkx.NFTA_HOOK_DEVS|unix.NLA_F_NESTED, cat(nftStr(netlinkx.NFTA_DEVICE_NAME, "lo"), nftStr(netlinkx.NFTA_DEVICE_PREFIX, "eth"))...))...),
				attr(unix.NFTA_CHAIN_POLICY, be32(netlinkx.NF_DROP)...), nftStr(unix.NFTA_CHAIN_TYPE, "filter"),
				attr(netlinkx.NFTA_CHAIN_FLAGS, be32(netlinkx.NFT_CHAIN_BASE|netlinkx.NFT_CHAIN_HW_OFFLOAD|1<<5)...)),
			want: netlinkx.NftChain{Name: "ing", Hook: &netlinkx.NftHook{Num: 0, Priority: -5, Devices: []string{"lo", "eth*"}},
				Policy: &drop, Type: "filter", Flags: netlinkx.NFT_CHAIN_BASE | netlinkx.NFT_CHAIN_HW_OFFLOAD | 1<<5}},
		{name: "one device", b: cat(attr(unix.NFTA_CHAIN_HOOK, cat(attr(unix.NFTA_HOOK_HOOKNUM, be32(1)...), nftStr(unix.NFTA_HOOK_DEV, "eth0"))...)),
			want: netlinkx.NftChain{Hook: &netlinkx.NftHook{Num: 1, Devices: []string{"eth0"}}}},
		{name: "handle not 64 bits", b: cat(nftStr(unix.NFTA_CHAIN_NAME, "c"), attr(unix.NFTA_CHAIN_HANDLE, be32(7)...)),
			wantErr: `nf_tables chain "" "c": netlink: attribute 2 is not a uint64; length: 4`},
		{name: "priority short", b: attr(unix.NFTA_CHAIN_HOOK, attr(unix.NFTA_HOOK_PRIORITY, 1, 2)...),
			wantErr: `nf_tables chain "" "": netlink: attribute 2 is not a int32; length: 2`},
	})
}

func TestNftChainFlagNames(t *testing.T) {
	for flags, want := range map[uint32]string{0: "", netlinkx.NFT_CHAIN_BASE: "base", netlinkx.NFT_CHAIN_BINDING: "binding",
		netlinkx.NFT_CHAIN_BASE | netlinkx.NFT_CHAIN_HW_OFFLOAD | 1<<5 | 1<<31: "base,hw_offload,0x20,0x80000000"} {
		c := netlinkx.NftChain{Flags: flags}
		if got := c.FlagNames(); got != want {
			t.Errorf("FlagNames(%#x) = %q, want %q", flags, got, want)
		}
	}
}

func TestNftUserdataString(t *testing.T) {
	tests := []struct {
		name   string
		udata  []byte
		typ    byte
		want   string
		wantOK bool
	}{
		{"none", nil, 0, "", false},
		{"comment", nftUdata(0, "x y\x00"), 0, "x y", true},
		{"no NUL", nftUdata(0, "xy"), 0, "xy", true},
		{"after another type", cat(nftUdata(1, "\x01\x00\x00\x00"), nftUdata(0, "c\x00")), 0, "c", true},
		{"missing", nftUdata(1, "ab"), 0, "", false},
		{"length past the end", []byte{0, 9, 'a'}, 0, "", false},
		{"lone type byte", []byte{0}, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := netlinkx.NftUserdataString(tt.udata, tt.typ)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("NftUserdataString = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// FuzzDecodeNftChain reads any bytes as userdata too.
func FuzzDecodeNftChain(f *testing.F) {
	fuzzNft(f, "chains", func(b []byte) (netlinkx.NftChain, error) {
		_, _ = netlinkx.NftUserdataString(b, 0)
		return netlinkx.DecodeNftChain(b)
	}, func(c *netlinkx.NftChain) string { return nftChainLine(c) + " " + nftChainExtra(c) })
}
