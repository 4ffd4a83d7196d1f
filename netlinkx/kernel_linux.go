package netlinkx

import (
	"sync"

	"golang.org/x/sys/unix"
)

// kernelRelease is uname(2)'s release of the running kernel ("" if unknown):
// every network namespace shares the kernel.
var kernelRelease = sync.OnceValue(func() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
})

// KernelAtLeast reports whether the running kernel is major.minor or newer.
func KernelAtLeast(major, minor int) bool { return versionAtLeast(kernelRelease(), major, minor) }
