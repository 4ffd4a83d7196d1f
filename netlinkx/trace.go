package netlinkx

import (
	"context"
	"sync/atomic"
)

// Trace observes the kernel requests made under a context: what the shell's
// .explain prints, and what tests count. Its functions may be called from
// several goroutines at once.
type Trace struct {
	// Dump sees each dump request as it is sent (a restart after
	// NLM_F_DUMP_INTR is sent again and seen again).
	Dump func(req DumpRequest)
	// ProcWalk sees each walk of /proc for socket owners: the pids read,
	// nil for every process.
	ProcWalk func(pids []int32)
}

type traceKey struct{}

// WithTrace returns a context whose kernel requests t observes.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// traceOf returns the Trace of ctx, or nil.
func traceOf(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

// Counters count what this process asked of the kernel since it started,
// for netlinkq_status: a host that answers many calls shows there what
// they cost.
type Counters struct {
	// Dumps are the dump requests sent (restarts included).
	Dumps uint64
	// ProcWalks are the walks of /proc for socket owners.
	ProcWalks uint64
}

var dumpCount, procWalkCount atomic.Uint64

// ReadCounters returns the counters so far.
func ReadCounters() Counters {
	return Counters{Dumps: dumpCount.Load(), ProcWalks: procWalkCount.Load()}
}

// traceDump counts a dump request and shows it to ctx's Trace.
func traceDump(ctx context.Context, req DumpRequest) {
	dumpCount.Add(1)
	if t := traceOf(ctx); t != nil && t.Dump != nil {
		t.Dump(req)
	}
}

// traceProcWalk counts a walk of /proc and shows it to ctx's Trace.
func traceProcWalk(ctx context.Context, pids []int32) {
	procWalkCount.Add(1)
	if t := traceOf(ctx); t != nil && t.ProcWalk != nil {
		t.ProcWalk(pids)
	}
}
