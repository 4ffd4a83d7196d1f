// Package netlinkx reads the Linux kernel's networking state over netlink
// (sock_diag, rtnetlink, generic netlink) and ioctl, and returns typed Go
// values named after the uapi structs they mirror.
//
// It knows nothing of osquery or SQL: the tables package turns its values into
// rows. Every call that reaches the kernel takes a context first, honours its
// deadline, and takes the NetNS to work in, so that one process can read any
// network namespace without moving its other threads.
//
// Values handed to a callback (the emit functions of the Dump* calls) point
// into a buffer that is reused for the next message: read them inside the
// callback, copy what must outlive it.
//
// # Why links and addresses are decoded here
//
// Where a library's types carry what a table needs, netlinkx uses them:
// jsimonetti/rtnetlink decodes the routes, rules and neighbours of
// netlink_events (DecodeRtEvent), mdlayher/ethtool reads link_settings,
// ti-mo/conntrack and google/nftables read conntrack and nf_tables. Links
// (RTM_NEWLINK) and addresses (RTM_NEWADDR) are the exception: DumpLinks and
// DumpAddrs decode them here rather than with jsimonetti/rtnetlink, because
// through rtnetlink
//
//   - a dump goes through Conn.Execute, which returns the messages without
//     their headers: NLM_F_DUMP_INTR (a dump the kernel interrupted because
//     the links changed meanwhile) cannot be seen, whereas Dump restarts
//     such a dump and skips the links already handed out (DumpRequest.Key);
//   - the whole dump is collected into a slice of freshly allocated
//     messages, where Dump streams each message from one reused buffer;
//   - IFLA_STATS64 must be 184, 192 or 200 bytes long, or the whole message
//     fails to decode: a kernel that extends rtnl_link_stats64 would break
//     every link table, where decodeUAPI reads any length (a shorter struct
//     zero-padded, a longer one's tail ignored; link_stats64 shows as NULL
//     what the kernel did not send);
//   - a link's LinkMessage leaves out attributes the link tables show
//     (IFLA_PERM_ADDRESS, IFLA_PROP_LIST, IFLA_PARENT_DEV_NAME, IFLA_MIN_MTU,
//     IFLA_PROMISCUITY, IFLA_MAP, IFLA_AF_SPEC), which would need a second
//     decoder of the same message anyway.
//
// The neighbour and tc dumps of netlink_neighbors and netlink_qdiscs
// (DumpNeigh, DumpTc) are decoded here for the first two reasons.
// TestLinkDecoderAgreesWithRtnetlink checks that, where both decoders read a
// recorded link, they agree.
package netlinkx
