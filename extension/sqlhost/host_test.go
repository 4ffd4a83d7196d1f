package sqlhost

import (
	"context"
	"database/sql"
)

// queryContext declares the tables stmt names and runs it through
// database/sql, for tests that scan typed values.
func (h *Host) queryContext(ctx context.Context, stmt string) (*sql.Rows, error) {
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

// exec declares the tables stmt names and runs it without rows.
func (h *Host) exec(stmt string) (sql.Result, error) {
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
