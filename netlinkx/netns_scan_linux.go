package netlinkx

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ScanNetNS lists every network namespace the caller can see: the one of
// each process under /proc (the links /proc/PID/ns/net, "net:[INODE]") and
// the ones named under /run/netns and /var/run/netns, also those no process
// is in. Processes that exit during the scan are skipped.
//
// The walk is getdents(2) on /proc and readlinkat(2) per process into reused
// buffers: no allocation per process, and nothing is opened but /proc
// itself. Threads that switched namespace on their own (setns(2) in one
// thread, /proc/PID/task/TID/ns/net) are not looked at.
func ScanNetNS(ctx context.Context) (NetNSScan, error) {
	var res NetNSScan
	byInode := make(map[uint64]int) // index in res.Namespaces
	host := uint64(procNetInitIno)  // unless PID 1 shows another
	err := walkProcNetNS(ctx, func(pid int, inode uint64) {
		if pid == 1 {
			host = inode
		}
		i, ok := byInode[inode]
		if !ok {
			i = len(res.Namespaces)
			byInode[inode] = i
			res.Namespaces = append(res.Namespaces, NetNSEntry{Inode: inode, PID: pid})
		}
		e := &res.Namespaces[i]
		e.Processes++
		if pid < e.PID {
			e.PID = pid
		}
	}, &res.Denied)
	if err != nil {
		return NetNSScan{}, err
	}
	names, err := namedNetNS(byInode)
	if err != nil {
		return NetNSScan{}, err
	}
	for _, n := range names {
		i, ok := byInode[n.inode]
		if !ok {
			i = len(res.Namespaces)
			byInode[n.inode] = i
			res.Namespaces = append(res.Namespaces, NetNSEntry{Inode: n.inode})
		}
		res.Namespaces[i].Names = append(res.Namespaces[i].Names, n.name)
	}
	for i := range res.Namespaces {
		e := &res.Namespaces[i]
		e.Host = e.Inode == host
		slices.Sort(e.Names)
		e.Names = slices.Compact(e.Names)
	}
	slices.SortFunc(res.Namespaces, func(a, b NetNSEntry) int {
		switch {
		case a.Inode < b.Inode:
			return -1
		case a.Inode > b.Inode:
			return 1
		}
		return 0
	})
	return res, nil
}

// walkProcNetNS calls fn with each process under /proc and the inode of its
// network namespace. Processes that are gone (ENOENT, ESRCH) are skipped;
// those we may not look into (EACCES, EPERM) are counted in denied.
func walkProcNetNS(ctx context.Context, fn func(pid int, inode uint64), denied *int) error {
	dfd, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("scan netns: open /proc: %w", err)
	}
	defer unix.Close(dfd)
	dents := make([]byte, 16<<10)
	var path [32]byte // "4194304/ns/net\x00" at most
	var link [64]byte // "net:[4026531840]"
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("scan netns: %w", err)
		}
		n, err := unix.Getdents(dfd, dents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("scan netns: getdents /proc: %w", err)
		}
		if n <= 0 {
			return nil
		}
		for b := dents[:n]; len(b) >= 19; {
			// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
			reclen := int(binary.NativeEndian.Uint16(b[16:18]))
			if reclen < 19 || reclen > len(b) {
				return fmt.Errorf("scan netns: getdents /proc: bad d_reclen %d", reclen)
			}
			name := b[19:reclen]
			b = b[reclen:]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			pid, ok := parsePID(name)
			if !ok {
				continue
			}
			p := append(append(path[:0], name...), "/ns/net\x00"...)
			r, _, e := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dfd), uintptr(unsafe.Pointer(&p[0])),
				uintptr(unsafe.Pointer(&link[0])), uintptr(len(link)), 0, 0)
			switch e {
			case 0:
			case unix.EACCES, unix.EPERM:
				*denied++
				continue
			default: // ENOENT, ESRCH: exited; anything else: not a process we can read
				continue
			}
			inode, ok := parseInodeLink(link[:r], "net:[")
			if !ok {
				continue
			}
			fn(pid, inode)
		}
	}
}

// namedNetNS lists the names under /run/netns and /var/run/netns (read once
// when one is a link to the other) with the inode of the namespace each is
// bound to. A file that is not a bind mount of a network namespace (left
// behind by an `ip netns add` that failed) is skipped. known holds inodes
// already seen as network namespaces; others are opened to check their type.
func namedNetNS(known map[uint64]int) ([]netnsName, error) {
	var nsfs unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &nsfs); err != nil {
		return nil, fmt.Errorf("scan netns: stat /proc/self/ns/net: %w", err)
	}
	type dirID struct{ dev, ino uint64 }
	var seenDirs []dirID
	var out []netnsName
	for _, dir := range netnsDirs {
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err != nil {
			continue // no such directory: no names
		}
		id := dirID{st.Dev, st.Ino}
		if slices.Contains(seenDirs, id) {
			continue
		}
		seenDirs = append(seenDirs, id)
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("scan netns: %w", err)
		}
		for _, ent := range ents {
			path := filepath.Join(dir, ent.Name())
			if err := unix.Stat(path, &st); err != nil || st.Dev != nsfs.Dev {
				continue // deleted meanwhile, or not bound to a namespace
			}
			if _, ok := known[st.Ino]; !ok {
				ns, err := openNetNSPath(path)
				if err != nil {
					continue // another namespace type, or gone
				}
				ns.Close()
			}
			out = append(out, netnsName{ent.Name(), st.Ino})
		}
	}
	return out, nil
}

// parsePID reads a /proc entry name as a process id; false for the others
// ("self", "net", ...).
func parsePID(b []byte) (int, bool) {
	n, ok := parseDecimal(b)
	if !ok || n == 0 || n > 1<<31-1 {
		return 0, false
	}
	return int(n), true
}

// netnsName is a name under /run/netns and the inode of the namespace bound to it.
type netnsName struct {
	name  string
	inode uint64
}
