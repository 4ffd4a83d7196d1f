// Package osqueryplan is an SQL layer that plans queries over an
// extension's tables the way osqueryd does, for tests: osquery's xBestIndex
// and xFilter (osquery/sql/virtual_table.cpp) ported onto modernc.org/sqlite's
// virtual tables, each table's generate sent over Thrift to the extension as
// osqueryd sends it (the stand-in osqueryd's client, fakeosqueryd), and the
// rows read back as DynamicTableRow::get_column reads them. It answers
// "what do our tables return, and what do they cost, when osqueryd plans?":
// a table that is correct and cheap only under our embedded host's planner
// fails here.
//
// Ported: the columns and options an extension registers, with
// --extensions_default_index (an option-less column becomes INDEX);
// xBestIndex's costs (1 for any usable constraint on an INDEX, ADDITIONAL or
// REQUIRED column, kMaxIndexCost = 1,000,000 for none, +10 for each range
// constraint on a TEXT column, which is not passed: sensibleComparison;
// kMaxIndexCost when a used REQUIRED column has no constraint), which
// constraints reach the table (only those, in argv order), colsUsed and
// colsUsedBitset from SQLite's colUsed; xFilter's context JSON
// (TablePlugin::setRequestFromContext: every column listed with its
// affinity, the constraint values as SQLite's text of each argument, NULL
// and ” left out); and get_column: a key missing from a row is ” in a TEXT
// column and NULL in a numeric one, numbers parsed as strtoll/strtod do
// (text that is no number is NULL).
//
// Not emulated: sqlite3_vtab_in, which modernc's vtab package does not
// offer, so an IN list on an OPTIMIZED column reaches the table one value
// per call here, as on any other column (osqueryd ≥ 5.x sends it in one
// call; that form is tested directly with a context of several = values);
// SQLite's version (modernc links 3.5x, osqueryd 3.42: the planner's
// choices between plans of equal cost follow the same rules, FROM order
// and fewer dependencies first); osquery's own tables but a small
// `processes` (pid INDEX, name, path, cmdline, uid, parent, from /proc).
package osqueryplan

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	gen "github.com/osquery/osquery-go/gen/osquery"
	"modernc.org/sqlite"
	"modernc.org/sqlite/vtab"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
	"github.com/netlinkq/netlinkq/extension/internal/testbin"
)

var _ = sqlite.Driver{}

// kMaxIndexCost is osquery's cost of a plan with no usable constraint.
const kMaxIndexCost = 1000000

// The osquery column options (osquery/core/column.h).
const (
	optIndex      = 1
	optRequired   = 2
	optAdditional = 4
	optHidden     = 16
)

// Call is one generate call the layer made: what osqueryd would have sent.
type Call struct {
	Table       string
	Constraints map[string][]fakeosqueryd.Constraint
	Rows        int
}

// DB is an in-memory SQLite whose virtual tables are an extension's tables,
// planned as osqueryd plans them, plus osquery's processes table.
type DB struct {
	db  *sql.DB
	ext *fakeosqueryd.Extension

	mu    sync.Mutex
	calls []Call
}

// Options are osqueryd's flags that change planning.
type Options struct {
	// NoDefaultIndex is --extensions_default_index=false: option-less
	// extension columns stay unindexed (osqueryd's default is true).
	NoDefaultIndex bool
}

var moduleSeq atomic.Int64

// Open declares every table of registry (the extension's registration) as
// osqueryd's xCreate does, answered by ext.
func Open(ext *fakeosqueryd.Extension, registry gen.ExtensionRouteTable, o Options) (*DB, error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	d := &DB{db: db, ext: ext}
	seq := moduleSeq.Add(1)
	var creates []string
	add := func(name string, t *table) error {
		mod := fmt.Sprintf("osq_%d_%s", seq, name)
		if err := vtab.RegisterModule(db, mod, &module{t}); err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
		creates = append(creates, fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s", name, mod))
		return nil
	}
	for name, routes := range registry {
		t := &table{db: d, name: name}
		for _, r := range routes {
			if r["id"] != "column" {
				continue
			}
			op, _ := strconv.Atoi(r["op"])
			if op == 0 && !o.NoDefaultIndex {
				op = optIndex
			}
			t.cols = append(t.cols, column{name: r["name"], typ: r["type"], op: op})
		}
		if err := add(name, t); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := add("processes", processesTable(d)); err != nil {
		db.Close()
		return nil, err
	}
	for _, c := range creates {
		if _, err := db.Exec(c); err != nil {
			db.Close()
			return nil, err
		}
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Query runs stmt and returns its columns and rows, NULL as "" (as
// osqueryi's JSON shows it), and the generate calls it made.
func (d *DB) Query(ctx context.Context, stmt string) (cols []string, rows [][]string, calls []Call, err error) {
	d.mu.Lock()
	d.calls = nil
	d.mu.Unlock()
	r, err := d.db.QueryContext(ctx, stmt)
	if err != nil {
		return nil, nil, nil, err
	}
	defer r.Close()
	cols, _ = r.Columns()
	if rows, err = testbin.Rows(r, ""); err != nil {
		return nil, nil, nil, err
	}
	d.mu.Lock()
	calls = d.calls
	d.mu.Unlock()
	return cols, rows, calls, nil
}

// column is one registered column.
type column struct {
	name, typ string
	op        int
}

// table is one virtual table: an extension's, or processes (gen set).
type table struct {
	db   *DB
	name string
	cols []column
	// gen answers a call natively (processes); nil sends it to the extension.
	gen func(ctx context.Context, cons map[string][]fakeosqueryd.Constraint) ([]map[string]string, error)
}

type module struct{ t *table }

func (m *module) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

// Connect declares the table as osquery's columnDefinition does.
func (m *module) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	var defs []string
	for _, c := range m.t.cols {
		def := fmt.Sprintf("`%s` %s", c.name, c.typ)
		if c.op&optHidden != 0 {
			def += " HIDDEN"
		}
		defs = append(defs, def)
	}
	if err := ctx.Declare("CREATE TABLE x(" + strings.Join(defs, ", ") + ")"); err != nil {
		return nil, err
	}
	return m.t, nil
}

// sqliteOps are the SQLite operators osquery knows, by its numbers.
var sqliteOps = map[vtab.ConstraintOp]int{
	vtab.OpEQ: fakeosqueryd.OpEquals, vtab.OpGT: fakeosqueryd.OpGreater, vtab.OpLE: fakeosqueryd.OpLessEqual,
	vtab.OpLT: fakeosqueryd.OpLess, vtab.OpGE: fakeosqueryd.OpGreaterEqual, vtab.OpMATCH: fakeosqueryd.OpMatch,
	vtab.OpLIKE: fakeosqueryd.OpLike, vtab.OpGLOB: fakeosqueryd.OpGlob, vtab.OpREGEXP: fakeosqueryd.OpRegexp,
}

// BestIndex is osquery's xBestIndex.
func (t *table) BestIndex(info *vtab.IndexInfo) error {
	cost := float64(kMaxIndexCost)
	var pushed []string // "col:op" in argv order
	hasRequiredConstraint := false
	for i := range info.Constraints {
		c := &info.Constraints[i]
		if !c.Usable || c.Column < 0 || c.Column >= len(t.cols) {
			continue
		}
		op, ok := sqliteOps[c.Op]
		if !ok {
			continue
		}
		col := t.cols[c.Column]
		if col.typ == "TEXT" && (op == fakeosqueryd.OpGreater || op == fakeosqueryd.OpGreaterEqual ||
			op == fakeosqueryd.OpLess || op == fakeosqueryd.OpLessEqual) {
			cost += 10 // sensibleComparison
			continue
		}
		switch {
		case col.op&optRequired != 0:
			hasRequiredConstraint = true
			cost = 1
		case col.op&(optIndex|optAdditional) != 0:
			cost = 1
		default:
			continue // not indexed: SQLite filters
		}
		c.ArgIndex = len(pushed)
		pushed = append(pushed, strconv.Itoa(c.Column)+":"+strconv.Itoa(op))
	}
	for i, col := range t.cols {
		if info.ColUsed&(1<<min(i, 63)) != 0 && col.op&optRequired != 0 && !hasRequiredConstraint {
			cost = kMaxIndexCost
		}
	}
	info.IdxStr = strconv.FormatUint(info.ColUsed, 16) + ";" + strings.Join(pushed, ",")
	info.EstimatedCost = cost
	return nil
}

func (t *table) Open() (vtab.Cursor, error) { return &cursor{t: t}, nil }
func (t *table) Disconnect() error          { return nil }
func (t *table) Destroy() error             { return nil }

// cursor holds one call's rows.
type cursor struct {
	t    *table
	rows []map[string]string
	i    int
}

// Filter is osquery's xFilter: it builds the context and makes the call.
func (c *cursor) Filter(_ int, idxStr string, vals []vtab.Value) error {
	t := c.t
	usedHex, plan, _ := strings.Cut(idxStr, ";")
	bits, _ := strconv.ParseUint(usedHex, 16, 64)
	cons := map[string][]fakeosqueryd.Constraint{}
	if plan != "" {
		for i, p := range strings.Split(plan, ",") {
			colStr, opStr, _ := strings.Cut(p, ":")
			ci, _ := strconv.Atoi(colStr)
			op, _ := strconv.Atoi(opStr)
			if i >= len(vals) {
				break
			}
			expr, ok := sqliteText(vals[i])
			if !ok {
				continue // NULL or '': osquery leaves it out
			}
			name := t.cols[ci].name
			cons[name] = append(cons[name], fakeosqueryd.Constraint{Op: op, Expr: expr})
		}
	}
	var qc fakeosqueryd.QueryContext
	var used []string
	for i, col := range t.cols {
		qc.Constraints = append(qc.Constraints, fakeosqueryd.ConstraintList{Name: col.name, Affinity: col.typ, List: cons[col.name]})
		if bits&(1<<min(i, 63)) != 0 {
			used = append(used, col.name)
		}
	}
	slices.SortFunc(qc.Constraints, func(a, b fakeosqueryd.ConstraintList) int { return strings.Compare(a.Name, b.Name) }) // std::map order
	if used == nil {
		used = []string{}
	}
	qc.ColsUsed, qc.ColsUsedBitset = used, &bits

	var rows []map[string]string
	var err error
	if t.gen != nil {
		rows, err = t.gen(context.Background(), cons)
	} else {
		var resp *gen.ExtensionResponse
		resp, err = t.db.ext.Generate(context.Background(), t.name, qc)
		if err == nil && resp.Status.Code != 0 {
			err = fmt.Errorf("%s: %s", t.name, resp.Status.Message)
		}
		if err == nil {
			rows = resp.Response
		}
	}
	if err != nil {
		return err
	}
	t.db.mu.Lock()
	t.db.calls = append(t.db.calls, Call{Table: t.name, Constraints: cons, Rows: len(rows)})
	t.db.mu.Unlock()
	c.rows, c.i = rows, 0
	return nil
}

// sqliteText is sqlite3_value_text of a constraint's value; false for NULL
// and the empty string, which osquery's xFilter skips.
func sqliteText(v vtab.Value) (string, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", false
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsAny(s, ".e") && !math.IsInf(x, 0) && !math.IsNaN(x) {
			s += ".0" // SQLite prints a whole REAL as "80.0"
		}
	case string:
		s = x
	case []byte:
		s = string(x)
	case bool:
		s = "0"
		if x {
			s = "1"
		}
	default:
		s = fmt.Sprint(x)
	}
	return s, s != ""
}

func (c *cursor) Next() error { c.i++; return nil }
func (c *cursor) Eof() bool   { return c.i >= len(c.rows) }
func (c *cursor) Close() error {
	c.rows = nil
	return nil
}
func (c *cursor) Rowid() (int64, error) { return int64(c.i), nil }

// Column is DynamicTableRow::get_column.
func (c *cursor) Column(col int) (vtab.Value, error) {
	def := c.t.cols[col]
	v, ok := c.rows[c.i][def.name]
	switch def.typ {
	case "TEXT", "BLOB":
		return driver.Value(v), nil // a missing key is ''
	case "INTEGER", "BIGINT":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if !ok || err != nil {
			return nil, nil
		}
		return n, nil
	case "UNSIGNED BIGINT":
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if !ok || err != nil || n > math.MaxInt64 {
			return nil, nil // strtoll: beyond int64 is no value osquery keeps
		}
		return int64(n), nil
	case "DOUBLE":
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil {
			return nil, nil
		}
		return f, nil
	}
	return driver.Value(v), nil
}

// processesTable is osquery's processes table, the columns joins use: pid
// is INDEX as in osquery's spec, so a pid = constraint reads one process.
func processesTable(d *DB) *table {
	return &table{db: d, name: "processes", cols: []column{
		{"pid", "BIGINT", optIndex}, {"name", "TEXT", 0}, {"path", "TEXT", 0},
		{"cmdline", "TEXT", 0}, {"uid", "BIGINT", 0}, {"parent", "BIGINT", 0},
	}, gen: func(ctx context.Context, cons map[string][]fakeosqueryd.Constraint) ([]map[string]string, error) {
		var pids []string
		for _, c := range cons["pid"] {
			if c.Op == fakeosqueryd.OpEquals {
				pids = append(pids, c.Expr)
			}
		}
		if pids == nil {
			ents, err := os.ReadDir("/proc")
			if err != nil {
				return nil, err
			}
			for _, e := range ents {
				if _, err := strconv.Atoi(e.Name()); err == nil {
					pids = append(pids, e.Name())
				}
			}
		}
		var rows []map[string]string
		for _, pid := range pids {
			if r, ok := readProcess(pid); ok {
				rows = append(rows, r)
			}
		}
		return rows, nil
	}}
}

// readProcess reads one process's row from /proc; false when it is gone.
func readProcess(pid string) (map[string]string, bool) {
	if _, err := strconv.Atoi(pid); err != nil {
		return nil, false
	}
	dir := filepath.Join("/proc", pid)
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return nil, false
	}
	s := string(stat)
	lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if lp < 0 || rp < lp {
		return nil, false
	}
	fields := strings.Fields(s[rp+1:])
	row := map[string]string{"pid": pid, "name": s[lp+1 : rp]}
	if len(fields) > 1 {
		row["parent"] = fields[1]
	}
	if p, err := os.Readlink(filepath.Join(dir, "exe")); err == nil {
		row["path"] = p
	}
	if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		row["cmdline"] = strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	}
	if st, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
				row["uid"] = f[1]
			}
		}
	}
	return row, true
}
