package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal pair (testbin.OpenPTY) whose output is
// raw: no \r added to each \n.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, s := testbin.OpenPTY(t)
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Oflag &^= unix.OPOST
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestFollow runs `netlinkq --follow --json` on netlink_socket_events in a
// namespace, its output a pseudo-terminal as at a user's shell: connections
// closed while it runs print as they happen, one JSON object a line, each
// once, filtered by the statement's WHERE; SIGINT ends it with status 0.
func TestFollow(t *testing.T) {
	ns := nstest.New(t)
	nstest.NeedTool(t, "python3")
	port := 7900 + os.Getpid()%90
	cmd := testbin.Command(t, "--netns", ns.Name, "--follow", "--json",
		fmt.Sprintf("SELECT local_port, remote_port, bytes_sent FROM netlink_socket_events WHERE protocol = 'tcp' AND remote_port = %d", port))
	out, tty := openPty(t)
	cmd.Stdout = tty
	proc := testbin.Start(t, cmd, syscall.SIGKILL)
	tty.Close() // the command holds its own copy
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The subscription starts with the first run: let it, then connect
	// three times, sending 100, 200 and 300 bytes.
	time.Sleep(500 * time.Millisecond)
	for i := 1; i <= 3; i++ {
		ns.Run("python3", "-c", fmt.Sprintf(`
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind(("127.0.0.1", %d)); l.listen()
c = socket.create_connection(("127.0.0.1", %d)); a, _ = l.accept()
c.sendall(b"x" * %d); a.recv(4096)
c.close(); a.close(); l.close()
`, port, port, 100*i))
	}
	seen := map[string]int{}
	deadline := time.After(10 * time.Second)
	for len(seen) < 3 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended; seen %v", seen)
			}
			var row map[string]string
			if err := json.Unmarshal([]byte(l), &row); err != nil {
				t.Fatalf("line %q is not one JSON object: %v", l, err)
			}
			if row["remote_port"] != strconv.Itoa(port) {
				t.Errorf("row %v does not match the WHERE", row)
			}
			seen[row["bytes_sent"]]++
		case <-deadline:
			t.Fatalf("only %v within 10 s", seen)
		}
	}
	for _, b := range []string{"100", "200", "300"} {
		if seen[b] != 1 {
			t.Errorf("client socket with %s bytes sent seen %d times, want once (%v)", b, seen[b], seen)
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-proc.Exited():
		if err := proc.Err(); err != nil {
			t.Errorf("after SIGINT: %v, want exit 0", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no exit within 5 s of SIGINT")
	}
}
