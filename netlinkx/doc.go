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
// Why links, addresses and rules are decoded here rather than with
// jsimonetti/rtnetlink v2 (the exception to "use the chosen libraries"):
// its Execute-based dumps hide NLM_F_DUMP_INTR, so an interrupted dump
// cannot be restarted without repeating rows; its LinkStats64 refuses an
// IFLA_STATS64 that is not 184, 192 or 200 bytes long, where a newer
// kernel may send more; and it allocates a message per datagram, where Dump
// reads every datagram into one reused buffer. Routes are decoded here too:
// rtnetlink's RouteMessage allocates per attribute and reads neither
// RTA_VIA, RTA_NH_ID, RTA_CACHEINFO nor a path's RTA_VIA and RTA_FLOW,
// and a dump may hold a full Internet table. rtnetlink's types are used
// where they carry what a table needs (neighbours in the event stream; it
// has no nexthop messages), and tests check that our link, address, rule
// and route decoders agree with rtnetlink's on every recorded message both
// can decode.
//
// Likewise nf_tables chains, rules and sets (DecodeNftChain, DecodeNftRule,
// DecodeNftSet) are decoded here, and google/nftables v0.3.0 is used for
// expression data and set elements only: its Chain has no handle, flags,
// comment or device; its rule reader drops, without a trace, expressions it
// has no type for; and its Set loses a verdict map's key type.
package netlinkx
