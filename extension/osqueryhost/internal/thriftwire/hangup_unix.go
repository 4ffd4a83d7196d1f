//go:build unix

package thriftwire

import (
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// watchHangup calls cancel if the peer closes conn (or it is closed) before
// stop is called, as the Thrift library's connectivity check does for a
// call in progress. Instead of its 5 ms ticker, one goroutine waits in
// the runtime's poller for the socket to become readable, then peeks: no
// bytes means the peer hung up. stop ends the wait by a read deadline in
// the past, and clears it.
func watchHangup(conn *net.UnixConn, cancel func()) (stop func()) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [1]byte
		n := 0
		err := rc.Read(func(fd uintptr) bool {
			var perr error
			n, _, perr = unix.Recvfrom(int(fd), buf[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			return perr != unix.EAGAIN && perr != unix.EINTR
		})
		if err == nil && n > 0 {
			return // the next request is already here: the peer is alive
		}
		cancel() // end of stream, a socket error, or closed (or stop: harmless)
	}()
	return func() {
		conn.SetReadDeadline(time.Unix(1, 0))
		<-done
		conn.SetReadDeadline(time.Time{})
	}
}
