package sqlhost

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"modernc.org/sqlite/vtab"

	"github.com/netlinkq/netlinkq/tables"
)

// schema is the CREATE TABLE statement SQLite is given for a table, with
// osquery's types and the hidden columns marked HIDDEN.
func schema(spec *tables.Spec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s(", quoteIdent(spec.Name))
	for i, c := range spec.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", quoteIdent(c.Name), c.Type)
		if c.Options&tables.Hidden != 0 {
			b.WriteString(" HIDDEN")
		}
	}
	b.WriteString(")")
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// module is the vtab.Module of one table.
type module struct {
	table tables.Interface
	host  *Host
}

func (m *module) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

func (m *module) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	if err := ctx.Declare(schema(m.table.Spec())); err != nil {
		return nil, fmt.Errorf("declare %s: %w", m.table.Spec().Name, err)
	}
	return &vtable{module: m}, nil
}

// vtable is the vtab.Table of one table.
type vtable struct{ *module }

// opNames maps the SQLite operators we pass down to osquery's.
var opNames = map[vtab.ConstraintOp]tables.Op{
	vtab.OpEQ:   tables.OpEquals,
	vtab.OpGT:   tables.OpGreater,
	vtab.OpLE:   tables.OpLessEqual,
	vtab.OpLT:   tables.OpLess,
	vtab.OpGE:   tables.OpGreaterEqual,
	vtab.OpLIKE: tables.OpLike,
	vtab.OpGLOB: tables.OpGlob,
}

// BestIndex passes every usable constraint we know to Filter (SQLite still
// checks them all: Omit stays false) and the used columns, both in IdxStr. A plan
// with = on a column is made cheaper so that in a join SQLite feeds our
// table the other side's values (pid_with_namespace = n.pid).
//
// An = constraint (and so an IN list, which SQLite turns into one Filter
// call per value) is passed down only on a column the table can narrow by,
// marked INDEX, REQUIRED or ADDITIONAL; on the others SQLite scans once and
// filters. A table that marks no column passes everything, as osqueryd's
// --extensions_default_index does.
func (t *vtable) BestIndex(info *vtab.IndexInfo) error {
	var parts []string
	arg := 0
	cost := 1e6
	cols := t.table.Spec().Columns
	// A plan that cannot give the namespace columns their values reads the
	// wrong namespace for a join on them (s.pid_with_namespace = n.pid):
	// make it the last choice, and a plan that can, the first.
	for _, c := range info.Constraints {
		if c.Column >= 0 && c.Column < len(cols) && c.Op == vtab.OpEQ && cols[c.Column].Options&tables.Additional != 0 {
			if c.Usable {
				cost /= 1e3
			} else {
				cost *= 1e12
			}
		}
	}
	for i := range info.Constraints {
		c := &info.Constraints[i]
		op, ok := opNames[c.Op]
		if !ok || !c.Usable || c.Column < 0 || c.Column >= len(cols) || !passedDown(cols, c.Column, op) {
			continue
		}
		c.ArgIndex = arg
		arg++
		parts = append(parts, strconv.Itoa(c.Column)+":"+strconv.Itoa(int(op)))
		if op == tables.OpEquals {
			cost /= 10
		}
	}
	// IdxNum must fit in 32 bits; colUsed has 64, so both travel in IdxStr:
	// "USEDHEX;col:op,col:op".
	info.IdxStr = strconv.FormatUint(info.ColUsed, 16) + ";" + strings.Join(parts, ",")
	info.EstimatedCost = cost
	info.EstimatedRows = int64(cost)
	return nil
}

// passedDown reports whether a constraint with op on column col goes to the
// table: every operator but =, and = only on a column the table can narrow
// by (INDEX, REQUIRED or ADDITIONAL), or on any column of a table that
// marks none.
func passedDown(cols []tables.ColumnDef, col int, op tables.Op) bool {
	if op != tables.OpEquals || cols[col].Options&(tables.Index|tables.Required|tables.Additional) != 0 {
		return true
	}
	return !slices.ContainsFunc(cols, func(c tables.ColumnDef) bool { return c.Options&tables.Index != 0 })
}

func (t *vtable) Open() (vtab.Cursor, error) { return &cursor{vtable: t}, nil }
func (t *vtable) Disconnect() error          { return nil }
func (t *vtable) Destroy() error             { return nil }

// cursor streams rows from a generating goroutine.
type cursor struct {
	*vtable
	stream *rowStream[any]
	cur    rowChunk[any]
	row    int
	rowid  int64
	pos    []int // column index → position within a row of the chunk, -1 if not copied
	stride int
	eof    bool
}

// Filter starts the table for one set of constraint values.
func (c *cursor) Filter(idxNum int, idxStr string, vals []vtab.Value) error {
	c.stop()
	spec := c.table.Spec()
	cons := map[string][]tables.Constraint{}
	usedHex, plan, ok := strings.Cut(idxStr, ";")
	colUsed, err := strconv.ParseUint(usedHex, 16, 64)
	if !ok || err != nil {
		return fmt.Errorf("bad index plan %q", idxStr)
	}
	if plan != "" {
		for i, p := range strings.Split(plan, ",") {
			col, op, _ := strings.Cut(p, ":")
			ci, err1 := strconv.Atoi(col)
			oi, err2 := strconv.Atoi(op)
			if err1 != nil || err2 != nil || ci >= len(spec.Columns) || i >= len(vals) {
				return fmt.Errorf("bad index plan %q", idxStr)
			}
			expr, ok := exprString(vals[i])
			if !ok {
				continue // NULL compares false anyway; SQLite decides
			}
			name := spec.Columns[ci].Name
			cons[name] = append(cons[name], tables.Constraint{Op: tables.Op(oi), Expr: expr})
		}
	}
	q := tables.NewQueryUsedBits(spec, cons, colUsed)
	q.NetNS = c.host.netns
	q.Logf = c.host.logf

	c.pos = make([]int, len(spec.Columns))
	var used []int
	for i := range spec.Columns {
		c.pos[i] = -1
		if q.Used(spec.Columns[i].Name) {
			c.pos[i] = len(used)
			used = append(used, i)
		}
	}
	c.stride = len(used)

	// last remembers each used column's previous cell and its boxed form:
	// family, protocol, state, addresses repeat row after row, and boxing a
	// string or a large integer allocates.
	last := make([]struct {
		v   tables.Value
		box any
	}, len(used))
	box := func(j int, v tables.Value) any {
		l := &last[j]
		if v != l.v || l.box == nil {
			l.v, l.box = v, v.SQL()
		}
		return l.box
	}
	ctx := c.host.stmtCtx
	if ctx == nil {
		ctx = context.Background()
	}
	c.stream = streamRows(ctx, c.table, q, nil, func(ch *rowChunk[any], cells []tables.Value) {
		if ch.vals == nil {
			ch.vals = make([]any, 0, chunkRows*len(used))
		}
		for j, i := range used {
			ch.vals = append(ch.vals, box(j, cells[i]))
		}
	})
	c.cur, c.row, c.eof = rowChunk[any]{}, -1, false
	return c.Next()
}

// exprString formats a constraint value as osquery would send it.
func exprString(v vtab.Value) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		// SQLite compares a REAL with a TEXT column as its own text ("1.0"),
		// and with a number as a number. Pass down only integral values, in
		// SQLite's spelling; tables parse "80.0" as 80 for integer columns.
		if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
			return "", false // not passed down: SQLite decides
		}
		return strconv.FormatInt(int64(x), 10) + ".0", true
	case string:
		return x, true
	case []byte:
		return string(x), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	}
	return fmt.Sprint(v), true
}

func (c *cursor) Next() error {
	c.row++
	for c.row >= c.cur.n {
		if c.cur.err != nil {
			err := fmt.Errorf("table %s: %w", c.table.Spec().Name, c.cur.err)
			c.cur.err = nil
			c.eof = true
			c.host.tableErr = err
			return err
		}
		next, ok := <-c.stream.C
		c.stream.Done(c.cur)
		if !ok {
			c.eof = true
			return nil
		}
		c.cur, c.row = next, 0
		if c.cur.n == 0 && c.cur.err == nil {
			continue
		}
	}
	c.rowid++
	return nil
}

func (c *cursor) Eof() bool { return c.eof }

func (c *cursor) Column(col int) (vtab.Value, error) {
	if col < 0 || col >= len(c.pos) || c.pos[col] < 0 {
		return nil, nil
	}
	return driver.Value(c.cur.vals[c.row*c.stride+c.pos[col]]), nil
}

func (c *cursor) Rowid() (int64, error) { return c.rowid, nil }

func (c *cursor) Close() error {
	c.stop()
	return nil
}

// stop ends a running generation and drains it.
func (c *cursor) stop() {
	if c.stream != nil {
		c.stream.Stop()
		c.stream = nil
	}
}
