package netlinkx

// NetNS is an open file descriptor of a network namespace (a file under
// /proc/PID/ns/net or /run/netns). The zero value means the caller's own
// namespace, which is what mdlayher/netlink's Config.NetNS expects too.
type NetNS int

// Own is the caller's network namespace: no switch at all.
const Own NetNS = 0
