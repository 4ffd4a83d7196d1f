package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHostsStayInTheirRooms checks the layout the style guide promises: the
// osquery host and the embedded host (sqlhost and the shell above it) import
// nothing of each other, the osquery host links no SQLite, and netlinkx and
// tables import no host and no host library.
func TestHostsStayInTheirRooms(t *testing.T) {
	const mod = "github.com/netlinkq/netlinkq/extension/"
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{mod + "osqueryhost", []string{mod + "sqlhost", mod + "shell", "modernc.org/sqlite"}},
		{mod + "sqlhost", []string{mod + "osqueryhost", mod + "shell", "github.com/osquery/osquery-go", "github.com/apache/thrift"}},
		{mod + "shell", []string{mod + "osqueryhost", "github.com/osquery/osquery-go", "github.com/apache/thrift"}},
		// Kernel access knows nothing of osquery, SQL, tables or hosts.
		{"github.com/netlinkq/netlinkq/netlinkx", []string{"github.com/netlinkq/netlinkq/tables", "github.com/netlinkq/netlinkq/extension",
			"github.com/osquery/osquery-go", "github.com/apache/thrift", "modernc.org/sqlite"}},
		{"github.com/netlinkq/netlinkq/tables", []string{"github.com/netlinkq/netlinkq/extension",
			"github.com/osquery/osquery-go", "github.com/apache/thrift", "modernc.org/sqlite"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tt.pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range tt.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s imports %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}
