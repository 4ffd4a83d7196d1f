package netlinkx_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// TestDumpInetBothFamilies checks the one-dump form for TCP (Family
// AF_UNSPEC, the compat TCPDIAG_GETSOCK request): it returns exactly the
// sockets of an AF_INET and an AF_INET6 dump together, with the same
// states, ports, port lists and extensions honoured, and refuses other
// protocols.
func TestDumpInetBothFamilies(t *testing.T) {
	ns, _ := startSockets(t)
	nsfd := ns.Open()
	dump := func(req netlinkx.InetDiagReq) []string {
		t.Helper()
		req.NetNS, req.Protocol = nsfd, unix.IPPROTO_TCP
		var out []string
		err := netlinkx.DumpInet(context.Background(), req, func(m *netlinkx.InetDiagMsg) error {
			out = append(out, fmt.Sprintf("%d %s %s:%d>%s:%d inode %d cookie %d info %t",
				m.Family, netlinkx.TCPStateName(m.State), m.SrcAddr(), m.ID.SPort, m.DstAddr(), m.ID.DPort, m.Inode, m.ID.Cookie, m.Info != nil))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	info := netlinkx.ExtBit(netlinkx.INET_DIAG_INFO)
	for _, tt := range []struct {
		name string
		req  netlinkx.InetDiagReq
	}{
		{"every state", netlinkx.InetDiagReq{States: ssAllStates}},
		{"listening", netlinkx.InetDiagReq{States: 1 << netlinkx.TCP_LISTEN}},
		{"bound, not listening", netlinkx.InetDiagReq{States: 1 << netlinkx.TCP_BOUND_INACTIVE}},
		{"tcp_info asked", netlinkx.InetDiagReq{States: ssAllStates, Ext: info}},
		{"one local port", netlinkx.InetDiagReq{States: ssAllStates, SPort: 7004}},
		{"local ports", netlinkx.InetDiagReq{States: ssAllStates, SPorts: []uint16{7004, 7001, 9}}},
		{"remote ports", netlinkx.InetDiagReq{States: ssAllStates, DPorts: []uint16{7001, 7004}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
				req := tt.req
				req.Family = f
				want = append(want, dump(req)...)
			}
			slices.Sort(want)
			req := tt.req
			req.Family = unix.AF_UNSPEC
			if diff := cmp.Diff(want, dump(req)); diff != "" {
				t.Errorf("one dump of both families (-two dumps +one):\n%s", diff)
			}
		})
	}
	if got := dump(netlinkx.InetDiagReq{States: ssAllStates}); !slices.ContainsFunc(got, func(s string) bool { return s[0] == '2' }) ||
		!slices.ContainsFunc(got, func(s string) bool { return s[:2] == "10" }) {
		t.Errorf("the lab should hold TCP sockets of both families: %q", got)
	}
	err := netlinkx.DumpInet(context.Background(), netlinkx.InetDiagReq{NetNS: nsfd, Protocol: unix.IPPROTO_UDP, States: ssAllStates}, func(*netlinkx.InetDiagMsg) error { return nil })
	if err == nil {
		t.Error("AF_UNSPEC for UDP: no error")
	}
}
