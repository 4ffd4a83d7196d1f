package netlinkx_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoHost checks what the style guide promises of netlinkx: kernel
// access that knows nothing of osquery or SQL. Neither it nor anything it
// imports (tests aside) may pull in osquery-go, Thrift, SQLite, or the
// tables and extension packages.
func TestImportsNoHost(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command on PATH")
	}
	out, err := exec.Command(goCmd, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"github.com/osquery/",
		"github.com/apache/thrift",
		"modernc.org/sqlite",
		"github.com/mattn/go-sqlite3",
		"github.com/netlinkq/netlinkq/tables",
		"github.com/netlinkq/netlinkq/extension",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed only %q", out)
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("netlinkx depends on %s", dep)
			}
		}
	}
}
