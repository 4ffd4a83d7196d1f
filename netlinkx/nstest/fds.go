package nstest

import (
	"os"
	"testing"
)

// OpenFDs counts the process's open descriptors (/proc/self/fd), for the
// tests that check a call leaves none open.
func OpenFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
