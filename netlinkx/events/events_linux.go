package events

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// recvBufSize holds the largest datagram a multicast sender builds: the
// kernel allocates notifications up to NLMSG_GOODSIZE (a page) and
// ctnetlink's up to a few KiB; 64 KiB leaves room.
const recvBufSize = 64 << 10

// Socket is a netlink socket joined to multicast groups.
type Socket struct {
	c   *netlink.Conn
	rc  syscall.RawConn
	cfg Config
}

// Open opens a netlink socket in cfg.NetNS and joins cfg.Groups. The
// socket keeps the namespace alive until Close; cfg.NetNS itself may be
// closed once Open returns.
func Open(cfg Config) (*Socket, error) {
	c, err := netlink.Dial(cfg.Protocol, &netlink.Config{NetNS: int(cfg.NetNS)})
	if err != nil {
		return nil, fmt.Errorf("open netlink socket (protocol %d): %w", cfg.Protocol, err)
	}
	s := &Socket{c: c, cfg: cfg}
	if err := s.setup(); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func (s *Socket) setup() error {
	for _, g := range s.cfg.Groups {
		if err := s.c.JoinGroup(g); err != nil {
			return fmt.Errorf("join netlink group %d (protocol %d): %w", g, s.cfg.Protocol, err)
		}
	}
	rc, err := s.c.SyscallConn()
	if err != nil {
		return fmt.Errorf("raw netlink socket: %w", err)
	}
	s.rc = rc
	if s.cfg.ReceiveBuffer > 0 {
		return setReceiveBuffer(rc, s.cfg.ReceiveBuffer)
	}
	return nil
}

// Close closes the socket, which leaves its groups and releases its namespace.
func (s *Socket) Close() error { return s.c.Close() }

// Run hands each message the socket receives to h until ctx ends (then it
// returns nil) or a read fails with anything but ENOBUFS. It does not close
// the socket.
func (s *Socket) Run(ctx context.Context, h Handler) error {
	c, rc, cfg := s.c, s.rc, s.cfg
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	buf := make([]byte, recvBufSize)
	var dropsSeen uint32
	for {
		n, err := recv(rc, buf)
		at := time.Now()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, unix.ENOBUFS):
			drops, derr := sockDrops(rc)
			if derr != nil {
				return derr
			}
			if h.Lost != nil && drops != dropsSeen {
				h.Lost(uint64(drops-dropsSeen), at)
			}
			dropsSeen = drops
			continue
		case err != nil:
			return fmt.Errorf("receive (protocol %d): %w", cfg.Protocol, err)
		case n > len(buf):
			// MSG_TRUNC: the datagram did not fit; its messages are lost.
			if h.Lost != nil {
				h.Lost(1, at)
			}
			continue
		}
		Split(buf[:n], func(typ, flags uint16, payload []byte) {
			h.Message(typ, flags, payload, at)
		})
		if h.Datagram != nil {
			h.Datagram()
		}
	}
}

// Split calls fn with each netlink message of a datagram; a message whose
// header is short or whose length runs past the datagram ends the walk.
func Split(b []byte, fn func(typ, flags uint16, payload []byte)) {
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return
		}
		typ := binary.NativeEndian.Uint16(b[4:6])
		flags := binary.NativeEndian.Uint16(b[6:8])
		if typ != unix.NLMSG_NOOP && typ != unix.NLMSG_DONE && typ != unix.NLMSG_ERROR {
			fn(typ, flags, b[unix.NLMSG_HDRLEN:l])
		}
		l = (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if l > len(b) {
			return
		}
		b = b[l:]
	}
}

// recv reads one datagram with MSG_TRUNC, so n is its full length.
func recv(rc interface {
	Read(func(fd uintptr) bool) error
}, buf []byte) (n int, err error) {
	rerr := rc.Read(func(fd uintptr) bool {
		n, _, err = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC|unix.MSG_DONTWAIT)
		return err != unix.EAGAIN
	})
	if rerr != nil {
		if errors.Is(rerr, os.ErrDeadlineExceeded) {
			return 0, context.Canceled
		}
		return 0, rerr
	}
	return n, err
}

// setReceiveBuffer sets SO_RCVBUFFORCE, or SO_RCVBUF when that is refused.
func setReceiveBuffer(rc interface {
	Control(func(fd uintptr)) error
}, size int) error {
	var err error
	cerr := rc.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size)
		if err != nil {
			err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, size)
		}
	})
	if cerr != nil {
		return cerr
	}
	if err != nil {
		return fmt.Errorf("set receive buffer to %d bytes: %w", size, err)
	}
	return nil
}

// skMemInfoVars is SK_MEMINFO_VARS (linux/sock_diag.h): the length of
// SO_MEMINFO's array of __u32.
const skMemInfoVars = 9

// skMemInfoDrops is SK_MEMINFO_DROPS: the index of sk_drops in SO_MEMINFO.
const skMemInfoDrops = 8

// sockDrops reads sk_drops: the messages the kernel dropped for this socket.
func sockDrops(rc interface {
	Control(func(fd uintptr)) error
}) (uint32, error) {
	var mem [skMemInfoVars]uint32
	var errno unix.Errno
	cerr := rc.Control(func(fd uintptr) {
		l := uint32(unsafe.Sizeof(mem))
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&mem[0])), uintptr(unsafe.Pointer(&l)), 0)
	})
	if cerr != nil {
		return 0, cerr
	}
	if errno != 0 {
		return 0, fmt.Errorf("getsockopt SO_MEMINFO: %w", errno)
	}
	return mem[skMemInfoDrops], nil
}
