package tables

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// statusByNS lists netlinkq_status's event rows as "stream ns_name running error?".
func statusLines(t *testing.T, inodes map[string]string) []string {
	var out []string
	for _, r := range eventRows(t, netlinkqStatus, netlinkx.Own, nil) {
		where, ok := inodes[r["ns_inode"]]
		if !ok {
			where = r["ns_name"] // a configured name that failed has no inode
		}
		if where == "" {
			continue // another test's namespace
		}
		line := fmt.Sprintf("%s %s running=%s", r["name"], where, r["running"])
		if r["error"] != "" {
			line += " error"
		}
		out = append(out, line)
	}
	return out
}

// TestStartEvents starts the subscriptions as the osquery host does: the
// host's namespace and the configured ones (one that does not exist is
// reported and retried), refuses a second start, ends a configured
// namespace's subscriptions when its name goes, and stop ends the rest.
func TestStartEvents(t *testing.T) {
	nstest.NeedRoot(t)
	name := fmt.Sprintf("nlq-evstart-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "delete", name).Run() })
	ns, err := netlinkx.OpenNetNS(name)
	if err != nil {
		t.Fatal(err)
	}
	nsIno, _ := ns.Inode()
	ns.Close()
	own, _ := ownInode()
	inodes := map[string]string{utoa(own): "host", utoa(nsIno): name}

	cfg := DefaultEventsConfig()
	cfg.Namespaces = []string{name, "nlq-evstart-missing"}
	stop, err := StartEvents(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	if _, err := StartEvents(context.Background(), cfg); err == nil {
		t.Error("a second StartEvents succeeded")
	}
	want := []string{}
	for _, s := range eventStreams {
		want = append(want,
			s.streamName()+" host running=1",
			s.streamName()+" "+name+" running=1",
			s.streamName()+" nlq-evstart-missing running=0 error")
	}
	checkLines(t, want, statusLines(t, inodes), "after start (-want +got)")

	if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns delete: %v: %s", err, out)
	}
	for _, s := range eventStreams {
		s.housekeep(time.Now(), time.Duration(cfg.IdleTimeout))
	}
	want = want[:0]
	for _, s := range eventStreams {
		want = append(want, s.streamName()+" host running=1", s.streamName()+" nlq-evstart-missing running=0 error")
	}
	checkLines(t, want, statusLines(t, inodes), "after the namespace's name went (-want +got)")

	stop()
	stopped = true
	checkSame(t, []string(nil), statusLines(t, inodes), "after stop (-want +got)")
}

// TestIdleSubscriptionEnds: a subscription a query started ends after
// idle_timeout without a query.
func TestIdleSubscriptionEnds(t *testing.T) {
	n := nstest.New(t)
	ns := n.Open()
	subscribed(t, netlinkEvents, ns)
	ino, _ := ns.Inode()
	count := func() int {
		return len(matching(eventRows(t, netlinkqStatus, netlinkx.Own, nil), map[string]string{"name": "netlink_events", "ns_inode": utoa(ino)}))
	}
	idle := time.Duration(DefaultEventsConfig().IdleTimeout)
	rtEventStream.housekeep(time.Now(), idle)
	if got := count(); got != 1 {
		t.Fatalf("%d rows before idle_timeout, want 1", got)
	}
	rtEventStream.housekeep(time.Now().Add(idle+time.Second), idle)
	if got := count(); got != 0 {
		t.Errorf("%d rows after idle_timeout, want 0", got)
	}
}
