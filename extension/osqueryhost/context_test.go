package osqueryhost

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/tables"
)

func ptr[T any](v T) *T { return &v }

func TestParseQueryContext(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *queryContext
		wantErr string
	}{
		{name: "empty string is no context", in: "",
			want: &queryContext{Constraints: map[string][]tables.Constraint{}}},
		{name: "empty object", in: "{}",
			want: &queryContext{Constraints: map[string][]tables.Constraint{}}},
		{
			name: "osquery 5: every column listed, colsUsed and bitset",
			in: `{"constraints":[{"name":"interface","list":[{"op":2,"expr":"lo"},{"op":2,"expr":"eth0"}],"affinity":"TEXT"},` +
				`{"name":"index","list":[],"affinity":"INTEGER"},{"name":"irq","list":[{"op":4,"expr":"0"}],"affinity":"INTEGER"}],` +
				`"colsUsed":["interface","irq"],"colsUsedBitset":33}`,
			want: &queryContext{
				Constraints: map[string][]tables.Constraint{
					"interface": {{Op: tables.OpEquals, Expr: "lo"}, {Op: tables.OpEquals, Expr: "eth0"}},
					"irq":       {{Op: tables.OpGreater, Expr: "0"}},
				},
				ColsUsed:       []string{"interface", "irq"},
				ColsUsedBitset: 33, HasBitset: true,
			},
		},
		{
			name: "osquery before 3.0: empty list as a string, op as a string",
			in:   `{"constraints":[{"name":"index","list":"","affinity":"INTEGER"},{"name":"interface","list":[{"op":"65","expr":"e%"}],"affinity":"TEXT"}]}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{
				"interface": {{Op: tables.OpLike, Expr: "e%"}},
			}},
		},
		{name: "count(*): colsUsed empty", in: `{"constraints":[],"colsUsed":[],"colsUsedBitset":0}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{}, ColsUsed: []string{}, HasBitset: true}},
		{name: "bitset only, bit 63 set", in: `{"colsUsedBitset":18446744073709551615}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{}, ColsUsedBitset: 1<<64 - 1, HasBitset: true}},
		{name: "unknown operator passed on", in: `{"constraints":[{"name":"x","list":[{"op":1,"expr":"a"}]}]}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{"x": {{Op: 1, Expr: "a"}}}}},
		{name: "wrong-type value stays text", in: `{"constraints":[{"name":"index","list":[{"op":2,"expr":"http"}],"affinity":"INTEGER"}]}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{"index": {{Op: tables.OpEquals, Expr: "http"}}}}},
		{name: "unknown keys ignored", in: `{"limit":3,"constraints":[{"name":"x","list":null,"extra":1}]}`,
			want: &queryContext{Constraints: map[string][]tables.Constraint{}}},

		{name: "not JSON", in: `{"constraints":`, wantErr: "unexpected EOF"},
		{name: "array", in: `[]`, wantErr: "cannot unmarshal array"},
		{name: "trailing data", in: `{} {}`, wantErr: "data after the JSON object"},
		{name: "constraints not an array", in: `{"constraints":{}}`, wantErr: "cannot unmarshal object"},
		{name: "no column name", in: `{"constraints":[{"list":[]}]}`, wantErr: "constraints[0]: no column name"},
		{name: "list a number", in: `{"constraints":[{"name":"x","list":7}]}`, wantErr: `constraints on "x": list:`},
		{name: "list a non-empty string", in: `{"constraints":[{"name":"x","list":"a"}]}`, wantErr: "want an array"},
		{name: "op missing", in: `{"constraints":[{"name":"x","list":[{"expr":"a"}]}]}`, wantErr: "list[0]: no op"},
		{name: "op out of range", in: `{"constraints":[{"name":"x","list":[{"op":300,"expr":"a"}]}]}`, wantErr: "op 300 is not an operator number"},
		{name: "op negative", in: `{"constraints":[{"name":"x","list":[{"op":-2,"expr":"a"}]}]}`, wantErr: "not an operator number"},
		{name: "op a float", in: `{"constraints":[{"name":"x","list":[{"op":2.5,"expr":"a"}]}]}`, wantErr: "not an operator number"},
		{name: "expr missing", in: `{"constraints":[{"name":"x","list":[{"op":2}]}]}`, wantErr: "list[0]: no string expr"},
		{name: "expr a number", in: `{"constraints":[{"name":"x","list":[{"op":2,"expr":5}]}]}`, wantErr: "cannot unmarshal number"},
		{name: "colsUsed not strings", in: `{"colsUsed":[1]}`, wantErr: "cannot unmarshal number"},
		{name: "bitset negative", in: `{"colsUsedBitset":-1}`, wantErr: "colsUsedBitset -1 is not"},
		{name: "bitset too big", in: `{"colsUsedBitset":18446744073709551616}`, wantErr: "is not a 64-bit unsigned integer"},
		{name: "huge", in: `{"constraints":[{"name":"x","list":"` + strings.Repeat(" ", maxContextJSON) + `"}]}`,
			wantErr: "more than the 16777216 accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseQueryContext(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseQueryContext(%.80q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseQueryContext(%.80q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseQueryContext(%.80q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestQueryFromContext checks which columns a table sees as used: colsUsed
// by name first, else colsUsedBitset by position, else all of them.
func TestQueryFromContext(t *testing.T) {
	spec := tables.Lookup("if_map").Spec()
	var names []string
	for _, c := range spec.Columns {
		names = append(names, c.Name)
	}
	tests := []struct {
		name string
		ctx  string
		want []string
	}{
		{"no colsUsed: every column", `{}`, names},
		{"colsUsed names", `{"colsUsed":["irq","interface","no_such_column"],"colsUsedBitset":1}`, []string{"interface", "irq"}},
		{"bitset only: bit i is column i", `{"colsUsedBitset":6}`, []string{"index", "mem_start"}},
		{"bitset reaches the namespace columns", `{"colsUsedBitset":` + bitFor(spec, "netns") + `}`, []string{"netns"}},
		{"count(*)", `{"colsUsed":[],"colsUsedBitset":0}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qc, err := parseQueryContext(tt.ctx)
			if err != nil {
				t.Fatal(err)
			}
			q := qc.query(spec)
			var got []string
			for _, n := range names {
				if q.Used(n) {
					got = append(got, n)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("used columns (-want +got):\n%s", diff)
			}
		})
	}
}

func bitFor(spec *tables.Spec, name string) string {
	return strconv.FormatUint(1<<spec.Index(name), 10)
}

// contextSeeds are the fuzz seeds: the recorded shapes in testdata/context
// and the contexts fakeosqueryd builds for each table.
func contextSeeds(t testing.TB) []string {
	files, err := filepath.Glob("testdata/context/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var seeds []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	for _, tab := range tables.All() {
		routes := newTablePlugin(tab, nil).routes
		seeds = append(seeds, fakeosqueryd.ContextFor(routes, nil, map[string][]fakeosqueryd.Constraint{
			routes[0]["name"]: {{Op: fakeosqueryd.OpEquals, Expr: "a"}, {Op: fakeosqueryd.OpLike, Expr: "b%"}},
		}).JSON())
	}
	return seeds
}

// FuzzQueryContext checks that no context JSON panics the parser, and that
// what it accepts survives a round trip through the JSON osqueryd writes.
func FuzzQueryContext(f *testing.F) {
	for _, s := range contextSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, fastOK := parseContextFast(s)
		slow, slowErr := decodeContextJSON(s)
		if fastOK {
			// The fast path takes only what encoding/json reads the same way.
			if slowErr != nil {
				t.Fatalf("fast path accepts %q, encoding/json refuses it: %v", s, slowErr)
			}
			if diff := cmp.Diff(slow, fast); diff != "" {
				t.Fatalf("%q: fast path differs (-encoding/json +fast):\n%s", s, diff)
			}
		}
		qc, err := parseQueryContext(s)
		if err != nil {
			return
		}
		// Build the query for a real table too: it must not panic either.
		qc.query(tables.Lookup("if_map").Spec())

		back := fakeosqueryd.QueryContext{ColsUsed: qc.ColsUsed}
		if qc.HasBitset {
			back.ColsUsedBitset = ptr(qc.ColsUsedBitset)
		}
		for name, list := range qc.Constraints {
			cl := fakeosqueryd.ConstraintList{Name: name, Affinity: "TEXT"}
			for _, c := range list {
				cl.List = append(cl.List, fakeosqueryd.Constraint{Op: int(c.Op), Expr: c.Expr})
			}
			back.Constraints = append(back.Constraints, cl)
		}
		qc2, err := parseQueryContext(back.JSON())
		if err != nil {
			t.Fatalf("re-parse of %s: %v", back.JSON(), err)
		}
		if diff := cmp.Diff(qc, qc2); diff != "" {
			t.Errorf("round trip of %q (-first +second):\n%s", s, diff)
		}
	})
}

// TestContextFastPathTakesOsquerysShape checks that the contexts osqueryd
// writes (the seeds, built as TablePlugin::setRequestFromContext does) go
// through the fast path, and give what encoding/json gives.
func TestContextFastPathTakesOsquerysShape(t *testing.T) {
	n := 0
	for _, s := range contextSeeds(t) {
		if !strings.Contains(s, "constraints") || strings.Contains(s, `\`) || strings.Contains(s, `"op":"`) {
			continue // edge cases and osquery 2.x's string ops take the slow path
		}
		n++
		fast, ok := parseContextFast(s)
		if !ok {
			t.Errorf("fast path refuses %.200s", s)
			continue
		}
		slow, err := decodeContextJSON(s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Errorf("%.200s (-encoding/json +fast):\n%s", s, diff)
		}
	}
	if n < 3 {
		t.Errorf("%d contexts of osqueryd's shape among the seeds, want several", n)
	}
}
