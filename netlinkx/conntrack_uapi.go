package netlinkx

//lint:file-ignore ST1003 names follow the kernel's uapi headers

// linux/netfilter/nfnetlink_conntrack.h: enum cntl_msg_types, the ctnetlink
// message types under subsystem NFNL_SUBSYS_CTNETLINK.
const (
	IPCTNL_MSG_CT_NEW           = 0
	IPCTNL_MSG_CT_GET           = 1
	IPCTNL_MSG_CT_DELETE        = 2
	IPCTNL_MSG_CT_GET_CTRZERO   = 3
	IPCTNL_MSG_CT_GET_STATS_CPU = 4
	IPCTNL_MSG_CT_GET_STATS     = 5
)

// linux/netfilter/nfnetlink_conntrack.h: enum ctattr_type, the top-level
// attributes of a conntrack entry. Values are big-endian.
const (
	CTA_UNSPEC         = 0
	CTA_TUPLE_ORIG     = 1
	CTA_TUPLE_REPLY    = 2
	CTA_STATUS         = 3
	CTA_PROTOINFO      = 4
	CTA_HELP           = 5
	CTA_NAT_SRC        = 6
	CTA_TIMEOUT        = 7
	CTA_MARK           = 8
	CTA_COUNTERS_ORIG  = 9
	CTA_COUNTERS_REPLY = 10
	CTA_USE            = 11
	CTA_ID             = 12
	CTA_NAT_DST        = 13
	CTA_TUPLE_MASTER   = 14
	CTA_SEQ_ADJ_ORIG   = 15
	CTA_SEQ_ADJ_REPLY  = 16
	CTA_SECMARK        = 17
	CTA_ZONE           = 18
	CTA_SECCTX         = 19
	CTA_TIMESTAMP      = 20
	CTA_MARK_MASK      = 21
	CTA_LABELS         = 22
	CTA_LABELS_MASK    = 23
	CTA_SYNPROXY       = 24
	CTA_FILTER         = 25
	CTA_STATUS_MASK    = 26
)

// linux/netfilter/nfnetlink_conntrack.h: enum ctattr_tuple, enum ctattr_ip
// and enum ctattr_l4proto, the nests of a CTA_TUPLE_*.
const (
	CTA_TUPLE_IP    = 1
	CTA_TUPLE_PROTO = 2
	CTA_TUPLE_ZONE  = 3

	CTA_IP_V4_SRC = 1
	CTA_IP_V4_DST = 2
	CTA_IP_V6_SRC = 3
	CTA_IP_V6_DST = 4

	CTA_PROTO_NUM         = 1
	CTA_PROTO_SRC_PORT    = 2
	CTA_PROTO_DST_PORT    = 3
	CTA_PROTO_ICMP_ID     = 4
	CTA_PROTO_ICMP_TYPE   = 5
	CTA_PROTO_ICMP_CODE   = 6
	CTA_PROTO_ICMPV6_ID   = 7
	CTA_PROTO_ICMPV6_TYPE = 8
	CTA_PROTO_ICMPV6_CODE = 9
)

// linux/netfilter/nfnetlink_conntrack.h: enum ctattr_protoinfo,
// enum ctattr_protoinfo_tcp and enum ctattr_counters.
const (
	CTA_PROTOINFO_TCP  = 1
	CTA_PROTOINFO_DCCP = 2
	CTA_PROTOINFO_SCTP = 3

	CTA_PROTOINFO_TCP_STATE = 1

	CTA_COUNTERS_PACKETS = 1 // __be64
	CTA_COUNTERS_BYTES   = 2 // __be64
)

// NFNETLINK_V0 is nfgenmsg.version (linux/netfilter/nfnetlink.h).
const NFNETLINK_V0 = 0
