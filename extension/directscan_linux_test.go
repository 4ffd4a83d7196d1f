package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// oddRow is a row of the odd table: the values that printing and comparing
// can get wrong.
type oddRow struct {
	name  tables.Value
	n     int64
	big   int64
	u     uint64
	f     float64
	index int64
}

// oddTable has a column of each osquery type, a keyword as a column name
// ("index"), NULLs, text that needs quoting in every output mode, the
// extremes of int64 and uint64, and NaN (SQLite stores it as NULL).
func oddTable() *tables.Table[oddRow] {
	rows := []oddRow{
		{tables.TextValue("a"), 1, 1, 1, 1.5, 0},
		{tables.TextValue("b"), -3, math.MaxInt64, math.MaxUint64, math.NaN(), 2},
		{tables.TextValue("it's \"quoted\", a|pipe\nand a line"), 0, math.MinInt64, 1 << 63, math.Copysign(0, -1), 2},
		{tables.Null, 80, 80, 80, 80, 1},
		{tables.TextValue(""), 7, -1, 0, math.Inf(1), 3},
		{tables.TextValue("ünïcode ☃"), 1, 1e15, 5, 1e-300, 3},
		{tables.TextValue("a"), 2, 2, 2, 2, 2},
		{tables.TextValue("not \xff\xfe UTF-8"), 9, 9, 9, 9, 9},
	}
	return &tables.Table[oddRow]{
		Name: "odd",
		Doc:  "Odd values, for tests.",
		Columns: []tables.Column[oddRow]{
			tables.Col("name", tables.TypeText, "text or NULL", func(r *oddRow) tables.Value { return r.name }).With(tables.Index),
			tables.Int("n", "an INTEGER", func(r *oddRow) int64 { return r.n }),
			tables.BigInt("big", "a BIGINT", func(r *oddRow) int64 { return r.big }),
			tables.Uint("u", "an UNSIGNED BIGINT", func(r *oddRow) uint64 { return r.u }),
			tables.Col("f", tables.TypeDouble, "a DOUBLE", func(r *oddRow) tables.Value { return tables.FloatValue(r.f) }),
			tables.Int("index", "a keyword as a name", func(r *oddRow) int64 { return r.index }),
		},
		Generate: func(ctx context.Context, q *tables.Query, emit func(*oddRow) error) error {
			// A warning shows whether the table ran at all: SQLite does
			// not run it when the conditions contradict each other.
			if q.Constrained("name") && q.Logf != nil {
				q.Logf("odd: %d name conditions", len(q.Constraints["name"]))
			}
			for i := range rows {
				if err := emit(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// directScanStatements are statements over the odd table and whether a
// direct scan answers them.
var directScanStatements = []struct {
	stmt   string
	direct bool
}{
	{"SELECT * FROM odd", true},
	{"select NAME, n from ODD where Name = 'a'", true},
	{"SELECT name FROM odd WHERE n = -3", true},
	{"SELECT name FROM odd WHERE n = - 3", true},
	{"SELECT name FROM odd WHERE n == 80", true},
	{`SELECT "index", name FROM odd WHERE "index" = 2`, true},
	{`SELECT "name" FROM "odd" WHERE "n" = 1 AND "index" = 3`, true},
	{"SELECT name FROM odd WHERE name = 'it''s \"quoted\", a|pipe\nand a line'", true},
	{"SELECT name, name FROM odd", true},
	{"SELECT * FROM odd WHERE big = 9223372036854775807", true},
	{"SELECT * FROM odd WHERE big = -9223372036854775807", true},
	{"SELECT * FROM odd WHERE name = 'a' AND n = 2", true},
	{"SELECT * FROM odd WHERE name = ''", true},
	{"SELECT f, u FROM odd", true},
	{"SELECT pid_with_namespace, netns, name FROM odd", true},
	{"SELECT * FROM odd;", true},
	{"SELECT * FROM odd -- all of it", true},
	{"SELECT /* one */ name FROM odd WHERE n = 007", true},
	{"SELECT name FROM odd WHERE name = 'ünïcode ☃'", true},
	// Wide rows print in a stage of their own (wideRow).
	{"SELECT " + strings.Repeat("name, n, big, u, f, ", 4) + "name FROM odd", true},
	{"SELECT " + strings.Repeat("name, f, ", 9) + "u FROM odd WHERE name = 'a' AND n = 2", true},

	// SQLite's: a keyword spelt bare, type conversions, other operators,
	// names SQLite may resolve otherwise, anything else.
	{"SELECT index FROM odd", false},
	{"SELECT name FROM odd WHERE n = '1'", false},
	{"SELECT name FROM odd WHERE name = 1", false},
	{"SELECT name FROM odd WHERE u = 80", false},
	{"SELECT name FROM odd WHERE f = 80", false},
	{"SELECT name FROM odd WHERE big = 9223372036854775808", false},
	{"SELECT name FROM odd WHERE big = -9223372036854775808", false},
	{"SELECT name FROM odd WHERE n = 1.0", false},
	{"SELECT name FROM odd WHERE n = 0x50", false},
	{`SELECT name FROM odd WHERE name = "a"`, false},
	{"SELECT name FROM odd WHERE name = NULL", false},
	{"SELECT name FROM odd WHERE name IS NULL", false},
	{"SELECT name FROM odd WHERE n > 1", false},
	{"SELECT name FROM odd WHERE n IN (1, 2)", false},
	{"SELECT name FROM odd WHERE n = 1 OR n = 2", false},
	{"SELECT name AS x FROM odd", false},
	{"SELECT odd.name FROM odd", false},
	{"SELECT count(*) FROM odd", false},
	{"SELECT DISTINCT name FROM odd", false},
	{"SELECT name FROM odd ORDER BY name", false},
	{"SELECT name FROM odd LIMIT 2", false},
	{"SELECT name FROM main.odd", false},
	{"SELECT rowid FROM odd", false},
	{"SELECT nosuch FROM odd", false},
	{"SELECT * FROM nosuch", false},
	{"SELECT *, name FROM odd", false},
	{"SELECT name FROM odd WHERE", false},
	{"SELECT name FROM odd WHERE n = 1 AND", false},
	{"SELECT name FROM odd, odd", false},
	{"SELECT [name] FROM odd", false},
	{"SELECT name FROM odd WHERE name = 'unterminated", false},
	{"PRAGMA table_info(odd)", false},
	{"SELECT name FROM odd /*", false},        // "/*" at the very end is "/" and "*" to SQLite
	{"SELECT name FROM odd /**/", true},       // an empty comment
	{"SELECT \"netn\u017f\" FROM odd", false}, // long s folds to s in Go, not in SQLite: a string there
	{"SELECT name FROM odd WHERE \"netn\u017f\" = 'x'", false},
	{"SELECT name FROM odd WHERE name = 'a\x00b'", false}, // SQLite reads up to the NUL
	{"SELECT name FROM odd -- \x00\n WHERE name = 'a'", false},
	// Contradictions: SQLite does not run the table (no warning).
	{"SELECT name FROM odd WHERE name = 'a' AND name = 'b'", true},
	{"SELECT name FROM odd WHERE n = 1 AND n = 2 AND name = 'a'", true},
	{"SELECT name FROM odd WHERE name = 'a' AND n = 01 AND n = 1", true},
	// SQLite's limits: an expression deeper than 1000, more than 2000 columns.
	{"SELECT name FROM odd WHERE " + strings.Repeat("n = 1 AND ", 999) + "n = 1", false},
	{"SELECT " + strings.Repeat("n, ", 2000) + "n FROM odd", false},
}

// runStatement runs stmt in a fresh shell in mode and returns what it printed.
func runStatement(t testing.TB, stmt, mode string, sqliteOnly bool, ts ...tables.Interface) (out, errs string, status int) {
	var o, e bytes.Buffer
	host, err := newSQLHost(ts, netlinkx.Own, func(format string, args ...any) { fmt.Fprintf(&e, "Warning: "+format+"\n", args...) })
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	host.sqliteOnly = sqliteOnly
	w := bufio.NewWriter(&o)
	sh := &shell{host: host, mode: mode, sep: "|", header: true, out: w, errw: &e}
	status = sh.script(strings.NewReader(stmt))
	w.Flush()
	return o.String(), e.String(), status
}

// TestDirectScanMatchesSQLite runs every statement in every output mode
// with and without direct scans: the output, errors and status must be the
// same byte for byte, and the statements meant for a direct scan must get one.
func TestDirectScanMatchesSQLite(t *testing.T) {
	odd := oddTable()
	lookup := func(name string) (tables.Interface, bool) { return odd, name == "odd" }
	for _, tt := range directScanStatements {
		t.Run(tt.stmt, func(t *testing.T) {
			if _, got := parseDirectScan(tt.stmt, lookup); got != tt.direct {
				t.Errorf("direct scan = %v, want %v", got, tt.direct)
			}
			for _, mode := range []string{"json", "csv", "line", "pretty"} {
				out, errs, status := runStatement(t, tt.stmt, mode, false, odd)
				wantOut, wantErrs, wantStatus := runStatement(t, tt.stmt, mode, true, odd)
				if diff := cmp.Diff(wantOut, out); diff != "" {
					t.Errorf("%s output (-sqlite +direct):\n%s", mode, diff)
				}
				if errs != wantErrs || status != wantStatus {
					t.Errorf("%s: error %q, status %d; SQLite: %q, %d", mode, errs, status, wantErrs, wantStatus)
				}
			}
		})
	}
}

// TestDirectScanFiltersExactly checks the answers themselves (not only that
// both paths agree): the rows a condition keeps, with NULL matching nothing.
func TestDirectScanFiltersExactly(t *testing.T) {
	tests := []struct{ stmt, want string }{
		{"SELECT n FROM odd WHERE name = 'a'", "n\n1\n2\n"},
		{"SELECT name FROM odd WHERE n = 80", "name\n\n"},
		{"SELECT n FROM odd WHERE name = ''", "n\n7\n"},
		{"SELECT name FROM odd WHERE big = 9223372036854775807", "name\nb\n"},
		{"SELECT u, f FROM odd WHERE n = -3", "u|f\n18446744073709551615|\n"},
		{`SELECT "index" FROM odd WHERE name = 'a' AND n = 2`, "index\n2\n"},
		{"SELECT name FROM odd WHERE name = 'a' AND name = 'b'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.stmt, func(t *testing.T) {
			out, errs, status := runStatement(t, tt.stmt, "csv", false, oddTable())
			if status != 0 || out != tt.want {
				t.Errorf("got %q (%s, status %d), want %q", out, errs, status, tt.want)
			}
		})
	}
}

// TestDirectScanStepsAsideWhenShadowed gives the table's name another
// meaning within the session: the statement must then see that, through
// SQLite.
func TestDirectScanStepsAsideWhenShadowed(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"temporary view", "CREATE TEMP VIEW odd AS SELECT 'shadow' AS name; SELECT name FROM odd;", "name\nshadow\n"},
		{"table in main", "DROP TABLE odd; CREATE TABLE odd(name TEXT); INSERT INTO odd VALUES ('real'); SELECT name FROM odd;", "name\nreal\n"},
		{"our table dropped comes back", "DROP TABLE odd; SELECT name FROM odd WHERE n = 80;", "name\n\n"},
		{"our table lost to ROLLBACK comes back", "BEGIN; SELECT count(*) FROM odd; ROLLBACK; SELECT name FROM odd WHERE n = 80;", "count(*)\n8\nname\n\n"},
		{"attached database", "ATTACH ':memory:' AS other; SELECT name FROM odd WHERE n = 80;", "name\n\n"},
		{"full column names", "PRAGMA full_column_names = 1; SELECT name FROM odd WHERE n = 80;", "odd.name\n\n"},
		{"names as written", "PRAGMA short_column_names = 0; SELECT NAME FROM odd WHERE n = 80;", "NAME\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, status := runStatement(t, tt.script, "csv", false, oddTable())
			if status != 0 || out != tt.want {
				t.Errorf("got %q (%s, status %d), want %q", out, errs, status, tt.want)
			}
		})
	}
	// Both ways, the same session gives the same output, errors included.
	scripts := []string{
		"DROP TABLE odd; SELECT name FROM odd;",
		"ALTER TABLE odd RENAME TO x; SELECT name FROM odd;",
		"ALTER TABLE odd RENAME TO x; SELECT name FROM x;",
		"SELECT name FROM odd; DROP TABLE odd; SELECT name FROM odd;",
		// The schema is what SQLite would have made of the session.
		"PRAGMA query_only = 1; SELECT name FROM odd WHERE n = 80;",
		"SELECT name FROM odd WHERE n = 80; PRAGMA query_only = 1; SELECT count(*) FROM odd;",
		"SELECT name FROM odd WHERE n = 80; SELECT name FROM sqlite_master; PRAGMA schema_version;",
		"SELECT name FROM odd WHERE n = 80; SAVEPOINT s; SELECT count(*) FROM odd; ROLLBACK TO s; SELECT name FROM odd WHERE n = 80;",
		"BEGIN; SELECT name FROM odd WHERE n = 80; ROLLBACK; SELECT count(*) FROM odd; SELECT name FROM odd WHERE n = 80;",
		"BEGIN; SELECT count(*) FROM odd; ROLLBACK; SELECT count(*) FROM odd;",
		// SQLite would turn text that is not UTF-8 into U+FFFD.
		"PRAGMA encoding = 'UTF-16'; SELECT name FROM odd;",
		"PRAGMA encoding = 'UTF-16le'; SELECT name FROM odd WHERE n = 9;",
	}
	for _, tt := range tests {
		scripts = append(scripts, tt.script)
	}
	scripts = append(scripts,
		// Every table a statement's words name is declared, even in a
		// string or a comment, by both paths.
		"SELECT name FROM odd WHERE name = 'even'; SELECT name FROM sqlite_master;",
		"SELECT 1; SELECT name FROM odd /* even */; SELECT name FROM sqlite_master;",
		// Views named like the pragma functions cannot hide a setting.
		"CREATE TEMP VIEW pragma_full_column_names AS SELECT 0 AS full_column_names; PRAGMA full_column_names = 1; SELECT name FROM odd WHERE n = 80;",
		"PRAGMA encoding = 'UTF-16le'; CREATE TEMP VIEW pragma_encoding AS SELECT 'UTF-8' AS encoding; SELECT name FROM odd WHERE n = 9;",
		"CREATE TEMP VIEW pragma_database_list AS SELECT 0 AS seq, 'main' AS name, '' AS file; ATTACH ':memory:' AS aux; CREATE TABLE aux.odd(name); INSERT INTO aux.odd VALUES ('aux'); DROP TABLE main.odd; SELECT name FROM odd;",
		// Where the name still resolves, SQLite declares nothing again.
		"DROP TABLE IF EXISTS odd; ATTACH ':memory:' AS aux; CREATE TABLE aux.odd(name); INSERT INTO aux.odd VALUES ('from-aux'); SELECT name FROM odd;",
		"CREATE TEMP TABLE odd(a); DROP TABLE main.odd; SELECT * FROM odd; SELECT name FROM main.sqlite_master;",
	)
	even := oddTable()
	even.Name = "even"
	for _, script := range scripts {
		out, errs, status := runStatement(t, script, "csv", false, oddTable(), even)
		wantOut, wantErrs, wantStatus := runStatement(t, script, "csv", true, oddTable(), even)
		if out != wantOut || errs != wantErrs || status != wantStatus {
			t.Errorf("%s: direct %q %q %d, SQLite %q %q %d", script, out, errs, status, wantOut, wantErrs, wantStatus)
		}
	}
	host, err := newSQLHost([]tables.Interface{oddTable()}, netlinkx.Own, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if _, ok := host.directScanFor("SELECT name FROM odd"); !ok {
		t.Error("no direct scan in a fresh session")
	}
	if _, err := host.Exec("ATTACH ':memory:' AS other"); err != nil {
		t.Fatal(err)
	}
	if _, ok := host.directScanFor("SELECT name FROM odd"); ok {
		t.Error("direct scan with a database attached, which could hold a table odd")
	}
}

// TestSQLiteKeywords checks our keyword list against the linked SQLite's:
// as many words, and each one a keyword to SQLite.
func TestSQLiteKeywords(t *testing.T) {
	tls := libc.NewTLS()
	defer tls.Close()
	if n := int(sqlite3.Xsqlite3_keyword_count(tls)); n != len(sqliteKeywords) {
		t.Errorf("SQLite has %d keywords, our list %d", n, len(sqliteKeywords))
	}
	for k := range sqliteKeywords {
		z, err := libc.CString(k)
		if err != nil {
			t.Fatal(err)
		}
		if sqlite3.Xsqlite3_keyword_check(tls, z, int32(len(k))) == 0 {
			t.Errorf("%s is not an SQLite keyword", k)
		}
		libc.Xfree(tls, z)
	}
}

// fuzzSessions are statements a fuzzed one may follow in its session: each
// changes what a table's name means or how SQLite prints it.
var fuzzSessions = []string{
	"",
	"PRAGMA full_column_names = 1;",
	"PRAGMA short_column_names = 0;",
	"DROP TABLE odd;",
	"ALTER TABLE odd RENAME TO x;",
	"CREATE TEMP VIEW odd AS SELECT 1 AS name;",
	"ATTACH ':memory:' AS other;",
	"SELECT 1;",
	"PRAGMA query_only = 1;",
	"PRAGMA encoding = 'UTF-16';",
	"BEGIN; SELECT count(*) FROM odd; ROLLBACK;",
	"SELECT name FROM odd; SAVEPOINT s; SELECT count(*) FROM odd; ROLLBACK TO s;",
	"CREATE TEMP VIEW pragma_full_column_names AS SELECT 0 AS full_column_names; PRAGMA full_column_names = 1;",
	"ATTACH ':memory:' AS aux; CREATE TABLE aux.odd(name); DROP TABLE main.odd;",
}

// FuzzDirectScan feeds statements to the direct-scan parser; whenever it
// takes one, after any of fuzzSessions and in any output mode, the output,
// warnings and status must be SQLite's.
func FuzzDirectScan(f *testing.F) {
	for i, tt := range directScanStatements {
		f.Add(tt.stmt, uint8(i))
	}
	modes := []string{"json", "csv", "line", "pretty"}
	odd := oddTable()
	lookup := func(name string) (tables.Interface, bool) { return odd, name == "odd" }
	f.Fuzz(func(t *testing.T, stmt string, pick uint8) {
		if _, ok := parseDirectScan(stmt, lookup); !ok {
			return
		}
		script := fuzzSessions[int(pick)%len(fuzzSessions)] + stmt
		mode := modes[int(pick/8)%len(modes)]
		out, errs, status := runStatement(t, script, mode, false, odd)
		wantOut, wantErrs, wantStatus := runStatement(t, script, mode, true, odd)
		if out != wantOut || errs != wantErrs || status != wantStatus {
			t.Errorf("%q (%s): direct %q %q %d, SQLite %q %q %d", script, mode, out, errs, status, wantOut, wantErrs, wantStatus)
		}
	})
}

// TestDirectScanMatchesSQLiteOnKernelTables compares the two paths on real
// tables in a namespace made for the test (root): statements whose answer
// does not change between two reads.
func TestDirectScanMatchesSQLiteOnKernelTables(t *testing.T) {
	nstest.NeedRoot(t)
	nstest.NeedTool(t, "python3")
	ns := nstest.New(t)
	for _, cmd := range []string{
		"ip link add dv0 type veth peer name dv1",
		"ip link set lo up",
		"ip link set dv0 up",
		"ip addr add 198.51.100.1/24 dev dv0",
		"ip addr add 2001:db8::7/64 dev dv0 nodad",
	} {
		ns.Run(strings.Fields(cmd)...)
	}
	ns.StartReady("python3", "-c", `
import signal, socket
a = socket.socket(socket.AF_INET6); a.bind(("::", 7001)); a.listen()
b = socket.socket(); b.bind(("198.51.100.1", 7002)); b.listen(9)
c = socket.create_connection(("198.51.100.1", 7002))
print("ready", flush=True); signal.pause()
`)
	for _, stmt := range []string{
		"SELECT * FROM netlink_sockets WHERE state = 'LISTEN'",
		"SELECT family, local_address, local_port, remote_address, remote_port, state, inode FROM netlink_sockets WHERE protocol = 'tcp'",
		"SELECT * FROM netlink_sockets WHERE local_port = 7002 AND family = 'inet'",
		"SELECT interface, family, address, prefix_len, scope, flags FROM netlink_addresses",
		"SELECT interface, \"index\", address, mtu, operstate, kind FROM netlink_links WHERE interface = 'dv0'",
		"SELECT * FROM if_map",
		"SELECT * FROM inet6_devconf WHERE interface = 'dv0'",
		"SELECT interface, forwarding, rp_filter FROM inet_devconf",
		// Contradictions: SQLite runs no table, so no namespace warning either.
		"SELECT interface FROM if_map WHERE netns = 'nlq-none-a' AND netns = 'nlq-none-b'",
		"SELECT family FROM netlink_sockets WHERE pid_with_namespace = 999999999 AND pid_with_namespace = 999999998",
	} {
		t.Run(stmt, func(t *testing.T) {
			if _, ok := parseDirectScan(stmt, func(name string) (tables.Interface, bool) {
				i := slices.IndexFunc(tables.All(), func(t tables.Interface) bool { return t.Spec().Name == name })
				return tables.All()[max(i, 0)], i >= 0
			}); !ok {
				t.Error("not a direct scan")
			}
			for _, mode := range []string{"--json", "--csv"} {
				var got, want, gotErr, wantErr bytes.Buffer
				if st := run([]string{"--netns", ns.Name, mode, stmt}, strings.NewReader(""), &got, &gotErr); st != 0 {
					t.Fatalf("status %d: %s", st, &gotErr)
				}
				if st := run([]string{"--netns", ns.Name, "--sqlite-only", mode, stmt}, strings.NewReader(""), &want, &wantErr); st != 0 {
					t.Fatalf("--sqlite-only: status %d: %s", st, &wantErr)
				}
				if diff := cmp.Diff(want.String(), got.String()); diff != "" {
					t.Errorf("%s (-sqlite +direct):\n%s", mode, diff)
				}
				if gotErr.String() != wantErr.String() {
					t.Errorf("%s: warnings %q, SQLite's %q", mode, &gotErr, &wantErr)
				}
				if contradiction := strings.Contains(stmt, "nlq-none") || strings.Contains(stmt, "999999999"); !contradiction && strings.Count(got.String(), "\n") < 2 {
					t.Errorf("%s: no rows: %q", mode, got.String())
				}
			}
		})
	}
}

// TestDirectScanTableError: a table that fails after some rows prints the
// same rows and the same one-line error both ways, wide rows too.
func TestDirectScanTableError(t *testing.T) {
	failing := &tables.Table[oddRow]{
		Name: "failing",
		Doc:  "Two rows, then an error.",
		Columns: []tables.Column[oddRow]{
			tables.Int("n", "a number", func(r *oddRow) int64 { return r.n }),
		},
		Generate: func(ctx context.Context, q *tables.Query, emit func(*oddRow) error) error {
			for i := range 2 {
				if err := emit(&oddRow{n: int64(i)}); err != nil {
					return err
				}
			}
			return errors.New("dump inet sockets: boom")
		},
	}
	for _, stmt := range []string{"SELECT n FROM failing", "SELECT " + strings.Repeat("n, ", 20) + "n FROM failing"} {
		for _, mode := range []string{"json", "csv"} {
			out, errs, status := runStatement(t, stmt, mode, false, failing)
			wantOut, wantErrs, wantStatus := runStatement(t, stmt, mode, true, failing)
			if out != wantOut || errs != wantErrs || status != wantStatus {
				t.Errorf("%s %s: direct %q %q %d, SQLite %q %q %d", stmt, mode, out, errs, status, wantOut, wantErrs, wantStatus)
			}
			if status != 1 || !strings.Contains(errs, "boom") {
				t.Errorf("%s %s: status %d, error %q", stmt, mode, status, errs)
			}
		}
	}
}
