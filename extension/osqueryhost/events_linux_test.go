package osqueryhost

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestExtensionBuffersEvents: the built extension listens from its start in
// the namespaces its configuration file names, so that connections opened
// and closed between two queries show in netlink_socket_events; and
// netlinkq_status counts its kernel requests.
func TestExtensionBuffersEvents(t *testing.T) {
	ns := nstest.New(t)
	nstest.NeedTool(t, "python3")
	cfg := filepath.Join(t.TempDir(), "netlinkq.json")
	if err := os.WriteFile(cfg, []byte(`{"events": {"namespaces": ["`+ns.Name+`"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NETLINKQ_CONFIG", cfg)
	fake := fakeosqueryd.StartTest(t)
	ext := startExt(t, "--socket", fake.Path, "--timeout", "3", "--interval", "3")
	reg, c := connect(t, fake, ext, 10*time.Second)
	ctx := waitCtx(t, 30*time.Second)
	query := func(table string, used []string, cons map[string][]fakeosqueryd.Constraint) []map[string]string {
		t.Helper()
		resp, err := c.Generate(ctx, table, fakeosqueryd.ContextFor(reg.Registry["table"][table], used, cons))
		if err != nil || resp.Status.Code != 0 {
			t.Fatalf("%s: %v %v", table, err, resp)
		}
		return resp.Response
	}
	// Wait until the configured subscription runs, then make traffic.
	nstest.Eventually(t, func() error {
		for _, r := range query("netlinkq_status", []string{"kind", "name", "ns_name", "running"}, nil) {
			if r["kind"] == "events" && r["name"] == "netlink_socket_events" && r["ns_name"] == ns.Name && r["running"] == "1" {
				return nil
			}
		}
		return fmt.Errorf("no running socket-event subscription in %s yet", ns.Name)
	})
	port := 7400 + os.Getpid()%500
	ns.Run("python3", "-c", fmt.Sprintf(`
import socket
l = socket.socket(); l.bind(("127.0.0.1", %d)); l.listen()
c = socket.create_connection(("127.0.0.1", %d)); a, _ = l.accept()
c.sendall(b"x" * 1234); a.recv(4096)
c.close(); a.close(); l.close()
`, port, port))
	cons := map[string][]fakeosqueryd.Constraint{"netns": {{Op: fakeosqueryd.OpEquals, Expr: ns.Name}}}
	var got []map[string]string
	nstest.Eventually(t, func() error {
		got = query("netlink_socket_events", []string{"local_port", "remote_port", "bytes_sent", "netns"}, cons)
		for _, r := range got {
			if r["remote_port"] == strconv.Itoa(port) && r["bytes_sent"] == "1234" {
				return nil
			}
		}
		return fmt.Errorf("no destroyed client socket to port %d with 1234 bytes sent among %d events", port, len(got))
	})
	var dumps int
	for _, r := range query("netlinkq_status", []string{"kind", "name", "seen"}, nil) {
		if r["kind"] == "requests" && r["name"] == "dumps" {
			dumps, _ = strconv.Atoi(r["seen"])
		}
	}
	if dumps < 1 {
		t.Errorf("netlinkq_status counts %d dumps, want some", dumps)
	}
}
