package testbin

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Proc is a command a test started with Start.
type Proc struct {
	Cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Start starts cmd so that it dies with the test binary (Pdeathsig), and
// stops it by its PID at the end of the test if it is still running: stop
// first, SIGKILL if it has not exited 5 s later.
func Start(t testing.TB, cmd *exec.Cmd, stop syscall.Signal) *Proc {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{Cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		cmd.Process.Signal(stop)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// Exited is closed once the command has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is what Wait returned; it is set once Exited is closed.
func (p *Proc) Err() error { return p.err }
