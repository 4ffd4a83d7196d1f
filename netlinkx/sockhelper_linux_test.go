package netlinkx_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// sockDiagHelperArg makes the test binary, started by startSockHelper, hold
// the sockets the sock_diag tests look at instead of running tests.
const sockDiagHelperArg = "sockdiag-helper"

// TestSockDiagHelper is not a test: started as
// `netlinkx.test -test.run=^TestSockDiagHelper$ -- sockdiag-helper DIR` in a
// namespace, it opens unix, netlink and packet sockets of every kind, prints
// "ready" and sleeps until it is killed.
func TestSockDiagHelper(t *testing.T) {
	if flag.Arg(0) != sockDiagHelperArg {
		t.Skip("helper process for the sock_diag tests")
	}
	if err := holdSockets(flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "sockdiag helper:", err)
		os.Exit(2)
	}
	fmt.Println("ready")
	time.Sleep(time.Hour)
}

// holdSockets opens the sockets of the helper; they stay open (and leak on
// purpose) until the process dies.
func holdSockets(dir string) (err error) {
	must := func(fd int, err error) int {
		if err != nil {
			panic(err)
		}
		return fd
	}
	check := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()

	// A stream listener with a path, one accepted connection with a byte
	// queued each way and one connection left in the accept queue.
	l := must(unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0))
	check(unix.Bind(l, &unix.SockaddrUnix{Name: filepath.Join(dir, "stream.sock")}))
	check(unix.Listen(l, 7))
	c1 := must(unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0))
	check(unix.Connect(c1, &unix.SockaddrUnix{Name: filepath.Join(dir, "stream.sock")}))
	a1, _ := must2(unix.Accept(l))
	_, err1 := unix.Write(c1, []byte("hello"))
	check(err1)
	c2 := must(unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0))
	check(unix.Connect(c2, &unix.SockaddrUnix{Name: filepath.Join(dir, "stream.sock")}))
	_ = a1

	// An abstract stream listener (with a NUL inside its name) and a seqpacket one.
	al := must(unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0))
	check(unix.Bind(al, &unix.SockaddrUnix{Name: "@nlq-abstract\x00x"}))
	check(unix.Listen(al, 3))
	sl := must(unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET, 0))
	check(unix.Bind(sl, &unix.SockaddrUnix{Name: filepath.Join(dir, "seq.sock")}))
	check(unix.Listen(sl, 5))

	// Unnamed pairs of each type, a datagram queued on the dgram pair.
	for _, typ := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET} {
		p, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
		check(err)
		if typ == unix.SOCK_DGRAM {
			_, err := unix.Write(p[0], []byte("datagram"))
			check(err)
		}
	}
	// A bound, unconnected datagram socket, and an unbound one.
	d := must(unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0))
	check(unix.Bind(d, &unix.SockaddrUnix{Name: filepath.Join(dir, "dgram.sock")}))
	_ = must(unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM, 0))

	// Netlink: a route socket in two multicast groups, a generic socket
	// connected to the kernel, a usersock socket left unbound.
	nr := must(unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE))
	check(unix.Bind(nr, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR}))
	ng := must(unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM, unix.NETLINK_GENERIC))
	check(unix.Bind(ng, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}))
	check(unix.Connect(ng, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}))
	_ = must(unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_USERSOCK))

	// Packet: all protocols on every interface, and IPv4 on lo (ifindex 1).
	_ = must(unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL))))
	pd := must(unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_IP))))
	check(unix.Bind(pd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: 1}))
	return nil
}

func must2(fd int, sa unix.Sockaddr, err error) (int, unix.Sockaddr) {
	if err != nil {
		panic(err)
	}
	return fd, sa
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startSockHelper creates a namespace and starts the helper in it; it
// returns the namespace and the helper's pid once its sockets are open.
func startSockHelper(t *testing.T) (*nstest.NS, int) {
	t.Helper()
	ns := nstest.New(t)
	return ns, ns.StartReady(os.Args[0], "-test.run=^TestSockDiagHelper$", "--", sockDiagHelperArg, t.TempDir())
}

// helperSockets starts the helper and returns its namespace, opened for
// netlinkx, and what the ss command ssArgs prints there, as ssLines0 lines.
func helperSockets(t *testing.T, ssArgs ...string) (netlinkx.NetNS, []string) {
	t.Helper()
	nstest.NeedTool(t, "ss")
	ns, _ := startSockHelper(t)
	return ns.Open(), ssLines0(ns.Run(ssArgs...))
}
