package tables

import (
	"context"
	"time"
)

// eventTable is an event table: a Table over a stream's buffered events.
type eventTable[E any] struct {
	*lazyTable[eventItem[E]]
	stream *eventStream[E]
}

// newEventTable builds the table of stream: time, eid and dropped, then cols,
// read from the event (NULL on a row recording loss). Every column is a
// Selector, so that calls are never answered from a shared snapshot: the
// buffer is cheaper to read than a snapshot, and fresher.
func newEventTable[E any](stream *eventStream[E], name string, cols func() []Column[E]) *eventTable[E] {
	return &eventTable[E]{stream: stream, lazyTable: lazy(name, func() *Table[eventItem[E]] {
		return eventTableOf(stream, cols())
	})}
}

// eventTableOf is the table newEventTable builds on first use.
func eventTableOf[E any](stream *eventStream[E], cols []Column[E]) *Table[eventItem[E]] {
	all := []Column[eventItem[E]]{
		BigInt(colTime, "when netlinkq read the event from its subscription socket, unix seconds (the kernel does not timestamp these messages); `time > N` skips older rows without reading them",
			func(it *eventItem[E]) int64 { return it.Time / int64(time.Second) }).With(Index),
		BigInt(colEID, "the event's number: increasing in the order events were read, unique across event tables and namespaces for the life of the process; `eid > N` skips older rows without reading them",
			func(it *eventItem[E]) int64 { return int64(it.EID) }).With(Index),
		Col("dropped", TypeBigInt, "on a row recording loss, how many events the kernel dropped there because the subscription socket's receive queue was full (sk_drops, read at ENOBUFS), every other column but time and eid NULL; NULL on an event row",
			func(it *eventItem[E]) Value {
				if it.V != nil {
					return Null
				}
				return IntValue(int64(it.Lost))
			}),
	}
	for _, c := range cols {
		get := c.Get
		all = append(all, Column[eventItem[E]]{ColumnDef: c.ColumnDef, Need: Need[eventItem[E]](c.Need), Get: func(it *eventItem[E]) Value {
			if it.V == nil {
				return Null
			}
			return get(it.V)
		}})
	}
	for i := range all {
		all[i] = all[i].Selects()
	}
	return &Table[eventItem[E]]{
		Columns: all,
		Generate: func(ctx context.Context, q *Query, emit func(*eventItem[E]) error) error {
			return stream.generate(ctx, q, emit)
		},
	}
}

// highWaterKey is the context key of a run's high-water mark: eventSeq
// when the run began.
type highWaterKey struct{}

// Run runs the table with every namespace's rows capped at the eid the
// process had reached when the run began. Each eid up to it is then in its
// buffer (a buffer assigns an eid and stores the event under one lock,
// which a read takes), so a query over several namespaces that returns
// eid E has returned every buffered event below E: `eid > <last eid seen>`
// misses none, whichever namespace is read first.
func (t *eventTable[E]) Run(ctx context.Context, q *Query, emit func(cells []Value) error) error {
	return t.lazyTable.Run(context.WithValue(ctx, highWaterKey{}, eventSeq.Load()), q, emit)
}
