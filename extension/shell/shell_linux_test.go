package shell

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/extension/sqlhost"
	"github.com/netlinkq/netlinkq/tables"
)

// fruit is the kernel value of the recording test table.
type fruit struct {
	Name  string
	Count int64
}

// recorder is a table that returns fixed rows and records what each
// Generate call was told: constraints and used columns.
type recorder struct {
	mu    sync.Mutex
	calls []recordedCall
	table *tables.Table[fruit]
}

type recordedCall struct {
	Constraints map[string][]tables.Constraint
	Used        []string
}

func newRecorder(name string) *recorder {
	r := &recorder{}
	r.table = &tables.Table[fruit]{
		Name: name,
		Doc:  "Fruit, for tests.",
		Columns: []tables.Column[fruit]{
			tables.Text("name", "the fruit", func(f *fruit) string { return f.Name }),
			tables.BigInt("count", "how many", func(f *fruit) int64 { return f.Count }),
			tables.Col("note", tables.TypeText, "NULL for apples", func(f *fruit) tables.Value {
				if f.Name == "apple" {
					return tables.Null
				}
				return tables.TextValue("a \"quoted\", note|with sep")
			}),
		},
		Generate: func(ctx context.Context, q *tables.Query, emit func(*fruit) error) error {
			call := recordedCall{Constraints: q.Constraints}
			for _, c := range []string{"name", "count", "note"} {
				if q.Used(c) {
					call.Used = append(call.Used, c)
				}
			}
			r.mu.Lock()
			r.calls = append(r.calls, call)
			r.mu.Unlock()
			for _, f := range []fruit{{"apple", 3}, {"pear", 5}, {"plum", 7}} {
				if err := emit(&f); err != nil {
					return err
				}
			}
			return nil
		},
	}
	return r
}

// testShell is a shell over the given tables that prints into a buffer.
func testShell(t *testing.T, mode string, ts ...tables.Interface) (*shell, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	host, err := sqlhost.New(ts, sqlhost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	var out, errb bytes.Buffer
	return &shell{host: host, mode: mode, sep: "|", header: true, bail: true, out: bufio.NewWriter(&out), errw: &errb}, &out, &errb
}

func TestOutputModes(t *testing.T) {
	const query = "SELECT name, count, note FROM fruit WHERE count < 6 ORDER BY name"
	tests := []struct {
		mode string
		want string
	}{
		{"json", `[
  {"name":"apple","count":"3","note":""},
  {"name":"pear","count":"5","note":"a \"quoted\", note|with sep"}
]
`},
		{"csv", `name|count|note
apple|3|
pear|5|"a ""quoted"", note|with sep"
`},
		{"line", ` name = apple
count = 3
 note = 

 name = pear
count = 5
 note = a "quoted", note|with sep
`},
		{"pretty", `+-------+-------+---------------------------+
| name  | count | note                      |
+-------+-------+---------------------------+
| apple | 3     |                           |
| pear  | 5     | a "quoted", note|with sep |
+-------+-------+---------------------------+
`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			sh, out, errb := testShell(t, tt.mode, newRecorder("fruit").table)
			if status := sh.script(strings.NewReader(query)); status != 0 {
				t.Fatalf("status %d: %s", status, errb)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJSONEmptyResultIsAnEmptyArray(t *testing.T) {
	sh, out, _ := testShell(t, "json", newRecorder("fruit").table)
	sh.script(strings.NewReader("SELECT * FROM fruit WHERE count > 100"))
	var v []map[string]string
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v) != 0 {
		t.Fatalf("output %q: %v, %v", out, v, err)
	}
}

// TestConstraintPassThrough checks that a table sees =, IN (one call per
// value until a snapshot serves them), LIKE and range constraints, and only
// the columns the query uses.
func TestConstraintPassThrough(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []recordedCall
	}{
		{"equals", "SELECT count FROM fruit WHERE name = 'pear'", []recordedCall{
			{map[string][]tables.Constraint{"name": {{Op: tables.OpEquals, Expr: "pear"}}}, []string{"name", "count"}},
		}},
		// SQLite calls once per value; the second call reads the table once
		// for both without the value (a snapshot, tables/snapshot.go).
		{"in", "SELECT name FROM fruit WHERE count IN (3, 7)", []recordedCall{
			{map[string][]tables.Constraint{}, []string{"name", "count"}},
			{map[string][]tables.Constraint{"count": {{Op: tables.OpEquals, Expr: "3"}}}, []string{"name", "count"}},
		}},
		{"like and range", "SELECT note FROM fruit WHERE name LIKE 'p%' AND count >= 5", []recordedCall{
			{map[string][]tables.Constraint{
				// SQLite adds the range its LIKE optimisation implies.
				"name":  {{Op: tables.OpGreaterEqual, Expr: "P"}, {Op: tables.OpLess, Expr: "q"}, {Op: tables.OpLike, Expr: "p%"}},
				"count": {{Op: tables.OpGreaterEqual, Expr: "5"}},
			}, []string{"name", "count", "note"}},
		}},
		{"no constraint, one column", "SELECT name FROM fruit", []recordedCall{
			{map[string][]tables.Constraint{}, []string{"name"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder("fruit")
			sh, _, errb := testShell(t, "csv", rec.table)
			if status := sh.script(strings.NewReader(tt.query)); status != 0 {
				t.Fatalf("status %d: %s", status, errb)
			}
			slices.SortFunc(rec.calls, func(a, b recordedCall) int {
				return strings.Compare(fmt.Sprint(a.Constraints), fmt.Sprint(b.Constraints))
			})
			if diff := cmp.Diff(tt.want, rec.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestJoinBetweenTables(t *testing.T) {
	sh, out, errb := testShell(t, "csv", newRecorder("fruit").table, newRecorder("basket").table)
	status := sh.script(strings.NewReader(
		"SELECT f.name, b.count FROM fruit f JOIN basket b ON b.name = f.name WHERE f.count > 4 ORDER BY f.name;"))
	if status != 0 {
		t.Fatalf("status %d: %s", status, errb)
	}
	if diff := cmp.Diff("name|count\npear|5\nplum|7\n", out.String()); diff != "" {
		t.Errorf("join (-want +got):\n%s", diff)
	}
}

func TestShellDotCommands(t *testing.T) {
	sh, out, errb := testShell(t, "pretty", newRecorder("fruit").table)
	script := ".tables\n.schema fruit\n.mode csv\n.headers off\nSELECT name\n  FROM fruit -- a comment; still one statement\n  WHERE count = 3;\n.mode json\nSELECT 'x;y' AS s;\n"
	if status := sh.script(strings.NewReader(script)); status != 0 {
		t.Fatalf("status %d: %s", status, errb)
	}
	want := `  => fruit
CREATE TABLE "fruit"("name" TEXT, "count" BIGINT, "note" TEXT, "pid_with_namespace" INTEGER HIDDEN, "netns" TEXT HIDDEN, "netns_inode" BIGINT HIDDEN, "netns_name" TEXT HIDDEN);
apple
[
  {"s":"x;y"}
]
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestSplitSQL(t *testing.T) {
	tests := []struct {
		in    string
		stmts []string
		rest  string
	}{
		{"SELECT 1; SELECT 2;", []string{"SELECT 1", "SELECT 2"}, ""},
		{"SELECT ';' ; SELECT", []string{"SELECT ';'"}, " SELECT"},
		{"SELECT \"a;b\", [c;d], `e;f`;", []string{"SELECT \"a;b\", [c;d], `e;f`"}, ""},
		{"SELECT 'it''s;'; -- x;\n", []string{"SELECT 'it''s;'"}, " -- x;\n"},
		{"SELECT /* ; */ 1;", []string{"SELECT /* ; */ 1"}, ""},
		{"SELECT 'open", nil, "SELECT 'open"},
		{";;", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			stmts, rest := splitSQL(tt.in)
			if diff := cmp.Diff(tt.stmts, stmts); diff != "" {
				t.Errorf("statements (-want +got):\n%s", diff)
			}
			if rest != tt.rest {
				t.Errorf("rest = %q, want %q", rest, tt.rest)
			}
		})
	}
}

// TestStreamingStopsGeneration checks that a LIMIT ends the table's
// generation instead of reading everything.
func TestStreamingStopsGeneration(t *testing.T) {
	var emitted int
	big := &tables.Table[fruit]{
		Name:    "many",
		Doc:     "Many rows.",
		Columns: []tables.Column[fruit]{tables.BigInt("count", "n", func(f *fruit) int64 { return f.Count })},
		Generate: func(ctx context.Context, q *tables.Query, emit func(*fruit) error) error {
			for i := range 1_000_000 {
				emitted = i
				if err := emit(&fruit{Count: int64(i)}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	sh, out, errb := testShell(t, "csv", big)
	if status := sh.script(strings.NewReader("SELECT count FROM many LIMIT 3")); status != 0 {
		t.Fatalf("status %d: %s", status, errb)
	}
	if out.String() != "count\n0\n1\n2\n" {
		t.Errorf("output %q", out)
	}
	if emitted > 4*2048 { // four of sqlhost's chunks
		t.Errorf("generation went on to row %d after LIMIT 3", emitted)
	}
}

func TestInteractiveShellGoesOnAfterErrors(t *testing.T) {
	sh, out, errb := testShell(t, "csv", newRecorder("fruit").table)
	status := sh.session(strings.NewReader("SELECT * FROM nope;\n.bogus\nSELECT name\nFROM fruit WHERE count = 7;\n.quit\nSELECT 1;\n"))
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	if !strings.Contains(out.String(), "netlinkq> ") || !strings.Contains(out.String(), "    ...> ") {
		t.Errorf("no prompts in %q", out)
	}
	if !strings.Contains(out.String(), "name\nplum\n") || strings.Contains(out.String(), "\n1\n") {
		t.Errorf("output %q: want plum, and nothing after .quit", out)
	}
	if got := strings.Count(errb.String(), "Error: "); got != 2 {
		t.Errorf("stderr %q: want two errors", errb)
	}
}
