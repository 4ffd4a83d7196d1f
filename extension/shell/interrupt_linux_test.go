package shell

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/tables"
)

// TestInterruptCancelsTheStatement sends SIGINT to the test process while
// a table blocks until its context is done: the table's context ends, the
// statement fails with "interrupted", and the session goes on.
func TestInterruptCancelsTheStatement(t *testing.T) {
	started, stopped := make(chan struct{}), make(chan error, 1)
	blocking := &tables.Table[fruit]{
		Name:    "forever",
		Doc:     "Blocks until the query is cancelled.",
		Columns: []tables.Column[fruit]{tables.BigInt("count", "n", func(f *fruit) int64 { return f.Count })},
		Generate: func(ctx context.Context, q *tables.Query, emit func(*fruit) error) error {
			close(started)
			<-ctx.Done()
			stopped <- ctx.Err()
			return ctx.Err()
		},
	}
	sh, out, errb := testShell(t, "csv", blocking)
	in, input := io.Pipe()
	done := make(chan int)
	go func() { done <- sh.session(in) }()
	fmt.Fprintln(input, "SELECT count FROM forever;")
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the table did not start")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		if err != context.Canceled {
			t.Errorf("table's context ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not cancel the table's context")
	}
	fmt.Fprintln(input, "SELECT 'after' AS next;")
	input.Close()
	if status := <-done; status != 0 {
		t.Errorf("status %d", status)
	}
	if !strings.Contains(errb.String(), "Error: interrupted\n") {
		t.Errorf("stderr %q: want Error: interrupted", errb)
	}
	if !strings.Contains(out.String(), "next\nafter\n") {
		t.Errorf("output %q: the statement after the interrupted one did not run", out)
	}
}
