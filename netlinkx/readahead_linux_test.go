package netlinkx

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// datagramPair is a pair of connected unix datagram sockets: what the test
// writes on one end, readAhead reads from the other as it would read a
// netlink socket.
func datagramPair(t *testing.T) (w int, r *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]) })
	r = os.NewFile(uintptr(fds[1]), "readahead")
	t.Cleanup(func() { r.Close() })
	return fds[0], r
}

// TestReadAhead sends a reply whose end the read-ahead goroutine cannot see
// coming (an ack inside a dump, then more messages): every datagram still
// reaches the caller, in order, the last ones read by the caller itself.
func TestReadAhead(t *testing.T) {
	const seq = 3
	multi := uint16(unix.NLM_F_MULTI)
	datagrams := [][]byte{
		join(nlmsg(20, multi, seq, keyPayload(1)), nlmsg(20, multi, seq, keyPayload(2))),
		nlmsg(unix.NLMSG_ERROR, 0, seq, errPayload(0)), // the goroutine stops here
		nlmsg(20, multi, seq, keyPayload(3)),
		nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(0)),
	}
	w, r := datagramPair(t)
	for _, d := range datagrams {
		if _, err := unix.Write(w, d); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	ra := startReadAhead(rc, true)
	for i, want := range datagrams {
		d := ra.next()
		if d.err != nil {
			t.Fatalf("datagram %d: %v", i, d.err)
		}
		if !bytes.Equal(d.buf()[:d.n], want) {
			t.Fatalf("datagram %d = %x, want %x", i, d.buf()[:d.n], want)
		}
		ra.done(d)
	}
	if !ra.ended {
		t.Error("the caller never read on by itself: the goroutine read past the ack")
	}
	ra.stop(r)
}

// TestReadAheadStopWakesReader stops a read-ahead whose goroutine waits for
// a datagram that never comes (the caller gave up after the first): stop
// must wake it and return.
func TestReadAheadStopWakesReader(t *testing.T) {
	w, r := datagramPair(t)
	if _, err := unix.Write(w, nlmsg(20, unix.NLM_F_MULTI, 1, keyPayload(1))); err != nil {
		t.Fatal(err)
	}
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	ra := startReadAhead(rc, true)
	d := ra.next()
	if d.err != nil {
		t.Fatal(d.err)
	}
	ra.done(d)
	stopped := make(chan struct{})
	go func() {
		ra.stop(r)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not return: the waiting read was not woken")
	}
}

func TestEndsReply(t *testing.T) {
	multi := uint16(unix.NLM_F_MULTI)
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		// Every reply here answers a dump, but for "single reply".
		{"dump messages", join(nlmsg(20, multi, 1, nil), nlmsg(20, multi, 1, nil)), false},
		{"done", join(nlmsg(20, multi, 1, nil), nlmsg(unix.NLMSG_DONE, multi, 1, errPayload(0))), true},
		{"error", nlmsg(unix.NLMSG_ERROR, 0, 1, errPayload(unix.EINVAL)), true},
		{"single reply", nlmsg(16, 0, 1, nil), true},
		{"message without NLM_F_MULTI inside a dump (an SCTP association)", nlmsg(20, 0, 1, nil), false},
		{"bad length", []byte{1, 0, 0, 0, 20, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := endsReply(len(tt.b), tt.b, tt.name != "single reply"); got != tt.want {
				t.Errorf("endsReply = %v, want %v", got, tt.want)
			}
		})
	}
}
