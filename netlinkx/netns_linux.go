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

// netnsDirs are where `ip netns add` keeps named namespaces (iproute2's
// NETNS_RUN_DIR, and the older /var/run/netns; on most systems one is a
// symlink to the other).
var netnsDirs = []string{"/run/netns", "/var/run/netns"}

// OpenNetNS opens the network namespace that spec names: a name under
// /run/netns (as `ip netns` uses), or an absolute path to a namespace file
// such as /proc/1234/ns/net. The caller closes the result with Close.
// A name with a '/' (other than an absolute path), "." and "..", a file that
// is not on nsfs and a namespace of another type are refused.
func OpenNetNS(spec string) (NetNS, error) {
	if spec == "" {
		return 0, errors.New("open netns: empty name")
	}
	if strings.IndexByte(spec, 0) >= 0 {
		return 0, fmt.Errorf("open netns %q: NUL in name", spec)
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

// OpenNetNSOfPID opens /proc/PID/ns/net: the network namespace process pid is
// in (a thread id gives that thread's). Another user's process needs
// ptrace read access (root, or CAP_SYS_PTRACE).
func OpenNetNSOfPID(pid int) (NetNS, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("open netns of pid %d: not a process id", pid)
	}
	return openNetNSPath("/proc/" + strconv.Itoa(pid) + "/ns/net")
}

// openNetNSPath opens path as a network namespace without side effects on
// other files: it first opens an O_PATH descriptor (which neither blocks on
// a FIFO nor opens a device), checks that the file lives on nsfs, and only
// then reopens it for reading through /proc/self/fd and checks its type.
func openNetNSPath(path string) (NetNS, error) {
	pfd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	defer unix.Close(pfd)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(pfd, &sfs); err != nil {
		return 0, fmt.Errorf("open netns %s: statfs: %w", path, err)
	}
	if sfs.Type != unix.NSFS_MAGIC {
		return 0, fmt.Errorf("open netns %s: %w", path, errNotNetNS)
	}
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(pfd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	typ, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil || typ != unix.CLONE_NEWNET {
		unix.Close(fd)
		if err == nil {
			err = errNotNetNS
		}
		return 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	if fd == 0 {
		// fd 0 would read as Own: keep a higher copy (only when stdin was closed).
		fd2, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
		unix.Close(0)
		if err != nil {
			return 0, fmt.Errorf("open netns %s: dup: %w", path, err)
		}
		fd = fd2
	}
	return NetNS(fd), nil
}

// errNotNetNS is the error for a file that is not a network namespace.
var errNotNetNS = errors.New("not a network namespace")

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
// rather than reuse it in the wrong namespace. A panic in fn is returned as
// an error after the switch back. Entering needs CAP_SYS_ADMIN; a refusal is
// an *os.SyscallError for "setns" (see IsEnterError).
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
			errc <- fmt.Errorf("enter netns: %w", os.NewSyscallError("setns", err))
			return
		}
		ferr := callRecover(fn)
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

// callRecover calls fn and turns a panic into an error, so that Do always
// gets to switch its thread back (a panic on Do's own goroutine would
// otherwise end the process, past every host's recover).
func callRecover(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in netns: %v", r)
		}
	}()
	return fn()
}
