package tables

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestSocketsCgroup moves a listener into a test cgroup before it opens its
// sockets and finds that cgroup's path in the cgroup column of
// netlink_sockets and tcp_info, as `ss -Htan --cgroup` shows it.
func TestSocketsCgroup(t *testing.T) {
	nstest.NeedTool(t, "ss", "python3", "nsenter")
	ns := nstest.New(t)
	rel, dir := nstest.Cgroup(t)
	const port = 47311
	// The shell joins the cgroup, then becomes the listener (same pid):
	// a socket belongs to the cgroup its creator was in at socket().
	// nsenter, not ip netns exec: that mounts a sysfs of its own, without
	// the cgroup2 hierarchy under /sys/fs/cgroup.
	nsenter := func(args ...string) *exec.Cmd {
		return exec.Command("nsenter", append([]string{"--net=/run/netns/" + ns.Name}, args...)...)
	}
	nstest.StartReady(t, nsenter("sh", "-c", `echo $$ > "$0/cgroup.procs" && exec python3 -c "$1" "$2"`, dir, nstest.Listener, strconv.Itoa(port)))
	id := strconv.FormatUint(nstest.FileInode(t, dir), 10)
	fd := ns.Open()

	// ss -Htan --cgroup: "STATE RQ SQ LOCAL PEER cgroup:PATH", one line per socket.
	var want []string
	out, err := nsenter("ss", "-Htan", "--cgroup").Output()
	if err != nil {
		t.Fatalf("ss -Htan --cgroup: %v", err)
	}
	for l := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.HasPrefix(f[5], "cgroup:") {
			continue
		}
		want = append(want, f[3]+" "+f[4]+" "+strings.TrimPrefix(f[5], "cgroup:"))
	}
	if len(want) != 3 {
		t.Fatalf("ss shows %d sockets with a cgroup, want 3: %q", len(want), want)
	}
	for _, l := range want {
		if !strings.HasSuffix(l, " "+rel) {
			t.Errorf("ss shows %q, want cgroup %s", l, rel)
		}
	}
	for _, tb := range []Interface{netlinkSockets, tcpInfo} {
		t.Run(tb.Spec().Name, func(t *testing.T) {
			cons := eq("family", "inet")
			var got []string
			for _, r := range tableRows(t, tb, fd, cons, []string{"family", "local_address", "local_port", "remote_address", "remote_port", "cgroup_id", "cgroup"}) {
				if r["cgroup_id"] != id {
					t.Errorf("cgroup_id %s, want %s (the inode of %s)", r["cgroup_id"], id, dir)
				}
				peer := r["remote_address"] + ":" + r["remote_port"]
				if r["remote_port"] == "0" {
					peer = "0.0.0.0:*"
				}
				got = append(got, r["local_address"]+":"+r["local_port"]+" "+peer+" "+r["cgroup"])
			}
			if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
				t.Errorf("(-ss --cgroup +%s):\n%s", tb.Spec().Name, diff)
			}
		})
	}
	// A constraint on cgroup narrows no dump and starts no /proc walk.
	walked := false
	ownerWalkHook = func([]int32) { walked = true }
	defer func() { ownerWalkHook = nil }()
	rows := tableRows(t, netlinkSockets, fd, eq("cgroup", rel), []string{"cgroup", "local_port"})
	n := 0
	for _, r := range rows {
		if r["cgroup"] == rel {
			n++
		}
	}
	if n != 3 || walked {
		t.Errorf("WHERE cgroup = %q: %d matching rows (want 3), /proc walked: %v", rel, n, walked)
	}
}
