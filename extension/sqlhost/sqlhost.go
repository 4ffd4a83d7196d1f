// Package sqlhost is the embedded host: the netlinkq tables as virtual tables
// of an in-memory SQLite (modernc.org/sqlite, pure Go), with rows streamed
// from the table's goroutine to SQLite's cursor in chunks, and a direct scan
// that answers a lone simple statement without SQLite's row machinery. It
// hands rows out as text cells; printing them is the shell's job.
package sqlhost

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	"modernc.org/sqlite/vtab"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/tables"
)

// Options configure a Host.
type Options struct {
	// NetNS is the namespace every query reads unless it selects another
	// (pid_with_namespace, netns); the zero value is netlinkx.Own.
	NetNS netlinkx.NetNS
	// Logf receives warnings that do not fail a statement (a namespace that
	// could not be entered). Nil discards them.
	Logf func(format string, args ...any)
	// DirectScan lets a direct scan answer the host's first statement when it
	// is a simple one (see directscan.go). Set it only for a host that runs
	// one statement, the command line's: a direct scan leaves SQLite's schema
	// as it found it, which a later statement of a session could tell.
	DirectScan bool
}

// Host is the embedded host: an in-memory SQLite with one virtual table
// per netlinkq table, on a single connection. A Host runs one statement at
// a time.
type Host struct {
	db *sql.DB
	// tables are the tables served, by name.
	tables map[string]tables.Interface
	// modules names each table's registered vtab module.
	modules map[string]string
	// created holds the tables declared to SQLite so far.
	created map[string]bool
	netns   netlinkx.NetNS
	logf    func(format string, args ...any)
	// direct is set while a direct scan may still answer: until the first statement.
	direct bool
	// stmtCtx is the running statement's context: the cursors' tables run
	// under it, so that a cancelled statement stops its dumps.
	stmtCtx context.Context
	// tableErr is the error a table's cursor last returned. modernc's xNext
	// trampoline drops an error's text (SQLite then says only "SQL logic
	// error"), so Rows reports this instead.
	tableErr error
}

// moduleSeq makes module names unique per host: modernc registers modules
// process-wide, and tests open several hosts.
var moduleSeq atomic.Int64

// New opens an in-memory SQLite and registers a vtab module for every
// table in ts; a table's virtual table is created when a statement first
// names it.
func New(ts []tables.Interface, o Options) (*Host, error) {
	h := &Host{tables: map[string]tables.Interface{}, modules: map[string]string{}, created: map[string]bool{},
		netns: o.NetNS, logf: o.Logf, direct: o.DirectScan}
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
	// Every module is registered before the first statement opens the
	// connection: modernc adds modules to a connection when it opens.
	for _, t := range ts {
		name := t.TableName() // not Spec: a table is built when a statement first names it
		h.tables[name] = t
		h.modules[name] = fmt.Sprintf("netlinkq_%d_%s", seq, name)
		if err := vtab.RegisterModule(db, h.modules[name], &module{table: t, host: h}); err != nil {
			db.Close()
			return nil, fmt.Errorf("register table %s: %w", name, err)
		}
	}
	return h, nil
}

var _ = sqlite.Driver{} // the blank import would do; this keeps the driver's registration explicit

// Tables returns the names of the tables served, sorted.
func (h *Host) Tables() []string {
	names := make([]string, 0, len(h.tables))
	for n := range h.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Table returns the table called name.
func (h *Host) Table(name string) (tables.Interface, bool) {
	t, ok := h.tables[name]
	return t, ok
}

// Schema returns the CREATE TABLE statement SQLite is given for table name.
func (h *Host) Schema(name string) (string, bool) {
	t, ok := h.tables[name]
	if !ok {
		return "", false
	}
	return schema(t.Spec()), true
}

// Rows runs stmt and calls row with each result row's cells as text (NULL
// as nil, an empty text as an empty non-nil slice), the column names first through start. A direct scan answers the
// first statement where Options.DirectScan allows it; SQLite the others. Rows
// reads the driver's rows directly, not through database/sql: that saves a
// mutex and a conversion per cell on every row printed. The cells are
// reused for the next row. A table of ours the session dropped, or lost to
// a ROLLBACK, is declared again and the statement retried (retryMissing).
// Cancelling ctx stops the tables' dumps.
func (h *Host) Rows(ctx context.Context, stmt string, start func(cols []string), row func(cells []sql.RawBytes) error) error {
	// One snapshot scope a statement: its IN lists and joins share reads of
	// the kernel, the next statement reads afresh.
	ctx = tables.WithSnapshots(ctx)
	if h.direct {
		h.direct = false
		if s, ok := h.parseDirectScan(stmt); ok {
			return h.runDirect(ctx, s, start, row)
		}
	}
	if err := h.declare(stmt); err != nil {
		return err
	}
	return h.retryMissing(func() error { return h.rows(ctx, stmt, start, row) })
}

// query runs stmt through the driver on one of the host's connections,
// with ctx as the statement's context for the cursors' tables, and hands
// its rows to read; an error from SQLite is the table's own when there is
// one (withTableErr).
func (h *Host) query(ctx context.Context, stmt string, read func(rows driver.Rows) error) error {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	h.stmtCtx = ctx
	defer func() { h.stmtCtx = nil }()
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
		return read(rows)
	})
}

// rows runs stmt through the driver and hands its rows to row.
func (h *Host) rows(ctx context.Context, stmt string, start func(cols []string), row func(cells []sql.RawBytes) error) error {
	return h.query(ctx, stmt, func(rows driver.Rows) error {
		cols := rows.Columns()
		start(cols)
		dest := make([]driver.Value, len(cols))
		cells := make([]sql.RawBytes, len(cols))
		bufs := make([][]byte, len(cols))
		for {
			if err := rows.Next(dest); err == io.EOF {
				return nil
			} else if err != nil {
				return h.withTableErr(err)
			}
			for i, v := range dest {
				cells[i] = nil // NULL stays nil: the shell prints .nullvalue for it
				if v != nil {
					bufs[i] = appendCell(bufs[i][:0], v)
					cells[i] = bufs[i]
				}
			}
			if err := row(cells); err != nil {
				return err
			}
		}
	})
}

// withTableErr is err from SQLite, or the table's own error behind it.
func (h *Host) withTableErr(err error) error {
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

// declare creates the virtual tables a statement names, the first time it
// names them: start-up then costs one CREATE VIRTUAL TABLE per table used,
// not one per table served. A word that only looks like a table name (in a
// string, a column) declares a table that goes unused, which is harmless.
func (h *Host) declare(stmt string) error {
	for _, w := range words(stmt) {
		if name := strings.ToLower(w); h.modules[name] != "" && !h.created[name] {
			if err := h.ensure(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensure creates table name's virtual table unless main has an object of
// that name: ours, or one the session made.
func (h *Host) ensure(name string) error {
	var n int
	err := h.db.QueryRow(`SELECT count(*) FROM main.sqlite_master WHERE name = ? COLLATE NOCASE`, name).Scan(&n)
	if err == nil && n == 0 {
		_, err = h.db.Exec(fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s", quoteIdent(name), h.modules[name]))
	}
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	h.created[name] = true
	return nil
}

// words are the runs of [A-Za-z_][A-Za-z0-9_]* in s: the words of a
// statement that may name a table.
func words(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && (isWordByte(s[j]) || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// noSuchTable matches SQLite's error for a table that is not there; it is
// compiled on first use, not at every start of the binary.
var noSuchTable = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`no such table: (?:main\.)?([A-Za-z_][A-Za-z0-9_]*)`)
})

// retryMissing runs a statement, and once more after declaring a table of
// ours that SQLite found missing: one the session dropped, or lost to a
// ROLLBACK of the transaction that declared it. SQLite reports a missing
// table when it prepares the statement, before any row, so a rerun repeats
// nothing.
func (h *Host) retryMissing(run func() error) error {
	err := run()
	if err == nil {
		return nil
	}
	if m := noSuchTable().FindStringSubmatch(err.Error()); m != nil {
		if name := strings.ToLower(m[1]); h.modules[name] != "" {
			if err := h.ensure(name); err != nil {
				return err
			}
			err = run()
		}
	}
	return err
}

// Close closes the database.
func (h *Host) Close() error { return h.db.Close() }
