//go:build !linux

package shell

import "os"

// isTerminalFile reports whether f is a character device: off Linux, where
// no table answers anyway, that is close enough.
func isTerminalFile(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
