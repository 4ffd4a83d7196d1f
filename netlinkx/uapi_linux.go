package netlinkx

// Constants that golang.org/x/sys/unix lacks, spelt as the kernel spells them,
// one block per uapi header with the header's path in the block comment.
// Append a new block at the end of this file for a new header.

//lint:file-ignore ST1003 names follow the kernel's uapi headers

// linux/inet_diag.h: the request attributes after struct inet_diag_req_v2.
const (
	INET_DIAG_REQ_NONE            = 0
	INET_DIAG_REQ_BYTECODE        = 1
	INET_DIAG_REQ_SK_BPF_STORAGES = 2
	INET_DIAG_REQ_PROTOCOL        = 3 // __u32 protocol, for protocols above 255 (IPPROTO_MPTCP)
)

// linux/inet_diag.h: the reply attributes after struct inet_diag_msg. Those
// up to INET_DIAG_SHUTDOWN are asked for with bit (type-1) of idiag_ext; the
// others come unasked (MARK and CGROUP_ID only to CAP_NET_ADMIN callers).
const (
	INET_DIAG_NONE            = 0
	INET_DIAG_MEMINFO         = 1
	INET_DIAG_INFO            = 2
	INET_DIAG_VEGASINFO       = 3
	INET_DIAG_CONG            = 4
	INET_DIAG_TOS             = 5
	INET_DIAG_TCLASS          = 6
	INET_DIAG_SKMEMINFO       = 7
	INET_DIAG_SHUTDOWN        = 8
	INET_DIAG_DCTCPINFO       = 9
	INET_DIAG_PROTOCOL        = 10
	INET_DIAG_SKV6ONLY        = 11
	INET_DIAG_LOCALS          = 12
	INET_DIAG_PEERS           = 13
	INET_DIAG_PAD             = 14
	INET_DIAG_MARK            = 15
	INET_DIAG_BBRINFO         = 16
	INET_DIAG_CLASS_ID        = 17
	INET_DIAG_MD5SIG          = 18
	INET_DIAG_ULP_INFO        = 19
	INET_DIAG_SK_BPF_STORAGES = 20
	INET_DIAG_CGROUP_ID       = 21
	INET_DIAG_SOCKOPT         = 22

	INET_DIAG_NOCOOKIE = 0xffffffff // idiag_cookie[i] of a request that names no socket
)

// include/net/tcp_states.h (kernel-internal; linux/bpf.h mirrors it as
// BPF_TCP_*): sk_state, also used by UDP, raw and unix sockets. idiag_states
// is a bit mask of 1<<state.
const (
	TCP_ESTABLISHED    = 1
	TCP_SYN_SENT       = 2
	TCP_SYN_RECV       = 3
	TCP_FIN_WAIT1      = 4
	TCP_FIN_WAIT2      = 5
	TCP_TIME_WAIT      = 6
	TCP_CLOSE          = 7
	TCP_CLOSE_WAIT     = 8
	TCP_LAST_ACK       = 9
	TCP_LISTEN         = 10
	TCP_CLOSING        = 11
	TCP_NEW_SYN_RECV   = 12
	TCP_BOUND_INACTIVE = 13 // pseudo-state for inet_diag, kernel 6.5+: bound, not listening or connected
	TCP_MAX_STATES     = 14
)
