package tables

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
)

// This file holds how the table tests run a table and state constraints.

// runRows runs tb in ns with a query for cons and used (nil: every column)
// and returns each row's cells by column name.
func runRows(t testing.TB, tb Interface, ns netlinkx.NetNS, cons map[string][]Constraint, used []string) []map[string]Value {
	t.Helper()
	return runRowsCtx(t, t.Context(), tb, ns, cons, used)
}

// runRowsCtx is runRows under ctx.
func runRowsCtx(t testing.TB, ctx context.Context, tb Interface, ns netlinkx.NetNS, cons map[string][]Constraint, used []string) []map[string]Value {
	t.Helper()
	spec := tb.Spec()
	q := NewQuery(spec, cons, used)
	q.NetNS = ns
	var rows []map[string]Value
	err := tb.Run(ctx, q, func(cells []Value) error {
		r := make(map[string]Value, len(cells))
		for i, c := range spec.Columns {
			r[c.Name] = cells[i]
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatalf("%s %v: %v", spec.Name, cons, err)
	}
	return rows
}

// tableRows is runRows with each row as column → text, with only the used
// columns (all when used is nil) of the table's own and NULL as "<null>".
func tableRows(t testing.TB, tb Interface, ns netlinkx.NetNS, cons map[string][]Constraint, used []string) []map[string]string {
	t.Helper()
	return tableRowsCtx(t, t.Context(), tb, ns, cons, used)
}

// tableRowsCtx is tableRows under ctx.
func tableRowsCtx(t testing.TB, ctx context.Context, tb Interface, ns netlinkx.NetNS, cons map[string][]Constraint, used []string) []map[string]string {
	t.Helper()
	cols := tb.Spec().Columns
	cols = cols[:len(cols)-len(namespaceColumns)]
	var rows []map[string]string
	for _, cells := range runRowsCtx(t, ctx, tb, ns, cons, used) {
		r := map[string]string{}
		for _, c := range cols {
			if used != nil && !slices.Contains(used, c.Name) {
				continue
			}
			if v := cells[c.Name]; v.Kind == KindNull {
				r[c.Name] = "<null>"
			} else {
				r[c.Name] = v.String()
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// eventRows runs an event table in ns with the given constraints
// ("eid" → "> 5") and returns each row as column name → text, NULLs left out.
func eventRows(t testing.TB, table Interface, ns netlinkx.NetNS, cons map[string][]Constraint) []map[string]string {
	t.Helper()
	var rows []map[string]string
	for _, cells := range runRows(t, table, ns, cons, nil) {
		r := map[string]string{}
		for name, v := range cells {
			if v.Kind != KindNull {
				r[name] = v.String()
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// after is the constraint eid > n.
func after(n uint64) map[string][]Constraint {
	return map[string][]Constraint{colEID: {{Op: OpGreater, Expr: utoa(n)}}}
}

// consCase is a named set of constraints: a subtest of a push-down test.
type consCase struct {
	name string
	cons map[string][]Constraint
}

// familyCases are the constraints on family of a table whose dumps the
// family narrows.
var familyCases = []consCase{
	{"inet", eq("family", "inet")},
	{"inet6", eq("family", "inet6")},
	{"both families", eq("family", "inet6", "inet")},
	{"no such family", eq("family", "link")},
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
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("WHERE %v (-unconstrained +constrained):\n%s", cons, diff)
	}
	return len(want)
}

// toolRows is the fields of each line of a tool's output (ss, conntrack)
// that has at least least of them: its rows, headers and short lines left
// out.
func toolRows(out string, least int) [][]string {
	var rows [][]string
	for line := range strings.Lines(out) {
		if f := strings.Fields(line); len(f) >= least {
			rows = append(rows, f)
		}
	}
	return rows
}

// jsonCell is key k of o, an object of a tool's JSON output, as a cell's
// text (jsonText), or "<null>" when o has no k.
func jsonCell(o map[string]any, k string) string {
	if v, ok := o[k]; ok {
		return jsonText(v)
	}
	return "<null>"
}

// checkSeen fails the test for each of parts that no line of got contains:
// a lab's cases, each seen at least once, so that a lab change cannot empty
// a comparison.
func checkSeen(t *testing.T, got []string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, p) }) {
			t.Errorf("no row contains %q", p)
		}
	}
}
