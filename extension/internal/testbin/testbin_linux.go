// Package testbin builds the netlinkq binary once per test process, for the
// tests of every package under extension/ that run the command as osqueryd
// or a user would, and holds what those tests share: a namespace whose
// tables stay still, processes stopped by their PID, pseudo-terminals, and
// rows read as text.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// Path builds the netlinkq binary once per test process, as `make
// build` does (CGO_ENABLED=0, -trimpath), and returns its path. It is named
// netlinkq.ext, as osqueryd requires, in a directory every user may enter so
// that the privilege tests can run it as nobody. Directories left by earlier,
// killed test processes are removed first.
func Path(tb testing.TB) string {
	tb.Helper()
	binaryOnce.Do(func() {
		const prefix = "netlinkq-test-"
		old, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
		for _, d := range old {
			pid, err := strconv.Atoi(filepath.Base(d)[len(prefix):])
			if err == nil && syscall.Kill(pid, 0) != nil {
				os.RemoveAll(d)
			}
		}
		dir := filepath.Join(os.TempDir(), prefix+strconv.Itoa(os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			binaryErr = err
			return
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "netlinkq.ext")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binaryPath, "github.com/netlinkq/netlinkq/extension")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		tb.Fatal(binaryErr)
	}
	return binaryPath
}

// Command is the netlinkq binary (Path) with args, not started.
func Command(tb testing.TB, args ...string) *exec.Cmd {
	tb.Helper()
	return exec.Command(Path(tb), args...)
}

// QuietNS is a namespace whose tables do not change while a test reads
// them: lo, a veth pair up with IPv4 and IPv6 addresses (no DAD, so nothing
// is tentative), and a veth pair named "1.0" and "80" (interface names that
// look like numbers), all without traffic.
func QuietNS(t *testing.T) *nstest.NS {
	t.Helper()
	ns := nstest.New(t)
	ns.Run("sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.all.accept_dad=0")
	ns.Run("ip", "link", "add", "bva", "type", "veth", "peer", "name", "bvb")
	ns.Run("ip", "link", "add", "1.0", "type", "veth", "peer", "name", "80")
	for _, l := range []string{"bva", "bvb", "1.0", "80"} {
		ns.Run("ip", "link", "set", l, "up")
	}
	ns.Run("ip", "addr", "add", "192.0.2.1/24", "broadcast", "192.0.2.255", "dev", "bva")
	ns.Run("ip", "addr", "add", "2001:db8::1/64", "dev", "bva", "nodad")
	ns.Run("ip", "addr", "add", "10.0.0.80/8", "dev", "80")
	// Link-local addresses and the IPv6 router solicitations of new links
	// settle within a second; wait until two reads agree.
	time.Sleep(200 * time.Millisecond)
	return ns
}

// Short shortens a statement for messages (huge IN lists, long strings).
func Short(q string) string {
	if len(q) > 200 {
		return q[:150] + fmt.Sprintf("...(%d bytes)...", len(q)-190) + q[len(q)-40:]
	}
	return q
}
