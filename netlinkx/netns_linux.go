package netlinkx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// netnsDirs are where `ip netns add` keeps named namespaces (iproute2's NETNS_RUN_DIR).
var netnsDirs = []string{"/run/netns", "/var/run/netns"}

// OpenNetNS opens the network namespace that spec names: a name under
// /run/netns (as `ip netns` uses), or an absolute path to a namespace file
// such as /proc/1234/ns/net. The caller closes the result with Close.
// A file that is not a network namespace is refused (NS_GET_NSTYPE).
func OpenNetNS(spec string) (NetNS, error) {
	if spec == "" {
		return 0, errors.New("open netns: empty name")
	}
	path := spec
	if !strings.HasPrefix(spec, "/") {
		if strings.ContainsRune(spec, '/') || spec == "." || spec == ".." {
			return 0, fmt.Errorf("open netns %q: not a namespace name", spec)
		}
		path = filepath.Join(netnsDirs[0], spec)
		for _, d := range netnsDirs {
			if _, err := os.Stat(filepath.Join(d, spec)); err == nil {
				path = filepath.Join(d, spec)
				break
			}
		}
	}
	return openNetNSPath(path)
}

// OpenNetNSOfPID opens /proc/PID/ns/net: the network namespace process pid is in.
func OpenNetNSOfPID(pid int) (NetNS, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("open netns of pid %d: not a process id", pid)
	}
	return openNetNSPath("/proc/" + strconv.Itoa(pid) + "/ns/net")
}

func openNetNSPath(path string) (NetNS, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	typ, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil || typ != unix.CLONE_NEWNET {
		unix.Close(fd)
		if err == nil {
			err = errors.New("not a network namespace")
		}
		return 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	return NetNS(fd), nil
}

// Close releases the namespace's file descriptor. Closing Own does nothing.
func (ns NetNS) Close() error {
	if ns <= 0 {
		return nil
	}
	return unix.Close(int(ns))
}

// Inode is the namespace's inode number: the id `ls -L -i /proc/PID/ns/net`
// and `ip netns identify` compare. For Own it is the calling thread's namespace.
func (ns NetNS) Inode() (uint64, error) {
	var st unix.Stat_t
	var err error
	if ns == Own {
		err = unix.Stat("/proc/thread-self/ns/net", &st)
	} else {
		err = unix.Fstat(int(ns), &st)
	}
	if err != nil {
		return 0, fmt.Errorf("stat netns: %w", err)
	}
	return st.Ino, nil
}

// Do runs fn on an OS thread switched into ns, for the calls that act in the
// calling thread's namespace (ioctl on a fresh socket, the ethtool client).
// The thread is locked for the whole call and switched back after; if the
// switch back fails, the thread is left locked so that the Go runtime ends it
// rather than reuse it in the wrong namespace. Entering needs CAP_SYS_ADMIN.
func (ns NetNS) Do(fn func() error) error {
	if ns == Own {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own netns: %w", err)
			return
		}
		defer unix.Close(orig)
		if err := unix.Setns(int(ns), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns: %w", err)
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// Stay locked: the thread dies with this goroutine.
			errc <- fmt.Errorf("return from netns: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
