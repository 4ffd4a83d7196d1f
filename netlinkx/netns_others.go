//go:build !linux

package netlinkx

// OpenNetNS is not available off Linux.
func OpenNetNS(spec string) (NetNS, error) { return 0, errNotLinux }

// OpenNetNSOfPID is not available off Linux.
func OpenNetNSOfPID(pid int) (NetNS, error) { return 0, errNotLinux }

// Close does nothing off Linux.
func (ns NetNS) Close() error { return nil }

// Inode is not available off Linux.
func (ns NetNS) Inode() (uint64, error) { return 0, errNotLinux }

// Do runs fn only for Own off Linux.
func (ns NetNS) Do(fn func() error) error {
	if ns == Own {
		return fn()
	}
	return errNotLinux
}
