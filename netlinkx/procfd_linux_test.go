package netlinkx_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// procSocketFDs reads /proc/PID/fd the slow, obvious way: socket inode →
// lowest fd holding it.
func procSocketFDs(t testing.TB, pid int) map[uint64]int32 {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]int32{}
	for _, e := range ents {
		target, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		var ino uint64
		if _, err := fmt.Sscanf(target, "socket:[%d]", &ino); err != nil {
			continue
		}
		fd, _ := strconv.Atoi(e.Name())
		if old, ok := out[ino]; !ok || int32(fd) < old {
			out[ino] = int32(fd)
		}
	}
	return out
}

func procComm(t testing.TB, pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

var ssUsersRe = regexp.MustCompile(`\("([^"]*)",pid=(\d+),fd=(\d+)\)`)

func TestSocketOwners(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, pid := startSockHelper(t)
	ctx := t.Context()
	comm := procComm(t, pid)

	want := map[uint64]netlinkx.SocketOwner{}
	for ino, fd := range procSocketFDs(t, pid) {
		want[ino] = netlinkx.SocketOwner{PID: int32(pid), FD: fd, Comm: comm}
	}
	if len(want) < 15 {
		t.Fatalf("helper holds only %d sockets", len(want))
	}

	// A walk of the helper only finds exactly its sockets.
	got, err := netlinkx.SocketOwners(ctx, []int32{int32(pid)})
	if err != nil {
		t.Fatal(err)
	}
	checkDiff(t, fmt.Sprintf("SocketOwners(helper) vs /proc/%d/fd (-want +got)", pid), want, got)

	// The walk of every process finds the same owners for them.
	all, err := netlinkx.SocketOwners(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for ino, w := range want {
		checkDiff(t, fmt.Sprintf("SocketOwners(nil)[%d] (-want +got)", ino), w, all[ino])
	}

	// ss -p names our owner among the socket's users.
	for _, line := range strings.Split(ns.Run("ss", "-xapH"), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 {
			continue
		}
		ino, err := strconv.ParseUint(f[5], 10, 64)
		if err != nil {
			t.Fatalf("ss -xapH line %q: %v", line, err)
		}
		o, ok := got[ino]
		if !ok {
			t.Errorf("ss -xapH shows owners of inode %d, SocketOwners none: %s", ino, line)
			continue
		}
		if !strings.Contains(line, fmt.Sprintf("(%q,pid=%d,fd=%d)", o.Comm, o.PID, o.FD)) {
			t.Errorf("ss -xapH does not list owner %+v: %s", o, line)
		}
		if len(ssUsersRe.FindAllString(line, -1)) == 0 {
			t.Errorf("no users in ss line %q", line)
		}
	}
}

func TestSocketOwnersFilter(t *testing.T) {
	ctx := t.Context()
	// Our own process: a listener we hold, found at its fd.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	self := int32(os.Getpid())
	got, err := netlinkx.SocketOwners(ctx, []int32{self})
	if err != nil {
		t.Fatal(err)
	}
	want := procSocketFDs(t, os.Getpid())
	if len(got) != len(want) {
		t.Errorf("SocketOwners(self) found %d sockets, /proc/self/fd %d", len(got), len(want))
	}
	for ino, o := range got {
		if o.PID != self || want[ino] != o.FD {
			t.Errorf("inode %d: owner %+v, want pid %d fd %d", ino, o, self, want[ino])
		}
	}

	// Processes that do not exist, or a pid that cannot be one, give nothing.
	for _, pids := range [][]int32{{0}, {-1}, {1<<31 - 1}, {}} {
		got, err := netlinkx.SocketOwners(ctx, pids)
		if err != nil || len(got) != 0 {
			t.Errorf("SocketOwners(%v) = %v, %v; want empty, nil", pids, got, err)
		}
	}

	// A process that exits before the walk is skipped silently.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if got, err := netlinkx.SocketOwners(ctx, []int32{int32(cmd.Process.Pid), self}); err != nil || len(got) == 0 {
		t.Errorf("SocketOwners(exited, self) = %d owners, %v", len(got), err)
	}

	// A cancelled context ends the walk with its error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := netlinkx.SocketOwners(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("SocketOwners(cancelled) error %v, want context.Canceled", err)
	}
}

// BenchmarkSocketOwners walks every process while holders in a namespace
// keep n established loopback TCP connections (2n socket fds, nstest's
// HoldTCPSockets), and runs `ss -Htanp` there after the timed loop for the
// x_ss ratio (our time per walk over ss's per run).
func BenchmarkSocketOwners(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			nstest.NeedTool(b, "ss")
			ns := nstest.New(b)
			ns.HoldTCPSockets(2 * n)
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := netlinkx.SocketOwners(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ns.RunTime(3, "ss", "-Htanp")), "x_ss")
		})
	}
}
