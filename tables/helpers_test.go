package tables

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func itoa(i int64) string  { return strconv.FormatInt(i, 10) }
func utoa(u uint64) string { return strconv.FormatUint(u, 10) }

// cmpSorted compares string slices as sets with order ignored.
var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
})

// checkSame fails t unless got equals want. The failure reads as the label
// format and args make (which names the sides, as in "(-want +got)"),
// then the diff.
func checkSame[T any](t testing.TB, want, got T, format string, args ...any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s:\n%s", fmt.Sprintf(format, args...), diff)
	}
}

// checkLines is checkSame for lines whose order does not matter.
func checkLines(t testing.TB, want, got []string, format string, args ...any) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("%s:\n%s", fmt.Sprintf(format, args...), diff)
	}
}

// eq builds = constraints, several values making an IN list.
func eq(col string, vals ...string) map[string][]Constraint {
	m := map[string][]Constraint{}
	for _, v := range vals {
		m[col] = append(m[col], Constraint{Op: OpEquals, Expr: v})
	}
	return m
}

// and joins constraint maps.
func and(ms ...map[string][]Constraint) map[string][]Constraint {
	out := map[string][]Constraint{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

// consCase is a named set of constraints: a subtest of a push-down test.
type consCase struct {
	name string
	cons map[string][]Constraint
}

// familyCases are the constraints on family of a table whose dumps the
// family narrows, in a new slice for the caller to extend.
func familyCases() []consCase {
	return []consCase{
		{"inet", eq("family", "inet")},
		{"inet6", eq("family", "inet6")},
		{"both families", eq("family", "inet6", "inet")},
		{"no such family", eq("family", "link")},
	}
}

// matches is what SQLite's own check of = and IN constraints would keep.
func matches(r map[string]string, cons map[string][]Constraint) bool {
	for col, cs := range cons {
		ok := false
		for _, c := range cs {
			if c.Op == OpEquals && r[col] == c.Expr {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchingLines renders with line each of rows that SQLite's check of cons
// would keep (every row when cons is nil).
func matchingLines(rows []map[string]string, cons map[string][]Constraint, line func(map[string]string) string) []string {
	var lines []string
	for _, r := range rows {
		if matches(r, cons) {
			lines = append(lines, line(r))
		}
	}
	return lines
}

// rowText is a row as text, its cells in column name order.
func rowText(r map[string]string) string { return fmt.Sprint(r) }

// checkKeeps fails t unless got, the rows of a run under cons, hold by line
// every row of all, the unconstrained run's, that SQLite's check of cons
// keeps: pushing a constraint down must lose no row. Extra rows in got are
// SQLite's to drop. It returns how many rows of all match.
func checkKeeps(t testing.TB, all, got []map[string]string, cons map[string][]Constraint, line func(map[string]string) string) int {
	t.Helper()
	return checkRows(t, all, matchingLines(got, cons, line), cons, line)
}

// checkNarrows is checkKeeps for a constraint that narrows the request
// itself: got must hold no other row either.
func checkNarrows(t testing.TB, all, got []map[string]string, cons map[string][]Constraint, line func(map[string]string) string) int {
	t.Helper()
	return checkRows(t, all, matchingLines(got, nil, line), cons, line)
}

func checkRows(t testing.TB, all []map[string]string, got []string, cons map[string][]Constraint, line func(map[string]string) string) int {
	t.Helper()
	want := matchingLines(all, cons, line)
	checkLines(t, want, got, "WHERE %v (-unconstrained +constrained)", cons)
	return len(want)
}
