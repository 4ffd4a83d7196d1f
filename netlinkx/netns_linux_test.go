package netlinkx_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

func TestOpenNetNSRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, spec string
		want       string // in the error
	}{
		{"empty", "", "empty name"},
		{"slash in name", "a/b", "not a namespace name"},
		{"dot", ".", "not a namespace name"},
		{"dotdot", "..", "not a namespace name"},
		{"NUL", "a\x00b", "NUL"},
		{"no such name", "nlq-no-such-namespace-" + strconv.Itoa(os.Getpid()), "no such file"},
		{"regular file", plain, "not a network namespace"},
		{"directory", dir, "not a network namespace"},
		{"FIFO does not block", fifo, "not a network namespace"},
		{"device", "/dev/null", "not a network namespace"},
		{"other namespace type", "/proc/self/ns/uts", "not a network namespace"},
	}
	before := nstest.OpenFDs(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := netlinkx.OpenNetNS(tt.spec)
			if err == nil {
				ns.Close()
				t.Fatalf("OpenNetNS(%q) = %d, want an error", tt.spec, ns)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("OpenNetNS(%q) = %v, want it to say %q", tt.spec, err, tt.want)
			}
		})
	}
	if after := nstest.OpenFDs(t); after != before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
}

func TestOpenNetNSOfPID(t *testing.T) {
	own := nstest.FileInode(t, "/proc/self/ns/net")
	for _, tt := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"self", os.Getpid(), true},
		{"zero", 0, false},
		{"negative", -1, false},
		{"beyond pid_max", 1 << 23, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := netlinkx.OpenNetNSOfPID(tt.pid)
			if !tt.ok {
				if err == nil {
					ns.Close()
					t.Fatalf("OpenNetNSOfPID(%d) = %d, want an error", tt.pid, ns)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ns.Close()
			if ns == netlinkx.Own {
				t.Fatal("descriptor 0 reads as Own")
			}
			ino, err := ns.Inode()
			if err != nil {
				t.Fatal(err)
			}
			if ino != own {
				t.Errorf("Inode() = %d, want %d (stat /proc/self/ns/net)", ino, own)
			}
		})
	}
	ino, err := netlinkx.Own.Inode()
	if err != nil || ino != own {
		t.Errorf("Own.Inode() = %d, %v; want %d", ino, err, own)
	}
}

// TestOpenNetNSNamed opens a namespace by name and by path and finds the
// inode `ip netns identify` and stat see.
func TestOpenNetNSNamed(t *testing.T) {
	n := nstest.New(t)
	want := n.Inode()
	for _, spec := range []string{n.Name, "/run/netns/" + n.Name, "/var/run/netns/" + n.Name} {
		ns, err := netlinkx.OpenNetNS(spec)
		if err != nil {
			t.Fatal(err)
		}
		ino, err := ns.Inode()
		ns.Close()
		if err != nil || ino != want {
			t.Errorf("OpenNetNS(%q).Inode() = %d, %v; want %d", spec, ino, err, want)
		}
	}
}

func TestDo(t *testing.T) {
	n := nstest.New(t)
	ns := n.Open()
	want, err := ns.Inode()
	if err != nil {
		t.Fatal(err)
	}
	own := nstest.FileInode(t, "/proc/self/ns/net")
	var inside uint64
	if err := ns.Do(func() error {
		inside = nstest.FileInode(t, "/proc/thread-self/ns/net")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if inside != want {
		t.Errorf("inside Do: thread in netns %d, want %d", inside, want)
	}

	errFn := errors.New("from fn")
	if err := ns.Do(func() error { return errFn }); !errors.Is(err, errFn) {
		t.Errorf("Do returned %v, want fn's error", err)
	}
	if err := ns.Do(func() error { panic("boom") }); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Do with a panicking fn returned %v, want the panic as an error", err)
	}
	// A closed descriptor cannot be entered: an enter error, and no switch.
	if err := netlinkx.NetNS(1 << 20).Do(func() error { t.Error("fn ran"); return nil }); !netlinkx.IsEnterError(err) {
		t.Errorf("Do on a bad descriptor: %v, want an enter error", err)
	}
	nstest.CheckThreads(t, own)
}

// waitInNetNS waits until process pid is in the namespace with inode ino:
// `ip netns exec` enters it after it has started.
func waitInNetNS(t testing.TB, pid int, ino uint64) {
	t.Helper()
	nstest.Eventually(t, func() error {
		var st unix.Stat_t
		if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st); err != nil {
			return err
		}
		if st.Ino != ino {
			return fmt.Errorf("pid %d is in netns %d, not yet in %d", pid, st.Ino, ino)
		}
		return nil
	})
}

// hostInode is the inode ScanNetNS should mark Host: PID 1's namespace, or
// where that may not be read, init_net's fixed inode if we are in it.
func hostInode(t testing.TB) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/1/ns/net", &st); err == nil {
		return st.Ino, true
	}
	if own := nstest.FileInode(t, "/proc/self/ns/net"); own == 0xEFFFFFF9 {
		return own, true
	}
	return 0, false
}

func TestScanNetNS(t *testing.T) {
	named := nstest.New(t)
	held := named.Start("sleep", "600") // a process in the named namespace too
	empty := nstest.New(t)              // only the name holds it
	unshared := nstest.NewUnshared(t)
	pid := unshared.PID

	fds := nstest.OpenFDs(t)
	scan, err := netlinkx.ScanNetNS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after := nstest.OpenFDs(t); after != fds {
		t.Errorf("open descriptors: %d before ScanNetNS, %d after", fds, after)
	}
	byInode := map[uint64]netlinkx.NetNSEntry{}
	for i, e := range scan.Namespaces {
		if i > 0 && scan.Namespaces[i-1].Inode >= e.Inode {
			t.Errorf("namespaces not in ascending inode order at %d", i)
		}
		byInode[e.Inode] = e
	}
	waitInNetNS(t, held.Process.Pid, named.Inode())
	want := []netlinkx.NetNSEntry{
		{Inode: named.Inode(), Names: []string{named.Name}, PID: held.Process.Pid, Processes: 1},
		{Inode: empty.Inode(), Names: []string{empty.Name}},
		{Inode: unshared.Inode(), PID: pid, Processes: 1},
	}
	for _, w := range want {
		if diff := cmp.Diff(w, byInode[w.Inode]); diff != "" {
			t.Errorf("namespace %d (-want +got):\n%s", w.Inode, diff)
		}
	}
	if host, ok := hostInode(t); ok {
		for _, e := range scan.Namespaces {
			if e.Host != (e.Inode == host) {
				t.Errorf("namespace %d: Host = %v, want %v (host is %d)", e.Inode, e.Host, !e.Host, host)
			}
		}
	}

	// lsns agrees on the lowest pid and the name's path.
	if _, err := exec.LookPath("lsns"); err == nil {
		out, err := exec.Command("lsns", "-t", "net", "-n", "-o", "NS,PID,NSFS", "-r").Output()
		if err != nil {
			t.Fatalf("lsns: %v", err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			ino, _ := strconv.ParseUint(f[0], 10, 64)
			if ino != want[0].Inode && ino != want[2].Inode {
				continue // other engineers' namespaces come and go
			}
			got := byInode[ino]
			if strconv.Itoa(got.PID) != f[1] {
				t.Errorf("namespace %d: pid %d, lsns says %s", ino, got.PID, f[1])
			}
		}
	}
}

func TestGetNSID(t *testing.T) {
	a, b := nstest.New(t), nstest.New(t)
	a.Run("ip", "netns", "set", b.Name, "7") // in a: b is netnsid 7
	inB := b.Start("sleep", "600")
	waitInNetNS(t, inB.Process.Pid, b.Inode())
	nsA, nsB := a.Open(), b.Open()
	ctx := t.Context()
	before := nstest.OpenFDs(t)
	tests := []struct {
		name string
		req  netlinkx.NSIDRequest
		want int32
	}{
		{"by fd", netlinkx.NSIDRequest{NetNS: nsA, Peer: nsB}, 7},
		{"by pid", netlinkx.NSIDRequest{NetNS: nsA, PID: inB.Process.Pid}, 7},
		{"not assigned", netlinkx.NSIDRequest{NetNS: nsB, Peer: nsA}, netlinkx.NSIDNotAssigned},
		{"itself", netlinkx.NSIDRequest{NetNS: nsA, Peer: nsA}, netlinkx.NSIDNotAssigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := netlinkx.GetNSID(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("GetNSID = %d, want %d", got, tt.want)
			}
		})
	}
	// `ip netns list-id` in a agrees.
	if out := a.Run("ip", "netns", "list-id"); !strings.Contains(out, "nsid 7 ") {
		t.Errorf("ip netns list-id in %s: %q, want nsid 7", a.Name, out)
	}
	if _, err := netlinkx.GetNSID(ctx, netlinkx.NSIDRequest{NetNS: nsA, PID: 1 << 23}); !errors.Is(err, unix.ESRCH) {
		t.Errorf("GetNSID of a pid that does not exist: %v, want ESRCH", err)
	}
	if _, err := netlinkx.GetNSID(ctx, netlinkx.NSIDRequest{NetNS: nsA}); err == nil {
		t.Error("GetNSID without a peer: no error")
	}
	if after := nstest.OpenFDs(t); after != before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
}

// nsidCases are the recorded RTM_NEWNSID replies in testdata/nsid.
var nsidCases = []struct {
	file string
	want int32
}{
	{"assigned", 7},
	{"not_assigned", netlinkx.NSIDNotAssigned},
}

func TestDecodeNSID(t *testing.T) {
	nstest.NeedLittleEndian(t)
	for _, tt := range nsidCases {
		t.Run(tt.file, func(t *testing.T) {
			b, _ := readRecording(t, "nsid/"+tt.file)
			got, err := netlinkx.DecodeNSID(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("DecodeNSID = %d, want %d", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short rtgenmsg", []byte{0, 0}},
		{"no NETNSA_NSID", []byte{0, 0, 0, 0}},
		{"short attribute", []byte{0, 0, 0, 0, 6, 0, 1, 0, 7, 0, 0, 0}},
		{"bad nla_len", []byte{0, 0, 0, 0, 200, 0, 1, 0, 7, 0, 0, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := netlinkx.DecodeNSID(tt.b); err == nil {
				t.Errorf("DecodeNSID(%x) = %d, want an error", tt.b, got)
			}
		})
	}
}

func FuzzDecodeNSID(f *testing.F) {
	fuzzDecode(f, "nsid", netlinkx.DecodeNSID, func(t *testing.T, nsid int32, _ []byte) {
		// Round trip: the id re-encoded after a rtgenmsg decodes the same.
		ae := netlink.NewAttributeEncoder()
		ae.Int32(unix.NETNSA_NSID, nsid)
		attrs, err := ae.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := netlinkx.DecodeNSID(append(make([]byte, 4), attrs...))
		if err != nil || again != nsid {
			t.Fatalf("round trip: %d, %v; want %d", again, err, nsid)
		}
	})
}

// TestRecordNSID re-records testdata/nsid with -args -record: two namespaces, one
// of which has given the other netnsid 7.
func TestRecordNSID(t *testing.T) {
	needRecord(t)
	a, b := nstest.New(t), nstest.New(t)
	a.Run("ip", "netns", "set", b.Name, "7")
	nsA, nsB := a.Open(), b.Open()
	for _, c := range []struct {
		file, how string
		in, peer  netlinkx.NetNS
	}{
		{"assigned", "RTM_GETNSID with NETNSA_FD, asked in a namespace that ran `ip netns set PEER 7`", nsA, nsB},
		{"not_assigned", "RTM_GETNSID with NETNSA_FD, asked in a namespace that gave the peer no id", nsB, nsA},
	} {
		req := cat(make([]byte, 4), attr(unix.NETNSA_FD, u32(uint32(c.peer))...)) // rtgenmsg, NETNSA_FD
		reply := dumpOne(t, netlinkx.DumpRequest{Protocol: unix.NETLINK_ROUTE, NetNS: c.in, Type: unix.RTM_GETNSID, Data: req})
		writeRecording(t, "nsid/"+c.file, reply, fmt.Sprintf("recorded by: go test -run TestRecordNSID ./netlinkx/ -args -record (%s)\n"+
			"content: the RTM_NEWNSID payload (rtgenmsg + NETNSA_NSID) of %s\n",
			runtime.GOARCH, c.how))
	}
}

// BenchmarkScanNetNS lists the namespaces with ScanNetNS, with n extra named
// namespaces on the host, against `lsns -t net` run in the same loop (a whole
// process: its start-up is part of what a user waits for).
func BenchmarkScanNetNS(b *testing.B) {
	nstest.NeedTool(b, "lsns")
	for _, n := range []int{0, 10, 100} {
		b.Run(fmt.Sprintf("named=%d", n), func(b *testing.B) {
			for range n {
				nstest.New(b)
			}
			ctx := b.Context()
			var ours, theirs time.Duration
			for b.Loop() {
				start := time.Now()
				scan, err := netlinkx.ScanNetNS(ctx)
				if err != nil {
					b.Fatal(err)
				}
				ours += time.Since(start)
				if len(scan.Namespaces) < n {
					b.Fatalf("%d namespaces, want at least %d", len(scan.Namespaces), n)
				}
				start = time.Now()
				if err := exec.Command("lsns", "-t", "net", "-n", "-r", "-o", "NS,PID,NPROCS,NSFS").Run(); err != nil {
					b.Fatal(err)
				}
				theirs += time.Since(start)
			}
			b.ReportAllocs()
			b.ReportMetric(float64(ours)/float64(theirs), "x_lsns")
		})
	}
}
