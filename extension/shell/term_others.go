//go:build !linux

package shell

import (
	"io"
	"os"
)

// isTerminal reports whether r is a character device: off Linux, where no
// table answers anyway, that is close enough.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
