package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// dumpBufSize is the receive buffer for one datagram of a dump. The kernel
// fills dump datagrams up to 32 KiB (netlink_dump caps max_recvmsg_len); a
// single rtnetlink message with min_dump_alloc above this is reported as
// truncated rather than decoded wrong.
const dumpBufSize = 64 << 10

var dumpBufs = sync.Pool{New: func() any { b := make([]byte, dumpBufSize); return &b }}

// Dump sends req and calls fn with the header and payload of each reply
// message until NLMSG_DONE. The payload aliases a buffer reused for the next
// datagram: fn must not keep it.
//
// The reply is read with one reused buffer and recvfrom on the socket itself,
// not with Conn.Receive, which allocates per datagram (tables/BENCHMARKS.md,
// BenchmarkSockets in tables/sockets_bench_linux_test.go).
// The context's deadline and cancellation bound every wait. An NLMSG_ERROR or
// an error in NLMSG_DONE is returned as its errno, wrapped. When the kernel
// sets NLM_F_DUMP_INTR and req.Key is set, the dump is restarted (at most
// maxDumpRetries times) and messages already handed to fn are skipped.
func Dump(ctx context.Context, req DumpRequest, fn func(h netlink.Header, payload []byte) error) error {
	return dumpRetrying(ctx, req, dumpOnce, fn)
}

// dumpFunc runs a request once; errRetry asks for another run.
type dumpFunc func(ctx context.Context, req DumpRequest, seen map[uint64]struct{}, fn func(netlink.Header, []byte) error) error

// dumpRetrying runs once until it stops asking for a retry, at most
// maxDumpRetries+1 times. seen carries the keys handed out across runs.
func dumpRetrying(ctx context.Context, req DumpRequest, once dumpFunc, fn func(netlink.Header, []byte) error) error {
	var seen map[uint64]struct{}
	if req.Key != nil {
		seen = make(map[uint64]struct{})
	}
	for attempt := 0; ; attempt++ {
		err := once(ctx, req, seen, fn)
		if !errors.Is(err, errRetry) {
			return err
		}
		if attempt == maxDumpRetries {
			return fmt.Errorf("after %d attempts: %w", attempt+1, ErrDumpInterrupted)
		}
	}
}

// errRetry asks Dump to run the request again: NLM_F_DUMP_INTR with a Key, or ENOBUFS.
var errRetry = errors.New("retry dump")

func dumpOnce(ctx context.Context, req DumpRequest, seen map[uint64]struct{}, fn func(netlink.Header, []byte) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	traceDump(ctx, req)
	c, err := netlink.Dial(req.Protocol, &netlink.Config{NetNS: int(req.NetNS)})
	if err != nil {
		return fmt.Errorf("open netlink socket (protocol %d): %w", req.Protocol, err)
	}
	defer c.Close()
	if req.Strict {
		if err := c.SetOption(netlink.GetStrictCheck, true); err != nil && !errors.Is(err, unix.ENOPROTOOPT) {
			return fmt.Errorf("set NETLINK_GET_STRICT_CHK: %w", err)
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(dl); err != nil {
			return fmt.Errorf("set deadline: %w", err)
		}
	}
	// Cancellation wakes a blocked read by moving the deadline into the past.
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	sent, err := c.Send(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(req.Type), Flags: netlink.Request | netlink.HeaderFlags(req.Flags)},
		Data:   req.Data,
	})
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("send request: %w", err))
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("raw netlink socket: %w", err)
	}
	ra := startReadAhead(rc, req.Flags&unix.NLM_F_DUMP != 0)
	defer ra.stop(c)

	st := dumpState{req: req, seq: sent.Header.Sequence, seen: seen, fn: fn}
	for {
		d := ra.next()
		if errors.Is(d.err, unix.ENOBUFS) {
			return st.overflow(d.err)
		}
		if d.err != nil {
			return ctxErr(ctx, fmt.Errorf("receive: %w", d.err))
		}
		if d.n > len(d.buf()) {
			return fmt.Errorf("receive: datagram of %d bytes truncated to %d", d.n, len(d.buf()))
		}
		done, err := st.datagram(d.buf()[:d.n])
		ra.done(d)
		if done || err != nil {
			return err
		}
	}
}

// readAheadBufs is how many datagrams a dump holds at once: the one being
// decoded and the one being received.
const readAheadBufs = 2

// readAhead receives a reply's datagrams on its own goroutine while the
// caller decodes the previous one. The kernel builds a dump's next datagram
// inside the recvmsg that reads the current one, so at 100,000 sockets half
// a dump's time is that call; reading ahead overlaps it with the decoding
// and with whatever the caller's fn does with each message.
type readAhead struct {
	rc   syscallReader
	out  chan received
	free chan *[]byte
	bufs []*[]byte
	// ended is set once the goroutine has returned and out is drained.
	ended bool
}

// received is one datagram (or the error of the read that wanted it): n
// bytes (the datagram's full length, which may exceed the buffer) in the
// pooled buffer bp.
type received struct {
	bp  *[]byte
	n   int
	err error
}

// buf is the buffer the datagram was read into.
func (d received) buf() []byte { return *d.bp }

// syscallReader is the part of syscall.RawConn that recvDatagram uses.
type syscallReader interface {
	Read(func(fd uintptr) bool) error
}

// startReadAhead starts reading the reply to a request, a dump or not.
func startReadAhead(rc syscallReader, dump bool) *readAhead {
	ra := &readAhead{rc: rc, out: make(chan received, readAheadBufs), free: make(chan *[]byte, readAheadBufs)}
	for range readAheadBufs {
		bp := dumpBufs.Get().(*[]byte)
		ra.bufs = append(ra.bufs, bp)
		ra.free <- bp
	}
	go func() {
		defer close(ra.out)
		for bp := range ra.free {
			n, err := recvDatagram(rc, *bp)
			ra.out <- received{bp: bp, n: n, err: err}
			// The end of the reply is the last datagram read ahead; the
			// caller reads on by itself should it want more.
			if err != nil || n > len(*bp) || endsReply(n, *bp, dump) {
				return
			}
		}
	}()
	return ra
}

// next returns the next datagram, read ahead or, once the goroutine has
// stopped, read now.
func (ra *readAhead) next() received {
	if !ra.ended {
		if d, ok := <-ra.out; ok {
			return d
		}
		ra.ended = true
	}
	bp := <-ra.free
	n, err := recvDatagram(ra.rc, *bp)
	return received{bp: bp, n: n, err: err}
}

// done hands a decoded datagram's buffer back.
func (ra *readAhead) done(d received) { ra.free <- d.bp }

// stop ends the goroutine (waking a read that waits for a datagram that
// will not come by moving c's deadline into the past) and returns the
// buffers to the pool. c is not read from afterwards.
func (ra *readAhead) stop(c interface{ SetReadDeadline(time.Time) error }) {
	if !ra.ended {
		_ = c.SetReadDeadline(time.Unix(1, 0))
		close(ra.free)
		for range ra.out {
		}
	}
	for _, bp := range ra.bufs {
		dumpBufs.Put(bp)
	}
}

// endsReply reports whether a datagram holds the end of a reply: NLMSG_DONE,
// an NLMSG_ERROR, or, when the request was not a dump, a message that is
// not part of a multipart reply. It reads only the headers;
// dumpState.datagram decides what they mean.
func endsReply(n int, buf []byte, dump bool) bool {
	b := buf[:min(n, len(buf))]
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		typ := binary.NativeEndian.Uint16(b[4:6])
		flags := binary.NativeEndian.Uint16(b[6:8])
		if l < unix.NLMSG_HDRLEN || typ == unix.NLMSG_DONE || typ == unix.NLMSG_ERROR || !dump && flags&unix.NLM_F_MULTI == 0 {
			return true
		}
		b = b[min(nlmsgAlign(l), len(b)):]
	}
	return false
}

// dumpState follows one run of a request through the datagrams of its reply.
type dumpState struct {
	req         DumpRequest
	seq         uint32
	seen        map[uint64]struct{}
	fn          func(netlink.Header, []byte) error
	interrupted bool
	emitted     int // messages handed to fn in this run
}

// overflow answers ENOBUFS (the socket overflowed: messages were lost): run
// again when no message has reached fn yet, or when a Key skips those that
// did; otherwise a rerun would hand out rows twice, so it is an error.
func (st *dumpState) overflow(err error) error {
	if st.emitted == 0 || st.seen != nil {
		return errRetry
	}
	return fmt.Errorf("receive: %w: messages lost after %d were read", err, st.emitted)
}

// datagram walks the messages of one datagram and hands each to fn. done
// reports the end of the reply (NLMSG_DONE, an error, or the single answer
// to a request without NLM_F_DUMP); err is errRetry when a dump with a Key
// was interrupted (NLM_F_DUMP_INTR).
func (st *dumpState) datagram(b []byte) (done bool, err error) {
	for len(b) >= unix.NLMSG_HDRLEN {
		h := netlink.Header{
			Length:   binary.NativeEndian.Uint32(b[0:4]),
			Type:     netlink.HeaderType(binary.NativeEndian.Uint16(b[4:6])),
			Flags:    netlink.HeaderFlags(binary.NativeEndian.Uint16(b[6:8])),
			Sequence: binary.NativeEndian.Uint32(b[8:12]),
			PID:      binary.NativeEndian.Uint32(b[12:16]),
		}
		if h.Length < unix.NLMSG_HDRLEN || int(h.Length) > len(b) {
			return true, fmt.Errorf("receive: bad nlmsg_len %d with %d bytes left", h.Length, len(b))
		}
		payload := b[unix.NLMSG_HDRLEN:h.Length]
		b = b[min(nlmsgAlign(int(h.Length)), len(b)):]
		if h.Sequence != st.seq {
			continue // not ours: a stale reply cannot reach a fresh socket, but be strict
		}
		if h.Flags&netlink.DumpInterrupted != 0 {
			st.interrupted = true
		}
		switch h.Type {
		case netlink.Noop:
			continue
		case netlink.Error, netlink.Done:
			if code := errnoOf(payload); code != 0 {
				return true, fmt.Errorf("netlink reply: %w", code)
			}
			if h.Type == netlink.Error && st.req.Flags&unix.NLM_F_DUMP != 0 {
				continue // an ack inside a dump
			}
			if st.interrupted && st.seen != nil {
				return true, errRetry
			}
			return true, nil
		}
		if st.seen != nil {
			if k, ok := st.req.Key(payload); ok {
				if _, dup := st.seen[k]; dup {
					continue
				}
				st.seen[k] = struct{}{}
			}
		}
		st.emitted++
		if err := st.fn(h, payload); err != nil {
			return true, err
		}
		if h.Flags&netlink.Multi == 0 && st.req.Flags&unix.NLM_F_DUMP == 0 {
			// The single reply to a request without NLM_F_DUMP. Inside a
			// dump a message may lack NLM_F_MULTI all the same: sctp_diag
			// sends each association that way; only NLMSG_DONE ends a dump.
			return true, nil
		}
	}
	return false, nil
}

// recvDatagram reads one datagram into buf without allocating. It returns the
// datagram's full length (MSG_TRUNC), which may exceed len(buf).
func recvDatagram(rc syscallReader, buf []byte) (int, error) {
	var n int
	var errno unix.Errno
	err := rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.Syscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), unix.MSG_TRUNC, 0, 0)
			if e == unix.EINTR {
				continue
			}
			n, errno = int(r), e
			return e != unix.EAGAIN
		}
	})
	if err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return n, nil
}

// errnoOf reads the int32 error at the start of an NLMSG_ERROR or NLMSG_DONE
// payload: 0 or a negative errno.
func errnoOf(payload []byte) unix.Errno {
	if len(payload) < 4 {
		return 0
	}
	code := int32(binary.NativeEndian.Uint32(payload[:4]))
	if code >= 0 {
		return 0
	}
	return unix.Errno(-code)
}

// ctxErr prefers the context's own error when the context ended, so callers
// see context.DeadlineExceeded rather than a socket timeout.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	// The socket's deadline can fire before the context's timer has run.
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

func nlmsgAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }
