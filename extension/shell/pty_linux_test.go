package shell

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
)

// term is the netlinkq binary running on a pseudo-terminal, as a user's
// shell runs it: the test types keys into the master side and reads what
// the program writes there (escape sequences included).
type term struct {
	t      *testing.T
	master *os.File
	proc   *testbin.Proc
	mu     sync.Mutex
	out    bytes.Buffer
	seen   int // output before this offset has been matched already
}

// openPTY opens a pseudo-terminal pair (testbin.OpenPTY) wide enough that
// no typed line wraps.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, s := testbin.OpenPTY(t)
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 250}); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err)
	}
	return m, s
}

// startTerm runs the binary with args on a new pseudo-terminal, as the
// session leader with it as controlling terminal, HOME set to home ("" for
// no HOME), and waits for the first prompt. It is killed (by its PID) at
// the end of the test if still running.
func startTerm(t *testing.T, home string, args ...string) *term {
	t.Helper()
	return startTermAs(t, nil, home, args...)
}

// startTermAs is startTerm with the program run as cred's user (nil: ours).
func startTermAs(t *testing.T, cred *syscall.Credential, home string, args ...string) *term {
	t.Helper()
	master, slave := openPTY(t)
	defer slave.Close()
	cmd := testbin.Command(t, args...)
	cmd.Env = []string{"TERM=xterm", "PATH=" + os.Getenv("PATH")}
	if home != "" {
		cmd.Env = append(cmd.Env, "HOME="+home)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Credential: cred}
	tm := &term{t: t, master: master, proc: testbin.Start(t, cmd, syscall.SIGKILL)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	tm.expect("netlinkq> ")
	return tm
}

// typ writes keys to the terminal.
func (tm *term) typ(keys string) {
	tm.t.Helper()
	if _, err := tm.master.WriteString(keys); err != nil {
		tm.t.Fatalf("type %q: %v", keys, err)
	}
}

// expect waits until the output after the last match holds want, and
// returns the output up to and including it. The wait is a deadlock
// guard, not a timing assertion.
func (tm *term) expect(want string) string {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		tm.mu.Lock()
		out := tm.out.String()[tm.seen:]
		if i := strings.Index(out, want); i >= 0 {
			tm.seen += i + len(want)
			tm.mu.Unlock()
			return out[:i+len(want)]
		}
		tm.mu.Unlock()
		if time.Now().After(deadline) {
			tm.t.Fatalf("no %q in the terminal's output:\n%q", want, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for the program to exit and returns its exit status.
func (tm *term) wait() int {
	tm.t.Helper()
	select {
	case <-tm.proc.Exited():
		err := tm.proc.Err()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			tm.t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		tm.mu.Lock()
		defer tm.mu.Unlock()
		tm.t.Fatalf("the shell did not exit; output:\n%q", tm.out.String())
		return -1
	}
}

// exit types Ctrl-D on an empty line, which ends the shell, and checks
// that its exit status is 0.
func (tm *term) exit() {
	tm.t.Helper()
	tm.typ(ctrlD)
	if status := tm.wait(); status != 0 {
		tm.t.Errorf("status %d after Ctrl-D", status)
	}
}

// output is everything the program wrote so far.
func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// Keys as a terminal sends them.
const (
	keyUp    = "\x1b[A"
	keyEnter = "\r"
	keyTab   = "\t"
	ctrlA    = "\x01"
	ctrlC    = "\x03"
	ctrlD    = "\x04"
	ctrlE    = "\x05"
	ctrlK    = "\x0b"
	ctrlR    = "\x12"
	ctrlU    = "\x15"
	ctrlW    = "\x17"
)

// sleep pauses between retries of a key.
func (tm *term) sleep() { time.Sleep(50 * time.Millisecond) }
