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
	c, cfg := s.c, s.cfg
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	buf := make([]byte, recvBufSize)
	// The kernel reports ENOBUFS once per overflow (NETLINK_S_CONGESTED)
	// and goes on dropping, counting in sk_drops, until the queue has been
	// read empty. So after an ENOBUFS, sk_drops is read again each time a
	// read finds the queue empty, until it stops growing: every drop is
	// reported, and none twice.
	var dropsSeen uint32
	congested := false
	lost := func(fd uintptr) error {
		drops, err := sockDrops(fd)
		if err != nil {
			return err
		}
		if drops != dropsSeen && h.Lost != nil {
			h.Lost(uint64(drops-dropsSeen), time.Now())
		}
		congested = drops != dropsSeen
		dropsSeen = drops
		return nil
	}
	for {
		var n int
		var err error
		rerr := s.rc.Read(func(fd uintptr) bool {
			for {
				n, _, err = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC|unix.MSG_DONTWAIT)
				switch {
				case errors.Is(err, unix.ENOBUFS):
					if err = lost(fd); err != nil {
						return true
					}
					congested = true
					continue // the queue still holds what came before the overflow
				case err == unix.EAGAIN && congested:
					if err = lost(fd); err != nil {
						return true
					}
					err = unix.EAGAIN
				}
				// Only EAGAIN may wait: the poller is edge-triggered.
				return err != unix.EAGAIN
			}
		})
		at := time.Now()
		switch {
		case ctx.Err() != nil:
			return nil
		case rerr != nil && !errors.Is(rerr, os.ErrDeadlineExceeded):
			return fmt.Errorf("receive (protocol %d): %w", cfg.Protocol, rerr)
		case err != nil:
			return fmt.Errorf("receive (protocol %d): %w", cfg.Protocol, err)
		case n > len(buf):
			// MSG_TRUNC: the datagram did not fit; its message is lost.
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

// sockDrops reads sk_drops of the socket fd: the messages the kernel
// dropped for it.
func sockDrops(fd uintptr) (uint32, error) {
	var mem [skMemInfoVars]uint32
	l := uint32(unsafe.Sizeof(mem))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
		uintptr(unsafe.Pointer(&mem[0])), uintptr(unsafe.Pointer(&l)), 0)
	if errno != 0 {
		return 0, fmt.Errorf("getsockopt SO_MEMINFO: %w", errno)
	}
	return mem[skMemInfoDrops], nil
}
