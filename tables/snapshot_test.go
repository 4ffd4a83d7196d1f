package tables

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// counting is a table of n rows (name "rN", n N, maybe NULL) whose Generate
// counts its runs and records each query's constraints, and narrows by
// name = like a kernel request would.
type counting struct {
	*Table[item]
	runs int
	seen []map[string][]Constraint
}

func countingTable(n int) *counting {
	c := &counting{}
	c.Table = testTable(func(ctx context.Context, q *Query, emit func(*item) error) error {
		c.runs++
		c.seen = append(c.seen, q.Constraints)
		names, byName := q.Equals("name")
		for i := range n {
			it := item{fmt.Sprintf("r%d", i), int64(i)}
			if byName && !slices.Contains(names, it.Name) {
				continue
			}
			if err := emit(&it); err != nil {
				return err
			}
		}
		return nil
	})
	return c
}

// scope is a snapshot scope for one test, dropped (its namespaces closed)
// when the test ends.
type scope struct{ ctx context.Context }

func newScope(t *testing.T) scope {
	ctx := WithSnapshots(context.Background())
	t.Cleanup(func() { flush(ctx) })
	return scope{ctx}
}

// flush drops every snapshot of ctx's scope, closing their namespaces.
func flush(ctx context.Context) {
	c := snapshotsOf(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evict(time.Now().Add(snapshotMaxAge))
}

// rows runs tb under the scope.
func (s scope) rows(t *testing.T, tb Interface, q *Query) ([][]Value, error) {
	t.Helper()
	var rows [][]Value
	err := tb.Run(s.ctx, q, func(cells []Value) error {
		rows = append(rows, append([]Value(nil), cells...))
		return nil
	})
	return rows, err
}

// names runs tb under the scope and returns the name column of its rows.
func (s scope) names(t *testing.T, tb Interface, cons map[string][]Constraint, used []string) []string {
	t.Helper()
	rows, err := s.rows(t, tb, NewQuery(tb.Spec(), cons, used))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[0].Text)
	}
	return out
}

// TestSnapshotJoin: calls that differ only in the value of name = (a join's
// inner loop, an IN list called value by value) read the table twice in
// all, and each gets exactly its rows.
func TestSnapshotJoin(t *testing.T) {
	s := newScope(t)
	tb := countingTable(500)
	for i := range 200 {
		want := fmt.Sprintf("r%d", i)
		got := s.names(t, tb, eq("name", want), []string{"name", "n"})
		if diff := cmp.Diff([]string{want}, got); diff != "" {
			t.Fatalf("call %d (-want +got):\n%s", i, diff)
		}
	}
	if tb.runs != 2 {
		t.Errorf("%d reads of the table for 200 calls, want 2 (the first call, then the snapshot)", tb.runs)
	}
	if len(tb.seen) == 2 && len(tb.seen[1]["name"]) != 0 {
		t.Errorf("the snapshot was read with name = %v, want no name constraint", tb.seen[1]["name"])
	}
	// An IN list at once, and integers written as SQLite may pass them, from the snapshot.
	got := s.names(t, tb, eq("name", "r7", "r3", "nope"), []string{"name", "n"})
	checkSame(t, []string{"r3", "r7"}, got, "IN list (-want +got)")
	if tb.runs != 2 {
		t.Errorf("%d reads after the IN list, want 2", tb.runs)
	}
}

// TestSnapshotIntegerValues: an integer column matches the values SQLite
// would compare as equal, and a value that is no integer keeps every row.
func TestSnapshotIntegerValues(t *testing.T) {
	s := newScope(t)
	tb := countingTable(50)
	used := []string{"name", "n"}
	// Two calls make the snapshot; the next ones are answered from it,
	// exactly (the first call, not narrowed by n here, gave a superset).
	for _, v := range []string{"100", "101"} {
		if _, err := s.rows(t, tb, NewQuery(tb.Spec(), eq("n", v), used)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		val  string
		want []string
	}{
		{"1", []string{"r1"}},
		{"2", []string{"r2"}},
		{"3.0", []string{"r3"}},
		{" 4 ", []string{"r4"}},
		{"1e1", []string{"r10"}},
		{"-1", nil},
		{"http", nil}, // SQLite decides: every row comes back, none matches there
	} {
		rows, err := s.rows(t, tb, NewQuery(tb.Spec(), eq("n", tt.val), used))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			if tt.val == "http" {
				got = nil // a superset: all 50
				if len(rows) != 50 {
					t.Errorf("n = 'http': %d rows, want all 50", len(rows))
				}
				break
			}
			got = append(got, r[0].Text)
		}
		checkSame(t, tt.want, got, "n = %s (-want +got)", tt.val)
	}
	if tb.runs > 2 {
		t.Errorf("%d reads, want at most 2", tb.runs)
	}
}

// TestSnapshotShapes: calls of another shape (other used columns, other
// constraints besides the = values, a Selector's value) do not share.
func TestSnapshotShapes(t *testing.T) {
	s := newScope(t)
	tb := countingTable(10)
	s.names(t, tb, eq("name", "r1"), []string{"name"})
	s.names(t, tb, eq("name", "r2"), []string{"name", "n"})
	s.names(t, tb, map[string][]Constraint{"name": {{OpEquals, "r3"}}, "n": {{OpGreater, "2"}}}, []string{"name"})
	if tb.runs != 3 {
		t.Errorf("%d reads for three shapes, want 3", tb.runs)
	}
	sel := countingTable(10)
	sel.Columns[0] = sel.Columns[0].Selects()
	for i := range 5 {
		s.names(t, sel, eq("name", "r"+strconv.Itoa(i)), []string{"name"})
	}
	if sel.runs != 5 {
		t.Errorf("%d reads for five values of a Selector column, want 5 (its values change what is read)", sel.runs)
	}
}

// TestSnapshotExpires: a snapshot answers for snapshotAge, then the calls
// read the kernel again; one too large to keep is not kept.
func TestSnapshotExpires(t *testing.T) {
	s := newScope(t)
	tb := countingTable(10)
	call := func(v string) {
		s.names(t, tb, eq("name", v), []string{"name"})
	}
	call("r1")
	call("r2")
	call("r3")
	if tb.runs != 2 {
		t.Fatalf("%d reads, want 2", tb.runs)
	}
	flush(s.ctx)
	call("r4")
	if tb.runs != 3 {
		t.Errorf("%d reads after the snapshot's time, want 3", tb.runs)
	}

	s = newScope(t)
	big := countingTable(maxSnapshotCells + 1)
	for i := range 4 {
		got := s.names(t, big, eq("name", "r"+strconv.Itoa(i)), []string{"name"})
		if len(got) != 1 {
			t.Fatalf("call %d: %v", i, got)
		}
	}
	if big.runs != 4 {
		t.Errorf("%d reads of a table too large to keep, want 4 (one per call)", big.runs)
	}
}

// TestSnapshotIdenticalCalls: the same call again and again (a join's inner
// table whose constraints do not depend on the outer row) reads twice.
func TestSnapshotIdenticalCalls(t *testing.T) {
	s := newScope(t)
	tb := countingTable(10)
	for range 20 {
		if got := s.names(t, tb, map[string][]Constraint{"n": {{OpGreater, "7"}}}, []string{"name", "n"}); len(got) != 10 {
			t.Fatalf("%d rows, want the 10 (SQLite filters n > 7)", len(got))
		}
	}
	if tb.runs != 2 {
		t.Errorf("%d reads for 20 identical calls, want 2", tb.runs)
	}
}

// TestSnapshotLifetime: a snapshot lives while its calls keep coming less
// than snapshotAge apart, and never past snapshotMaxAge.
func TestSnapshotLifetime(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		name           string
		taken, lastUse time.Duration // before now
		kept           bool
	}{
		{"fresh", 0, 0, true},
		{"old but in use", 5 * time.Second, 100 * time.Millisecond, true},
		{"idle", 2 * time.Second, 1500 * time.Millisecond, false},
		{"too old", snapshotMaxAge, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := NewSnapshots().c
			k := snapshotKey{table: tt.name}
			c.snaps[k] = &snapshot{taken: now.Add(-tt.taken), lastUse: now.Add(-tt.lastUse)}
			c.mu.Lock()
			c.evict(now)
			c.mu.Unlock()
			if _, ok := c.snaps[k]; ok != tt.kept {
				t.Errorf("kept = %v, want %v", ok, tt.kept)
			}
		})
	}
}
