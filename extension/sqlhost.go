package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	"modernc.org/sqlite/vtab"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/tables"
)

// chunkRows is how many rows the generating goroutine hands the cursor at a
// time: large enough to amortise the channel, small enough that the dump and
// SQLite overlap (shared/PERF.md: streaming beats dump-then-scan).
const chunkRows = 2048

// sqlHost is the embedded host: an in-memory SQLite with one virtual table
// per netlinkq table, on a single connection.
type sqlHost struct {
	db *sql.DB
	// tables are the tables served, by name.
	tables map[string]tables.Interface
	// modules names each table's registered vtab module.
	modules map[string]string
	// created holds the tables declared to SQLite so far.
	created map[string]bool
	// pending are the tables direct scans read before any statement went to
	// SQLite: declare creates them first, so that SQLite's schema is what
	// it would have been had SQLite run those statements.
	pending []string
	// netns is the namespace every query reads unless it selects another.
	netns netlinkx.NetNS
	// logf receives warnings (a namespace that could not be entered).
	logf func(format string, args ...any)
	// sqliteOnly turns direct scans off: every statement goes through SQLite.
	sqliteOnly bool
	// touched is set once a statement has gone to SQLite: until then no
	// table name can mean anything but our table.
	touched bool
	// tableErr is the error a table's cursor last returned. modernc's xNext
	// trampoline drops an error's text (SQLite then says only "SQL logic
	// error"), so Rows reports this instead.
	tableErr error
}

// moduleSeq makes module names unique per host: modernc registers modules
// process-wide, and tests open several hosts.
var moduleSeq atomic.Int64

// newSQLHost opens an in-memory SQLite and registers a vtab module for every
// table in ts; declare creates a table's virtual table when a statement first
// names it.
func newSQLHost(ts []tables.Interface, netns netlinkx.NetNS, logf func(string, ...any)) (*sqlHost, error) {
	h := &sqlHost{tables: map[string]tables.Interface{}, modules: map[string]string{}, created: map[string]bool{}, netns: netns, logf: logf}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection: virtual tables are declared per connection, and an
	// in-memory database is per connection too.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	h.db = db
	seq := moduleSeq.Add(1)
	modName := func(spec *tables.Spec) string { return fmt.Sprintf("netlinkq_%d_%s", seq, spec.Name) }
	// Every module is registered before the first statement opens the
	// connection: modernc adds modules to a connection when it opens.
	for _, t := range ts {
		spec := t.Spec()
		h.tables[spec.Name] = t
		h.modules[spec.Name] = modName(spec)
		if err := vtab.RegisterModule(db, modName(spec), &module{table: t, host: h}); err != nil {
			db.Close()
			return nil, fmt.Errorf("register table %s: %w", spec.Name, err)
		}
	}
	return h, nil
}

var _ = sqlite.Driver{} // the blank import would do; this keeps the driver's registration explicit

// QueryContext declares the tables stmt names and runs it.
func (h *sqlHost) QueryContext(ctx context.Context, stmt string) (*sql.Rows, error) {
	if err := h.declare(stmt); err != nil {
		return nil, err
	}
	var rows *sql.Rows
	err := h.retryMissing(func() (err error) {
		rows, err = h.db.QueryContext(ctx, stmt)
		return err
	})
	return rows, err
}

// Rows declares the tables stmt names, runs it, and calls row with each
// result row's cells as text (NULL as nil), the column names first through
// start; a direct scan answers the statements it can. It reads the driver's
// rows directly, not through database/sql: that saves a mutex and a
// conversion per cell on every row printed. The cells are reused for the
// next row. A table of ours the session dropped, or lost to a ROLLBACK, is
// declared again and the statement retried (retryMissing).
func (h *sqlHost) Rows(ctx context.Context, stmt string, start func(cols []string), row func(cells []sql.RawBytes) error) error {
	if s, ok := h.directScanFor(stmt); ok {
		return h.runDirect(ctx, s, start, row)
	}
	if err := h.declare(stmt); err != nil {
		return err
	}
	return h.retryMissing(func() error { return h.rows(ctx, stmt, start, row) })
}

// rows runs stmt through the driver and hands its rows to row.
func (h *sqlHost) rows(ctx context.Context, stmt string, start func(cols []string), row func(cells []sql.RawBytes) error) error {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		q, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("sqlite driver: no QueryerContext")
		}
		h.tableErr = nil
		rows, err := q.QueryContext(ctx, stmt, nil)
		if err != nil {
			return h.withTableErr(err)
		}
		defer rows.Close()
		cols := rows.Columns()
		start(cols)
		dest := make([]driver.Value, len(cols))
		cells := make([]sql.RawBytes, len(cols))
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return h.withTableErr(err)
			}
			for i, v := range dest {
				cells[i] = appendCell(cells[i][:0], v)
			}
			if err := row(cells); err != nil {
				return err
			}
		}
	})
}

// withTableErr is err from SQLite, or the table's own error behind it.
func (h *sqlHost) withTableErr(err error) error {
	if h.tableErr != nil {
		return h.tableErr
	}
	return err
}

// appendCell appends a driver value as text, as database/sql would convert
// it into sql.RawBytes; NULL leaves the cell empty.
func appendCell(b []byte, v driver.Value) []byte {
	switch x := v.(type) {
	case nil:
		return b
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		return append(b, x...)
	case []byte:
		return append(b, x...)
	case bool:
		return strconv.AppendBool(b, x)
	case time.Time:
		return x.AppendFormat(b, time.RFC3339Nano)
	}
	return fmt.Append(b, v)
}

// Exec declares the tables stmt names and runs it without rows.
func (h *sqlHost) Exec(stmt string) (sql.Result, error) {
	if err := h.declare(stmt); err != nil {
		return nil, err
	}
	var res sql.Result
	err := h.retryMissing(func() (err error) {
		res, err = h.db.Exec(stmt)
		return err
	})
	return res, err
}

// identifier matches the words of a statement that may name a table.
var identifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// declare creates the virtual tables a statement names, the first time it
// names them: start-up then costs one CREATE VIRTUAL TABLE per table used,
// not one per table served. A word that only looks like a table name (in a
// string, a column) declares a table that goes unused, which is harmless.
func (h *sqlHost) declare(stmt string) error {
	if !h.touched {
		h.touched = true
		for _, name := range h.pending {
			if err := h.ensure(name); err != nil {
				return err
			}
		}
		h.pending = nil
	}
	for _, name := range h.tableWords(stmt) {
		if !h.created[name] {
			if err := h.ensure(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// tableWords are the words of stmt that name a table of ours, lower-cased,
// in order.
func (h *sqlHost) tableWords(stmt string) []string {
	var names []string
	for _, w := range identifier.FindAllString(stmt, -1) {
		if name := strings.ToLower(w); h.modules[name] != "" {
			names = append(names, name)
		}
	}
	return names
}

// ensure creates table name's virtual table unless main has an object of
// that name: ours, or one the session made.
func (h *sqlHost) ensure(name string) error {
	var n int
	err := h.db.QueryRow(`SELECT count(*) FROM main.sqlite_master WHERE name = ? COLLATE NOCASE`, name).Scan(&n)
	if err == nil && n == 0 {
		_, err = h.db.Exec(h.createSQL(name))
	}
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	h.created[name] = true
	return nil
}

// noSuchTable matches SQLite's error for a table that is not there.
var noSuchTable = regexp.MustCompile(`no such table: (?:main\.)?([A-Za-z_][A-Za-z0-9_]*)`)

// retryMissing runs a statement, and once more after declaring a table of
// ours that SQLite found missing: one the session dropped, or lost to a
// ROLLBACK of the transaction that declared it. SQLite reports a missing
// table when it prepares the statement, before any row, so a rerun repeats
// nothing.
func (h *sqlHost) retryMissing(run func() error) error {
	err := run()
	if name, ok := h.missingTable(err); ok {
		if err := h.ensure(name); err != nil {
			return err
		}
		err = run()
	}
	return err
}

// missingTable reports the table of ours that err says is not there.
func (h *sqlHost) missingTable(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	m := noSuchTable.FindStringSubmatch(err.Error())
	if m == nil {
		return "", false
	}
	name := strings.ToLower(m[1])
	return name, h.modules[name] != ""
}

// createSQL is the statement that declares table name's virtual table, as
// SQLite keeps it in sqlite_master.
func (h *sqlHost) createSQL(name string) string {
	return fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s", quoteIdent(name), h.modules[name])
}

// Close closes the database.
func (h *sqlHost) Close() error { return h.db.Close() }

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
	host  *sqlHost
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

// rowChunk is a batch of rows from a generating goroutine: the used
// columns' cells of n rows, one after the other, and the table's error in
// the last chunk.
type rowChunk struct {
	vals []any
	n    int
	err  error
}

// rowStream is a table running on its own goroutine, its rows arriving in
// chunks of chunkRows rows, so that the table's dump and the reader overlap
// (shared/PERF.md: streaming beats dump-then-scan).
type rowStream struct {
	// C delivers the chunks and closes when the table is done.
	C <-chan rowChunk
	// free takes back read chunks' buffers for the next chunks: at 100,000
	// rows, fresh buffers would be tens of megabytes to clear and collect.
	free   chan []any
	cancel context.CancelFunc
}

// streamRows starts t for q and sends the cells of the columns in used,
// converted by conv (j is the position within used), row after row.
// Stop ends it early, which is not an error.
func streamRows(ctx context.Context, t tables.Interface, q *tables.Query, used []int, conv func(j int, v tables.Value) any) *rowStream {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan rowChunk, 2)
	s := &rowStream{C: ch, free: make(chan []any, 4), cancel: cancel}
	size := chunkRows * max(len(used), 1)
	buffer := func() []any {
		select {
		case b := <-s.free:
			return b[:0]
		default:
			return make([]any, 0, size)
		}
	}
	go func() {
		defer close(ch)
		cur := rowChunk{vals: buffer()}
		err := t.Run(ctx, q, func(cells []tables.Value) error {
			for j, i := range used {
				cur.vals = append(cur.vals, conv(j, cells[i]))
			}
			cur.n++
			if cur.n == chunkRows {
				// Checked first: once the reader stops, it drains the
				// channel, and a select would go on sending into it.
				if err := ctx.Err(); err != nil {
					return err
				}
				select {
				case ch <- cur:
				case <-ctx.Done():
					return ctx.Err()
				}
				cur = rowChunk{vals: buffer()}
			}
			return nil
		})
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			err = nil // the reader stopped early (LIMIT): not an error
		}
		cur.err = err
		select {
		case ch <- cur:
		case <-ctx.Done():
		}
	}()
	return s
}

// Done hands a read chunk's buffer back for reuse; the reader keeps
// nothing that points into it.
func (s *rowStream) Done(c rowChunk) {
	if c.vals == nil {
		return
	}
	clear(c.vals) // no strings kept alive by a buffer waiting for reuse
	select {
	case s.free <- c.vals:
	default:
	}
}

// Stop ends the table early and waits for its goroutine to finish.
func (s *rowStream) Stop() {
	s.cancel()
	for range s.C {
	}
}

// cursor streams rows from a generating goroutine.
type cursor struct {
	*vtable
	stream *rowStream
	cur    rowChunk
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
	c.stream = streamRows(context.Background(), c.table, q, used, box)
	c.cur, c.row, c.eof = rowChunk{}, -1, false
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
