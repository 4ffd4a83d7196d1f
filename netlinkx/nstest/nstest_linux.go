package nstest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// NS is a network namespace created for one test: a named one (New), or
// one only a process holds (NewUnshared).
type NS struct {
	// Name is the namespace's name under /run/netns; "" for NewUnshared's.
	Name string
	// PID is the process that alone holds NewUnshared's namespace; 0 for a named one.
	PID int
	t   testing.TB
}

var seq atomic.Int64

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// NeedRoot skips the test unless it runs as root, naming why.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates a network namespace")
	}
}

// NeedTool skips the test when a command it runs or compares with is missing.
func NeedTool(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("needs %s on PATH (Debian package %s)", name, toolPackage(name))
		}
	}
}

func toolPackage(name string) string {
	switch name {
	case "ss", "ip", "bridge":
		return "iproute2"
	case "unshare", "nsenter", "setpriv":
		return "util-linux"
	}
	return name
}

// New creates a fresh network namespace named nlq-<test>-<pid>-<n>, with lo up,
// and deletes it (and every process Start began in it) when the test ends.
// It skips with "needs root: creates a network namespace" when euid is not 0.
func New(t testing.TB) *NS {
	t.Helper()
	NeedRoot(t)
	NeedTool(t, "ip")
	name := uniqueName(t)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	n := &NS{Name: name, t: t}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v: %s", name, err, out)
		}
	})
	n.Run("ip", "link", "set", "lo", "up")
	return n
}

// uniqueName is a name for something a test makes on the host:
// nlq-<test>-<pid>-<n>.
func uniqueName(t testing.TB) string {
	base := unsafeChars.ReplaceAllString(t.Name(), "_")
	if len(base) > 40 {
		base = base[:40]
	}
	return fmt.Sprintf("nlq-%s-%d-%d", base, os.Getpid(), seq.Add(1))
}

// NewUnshared creates a network namespace that only a process holds, as
// `unshare -n sleep 600` does (nothing under /run/netns), with lo up. The
// process is stopped by its PID when the test ends. It skips like New.
func NewUnshared(t testing.TB) *NS {
	t.Helper()
	NeedRoot(t)
	NeedTool(t, "unshare")
	NeedTool(t, "nsenter")
	cmd := exec.Command("unshare", "-n", "sleep", "600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start unshare -n sleep 600: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	n := &NS{PID: cmd.Process.Pid, t: t}
	own := FileInode(t, "/proc/self/ns/net")
	// unshare execs sleep in place: the same pid, once it has left our namespace.
	Eventually(t, func() error {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", n.PID))
		if FileInode(t, n.Path()) == own || string(comm) != "sleep\n" {
			return fmt.Errorf("unshare -n sleep (pid %d) not in its namespace yet", n.PID)
		}
		return nil
	})
	n.Run("ip", "link", "set", "lo", "up")
	return n
}

// Path is the namespace's file: /run/netns/NAME, or /proc/PID/ns/net.
func (n *NS) Path() string {
	if n.PID != 0 {
		return fmt.Sprintf("/proc/%d/ns/net", n.PID)
	}
	return "/run/netns/" + n.Name
}

// Inode is the namespace's inode number, as netlinkx and lsns show it.
func (n *NS) Inode() uint64 {
	n.t.Helper()
	return FileInode(n.t, n.Path())
}

// FileInode is the inode number of the file at path, links followed
// (`stat -L -c %i`): for a namespace file, the namespace's.
func FileInode(t testing.TB, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// Run runs a command inside the namespace (`ip netns exec`, or `nsenter` for
// NewUnshared's) and returns its standard output; the test fails if the
// command does.
func (n *NS) Run(args ...string) string {
	n.t.Helper()
	out, err := n.Command(args...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		n.t.Fatalf("in netns %s: %s: %v: %s", n.Path(), strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// RunTime runs a command inside the namespace runs times, as Run does, and
// returns its mean time: what a benchmark compares its own time with (ss, ip).
func (n *NS) RunTime(runs int, args ...string) time.Duration {
	n.t.Helper()
	start := time.Now()
	for range runs {
		n.Run(args...)
	}
	return time.Since(start) / time.Duration(runs)
}

// JSON runs a command that prints JSON (`ip -j`, `tc -j`) inside the
// namespace and decodes its output into v; the test fails if the command
// does or v cannot hold the output.
func (n *NS) JSON(v any, args ...string) {
	n.t.Helper()
	out := n.Run(args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		n.t.Fatalf("in netns %s: %s: %v: %s", n.Path(), strings.Join(args, " "), err, out)
	}
}

// NewPair creates two namespaces (New) joined by a veth pair, veth0 in ns
// and veth1 in peer, after setting each of sysctls (`sysctl -qw`) in both.
// The links stay down: Up them with their addresses.
func NewPair(t testing.TB, sysctls ...string) (ns, peer *NS) {
	t.Helper()
	ns, peer = New(t), New(t)
	if len(sysctls) > 0 {
		for _, n := range []*NS{ns, peer} {
			n.Run(append([]string{"sysctl", "-qw"}, sysctls...)...)
		}
	}
	ns.Run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", peer.Name)
	return ns, peer
}

// Up adds addrs (prefixes such as 10.0.0.1/24 or 2001:db8::1/64) to the link
// dev and brings it up.
func (n *NS) Up(dev string, addrs ...string) {
	n.t.Helper()
	for _, a := range addrs {
		n.Run("ip", "addr", "add", a, "dev", dev)
	}
	n.Run("ip", "link", "set", dev, "up")
}

// Command returns an unstarted command that runs inside the namespace.
func (n *NS) Command(args ...string) *exec.Cmd {
	if n.PID != 0 {
		return exec.Command("nsenter", append([]string{"-t", strconv.Itoa(n.PID), "-n"}, args...)...)
	}
	return exec.Command("ip", append([]string{"netns", "exec", n.Name}, args...)...)
}

// Start starts a long-running command inside the namespace and stops it by its
// PID (SIGKILL, then wait) when the test ends.
func (n *NS) Start(args ...string) *exec.Cmd {
	n.t.Helper()
	cmd := n.Command(args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("in netns %s: start %s: %v", n.Path(), strings.Join(args, " "), err)
	}
	n.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// Open opens the namespace for netlinkx calls; the descriptor is closed when the test ends.
func (n *NS) Open() netlinkx.NetNS {
	n.t.Helper()
	ns, err := netlinkx.OpenNetNS(n.Path())
	if err != nil {
		n.t.Fatalf("open netns %s: %v", n.Path(), err)
	}
	n.t.Cleanup(func() { _ = ns.Close() })
	return ns
}

// Eventually retries check until it returns nil or ten seconds pass (a loaded CI machine starts python slowly), for
// state the kernel reaches asynchronously (DAD, carrier, TIME_WAIT).
func Eventually(t testing.TB, check func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartReady starts cmd, waits for the line "ready" on its standard output
// (a helper that holds sockets says it once they are open), and stops it by
// its PID when the test ends. It returns the PID.
func StartReady(tb testing.TB, cmd *exec.Cmd) int {
	tb.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", strings.Join(cmd.Args, " "), err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		tb.Fatalf("%s: %q, %v", strings.Join(cmd.Args, " "), line, err)
	}
	return cmd.Process.Pid
}

// StartReady is StartReady for a command run inside the namespace.
func (n *NS) StartReady(args ...string) int {
	n.t.Helper()
	return StartReady(n.t, n.Command(args...))
}

// CheckThreads fails the test if any thread of the process is not in the
// network namespace with inode want: a namespace switch must never leak
// onto a thread the Go runtime reuses.
func CheckThreads(t testing.TB, want uint64) {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		var st syscall.Stat_t
		if err := syscall.Stat("/proc/self/task/"+task.Name()+"/ns/net", &st); err != nil {
			continue // the thread ended
		}
		if st.Ino != want {
			t.Errorf("thread %s is in netns %d, want %d", task.Name(), st.Ino, want)
		}
	}
}

// Script runs each of lines, a command with its arguments separated by
// spaces (no quoting), inside the namespace, and returns lines: a lab's
// commands, for a recording's header.
func (n *NS) Script(lines ...string) []string {
	n.t.Helper()
	for _, l := range lines {
		n.Run(strings.Fields(l)...)
	}
	return lines
}

// Ifindex is the index of the link dev in the namespace.
func (n *NS) Ifindex(dev string) uint32 {
	n.t.Helper()
	s := strings.TrimSpace(n.Run("cat", "/sys/class/net/"+dev+"/ifindex"))
	i, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		n.t.Fatalf("in netns %s: ifindex of %s: %q", n.Path(), dev, s)
	}
	return uint32(i)
}
