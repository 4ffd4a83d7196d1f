package netlinkx

// SocketOwner is a process holding a socket fd.
type SocketOwner struct {
	// PID is the process (thread group) id whose /proc/PID/fd holds the socket.
	PID int32
	// FD is the descriptor number, the name of the link in /proc/PID/fd.
	FD int32
	// Comm is /proc/PID/comm without its newline: the process name, at most
	// 15 bytes. Empty when the process exited before it was read.
	Comm string
}

// parseSocketLink reads the inode out of a /proc/PID/fd link's target,
// "socket:[INODE]"; ok is false for any other target.
func parseSocketLink(b []byte) (ino uint64, ok bool) { return parseInodeLink(b, "socket:[") }

// parseInodeLink reads INODE out of a link target prefix+"INODE]": how
// sockfs names a socket ("socket:[") and nsfs a namespace ("net:[").
func parseInodeLink(b []byte, prefix string) (ino uint64, ok bool) {
	if len(b) < len(prefix)+2 || string(b[:len(prefix)]) != prefix || b[len(b)-1] != ']' {
		return 0, false
	}
	return parseDecimal(b[len(prefix) : len(b)-1])
}

// parseDecimal parses a non-empty run of ASCII digits that fits in a
// uint64, without allocating.
func parseDecimal(b []byte) (n uint64, ok bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
