//go:build linux

package tables

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// nsRowByInode indexes netlink_namespaces rows by inode.
func nsRowByInode(rows []map[string]string) map[uint64]map[string]string {
	out := map[uint64]map[string]string{}
	for _, r := range rows {
		ino, _ := strconv.ParseUint(r["inode"], 10, 64)
		out[ino] = r
	}
	return out
}

// nsIPPids is `ip netns pids NAME`: the processes in a named namespace.
func nsIPPids(t testing.TB, name string) []int {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", name).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", name, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		p, _ := strconv.Atoi(f)
		pids = append(pids, p)
	}
	return pids
}

// nsHostInode is the namespace netlink_namespaces must mark is_host: PID 1's,
// or where /proc/1 may not be read, init_net's fixed inode when we are in it.
func nsHostInode(t testing.TB) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/1/ns/net", &st); err == nil {
		return st.Ino, true
	}
	if own := nsOwnInode(t); own == 0xEFFFFFF9 {
		return own, true
	}
	return 0, false
}

// TestNetlinkNamespacesListsAll finds the fixture's three namespaces, and one
// only a name holds, with the inode stat and `ip netns identify` see, the
// name, the lowest pid and the process count.
func TestNetlinkNamespacesListsAll(t *testing.T) {
	f := newNSFixture(t)
	empty := nstest.New(t)
	emptyIno := empty.Inode()

	fds := nstest.OpenFDs(t)
	rows := nsTableRows(t, "netlink_namespaces", nil)
	if after := nstest.OpenFDs(t); after != fds {
		t.Errorf("open descriptors: %d before, %d after", fds, after)
	}
	byInode := nsRowByInode(rows)
	if len(byInode) != len(rows) {
		t.Errorf("%d rows but %d distinct inodes", len(rows), len(byInode))
	}
	minPid := func(pids []int) string { return strconv.Itoa(slices.Min(pids)) }
	pidsA, pidsB := nsIPPids(t, f.a.netns), nsIPPids(t, f.b.netns)
	want := map[uint64]map[string]string{
		f.a.inode: {"inode": fmt.Sprint(f.a.inode), "name": f.a.netns, "pid": minPid(pidsA), "process_count": fmt.Sprint(len(pidsA)), "is_host": "0"},
		f.b.inode: {"inode": fmt.Sprint(f.b.inode), "name": f.b.netns, "pid": minPid(pidsB), "process_count": fmt.Sprint(len(pidsB)), "is_host": "0"},
		f.c.inode: {"inode": fmt.Sprint(f.c.inode), "name": "", "pid": minPid([]int{f.holderC, f.c.pid}), "process_count": "2", "is_host": "0"},
		emptyIno:  {"inode": fmt.Sprint(emptyIno), "name": empty.Name, "pid": "", "process_count": "0", "is_host": "0"},
	}
	for ino, w := range want {
		got := byInode[ino]
		if got == nil {
			t.Errorf("namespace %d (%s) not listed", ino, w["name"])
			continue
		}
		got = map[string]string{"inode": got["inode"], "name": got["name"], "pid": got["pid"],
			"process_count": got["process_count"], "is_host": got["is_host"]}
		checkSame(t, w, got, "namespace %d (-want +got)", ino)
	}
	// `ip netns identify PID` names the namespace of the pid the table gives.
	for _, tg := range []nsTarget{f.a, f.b} {
		out, err := exec.Command("ip", "netns", "identify", byInode[tg.inode]["pid"]).Output()
		if err != nil || strings.TrimSpace(string(out)) != tg.netns {
			t.Errorf("ip netns identify %s: %q, %v; want %s", byInode[tg.inode]["pid"], out, err, tg.netns)
		}
	}
	if host, ok := nsHostInode(t); ok {
		for ino, r := range byInode {
			if want := map[bool]string{true: "1", false: "0"}[ino == host]; r["is_host"] != want {
				t.Errorf("namespace %d: is_host %s, want %s (host is %d)", ino, r["is_host"], want, host)
			}
		}
	}
}

// TestNetlinkNamespacesNetnsid checks netnsid from the host's view (`ip netns
// list-id`) and from inside namespace a, where the veth pairs gave b and c
// ids (the link_netnsid `ip -j link` shows for each veth).
func TestNetlinkNamespacesNetnsid(t *testing.T) {
	f := newNSFixture(t)

	// From the caller's namespace: what `ip netns list-id` says, or -1.
	listID := regexp.MustCompile(`nsid (\d+) \(iproute2 netns name: (\S+)\)`)
	hostIDs := map[string]string{}
	out, err := exec.Command("ip", "netns", "list-id").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range listID.FindAllStringSubmatch(string(out), -1) {
		hostIDs[m[2]] = m[1]
	}
	byInode := nsRowByInode(nsTableRows(t, "netlink_namespaces", nil))
	for _, tg := range []nsTarget{f.a, f.b} {
		want, ok := hostIDs[tg.netns]
		if !ok {
			want = "-1"
		}
		if got := byInode[tg.inode]["netnsid"]; got != want {
			t.Errorf("netnsid of %s seen from here: %s, want %s", tg.label, got, want)
		}
	}

	// From inside a, selected by pid_with_namespace: the veths' link_netnsid.
	var links []struct {
		Name    string `json:"ifname"`
		NetnsID *int   `json:"link_netnsid"`
	}
	if err := json.Unmarshal([]byte(f.a.run("ip", "-j", "link", "show")), &links); err != nil {
		t.Fatal(err)
	}
	peer := map[string]uint64{"nlqab": f.b.inode, "nlqac": f.c.inode}
	want := map[uint64]string{}
	for _, l := range links {
		if ino, ok := peer[l.Name]; ok && l.NetnsID != nil {
			want[ino] = strconv.Itoa(*l.NetnsID)
		}
	}
	if len(want) != 2 {
		t.Fatalf("ip -j link in a: no link_netnsid for both veths: %+v", links)
	}
	pidA := strconv.Itoa(f.a.pid)
	rows := nsTableRows(t, "netlink_namespaces", nsEq(nil, colPidWithNamespace, pidA))
	for _, r := range rows {
		if r[colPidWithNamespace] != pidA {
			t.Errorf("row carries pid_with_namespace %q, want %s", r[colPidWithNamespace], pidA)
		}
	}
	byInode = nsRowByInode(rows)
	for ino, w := range want {
		if got := byInode[ino]["netnsid"]; got != w {
			t.Errorf("netnsid of %d seen from a: %s, want %s (link_netnsid)", ino, got, w)
		}
	}
	if got := byInode[f.a.inode]["netnsid"]; got != "-1" {
		t.Errorf("netnsid of a seen from a: %s, want -1", got)
	}
}

// TestNetlinkNamespacesConstraints narrows by inode and name.
func TestNetlinkNamespacesConstraints(t *testing.T) {
	a := nstest.New(t)
	ino := strconv.FormatUint(a.Inode(), 10)
	for _, tt := range []struct {
		name string
		cons map[string][]Constraint
		want []string // inodes
	}{
		{"inode", nsEq(nil, "inode", ino), []string{ino}},
		{"name", nsEq(nil, "name", a.Name), []string{ino}},
		{"unknown inode", nsEq(nil, "inode", "1"), nil},
		{"unknown name", nsEq(nil, "name", "nlq-no-such-name"), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := nsColumn(nsTableRows(t, "netlink_namespaces", tt.cons), "inode")
			checkSame(t, tt.want, got, "inodes (-want +got)")
		})
	}
}
