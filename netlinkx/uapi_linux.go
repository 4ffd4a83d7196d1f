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

// linux/if.h: RFC 2863 operational states (IFLA_OPERSTATE) and link modes
// (IFLA_LINKMODE).
const (
	IF_OPER_UNKNOWN        = 0
	IF_OPER_NOTPRESENT     = 1
	IF_OPER_DOWN           = 2
	IF_OPER_LOWERLAYERDOWN = 3
	IF_OPER_TESTING        = 4
	IF_OPER_DORMANT        = 5
	IF_OPER_UP             = 6

	IF_LINK_MODE_DEFAULT = 0
	IF_LINK_MODE_DORMANT = 1 // limit upward transition to dormant
	IF_LINK_MODE_TESTING = 2 // limit upward transition to testing, kernel 5.9+
)

// linux/rtnetlink.h: bits of IFLA_EXT_MASK in an RTM_GETLINK request.
const (
	RTEXT_FILTER_VF                = 1 << 0
	RTEXT_FILTER_BRVLAN            = 1 << 1
	RTEXT_FILTER_BRVLAN_COMPRESSED = 1 << 2
	RTEXT_FILTER_SKIP_STATS        = 1 << 3 // leave out IFLA_STATS, IFLA_STATS64 and the AF_INET6 statistics
	RTEXT_FILTER_MRP               = 1 << 4
	RTEXT_FILTER_CFM_CONFIG        = 1 << 5
	RTEXT_FILTER_CFM_STATUS        = 1 << 6
	RTEXT_FILTER_MST               = 1 << 7
)

// linux/if_addr.h: an ifa_cacheinfo lifetime that never ends.
const INFINITY_LIFE_TIME = 0xFFFFFFFF

// linux/ethtool.h: values of struct ethtool_cmd / ethtool_link_settings and
// of the ETHTOOL_A_LINKMODES_* and ETHTOOL_A_LINKINFO_* attributes.
const (
	DUPLEX_HALF    = 0x00
	DUPLEX_FULL    = 0x01
	DUPLEX_UNKNOWN = 0xff

	PORT_TP    = 0x00
	PORT_AUI   = 0x01
	PORT_MII   = 0x02
	PORT_FIBRE = 0x03
	PORT_BNC   = 0x04
	PORT_DA    = 0x05
	PORT_NONE  = 0xef
	PORT_OTHER = 0xff

	AUTONEG_DISABLE = 0x00
	AUTONEG_ENABLE  = 0x01

	SPEED_UNKNOWN32 = 0xFFFFFFFF // SPEED_UNKNOWN (-1) as the u32 the kernel sends
)
