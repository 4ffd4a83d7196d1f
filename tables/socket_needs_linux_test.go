package tables

import (
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// TestSocketRequestFlags checks the flags each socket column asks for when
// a query uses it alone: the *_SHOW_* flags of the unix, netlink and
// packet dumps and tcp_info's idiag_ext bits follow the columns' needs.
func TestSocketRequestFlags(t *testing.T) {
	tests := []struct {
		table  *lazyTable[socket]
		column string
		flags  []showFlag
		want   uint32
	}{
		{netlinkSockets, "local_address", unixShow, netlinkx.UDIAG_SHOW_NAME},
		{netlinkSockets, "unix_peer_inode", unixShow, netlinkx.UDIAG_SHOW_PEER},
		{netlinkSockets, "rx_queue", unixShow, netlinkx.UDIAG_SHOW_RQLEN},
		{netlinkSockets, "tx_queue", unixShow, netlinkx.UDIAG_SHOW_RQLEN},
		{netlinkSockets, "uid", unixShow, netlinkx.UDIAG_SHOW_UID},
		{netlinkSockets, "inode", unixShow, 0},
		{netlinkSockets, "rx_queue", netlinkShow, netlinkx.NDIAG_SHOW_MEMINFO},
		{netlinkSockets, "uid", netlinkShow, 0},
		{netlinkSockets, "uid", packetShow, netlinkx.PACKET_SHOW_INFO},
		{netlinkSockets, "interface", packetShow, netlinkx.PACKET_SHOW_INFO},
		{netlinkSockets, "tx_queue", packetShow, netlinkx.PACKET_SHOW_MEMINFO},
		{netlinkSockets, "state", packetShow, 0},
		{tcpInfo, "rtt_us", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_INFO))},
		{tcpInfo, "congestion", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_CONG))},
		{tcpInfo, "tos", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_TOS))},
		{tcpInfo, "tclass", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_TCLASS))},
		{tcpInfo, "rmem_alloc", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_SKMEMINFO))},
		{tcpInfo, "shutdown", inetExt, uint32(netlinkx.ExtBit(netlinkx.INET_DIAG_SHUTDOWN))},
		{tcpInfo, "mark", inetExt, 0},          // sent unasked
		{tcpInfo, "local_address", inetExt, 0}, // in inet_diag_msg
		{netlinkSockets, "local_address", inetExt, 0},
	}
	for _, tt := range tests {
		t.Run(tt.table.name+"/"+tt.column, func(t *testing.T) {
			q := NewQuery(tt.table.Spec(), nil, []string{tt.column})
			for i, c := range tt.table.table().Columns {
				if q.usedAt(i) {
					q.Needs |= uint64(c.Need)
				}
			}
			if q.Needs == 0 && tt.want != 0 {
				t.Fatalf("column %s declares no need", tt.column)
			}
			if got := showFlags(q, tt.flags); got != tt.want {
				t.Errorf("flags %#x, want %#x", got, tt.want)
			}
		})
	}
}
