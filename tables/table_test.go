package tables

import (
	"context"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
)

func TestValue(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		str  string
		sql  any
	}{
		{"null", Null, "", nil},
		{"int", IntValue(-5), "-5", int64(-5)},
		{"uint small", UintValue(7), "7", int64(7)},
		{"uint above int64", UintValue(math.MaxUint64), "18446744073709551615", "18446744073709551615"},
		{"float", FloatValue(1.5), "1.5", 1.5},
		{"text", TextValue("eth0"), "eth0", "eth0"},
		{"bool", BoolValue(true), "1", int64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSame(t, tt.str, tt.v.String(), "String (-want +got)")
			checkSame(t, tt.sql, tt.v.SQL(), "SQL (-want +got)")
		})
	}
}

// item is the kernel value of the test tables.
type item struct {
	Name string
	N    int64
}

const needN = 1 << 0

func testTable(gen func(ctx context.Context, q *Query, emit func(*item) error) error) *Table[item] {
	return &Table[item]{
		Name: "test_items",
		Doc:  "Test table.",
		Columns: []Column[item]{
			Text("name", "name", func(i *item) string { return i.Name }),
			BigInt("n", "n", func(i *item) int64 { return i.N }).Needs(needN),
			Col("maybe", TypeInteger, "NULL when n is 0", func(i *item) Value {
				if i.N == 0 {
					return Null
				}
				return IntValue(i.N)
			}),
		},
		Generate: gen,
	}
}

func collect(t *testing.T, tb Interface, q *Query) ([][]Value, error) {
	t.Helper()
	var rows [][]Value
	err := tb.Run(t.Context(), q, func(cells []Value) error {
		rows = append(rows, append([]Value(nil), cells...))
		return nil
	})
	return rows, err
}

func TestRunFillsOnlyUsedColumns(t *testing.T) {
	own, err := netlinkx.Own.Inode()
	if err != nil {
		t.Fatal(err)
	}
	names, err := netlinkx.NetNSNames()
	if err != nil {
		t.Fatal(err)
	}
	ownName := names[own]
	var needs uint64
	tb := testTable(func(ctx context.Context, q *Query, emit func(*item) error) error {
		needs = q.Needs
		for _, it := range []item{{"a", 0}, {"b", 2}} {
			if err := emit(&it); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name      string
		used      []string
		wantNeeds uint64
		want      [][]Value
	}{
		// Every column: netns_inode and netns_name name the namespace read.
		{"all", nil, needN, [][]Value{
			{TextValue("a"), IntValue(0), Null, Null, Null, IntValue(int64(own)), TextValue(ownName)},
			{TextValue("b"), IntValue(2), IntValue(2), Null, Null, IntValue(int64(own)), TextValue(ownName)},
		}},
		{"name only", []string{"name"}, 0, [][]Value{
			{TextValue("a"), Null, Null, Null, Null, Null, Null},
			{TextValue("b"), Null, Null, Null, Null, Null, Null},
		}},
		{"n only", []string{"n"}, needN, [][]Value{
			{Null, IntValue(0), Null, Null, Null, Null, Null},
			{Null, IntValue(2), Null, Null, Null, Null, Null},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collect(t, tb, NewQuery(tb.Spec(), nil, tt.used))
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, tt.want, got, "rows (-want +got)")
			if needs != tt.wantNeeds {
				t.Errorf("Needs = %b, want %b", needs, tt.wantNeeds)
			}
		})
	}
}

func TestRunRecoversPanic(t *testing.T) {
	tb := testTable(func(ctx context.Context, q *Query, emit func(*item) error) error {
		var rows []int
		return emit(&item{N: int64(rows[len(rows)])}) // index out of range, as a decoder bug would
	})
	_, err := collect(t, tb, NewQuery(tb.Spec(), nil, nil))
	if err == nil || !strings.Contains(err.Error(), "panic in table test_items") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line panic error naming the table", err)
	}
}

func TestRunStopsOnEmitError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	tb := testTable(func(ctx context.Context, q *Query, emit func(*item) error) error {
		for i := range 10 {
			calls++
			if err := emit(&item{N: int64(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	err := tb.Run(t.Context(), NewQuery(tb.Spec(), nil, nil), func([]Value) error { return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err = %v after %d rows, want stop after 1", err, calls)
	}
}

func TestQueryEquals(t *testing.T) {
	spec := testTable(nil).Spec()
	q := NewQuery(spec, map[string][]Constraint{
		"name":  {{OpEquals, "a"}, {OpLike, "b%"}, {OpEquals, "c"}},
		"n":     {{OpEquals, "80"}, {OpEquals, "http"}},
		"maybe": {{OpGreater, "1"}},
	}, []string{"name"})
	if got, ok := q.Equals("name"); !ok || !cmp.Equal(got, []string{"a", "c"}) {
		t.Errorf("Equals(name) = %v, %v", got, ok)
	}
	if got, ok := q.IntEquals("n"); ok {
		t.Errorf("IntEquals(n) = %v, true; want no narrowing for a non-integer value", got)
	}
	if _, ok := q.Equals("maybe"); ok {
		t.Error("Equals(maybe) ok for a > constraint")
	}
	if !q.Used("name") || q.Used("n") {
		t.Error("Used does not follow the used list")
	}
}

func TestQueryUsedBits(t *testing.T) {
	spec := &Spec{Columns: make([]ColumnDef, 70), index: map[string]int{}}
	for i := range spec.Columns {
		spec.Columns[i].Name = "c" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		spec.index[spec.Columns[i].Name] = i
	}
	q := NewQueryUsedBits(spec, nil, 1<<2|1<<63)
	for i, c := range spec.Columns {
		want := i == 2 || i >= 63
		if q.Used(c.Name) != want {
			t.Errorf("column %d used = %v, want %v", i, !want, want)
		}
	}
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// TestRegistry checks what both hosts rely on: unique table and column
// names in snake case, a description everywhere, osquery types, and the two
// namespace columns last, HIDDEN and ADDITIONAL.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	types := map[Type]bool{TypeText: true, TypeInteger: true, TypeBigInt: true, TypeUnsignedBigInt: true, TypeDouble: true}
	for _, tb := range All() {
		s := tb.Spec()
		if seen[s.Name] || !snakeCase.MatchString(s.Name) {
			t.Errorf("table name %q duplicated or not snake case", s.Name)
		}
		seen[s.Name] = true
		if s.Doc == "" {
			t.Errorf("table %s has no description", s.Name)
		}
		if Lookup(s.Name) != tb {
			t.Errorf("Lookup(%q) does not find it", s.Name)
		}
		cols := map[string]bool{}
		for _, c := range s.Columns {
			if cols[c.Name] || !snakeCase.MatchString(c.Name) {
				t.Errorf("%s.%s duplicated or not snake case", s.Name, c.Name)
			}
			cols[c.Name] = true
			if c.Doc == "" {
				t.Errorf("%s.%s has no description", s.Name, c.Name)
			}
			if !types[c.Type] {
				t.Errorf("%s.%s has type %q", s.Name, c.Name, c.Type)
			}
		}
		if n := len(s.Columns); n < len(namespaceColumns) || !slices.EqualFunc(s.Columns[n-len(namespaceColumns):], namespaceColumns,
			func(a, b ColumnDef) bool { return a.Name == b.Name && a.Options == b.Options }) {
			t.Errorf("%s: namespace columns missing or with other options", s.Name)
		}
	}
	if Lookup("no_such_table") != nil {
		t.Error("Lookup found a table that does not exist")
	}
}
