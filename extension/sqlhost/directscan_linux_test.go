package sqlhost

import (
	"context"
	"database/sql"
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

// runStatements runs stmts in a fresh host over ts reading ns, the first
// through a direct scan where direct allows one, and returns what a user
// would see in csv mode: the header and rows of each result with rows, the
// warnings, the error, and the exit status. Every output mode prints from
// the same columns and cells (the shell's printers), so the same cells mean
// the same bytes in every mode.
func runStatements(t testing.TB, ns netlinkx.NetNS, stmts []string, direct bool, ts ...tables.Interface) (out, errs string, status int) {
	var o, e strings.Builder
	host, err := New(ts, Options{NetNS: ns, Logf: func(format string, args ...any) { fmt.Fprintf(&e, "Warning: "+format+"\n", args...) }, DirectScan: direct})
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	for _, stmt := range stmts {
		var cols []string
		started := false
		err := host.Rows(context.Background(), stmt, func(c []string) { cols = c }, func(cells []sql.RawBytes) error {
			if !started {
				o.WriteString(strings.Join(cols, "|") + "\n")
				started = true
			}
			for i, c := range cells {
				if i > 0 {
					o.WriteByte('|')
				}
				o.Write(c)
			}
			o.WriteByte('\n')
			return nil
		})
		if err != nil {
			fmt.Fprintf(&e, "Error: %v\n", err)
			return o.String(), e.String(), 1
		}
	}
	return o.String(), e.String(), 0
}

// runStatement is runStatements for one statement in our own namespace.
func runStatement(t testing.TB, stmt string, direct bool, ts ...tables.Interface) (out, errs string, status int) {
	return runStatements(t, netlinkx.Own, []string{stmt}, direct, ts...)
}

// TestDirectScanMatchesSQLite runs every statement with and without direct
// scans: the rows, warnings, errors and status must be the same byte for
// byte, and the statements meant for a direct scan must get one.
func TestDirectScanMatchesSQLite(t *testing.T) {
	odd := oddTable()
	lookup := func(name string) (tables.Interface, bool) { return odd, name == "odd" }
	for _, tt := range directScanStatements {
		t.Run(tt.stmt, func(t *testing.T) {
			if _, got := parseDirectScan(tt.stmt, lookup); got != tt.direct {
				t.Errorf("direct scan = %v, want %v", got, tt.direct)
			}
			out, errs, status := runStatement(t, tt.stmt, true, odd)
			wantOut, wantErrs, wantStatus := runStatement(t, tt.stmt, false, odd)
			if diff := cmp.Diff(wantOut, out); diff != "" {
				t.Errorf("output (-sqlite +direct):\n%s", diff)
			}
			if errs != wantErrs || status != wantStatus {
				t.Errorf("error %q, status %d; SQLite: %q, %d", errs, status, wantErrs, wantStatus)
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
			out, errs, status := runStatement(t, tt.stmt, true, oddTable())
			if status != 0 || out != tt.want {
				t.Errorf("got %q (%s, status %d), want %q", out, errs, status, tt.want)
			}
		})
	}
}

// TestDirectScanOnlyFirst: a direct scan answers the host's first statement
// only; the next ones go to SQLite, whatever the first did to it.
func TestDirectScanOnlyFirst(t *testing.T) {
	for _, tt := range []struct{ name, script, want string }{
		{"second statement through SQLite", "SELECT name FROM odd WHERE n = 80; PRAGMA full_column_names = 1; SELECT name FROM odd WHERE n = 80;", "name\n\nodd.name\n\n"},
		{"a view made by the first", "CREATE TEMP VIEW odd AS SELECT 'shadow' AS name; SELECT name FROM odd;", "name\nshadow\n"},
		{"our table dropped comes back", "DROP TABLE odd; SELECT name FROM odd WHERE n = 80;", "name\n\n"},
		{"our table lost to ROLLBACK comes back", "BEGIN; SELECT count(*) FROM odd; ROLLBACK; SELECT name FROM odd WHERE n = 80;", "count(*)\n8\nname\n\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, status := runStatements(t, netlinkx.Own, strings.SplitAfter(tt.script, "; "), true, oddTable())
			if status != 0 || out != tt.want {
				t.Errorf("got %q (%s, status %d), want %q", out, errs, status, tt.want)
			}
		})
	}
}

// TestSQLiteKeywords checks our keyword list against the linked SQLite's:
// as many words, and each one a keyword to SQLite.
func TestSQLiteKeywords(t *testing.T) {
	tls := libc.NewTLS()
	defer tls.Close()
	if n := int(sqlite3.Xsqlite3_keyword_count(tls)); n != len(sqliteKeywords()) {
		t.Errorf("SQLite has %d keywords, our list %d", n, len(sqliteKeywords()))
	}
	for k := range sqliteKeywords() {
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

// FuzzDirectScan feeds statements to the direct-scan parser; whenever it
// takes one, the rows, warnings and status must be SQLite's.
func FuzzDirectScan(f *testing.F) {
	for _, tt := range directScanStatements {
		f.Add(tt.stmt)
	}
	odd := oddTable()
	lookup := func(name string) (tables.Interface, bool) { return odd, name == "odd" }
	f.Fuzz(func(t *testing.T, stmt string) {
		if _, ok := parseDirectScan(stmt, lookup); !ok {
			return
		}
		out, errs, status := runStatement(t, stmt, true, odd)
		wantOut, wantErrs, wantStatus := runStatement(t, stmt, false, odd)
		if out != wantOut || errs != wantErrs || status != wantStatus {
			t.Errorf("%q: direct %q %q %d, SQLite %q %q %d", stmt, out, errs, status, wantOut, wantErrs, wantStatus)
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
			got, gotErr, st := runStatements(t, ns.Open(), []string{stmt}, true, tables.All()...)
			want, wantErr, wantSt := runStatements(t, ns.Open(), []string{stmt}, false, tables.All()...)
			if st != 0 || wantSt != 0 {
				t.Fatalf("status %d, %d: %s %s", st, wantSt, gotErr, wantErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-sqlite +direct):\n%s", diff)
			}
			if gotErr != wantErr {
				t.Errorf("warnings %q, SQLite's %q", gotErr, wantErr)
			}
			if contradiction := strings.Contains(stmt, "nlq-none") || strings.Contains(stmt, "999999999"); !contradiction && strings.Count(got, "\n") < 2 {
				t.Errorf("no rows: %q", got)
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
		out, errs, status := runStatement(t, stmt, true, failing)
		wantOut, wantErrs, wantStatus := runStatement(t, stmt, false, failing)
		if out != wantOut || errs != wantErrs || status != wantStatus {
			t.Errorf("%s: direct %q %q %d, SQLite %q %q %d", stmt, out, errs, status, wantOut, wantErrs, wantStatus)
		}
		if status != 1 || !strings.Contains(errs, "boom") || strings.Count(errs, "failing") != 1 {
			t.Errorf("%s: status %d, error %q (want boom, the table named once)", stmt, status, errs)
		}
	}
}

// TestNullCells: a NULL reaches the printer as a nil cell and an empty text
// as an empty non-nil one, on every path and after any earlier row.
func TestNullCells(t *testing.T) {
	for _, tt := range []struct {
		stmt   string
		direct bool
	}{
		{"SELECT name FROM odd", true},                                     // inline direct scan
		{"SELECT " + strings.Repeat("name, ", 20) + "name FROM odd", true}, // pipelined
		{"SELECT name FROM odd", false},                                    // SQLite
	} {
		host, err := New([]tables.Interface{oddTable()}, Options{DirectScan: tt.direct})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		err = host.Rows(context.Background(), tt.stmt, func([]string) {}, func(cells []sql.RawBytes) error {
			switch {
			case cells[0] == nil:
				got = append(got, "NULL")
			default:
				got = append(got, "'"+string(cells[0])+"'")
			}
			return nil
		})
		host.Close()
		if err != nil {
			t.Fatal(err)
		}
		// oddTable's names: a, b, a quoted one, NULL, '', ...
		if len(got) < 5 || got[3] != "NULL" || got[4] != "''" {
			t.Errorf("%.40s (direct %v): %v, want NULL fourth and '' fifth", tt.stmt, tt.direct, got)
		}
	}
}
