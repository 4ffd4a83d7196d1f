package sqlhost

import (
	"context"
	"errors"

	"github.com/netlinkq/netlinkq/tables"
)

// chunkRows is how many rows the generating goroutine hands the reader at a
// time: large enough to amortise the channel, small enough that the dump and
// the reader overlap (streaming beats dump-then-scan: BenchmarkShellInProcess).
const chunkRows = 2048

// rowChunk is a batch of rows from a generating goroutine: the used
// columns' cells of n rows, one after the other, and the table's error in
// the last chunk.
type rowChunk[C any] struct {
	vals []C
	n    int
	err  error
}

// rowStream is a table running on its own goroutine, its rows arriving in
// chunks of chunkRows rows, so that the table's dump and the reader overlap.
// It is the one pipeline of the package: SQLite's cursor reads cells boxed
// for SQLite (C = any), a wide direct scan reads the table's values (C =
// tables.Value) and prints them on its own goroutine.
type rowStream[C any] struct {
	// C delivers the chunks and closes when the table is done.
	C <-chan rowChunk[C]
	// free takes back read chunks' buffers for the next chunks: at 100,000
	// rows, fresh buffers would be tens of megabytes to clear and collect.
	free   chan []C
	cancel context.CancelFunc
}

// streamRows starts t for q and sends the cells of the columns in used,
// converted by conv (j is the position within used), of each row that keep
// accepts (every row when keep is nil). Stop ends it early, which is not an
// error.
func streamRows[C any](ctx context.Context, t tables.Interface, q *tables.Query, used []int, keep func(cells []tables.Value) bool, conv func(j int, v tables.Value) C) *rowStream[C] {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan rowChunk[C], 2)
	s := &rowStream[C]{C: ch, free: make(chan []C, 4), cancel: cancel}
	size := chunkRows * max(len(used), 1)
	buffer := func() []C {
		select {
		case b := <-s.free:
			return b[:0]
		default:
			return make([]C, 0, size)
		}
	}
	go func() {
		defer close(ch)
		cur := rowChunk[C]{vals: buffer()}
		err := t.Run(ctx, q, func(cells []tables.Value) error {
			if keep != nil && !keep(cells) {
				return nil
			}
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
				cur = rowChunk[C]{vals: buffer()}
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
func (s *rowStream[C]) Done(c rowChunk[C]) {
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
func (s *rowStream[C]) Stop() {
	s.cancel()
	for range s.C {
	}
}
