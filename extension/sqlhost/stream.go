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

// chunkSize bounds a chunk by its contents too (cells, plus bytes of text):
// a wide table's rows (tcp_info's eighty columns) then come in smaller
// chunks whose buffers the free list recycles, where 2,048 of them would
// fault in megabytes of fresh memory that a run of a thousand rows never
// reuses (1,150 more page faults for SELECT * FROM tcp_info at 1,000
// sockets).
const chunkSize = 64 << 10

// rowChunk is a batch of rows from a generating goroutine as its encoder
// wrote them, and the table's error in the last chunk.
type rowChunk[C any] struct {
	// vals are the used cells of n rows, one after the other.
	vals []C
	// ends are where each cell ends in vals, for an encoder whose cells
	// vary in length (text); empty for one that writes a C a cell.
	ends []int32
	n    int
	err  error
}

// rowStream is a table running on its own goroutine, its rows arriving in
// chunks of chunkRows rows, so that the table's dump and the reader overlap.
// It is the one pipeline of the package: SQLite's cursor reads cells boxed
// for SQLite (C = any, a cell each), a wide direct scan reads them as the
// text it prints (C = byte, with ends), formatted on the table's goroutine.
type rowStream[C any] struct {
	// C delivers the chunks and closes when the table is done.
	C <-chan rowChunk[C]
	// free takes back read chunks' buffers for the next chunks: at 100,000
	// rows, fresh buffers would be tens of megabytes to clear and collect.
	free   chan rowChunk[C]
	cancel context.CancelFunc
}

// streamRows starts t for q and encodes each row that keep accepts (every
// row when keep is nil) into the current chunk with encode. Stop ends it
// early, which is not an error.
func streamRows[C any](ctx context.Context, t tables.Interface, q *tables.Query, keep func(cells []tables.Value) bool, encode func(c *rowChunk[C], cells []tables.Value)) *rowStream[C] {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan rowChunk[C], 2)
	s := &rowStream[C]{C: ch, free: make(chan rowChunk[C], 4), cancel: cancel}
	buffer := func() rowChunk[C] {
		select {
		case b := <-s.free:
			return rowChunk[C]{vals: b.vals[:0], ends: b.ends[:0]}
		default:
			// Fresh chunks start small and grow: a table of a few hundred
			// rows never faults in the pages of a full chunk.
			return rowChunk[C]{}
		}
	}
	go func() {
		defer close(ch)
		cur := buffer()
		err := t.Run(ctx, q, func(cells []tables.Value) error {
			if keep != nil && !keep(cells) {
				return nil
			}
			encode(&cur, cells)
			cur.n++
			if cur.n == chunkRows || len(cur.vals)+len(cur.ends) >= chunkSize {
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
				cur = buffer()
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

// Done hands a read chunk's buffers back for reuse; the reader keeps
// nothing that points into them.
func (s *rowStream[C]) Done(c rowChunk[C]) {
	if c.vals == nil {
		return
	}
	clear(c.vals) // no strings kept alive by a buffer waiting for reuse
	select {
	case s.free <- c:
	default:
	}
}

// Stop ends the table early and waits for its goroutine to finish.
func (s *rowStream[C]) Stop() {
	s.cancel()
	for range s.C {
	}
}
