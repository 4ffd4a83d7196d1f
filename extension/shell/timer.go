package shell

import (
	"fmt"
	"time"
)

// timer measures one statement for .timer: wall-clock time, and the
// process's user and system CPU time (getrusage RUSAGE_SELF).
type timer struct {
	start     time.Time
	user, sys time.Duration
	cpuOK     bool
}

func startTimer() timer {
	t := timer{start: time.Now()}
	t.user, t.sys, t.cpuOK = cpuTimes()
	return t
}

// stop returns the line .timer prints, as osqueryi (and sqlite3) print it:
// "Run Time: real 0.012 user 0.004000 sys 0.008000", seconds.
func (t timer) stop() string {
	real := time.Since(t.start).Seconds()
	user, sys, ok := cpuTimes()
	if !ok || !t.cpuOK {
		return fmt.Sprintf("Run Time: real %.3f", real)
	}
	return fmt.Sprintf("Run Time: real %.3f user %f sys %f", real, (user - t.user).Seconds(), (sys - t.sys).Seconds())
}
