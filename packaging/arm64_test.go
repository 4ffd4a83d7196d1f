package packaging

import (
	"flag"
	"path/filepath"
	"testing"
)

// arm64 turns on TestPackageArm64: cross-compiling the binary costs about a
// minute of CPU on a cold build cache, too much for every `go test ./...`.
var arm64 = flag.Bool("arm64", false, "also build and inspect the arm64 packages (make package ARCH=arm64)")

// TestPackageArm64 builds the arm64 packages with `make package ARCH=arm64`
// and checks their architecture fields and the binary's machine and linkage.
func TestPackageArm64(t *testing.T) {
	if !*arm64 {
		t.Skip("arm64 packages are checked with go test ./packaging -run Arm64 -arm64")
	}
	needTool(t, "dpkg-deb", "dpkg")
	needTool(t, "make", "make")
	dir := t.TempDir()
	if err := makePackages(dir, "arm64", "v1.2.3"); err != nil {
		t.Fatal(err)
	}
	if got := run(t, "dpkg-deb", "--showformat=${Architecture}", "--show", filepath.Join(dir, "netlinkq_1.2.3_arm64.deb")); got != "arm64" {
		t.Errorf("deb Architecture = %q, want arm64", got)
	}
	t.Run("rpm", func(t *testing.T) {
		needTool(t, "rpm", "rpm")
		if got := run(t, "rpm", "-qp", "--qf", "%{ARCH}", filepath.Join(dir, "netlinkq-1.2.3.aarch64.rpm")); got != "aarch64" {
			t.Errorf("rpm ARCH = %q, want aarch64", got)
		}
	})
	checkStaticELF(t, filepath.Join(dir, "arm64", "netlinkq.ext"), "the arm64 binary", "arm64")
}
