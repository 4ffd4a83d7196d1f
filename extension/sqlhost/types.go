package sqlhost

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// ResultColumn is one column of a statement's result: its name and the
// type SQLite declares for it (sqlite3_column_decltype, upper case), which
// is a table column's declared type and "" for an expression.
type ResultColumn struct {
	Name string
	Type string
}

// Types returns the result columns of stmt without running its tables: it
// prepares `SELECT * FROM (stmt) LIMIT 0`, which SQLite ends before the
// first xFilter, and reads the declared types through the subquery. A
// statement that cannot be a subquery (PRAGMA, EXPLAIN, a write) is only
// prepared, never run: its own error if it has one, else an error saying
// that .types takes a query. This is the shell's .types.
func (h *Host) Types(ctx context.Context, stmt string) ([]ResultColumn, error) {
	if err := h.declare(stmt); err != nil {
		return nil, err
	}
	var cols []ResultColumn
	err := h.retryMissing(func() error {
		var err error
		cols, err = h.types(ctx, "SELECT * FROM ("+stmt+"\n) LIMIT 0")
		if err != nil {
			if perr := h.prepare(ctx, stmt); perr != nil {
				return perr
			}
			return fmt.Errorf("not a query that returns rows: %s", stmt)
		}
		return nil
	})
	return cols, err
}

// types prepares and steps stmt on the host's connection and reads its
// columns' names and declared types.
func (h *Host) types(ctx context.Context, stmt string) ([]ResultColumn, error) {
	var cols []ResultColumn
	err := h.query(ctx, stmt, func(rows driver.Rows) error {
		typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
		for i, name := range rows.Columns() {
			c := ResultColumn{Name: name}
			if typed != nil {
				c.Type = typed.ColumnTypeDatabaseTypeName(i)
			}
			cols = append(cols, c)
		}
		return nil
	})
	return cols, err
}

// prepare compiles stmt and drops it, for its error only.
func (h *Host) prepare(ctx context.Context, stmt string) error {
	conn, err := h.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		p, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("sqlite driver: no ConnPrepareContext")
		}
		s, err := p.PrepareContext(ctx, stmt)
		if err != nil {
			return err
		}
		return s.Close()
	})
}
