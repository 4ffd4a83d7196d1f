package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// testBinary builds the netlinkq binary once per test process, as `make
// build` does (CGO_ENABLED=0, -trimpath), and returns its path. It is named
// netlinkq.ext, as osqueryd requires, in a directory every user may enter so
// that the privilege tests can run it as nobody. Directories left by earlier,
// killed test processes are removed first.
func testBinary(tb testing.TB) string {
	tb.Helper()
	binaryOnce.Do(func() {
		const prefix = "netlinkq-test-"
		old, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
		for _, d := range old {
			pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), prefix))
			if err == nil && syscall.Kill(pid, 0) != nil {
				os.RemoveAll(d)
			}
		}
		dir := filepath.Join(os.TempDir(), prefix+strconv.Itoa(os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			binaryErr = err
			return
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "netlinkq.ext")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binaryPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		tb.Fatal(binaryErr)
	}
	return binaryPath
}
