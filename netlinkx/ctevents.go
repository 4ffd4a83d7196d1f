package netlinkx

// ctTCPStateNames are indexed by enum tcp_conntrack
// (linux/netfilter/nf_conntrack_tcp.h), without the TCP_CONNTRACK_ prefix.
var ctTCPStateNames = [...]string{
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT",
	"LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
}

// CTTCPStateName is a TCP_CONNTRACK_* state without its prefix
// (ESTABLISHED, TIME_WAIT, ...), "UNKNOWN" for a value without a name.
func CTTCPStateName(s uint8) string { return stateName(ctTCPStateNames[:], s) }

// ctStatusNames are the IPS_* bits of enum ip_conntrack_status
// (linux/netfilter/nf_conntrack_common.h), by bit, without the prefix.
var ctStatusNames = bitOrder[uint32](
	"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT", "DST_NAT",
	"SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT",
	"TEMPLATE", "UNTRACKED", "HELPER", "OFFLOAD", "HW_OFFLOAD",
)

// CTStatus formats ct status bits as their IPS_* names joined by '|'
// (ASSURED|CONFIRMED|SEEN_REPLY order follows the bits), leftover bits in hex.
func CTStatus(s uint32) string {
	return formatFlags(s, ctStatusNames, "|", "0x")
}
