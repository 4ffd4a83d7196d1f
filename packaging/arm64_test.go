package packaging

import (
	"debug/elf"
	"flag"
	"os/exec"
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
	if out, err := exec.Command("make", "-C", "..", "package", "ARCH=arm64", "VERSION=v1.2.3", "DIST="+dir).CombinedOutput(); err != nil {
		t.Fatalf("make package ARCH=arm64: %v\n%s", err, out)
	}
	if got := run(t, "dpkg-deb", "--showformat=${Architecture}", "--show", filepath.Join(dir, "netlinkq_1.2.3_arm64.deb")); got != "arm64" {
		t.Errorf("deb Architecture = %q, want arm64", got)
	}
	if _, err := exec.LookPath("rpm"); err == nil {
		if got := run(t, "rpm", "-qp", "--qf", "%{ARCH}", filepath.Join(dir, "netlinkq-1.2.3.aarch64.rpm")); got != "aarch64" {
			t.Errorf("rpm ARCH = %q, want aarch64", got)
		}
	}
	f, err := elf.Open(filepath.Join(dir, "arm64", "netlinkq.ext"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("binary machine %v, want EM_AARCH64", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("arm64 binary has a %v program header: not static", p.Type)
		}
	}
}
