//go:build unix

package shell

import (
	"syscall"
	"time"
)

// cpuTimes returns the user and system CPU time the process has used
// (getrusage RUSAGE_SELF: every thread, the tables' goroutines too).
func cpuTimes() (user, sys time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
