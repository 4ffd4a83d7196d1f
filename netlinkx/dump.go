package netlinkx

import "errors"

// ErrDumpInterrupted reports that the kernel set NLM_F_DUMP_INTR on a dump
// more times in a row than Dump retries: the objects changed while they were
// being listed, again and again.
var ErrDumpInterrupted = errors.New("netlink dump interrupted (NLM_F_DUMP_INTR) too often")

// DumpRequest is one NLM_F_DUMP request and how to read its reply.
type DumpRequest struct {
	// Protocol is the netlink protocol to open: unix.NETLINK_ROUTE, unix.NETLINK_SOCK_DIAG, ...
	Protocol int
	// NetNS is the namespace to dump; Own for the caller's.
	NetNS NetNS
	// Type is nlmsg_type of the request (RTM_GETLINK, SOCK_DIAG_BY_FAMILY, ...).
	Type uint16
	// Flags are added to NLM_F_REQUEST; most dumps want NLM_F_DUMP.
	Flags uint16
	// Data is the request's payload: the fixed header (ifinfomsg, inet_diag_req_v2) and attributes.
	Data []byte
	// Strict sets NETLINK_GET_STRICT_CHK on the socket (kernel 4.20+), so
	// that the kernel checks the request's header and applies the filters
	// in its attributes (RTA_TABLE, RTA_OIF of a route dump). Older kernels
	// refuse the option and dump everything: the caller filters again.
	Strict bool
	// Key names a reply message so that a dump restarted after NLM_F_DUMP_INTR
	// skips the messages already handed out (an ifindex, a socket cookie).
	// Without it an interrupted dump is read to its end as it is, like `ip` and `ss` do.
	Key func(payload []byte) (key uint64, ok bool)
}

// maxDumpRetries bounds how often a dump interrupted by NLM_F_DUMP_INTR is restarted.
const maxDumpRetries = 3
