package shell

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/tables"
)

// explain is .explain: it runs stmt with the tables' runs and the kernel
// requests traced (tables.WithRunTrace, netlinkx.WithTrace), discards the
// rows, and prints in order each table call with the constraints passed
// down and the columns used, each dump request under it, and each walk of
// /proc for socket owners.
func (sh *shell) explain(stmt string) error {
	var (
		mu          sync.Mutex // the tables' goroutines report concurrently
		lines       []string
		dumps, walk int
	)
	add := func(s string) {
		mu.Lock()
		lines = append(lines, s)
		mu.Unlock()
	}
	ctx, done := sh.statement()
	ctx = tables.WithRunTrace(ctx, func(table string, q *tables.Query) {
		add(explainRun(sh.costly(table), table, q))
	})
	ctx = netlinkx.WithTrace(ctx, &netlinkx.Trace{
		Dump: func(req netlinkx.DumpRequest) {
			mu.Lock()
			dumps++
			mu.Unlock()
			add("  dump " + describeDump(req))
		},
		ProcWalk: func(pids []int32) {
			mu.Lock()
			walk++
			mu.Unlock()
			add("  /proc walk for socket owners: " + describePids(pids))
		},
	})
	rows := 0
	err := sh.host.Rows(ctx, stmt, func([]string) {}, func([]sql.RawBytes) error {
		rows++
		return nil
	})
	if err = done(err); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range lines {
		fmt.Fprintln(sh.out, l)
	}
	fmt.Fprintf(sh.out, "%d rows, %d table calls, %d dump requests, %d /proc walks\n",
		rows, countPrefix(lines, "table "), dumps, walk)
	return nil
}

// costly returns whether column name of table costs an extra request or a
// /proc walk (tables.ColumnDef.Costly).
func (sh *shell) costly(table string) func(column string) bool {
	t, ok := sh.host.Table(table)
	if !ok {
		return func(string) bool { return false }
	}
	spec := t.Spec()
	return func(column string) bool {
		i := spec.Index(column)
		return i >= 0 && spec.Columns[i].Costly
	}
}

// explainRun is one table call: the constraints SQLite passed down, and the
// columns the query uses, the costly ones marked with a *.
func explainRun(costly func(string) bool, table string, q *tables.Query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s", table)
	cols := make([]string, 0, len(q.Constraints))
	for c := range q.Constraints {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	var where []string
	for _, c := range cols {
		for _, k := range q.Constraints[c] {
			where = append(where, fmt.Sprintf("%s %s '%s'", c, k.Op, strings.ReplaceAll(k.Expr, "'", "''")))
		}
	}
	if len(where) > 0 {
		fmt.Fprintf(&b, " WHERE %s", strings.Join(where, " AND "))
	} else {
		b.WriteString(" (no constraint)")
	}
	used := q.UsedColumns()
	for i, c := range used {
		if costly(c) {
			used[i] = c + "*"
		}
	}
	fmt.Fprintf(&b, "; columns: %s", strings.Join(used, ", "))
	return b.String()
}

// describePids is a /proc walk's scope: every process, or the pids read.
func describePids(pids []int32) string {
	if pids == nil {
		return "every process"
	}
	s := make([]string, 0, min(len(pids), 8))
	for _, p := range pids[:min(len(pids), 8)] {
		s = append(s, fmt.Sprint(p))
	}
	if len(pids) > 8 {
		s = append(s, fmt.Sprintf("... (%d pids)", len(pids)))
	}
	return "pids " + strings.Join(s, " ")
}

// countPrefix counts the lines that start with prefix.
func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
