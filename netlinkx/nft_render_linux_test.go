package netlinkx

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

func TestRenderNftExprs(t *testing.T) {
	tcp := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
	}
	tests := []struct {
		name  string
		exprs []expr.Any
		sets  map[string]string
		want  string
	}{
		{"tcp dport accept", append(tcp, &expr.Cmp{Register: 1, Data: []byte{0, 22}}, &expr.Verdict{Kind: expr.VerdictAccept}), nil, "tcp dport 22 accept"},
		{"anonymous set", append(tcp, &expr.Lookup{SourceRegister: 1, SetName: "__set0"}, &expr.Counter{Packets: 3, Bytes: 180}, &expr.Verdict{Kind: expr.VerdictAccept}),
			map[string]string{"__set0": "{ 22, 80 }"}, "tcp dport { 22, 80 } counter packets 3 bytes 180 accept"},
		{"ct state", []expr.Any{
			&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte{6, 0, 0, 0}, Xor: []byte{0, 0, 0, 0}},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{0, 0, 0, 0}},
			&expr.Verdict{Kind: expr.VerdictAccept},
		}, nil, "ct state established,related accept"},
		{"prefix", []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 2},
			&expr.Cmp{Register: 1, Data: []byte{10, 2}},
			&expr.Immediate{Register: 1, Data: []byte{10, 3, 0, 1}},
			&expr.NAT{Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1},
		}, nil, "ip saddr 10.2.0.0/16 snat to 10.3.0.1"},
		{"range", []expr.Any{
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
			&expr.Cmp{Op: expr.CmpOpGte, Register: 1, Data: []byte{10, 9, 0, 1}},
			&expr.Cmp{Op: expr.CmpOpLte, Register: 1, Data: []byte{10, 9, 0, 9}},
			&expr.Verdict{Kind: expr.VerdictDrop},
		}, nil, "ip saddr 10.9.0.1-10.9.0.9 drop"},
		{"iifname jump", []expr.Any{
			&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
			&expr.Cmp{Register: 1, Data: []byte("lo\x00\x00")},
			&expr.Verdict{Kind: expr.VerdictJump, Chain: "sub"},
		}, nil, `iifname "lo" jump sub`},
		{"masquerade", []expr.Any{&expr.Masq{}}, nil, "masquerade"},
		{"reject", []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_TCP_RST}}, nil, "reject with tcp reset"},
		{"limit", []expr.Any{&expr.Limit{Type: expr.LimitTypePkts, Rate: 10, Unit: expr.LimitTimeSecond, Burst: 5}}, nil, "limit rate 10/second"},
		{"xt target", []expr.Any{&expr.Target{Name: "LOG"}}, nil, `xt target "LOG"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var xs []NftExpr
			for _, e := range tt.exprs {
				xs = append(xs, NftExpr{Expr: e})
			}
			if diff := cmp.Diff(tt.want, RenderNftExprs(xs, tt.sets)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRenderNftUnknown: an expression that DecodeNftRule left undecoded
// (Expr nil) prints as unknown(NFTA_EXPR_NAME), and the rest of the rule
// still renders.
func TestRenderNftUnknown(t *testing.T) {
	accept := NftExpr{Name: "immediate", Expr: &expr.Verdict{Kind: expr.VerdictAccept}}
	tests := []struct {
		name  string
		exprs []NftExpr
		want  string
	}{
		{"alone", []NftExpr{{Name: "fib"}, accept}, "unknown(fib) accept"},
		{"loading a register", []NftExpr{{Name: "socket"}, {Name: "cmp", Expr: &expr.Cmp{Register: 1, Data: []byte{1}}}, accept},
			"unknown(socket) 0x01 accept"},
		{"between known ones", []NftExpr{{Name: "counter", Expr: &expr.Counter{Packets: 1, Bytes: 2}}, {Name: "tproxy"}, accept},
			"counter packets 1 bytes 2 unknown(tproxy) accept"},
		{"no name", []NftExpr{{}}, "unknown()"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, RenderNftExprs(tt.exprs, nil)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNftDatatypeName(t *testing.T) {
	for typ, want := range map[uint32]string{0: "invalid", 7: "ipv4_addr", 13: "inet_service", 46: "cgroupsv2", 47: "type 47",
		7<<6 | 13: "ipv4_addr . inet_service", 41<<12 | 7<<6 | 13: "ifname . ipv4_addr . inet_service", unix.NFT_DATA_VERDICT: "verdict"} {
		if got := nftDatatypeName(typ); got != want {
			t.Errorf("nftDatatypeName(%#x) = %q, want %q", typ, got, want)
		}
	}
}

func TestRenderNftSetElements(t *testing.T) {
	v4 := &NftSet{Flags: unix.NFT_SET_INTERVAL, KeyType: 7}    // ipv4_addr
	port := &NftSet{Flags: unix.NFT_SET_INTERVAL, KeyType: 13} // inet_service
	vmap := &NftSet{Flags: unix.NFT_SET_MAP, KeyType: 7, DataType: unix.NFT_DATA_VERDICT}
	// google/nftables leaves a verdict map element's NFTA_DATA_VERDICT nest in Val.
	jump := []byte{8, 0, 1, 0, 0xff, 0xff, 0xff, 0xfd, 8, 0, 2, 0, 's', 'u', 'b', 0}
	tests := []struct {
		name string
		set  *NftSet
		els  []nftables.SetElement
		want []string
	}{
		{"concatenation", &NftSet{KeyType: 7<<6 | 13}, []nftables.SetElement{{Key: []byte{10, 0, 0, 1, 0, 22, 0, 0}}}, []string{"10.0.0.1 . 22"}},
		{"concatenation of intervals", &NftSet{Flags: unix.NFT_SET_INTERVAL, KeyType: 7<<6 | 13},
			[]nftables.SetElement{{Key: []byte{10, 0, 0, 0, 0, 22, 0, 0}, KeyEnd: []byte{10, 255, 255, 255, 0, 25, 0, 0}}}, []string{"10.0.0.0/8 . 22-25"}},
		{"MAC addresses", &NftSet{KeyType: 9<<6 | 7}, []nftables.SetElement{{Key: []byte{2, 0, 0, 0, 0, 1, 0, 0, 10, 0, 0, 1}}}, []string{"02:00:00:00:00:01 . 10.0.0.1"}},
		{"concatenation of unknown size", &NftSet{KeyType: 7<<6 | 4}, []nftables.SetElement{{Key: []byte{10, 0, 0, 1, 0, 0, 0, 9}}}, []string{"0x0a00000100000009"}},
		{"verdict map", vmap, []nftables.SetElement{{Key: []byte{1, 2, 3, 4}, Val: []byte{8, 0, 1, 0, 0, 0, 0, 0}}, {Key: []byte{1, 2, 3, 5}, Val: jump}},
			[]string{"1.2.3.4 : drop", "1.2.3.5 : jump sub"}},
		{"prefix and single, kernel order", v4, []nftables.SetElement{
			{Key: []byte{11, 0, 0, 0}, IntervalEnd: true}, {Key: []byte{10, 0, 0, 0}},
			{Key: []byte{172, 16, 5, 6}, IntervalEnd: true}, {Key: []byte{172, 16, 5, 5}},
			{Key: []byte{0, 0, 0, 0}, IntervalEnd: true},
		}, []string{"10.0.0.0/8", "172.16.5.5"}},
		{"range to the end", port, []nftables.SetElement{{Key: []byte{0x03, 0xe8}}}, []string{"1000-65535"}},
		{"range", port, []nftables.SetElement{{Key: []byte{0x03, 0xe8}}, {Key: []byte{0x07, 0xd1}, IntervalEnd: true}}, []string{"1000-2000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			tt.set.Elements = tt.els
			for _, e := range RenderNftSetElements(tt.set) {
				if e.Data != "" {
					e.Key += " : " + e.Data
				}
				got = append(got, e.Key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
