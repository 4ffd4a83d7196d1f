package netlinkx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SocketOwners maps socket inode → its first owner (lowest pid, then lowest fd), walking /proc/[pid]/fd of pids (all processes when pids is nil).
//
// The walk reads directories with getdents and links with readlinkat into
// reused buffers: one goroutine lists /proc and each /proc/PID/fd, two
// others read the links (the time goes to the kernel's proc lookups, so two
// readers keep both cores busy: BenchmarkSocketOwners in procfd_linux_test.go). Comm is read only for
// the processes that end up owning a socket in the result. Processes that
// exit during the walk (ENOENT, ESRCH) and descriptors the caller may not
// read (EACCES, EPERM: another user's processes when not root) are skipped
// silently, so the map may miss sockets without an error. The result does
// not depend on scheduling. The walk stops early when ctx ends.
func SocketOwners(ctx context.Context, pids []int32) (map[uint64]SocketOwner, error) {
	traceProcWalk(ctx, pids)
	proc, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("walk /proc for socket owners: open /proc: %w", err)
	}
	defer unix.Close(proc)

	w := &ownerWalk{proc: proc, done: ctx.Done(), jobs: make(chan *fdChunk, 16)}
	const readers = 2
	var recs [readers][]ownerRec
	var errs [readers]error
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() { recs[i], errs[i] = w.readLinks() })
	}
	lerr := w.list(pids)
	close(w.jobs)
	wg.Wait()

	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("walk /proc for socket owners: %w", err)
	}
	if err := errors.Join(lerr, errs[0], errs[1]); err != nil {
		return nil, fmt.Errorf("walk /proc for socket owners: %w", err)
	}

	owners := make(map[uint64]SocketOwner, len(recs[0])+len(recs[1]))
	for _, rs := range recs {
		for _, r := range rs {
			if o, ok := owners[r.ino]; ok && (o.PID < r.pid || o.PID == r.pid && o.FD < r.fd) {
				continue
			}
			owners[r.ino] = SocketOwner{PID: r.pid, FD: r.fd}
		}
	}
	comms := make(map[int32]string)
	var buf [64]byte
	for ino, o := range owners {
		c, ok := comms[o.PID]
		if !ok {
			c = w.comm(o.PID, buf[:])
			comms[o.PID] = c
		}
		o.Comm = c
		owners[ino] = o
	}
	return owners, nil
}

// ownerRec is one socket fd found by a link reader.
type ownerRec struct {
	ino     uint64
	pid, fd int32
}

// fdChunkSize bounds the descriptors handed to a reader at once, so that one
// process holding most sockets is still split over both readers.
const fdChunkSize = 256

// fdChunk is a run of descriptor numbers of one process for a link reader.
type fdChunk struct {
	pid int32
	dir *fdDir
	n   int
	fds [fdChunkSize]int32
}

// fdDir is an open /proc/PID/fd shared by the chunks listed from it; the
// last one released closes it.
type fdDir struct {
	fd   int
	refs atomic.Int32
}

func (d *fdDir) release() {
	if d.refs.Add(-1) == 0 {
		unix.Close(d.fd)
	}
}

// ownerWalk is the state the lister and the link readers share.
type ownerWalk struct {
	proc int             // the /proc directory
	done <-chan struct{} // ctx.Done()
	jobs chan *fdChunk
	free sync.Pool // of *fdChunk
}

func (w *ownerWalk) cancelled() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// list sends the descriptors of every process in pids (all of /proc when
// nil) to the readers.
func (w *ownerWalk) list(pids []int32) error {
	buf := make([]byte, 32<<10)
	if pids != nil {
		for _, pid := range pids {
			if w.cancelled() {
				return nil
			}
			if pid > 0 {
				if err := w.listFDs(pid, buf); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// /proc's own entries go to a second buffer: listFDs reuses buf.
	pbuf := make([]byte, 32<<10)
	if _, err := unix.Seek(w.proc, 0, 0); err != nil {
		return fmt.Errorf("rewind /proc: %w", err)
	}
	for {
		n, err := unix.ReadDirent(w.proc, pbuf)
		if err != nil {
			return fmt.Errorf("read /proc: %w", err)
		}
		if n <= 0 {
			return nil
		}
		var lerr error
		eachDirent(pbuf[:n], func(name []byte) bool {
			pid, ok := parseDecimal(name)
			if !ok || pid == 0 || pid > 1<<31-1 {
				return true
			}
			if w.cancelled() {
				return false
			}
			lerr = w.listFDs(int32(pid), buf)
			return lerr == nil
		})
		if lerr != nil || w.cancelled() {
			return lerr
		}
	}
}

// listFDs opens /proc/PID/fd and sends its descriptor numbers in chunks.
func (w *ownerWalk) listFDs(pid int32, buf []byte) error {
	var path [32]byte
	p := strconv.AppendInt(path[:0], int64(pid), 10)
	p = append(p, "/fd\x00"...)
	fd, err := openat(w.proc, p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC)
	if err != nil {
		if skippable(err) {
			return nil
		}
		return fmt.Errorf("open /proc/%d/fd: %w", pid, err)
	}
	d := &fdDir{fd: fd}
	d.refs.Store(1) // the lister's own reference
	defer d.release()
	c := w.chunk(pid, d)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err != nil {
			if skippable(err) {
				break
			}
			return fmt.Errorf("read /proc/%d/fd: %w", pid, err)
		}
		if n <= 0 {
			break
		}
		eachDirent(buf[:n], func(name []byte) bool {
			v, ok := parseDecimal(name)
			if !ok || v > 1<<31-1 {
				return true
			}
			c.fds[c.n] = int32(v)
			c.n++
			if c.n == fdChunkSize {
				w.send(c)
				c = w.chunk(pid, d)
			}
			return true
		})
	}
	if c.n > 0 {
		w.send(c)
	} else {
		w.free.Put(c)
	}
	return nil
}

func (w *ownerWalk) chunk(pid int32, d *fdDir) *fdChunk {
	c, _ := w.free.Get().(*fdChunk)
	if c == nil {
		c = new(fdChunk)
	}
	c.pid, c.dir, c.n = pid, d, 0
	return c
}

func (w *ownerWalk) send(c *fdChunk) {
	c.dir.refs.Add(1)
	w.jobs <- c
}

// readLinks reads the link of every descriptor sent to it and returns the
// socket fds among them.
func (w *ownerWalk) readLinks() ([]ownerRec, error) {
	var recs []ownerRec
	var firstErr error
	var link [64]byte // "socket:[" + 20 digits + "]" fits; longer targets are not sockets
	var name [16]byte
	for c := range w.jobs {
		if firstErr == nil && !w.cancelled() {
			for _, fd := range c.fds[:c.n] {
				nb := strconv.AppendInt(name[:0], int64(fd), 10)
				nb = append(nb, 0)
				r, _, e := unix.Syscall6(unix.SYS_READLINKAT, uintptr(c.dir.fd),
					uintptr(unsafe.Pointer(&nb[0])), uintptr(unsafe.Pointer(&link[0])), uintptr(len(link)), 0, 0)
				if e != 0 {
					if skippable(e) {
						continue
					}
					firstErr = fmt.Errorf("readlink /proc/%d/fd/%d: %w", c.pid, fd, e)
					break
				}
				if ino, ok := parseSocketLink(link[:r]); ok {
					recs = append(recs, ownerRec{ino: ino, pid: c.pid, fd: fd})
				}
			}
		}
		c.dir.release()
		c.dir = nil
		w.free.Put(c)
	}
	return recs, firstErr
}

// comm reads /proc/PID/comm; "" when the process is gone.
func (w *ownerWalk) comm(pid int32, buf []byte) string {
	var path [32]byte
	p := strconv.AppendInt(path[:0], int64(pid), 10)
	p = append(p, "/comm\x00"...)
	fd, err := openat(w.proc, p, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, buf)
	if err != nil || n <= 0 {
		return ""
	}
	return string(bytes.TrimSuffix(buf[:n], []byte("\n")))
}

// openat opens the NUL-terminated path relative to dir without the string
// conversion unix.Openat makes.
func openat(dir int, path []byte, flags int) (int, error) {
	for {
		r, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dir), uintptr(unsafe.Pointer(&path[0])), uintptr(flags), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(r), nil
	}
}

// skippable reports the errors of a process that exited, a descriptor that
// was closed, or one we may not read.
func skippable(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) ||
		errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM)
}

// eachDirent calls fn with the name of each struct linux_dirent64 in b
// until fn returns false.
func eachDirent(b []byte, fn func(name []byte) bool) {
	const nameOff = 19 // d_ino 8, d_off 8, d_reclen 2, d_type 1
	for len(b) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameOff || reclen > len(b) {
			return
		}
		name := b[nameOff:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		b = b[reclen:]
		if !fn(name) {
			return
		}
	}
}
