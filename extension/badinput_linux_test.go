package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/tables"
)

// TestBadInputBinary runs the built binary on bad SQL and on the hostile
// constraints of issue 9 on every table: exit 0 with rows, or exit 1 with
// one "Error: " line on stderr; never a stack trace, never a hang.
func TestBadInputBinary(t *testing.T) {
	ns := testbin.QuietNS(t)
	run := func(t *testing.T, args ...string) privResult {
		t.Helper()
		return privCommand(t, testbin.Command(t, append([]string{"--netns", ns.Name, "--csv"}, args...)...))
	}
	noStack := func(t *testing.T, r privResult) {
		t.Helper()
		if strings.Contains(r.stderr, "goroutine ") || strings.Contains(strings.ToLower(r.stderr), "panic") {
			t.Errorf("stack trace or panic on stderr:\n%s", r.stderr)
		}
	}

	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct{ sql, want string }{
			{"SELEC 1", "syntax error"},
			{"SELECT * FROM no_such_table", "no such table: no_such_table"},
			{"SELECT no_such_column FROM if_map", "no such column: no_such_column"},
			{"SELECT * FROM if_map WHERE", "incomplete input"},
			{"SELECT 'unterminated FROM if_map", "unrecognized token"},
			{"SELECT * FROM if_map; SELECT * FROM nope", "no such table: nope"},
			{"INSERT INTO if_map(interface) VALUES ('x')", "readonly"},
			{"DELETE FROM netlink_links", "readonly"},
			{"DROP TABLE no_such_table", "no such table"},
			{"SELECT * FROM if_map WHERE interface MATCH 'x'", ""},
			{"SELECT " + strings.Repeat("(", 2000) + "1" + strings.Repeat(")", 2000) + " FROM nope", "no such table"},
			{"SELECT 1;\nSELECT * FROM if_map WHERE \"index\" = 'x';\nSELEC 2;\nSELECT 3", "syntax error"},
			{"SELECT * FROM " + strings.Repeat("x", 100000), "no such table"},
			{".no_such_command", ""},
		} {
			t.Run(testbin.Short(tt.sql), func(t *testing.T) {
				r := run(t, tt.sql)
				noStack(t, r)
				if r.status != 1 || !strings.HasPrefix(r.stderr, "Error: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("exit %d, stderr %q; want exit 1 and one line \"Error: ...%s...\"", r.status, testbin.Short(r.stderr), tt.want)
				}
			})
		}
	})

	// The hostile values of issue 9 on the columns they were written for,
	// where a table has them, and on the namespace columns of every table.
	hostile := []struct{ col, val string }{
		{"local_port", "'http'"}, {"local_port", "80.0"}, {"pid", "-1"}, {"index", "'x'"}, {"index", "1.0"},
		{"interface", "NULL"}, {"interface", "x'00ff'"}, {"interface", "'" + strings.Repeat("e", 100000) + "'"},
		{"state", "'no-such-state'"}, {"family", "42"},
		{"pid_with_namespace", "'abc'"}, {"pid_with_namespace", "999999999"}, {"pid_with_namespace", "-1"},
		{"pid_with_namespace", "1.5"}, {"netns", "'../../etc/passwd'"}, {"netns", "'/etc/passwd'"},
		{"netns", "'/proc/self/ns/net'"}, {"netns", "''"}, {"netns", "x'00ff'"},
	}
	for _, tab := range tables.All() {
		spec := tab.Spec()
		t.Run(spec.Name, func(t *testing.T) {
			t.Parallel()
			var stmts []string
			for _, h := range hostile {
				if spec.Index(h.col) >= 0 {
					stmts = append(stmts, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = %s;", quoteIdent(spec.Name), quoteIdent(h.col), h.val))
				}
			}
			// One process for all of them: the script stops at the first
			// error, and none of these may be an error.
			r := run(t, strings.Join(stmts, "\n"))
			noStack(t, r)
			if r.status != 0 {
				t.Fatalf("exit %d, stderr %q", r.status, testbin.Short(r.stderr))
			}
			if n := strings.Count(r.stdout, "count(*)\n"); n != len(stmts) {
				t.Errorf("%d results for %d statements:\n%s", n, len(stmts), testbin.Short(r.stdout))
			}
			for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
				if l != "" && !strings.HasPrefix(l, "Warning: ") {
					t.Errorf("stderr line that is not a warning: %q", testbin.Short(l))
				}
			}
		})
	}
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
