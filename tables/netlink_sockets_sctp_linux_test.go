package tables

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// sctpDiagMsg builds an inet_diag_msg as sctp_diag sends it: a socket with
// its local addresses (INET_DIAG_LOCALS), or, with peers, an association
// that also carries INET_DIAG_PEERS.
func sctpDiagMsg(state uint8, peers bool) []byte {
	b := make([]byte, 72)
	b[0], b[1] = unix.AF_INET, state
	attr := func(typ uint16, n int) {
		h := make([]byte, 4+n)
		binary.NativeEndian.PutUint16(h[0:2], uint16(4+n))
		binary.NativeEndian.PutUint16(h[2:4], typ)
		b = append(b, h...)
	}
	attr(netlinkx.INET_DIAG_LOCALS, 128) // one sockaddr_storage
	if peers {
		attr(netlinkx.INET_DIAG_PEERS, 128)
	}
	return b
}

// TestSCTPStates checks the state names of SCTP rows: a socket's state is
// TCP_* (SCTP_SS_LISTENING is TCP_LISTEN), an association's SCTP_STATE_*.
// No kernel here has sctp_diag, so the messages are built as the kernel's
// net/sctp/diag.c fills them.
func TestSCTPStates(t *testing.T) {
	tests := []struct {
		name  string
		proto uint32
		state uint8
		peers bool
		want  string
	}{
		{"listening socket", unix.IPPROTO_SCTP, netlinkx.TCP_LISTEN, false, "LISTEN"},
		{"one-to-one socket", unix.IPPROTO_SCTP, netlinkx.TCP_ESTABLISHED, false, "ESTABLISHED"},
		{"closed socket", unix.IPPROTO_SCTP, netlinkx.TCP_CLOSE, false, "CLOSE"},
		{"association, COOKIE_WAIT", unix.IPPROTO_SCTP, 1, true, "COOKIE_WAIT"},
		{"association, COOKIE_ECHOED", unix.IPPROTO_SCTP, 2, true, "COOKIE_ECHOED"},
		{"association, ESTABLISHED", unix.IPPROTO_SCTP, 3, true, "ESTABLISHED"},
		{"association, SHUTDOWN_ACK_SENT", unix.IPPROTO_SCTP, 7, true, "SHUTDOWN_ACK_SENT"},
		{"association, CLOSED", unix.IPPROTO_SCTP, 0, true, "CLOSED"},
		{"association, unknown state", unix.IPPROTO_SCTP, 10, true, "UNKNOWN"},
		{"TCP is never an association", unix.IPPROTO_TCP, netlinkx.TCP_SYN_SENT, true, "SYN_SENT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m netlinkx.InetDiagMsg
			if err := m.UnmarshalBinary(sctpDiagMsg(tt.state, tt.peers)); err != nil {
				t.Fatal(err)
			}
			m.Protocol = tt.proto
			if got := (&inetSock{InetDiagMsg: &m}).stateName(); got != tt.want {
				t.Errorf("state = %q, want %q", got, tt.want)
			}
		})
	}
}
