package netlinkx

import (
	"errors"
	"os"
)

// NetNSEntry is one network namespace found on the host, by the processes in
// it (/proc/PID/ns/net) and by the names bound to it under /run/netns.
type NetNSEntry struct {
	// Inode is the namespace's inode on nsfs: the number in "net:[INODE]".
	Inode uint64
	// Names are its names under /run/netns and /var/run/netns, sorted and
	// without repeats; empty when it has none.
	Names []string
	// PID is the lowest process id in it (pids of the caller's pid
	// namespace), or 0 when no process is and only a name holds it.
	PID int
	// Processes counts the processes (thread groups) in it. A thread that
	// entered another namespace with setns(2) is not counted there.
	Processes int
	// Host marks the namespace of PID 1. When /proc/1/ns/net may not be
	// read (a sandbox's init, an unprivileged caller), it marks the initial
	// namespace (init_net) instead, known by the fixed inode recent kernels
	// give it (PROC_NET_INIT_INO, 0xEFFFFFF9); then no row may be marked.
	Host bool
}

// procNetInitIno is PROC_NET_INIT_INO (include/linux/proc_ns.h): the inode
// of init_net on kernels that no longer allocate it dynamically.
const procNetInitIno = 0xEFFFFFF9

// NetNSScan is what ScanNetNS found.
type NetNSScan struct {
	// Namespaces are the distinct network namespaces, by ascending inode.
	Namespaces []NetNSEntry
	// Denied counts the processes whose /proc/PID/ns/net could not be read
	// (EACCES: another user's process, without CAP_SYS_PTRACE). Their
	// namespaces are missing unless another process or a name shows them.
	Denied int
}

// NSIDRequest is an RTM_GETNSID request: which id (netnsid) the namespace
// NetNS has assigned to a peer namespace, named by a process in it or by an
// open descriptor. Asking assigns nothing: a peer without an id is -1.
type NSIDRequest struct {
	// NetNS is the namespace asked; Own for the caller's.
	NetNS NetNS
	// PID names the peer as the namespace of this process (NETNSA_PID).
	PID int
	// Peer names the peer by descriptor (NETNSA_FD), when PID is 0.
	Peer NetNS
}

// NSIDNotAssigned is NETNSA_NSID_NOT_ASSIGNED: the peer has no id in the namespace asked.
const NSIDNotAssigned = -1

// IsEnterError reports whether err says a network namespace could not be
// entered: setns(2) refused it, as it does without CAP_SYS_ADMIN. Both
// NetNS.Do and mdlayher/netlink's Config.NetNS report it as an
// *os.SyscallError for "setns".
func IsEnterError(err error) bool {
	var se *os.SyscallError
	return errors.As(err, &se) && se.Syscall == "setns"
}
