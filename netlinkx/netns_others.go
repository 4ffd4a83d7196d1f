//go:build !linux

package netlinkx

import (
	"fmt"
	"runtime"
)

var errOS = fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)

// OpenNetNS is not available off Linux.
func OpenNetNS(spec string) (NetNS, error) { return 0, errOS }

// OpenNetNSOfPID is not available off Linux.
func OpenNetNSOfPID(pid int) (NetNS, error) { return 0, errOS }

// Close does nothing off Linux.
func (ns NetNS) Close() error { return nil }

// Inode is not available off Linux.
func (ns NetNS) Inode() (uint64, error) { return 0, errOS }

// Do runs fn only for Own off Linux.
func (ns NetNS) Do(fn func() error) error {
	if ns == Own {
		return fn()
	}
	return errOS
}
