package netlinkx_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/events"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// recordedEvent is one multicast message of an events testdata file.
type recordedEvent struct {
	typ, flags uint16
	payload    []byte
}

// Events testdata files hold messages one after another, each as its
// header's type and flags (native-endian uint16s), its payload's length
// (native-endian uint32), then the payload.

func encodeEvents(evs []recordedEvent) []byte {
	var b bytes.Buffer
	for _, e := range evs {
		var h [8]byte
		binary.NativeEndian.PutUint16(h[0:2], e.typ)
		binary.NativeEndian.PutUint16(h[2:4], e.flags)
		binary.NativeEndian.PutUint32(h[4:8], uint32(len(e.payload)))
		b.Write(h[:])
		b.Write(e.payload)
	}
	return b.Bytes()
}

func decodeEvents(t testing.TB, b []byte) []recordedEvent {
	var evs []recordedEvent
	for len(b) >= 8 {
		n := int(binary.NativeEndian.Uint32(b[4:8]))
		if 8+n > len(b) {
			t.Fatalf("events file: message of %d bytes past the end", n)
		}
		evs = append(evs, recordedEvent{binary.NativeEndian.Uint16(b[0:2]), binary.NativeEndian.Uint16(b[2:4]), b[8 : 8+n]})
		b = b[8+n:]
	}
	return evs
}

// readEvents reads testdata/<dir>/events.bin; the test skips on a
// big-endian host, where the recorded native-endian bytes do not apply.
func readEvents(t testing.TB, dir string) []recordedEvent {
	t.Helper()
	nstest.NeedLittleEndian(t)
	b, _ := readRecording(t, dir+"/events")
	return decodeEvents(t, b)
}

// recordEvents subscribes to cfg's groups in n, runs gen, and writes what
// arrived within a moment after to testdata/<dir>/events.bin with a .txt
// saying how.
func recordEvents(t *testing.T, n *nstest.NS, cfg events.Config, dir, how string, gen func()) {
	cfg.NetNS = n.Open()
	sock, err := events.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	var (
		mu  sync.Mutex
		evs []recordedEvent
	)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- sock.Run(ctx, events.Handler{Message: func(typ, flags uint16, b []byte, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			evs = append(evs, recordedEvent{typ, flags, bytes.Clone(b)})
		}})
	}()
	gen()
	time.Sleep(300 * time.Millisecond) // recording only: let the last notifications arrive
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	writeRecording(t, dir+"/events", encodeEvents(evs), fmt.Sprintf("recorded by `go test ./netlinkx -run TestRecordEvents -record`\n%s\n"+
		"Format: each message as its nlmsg_type and nlmsg_flags (native-endian uint16s), the payload's length (native-endian uint32), then the payload.\n",
		how))
	t.Logf("%s: %d messages", dir, len(evs))
}

// TestRecordEvents re-records the rtnetlink and ctnetlink event testdata
// (with -record, as root).
func TestRecordEvents(t *testing.T) {
	needRecord(t)
	t.Run("rtnl_events", func(t *testing.T) {
		n := nstest.New(t)
		n.Run("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
		recordEvents(t, n, events.Config{Protocol: unix.NETLINK_ROUTE, Groups: netlinkx.RtnlGroups}, "rtnl_events",
			"in a fresh namespace: ip link add d0 type veth peer name d1; ip link set d0 up; ip link set d0 mtu 1400; "+
				"ip addr add 10.7.0.1/24 dev d0; ip -6 addr add fd00::1/64 dev lo; ip route add 10.9.0.0/24 via 10.7.0.2; "+
				"ip neigh add 10.7.0.5 lladdr 02:00:00:00:00:05 dev d0 nud permanent; ip rule add from 10.8.0.0/16 lookup 100; "+
				"sysctl -w net.ipv4.conf.d0.forwarding=1; "+
				"ip route del 10.9.0.0/24; ip addr del 10.7.0.1/24 dev d0; ip link del d0",
			func() {
				for _, c := range [][]string{
					{"ip", "link", "add", "d0", "type", "veth", "peer", "name", "d1"},
					{"ip", "link", "set", "d0", "up"},
					{"ip", "link", "set", "d0", "mtu", "1400"},
					{"ip", "addr", "add", "10.7.0.1/24", "dev", "d0"},
					{"ip", "-6", "addr", "add", "fd00::1/64", "dev", "lo"},
					{"ip", "route", "add", "10.9.0.0/24", "via", "10.7.0.2"},
					{"ip", "neigh", "add", "10.7.0.5", "lladdr", "02:00:00:00:00:05", "dev", "d0", "nud", "permanent"},
					{"ip", "rule", "add", "from", "10.8.0.0/16", "lookup", "100"},
					{"sysctl", "-qw", "net.ipv4.conf.d0.forwarding=1"},
					{"ip", "route", "del", "10.9.0.0/24"},
					{"ip", "addr", "del", "10.7.0.1/24", "dev", "d0"},
					{"ip", "link", "del", "d0"},
				} {
					n.Run(c...)
				}
			})
	})
	t.Run("ctnetlink", func(t *testing.T) {
		nstest.NeedTool(t, "nft")
		n := nstest.New(t)
		n.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
		n.Run("nft", "add table inet nlq; add chain inet nlq out { type filter hook output priority 0; }; add rule inet nlq out ct state new,established accept")
		recordEvents(t, n, events.Config{Protocol: unix.NETLINK_NETFILTER,
			Groups: []uint32{unix.NFNLGRP_CONNTRACK_NEW, unix.NFNLGRP_CONNTRACK_UPDATE, unix.NFNLGRP_CONNTRACK_DESTROY}}, "ctnetlink",
			"in a fresh namespace with net.netfilter.nf_conntrack_acct=1 and an nft `ct state new,established accept` output rule: "+
				"a TCP connection on 127.0.0.1 (python3 -c), then conntrack -F",
			func() {
				n.Run("python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); "+
					"c=socket.create_connection(s.getsockname()); a,_=s.accept(); c.send(b'x'*100); a.recv(100); c.close(); a.close()")
				n.Run("conntrack", "-F")
			})
	})
}
