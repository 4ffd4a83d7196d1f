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
package netlinkx
