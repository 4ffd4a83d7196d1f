package netlinkx

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// NetNSNames returns the names bound to network namespaces under /run/netns
// and /var/run/netns (`ip netns add`), by the namespace's inode: of several
// names the first in byte order. It reads two directories and stats their
// entries, without walking /proc.
func NetNSNames() (map[uint64]string, error) {
	names, err := namedNetNS(nil)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(names))
	for _, n := range names {
		if old, ok := out[n.inode]; !ok || n.name < old {
			out[n.inode] = n.name
		}
	}
	return out, nil
}

// Dup returns a second descriptor of the namespace, which keeps it alive
// (and its inode number from being reused) until it is closed. Own dups to Own.
func (ns NetNS) Dup() (NetNS, error) {
	if ns == Own {
		return Own, nil
	}
	fd, err := unix.FcntlInt(uintptr(ns), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return Own, fmt.Errorf("dup network namespace descriptor: %w", err)
	}
	return NetNS(fd), nil
}
