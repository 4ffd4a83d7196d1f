package tables

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// TestSocketEvents opens and closes TCP and UDP connections on loopback
// (IPv4 and IPv6) in a namespace and finds each socket freed in
// netlink_socket_events, TCP with the bytes the test sent and received.
func TestSocketEvents(t *testing.T) {
	n := nstest.New(t)
	ns := n.Open()
	last := subscribed(t, netlinkSocketEvents, ns)
	tests := []struct {
		network, addr, family, protocol, local string
		up, down                               int
	}{
		{"tcp4", "127.0.0.1:0", "inet", "tcp", "127.0.0.1", 1111, 2222},
		{"tcp6", "[::1]:0", "inet6", "tcp", "::1", 3333, 4444},
		{"udp4", "127.0.0.1:0", "inet", "udp", "127.0.0.1", 55, 0},
		{"udp6", "[::1]:0", "inet6", "udp", "::1", 66, 0},
	}
	for _, tt := range tests {
		t.Run(tt.network, func(t *testing.T) {
			client, server := exchange(t, ns, tt.network, tt.addr, tt.up, tt.down)
			want := map[string]string{
				"family": tt.family, "protocol": tt.protocol,
				"local_address": tt.local, "local_port": strconv.Itoa(client),
				"remote_address": tt.local, "remote_port": strconv.Itoa(server),
			}
			var got []map[string]string
			nstest.Eventually(t, func() error {
				got = matching(eventRows(t, netlinkSocketEvents, ns, after(last)), want)
				if len(got) != 1 {
					return fmt.Errorf("%d rows for the client socket %v, want 1:\n%s", len(got), want, describe(got))
				}
				return nil
			})
			row := got[0]
			if tt.protocol == "tcp" {
				// The client sent up bytes and received down. tcp_info's
				// byte counts are sequence-number deltas: bytes_acked
				// counts the SYN and the FIN the peer acknowledged, and
				// bytes_received the peer's FIN (the client closed first,
				// read the server's FIN, and was freed entering TIME_WAIT).
				wantBytes := map[string]string{
					"bytes_sent":     strconv.Itoa(tt.up),
					"bytes_acked":    strconv.Itoa(tt.up + 2),
					"bytes_received": strconv.Itoa(tt.down + 1),
					"state":          "CLOSE",
				}
				gotBytes := map[string]string{}
				for k := range wantBytes {
					gotBytes[k] = row[k]
				}
				checkSame(t, wantBytes, gotBytes, "final tcp_info (-want +got)")
			} else if row["bytes_acked"] != "" {
				t.Errorf("UDP row has tcp_info: %v", row)
			}
			if row["uid"] != "0" || row["cookie"] == "" || row["cookie"] == "0" {
				t.Errorf("uid %q cookie %q, want 0 and a cookie", row["uid"], row["cookie"])
			}
		})
	}
}

// TestSocketEventsOwner: a socket whose owner was noted (as netlink_sockets
// notes the pid it resolved) carries that pid when freed; one not noted
// has NULL.
func TestSocketEventsOwner(t *testing.T) {
	n := nstest.New(t)
	ns := n.Open()
	last := subscribed(t, netlinkSocketEvents, ns)
	var noted, other string
	err := ns.Do(func() error {
		for i, port := range []*string{&noted, &other} {
			s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			if err := unix.Bind(s, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
				return err
			}
			sa, _ := unix.Getsockname(s)
			*port = strconv.Itoa(sa.(*unix.SockaddrInet4).Port)
			if i == 0 {
				cookie, err := unix.GetsockoptUint64(s, unix.SOL_SOCKET, unix.SO_COOKIE)
				if err != nil {
					return err
				}
				NoteSocketOwner(cookie, int64(os.Getpid()), time.Now())
			}
			unix.Close(s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{noted: strconv.Itoa(os.Getpid()), other: ""}
	got := map[string]string{}
	nstest.Eventually(t, func() error {
		for _, r := range eventRows(t, netlinkSocketEvents, ns, after(last)) {
			if _, ok := want[r["local_port"]]; ok && r["protocol"] == "udp" {
				got[r["local_port"]] = r["pid"]
			}
		}
		if len(got) != 2 {
			return fmt.Errorf("%d of 2 sockets buffered", len(got))
		}
		return nil
	})
	checkSame(t, want, got, "local_port → pid (-want +got)")
}
