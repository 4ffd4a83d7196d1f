package tables

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// This file holds how the table tests run a table and read tools' output;
// helpers_test.go, how they state constraints and compare rows.

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

// jsonText is a JSON value as our table prints it.
func jsonText(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case string:
		return v
	case []any:
		var s []string
		for _, e := range v {
			s = append(s, jsonText(e))
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprint(v)
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
