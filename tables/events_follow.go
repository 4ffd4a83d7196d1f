package tables

import (
	"context"
	"fmt"
	"sync"
)

// Follower makes repeated runs of a statement return each event once, as
// `netlinkq --follow` needs: under its Context, an event table returns only
// the events after the last one it returned to this Follower (per table and
// namespace), and Wait blocks until an event table has buffered more.
//
//	f := tables.NewFollower()
//	for {
//		ctx := f.Context(parent)   // before the run, so no event is missed
//		run the statement with ctx
//		if err := f.Wait(ctx); err != nil { break } // parent done
//	}
//
// The first run returns what is buffered. Each run is a separate query: an
// aggregate sees only that run's new rows.
type Follower struct {
	mu     sync.Mutex
	last   map[followCursor]uint64
	chans  []<-chan struct{}
	tables map[string]bool
}

// followCursor names one stream's buffer in one namespace.
type followCursor struct {
	stream string
	inode  uint64
}

// followerKey is the context key of the Follower.
type followerKey struct{}

// NewFollower returns a Follower that has returned nothing yet. tables, if
// given, are the event tables Wait watches; none means all of them.
func NewFollower(tables ...string) *Follower {
	f := &Follower{last: map[followCursor]uint64{}}
	if len(tables) > 0 {
		f.tables = map[string]bool{}
		for _, t := range tables {
			f.tables[t] = true
		}
	}
	return f
}

// Context returns ctx carrying f, for one run of the statement; it also
// marks the moment after which Wait counts events as new.
func (f *Follower) Context(ctx context.Context) context.Context {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chans = f.chans[:0]
	for _, s := range eventStreams {
		if f.tables == nil || f.tables[s.streamName()] {
			f.chans = append(f.chans, s.changed())
		}
	}
	return context.WithValue(ctx, followerKey{}, f)
}

// Wait blocks until a watched event table has buffered an event (or a loss
// record) since the last Context, and returns ctx.Err() when ctx ends first.
func (f *Follower) Wait(ctx context.Context) error {
	f.mu.Lock()
	chans := append([]<-chan struct{}(nil), f.chans...)
	f.mu.Unlock()
	agg := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	for _, ch := range chans {
		go func() {
			select {
			case <-ch:
				select {
				case agg <- struct{}{}:
				default:
				}
			case <-done:
			}
		}()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-agg:
		return nil
	}
}

func (f *Follower) after(c followCursor) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[c]
}

func (f *Follower) advance(c followCursor, eid uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last[c] = max(f.last[c], eid)
}

// Follow runs q on the event table called table, hands emit the buffered
// rows, then blocks handing it each new row as it is buffered, until ctx
// ends (it then returns nil) or emit or the table fails. Rows reach emit as
// Run gives them: a host that does not filter by q's constraints itself
// (SQLite does) must do so.
func Follow(ctx context.Context, table string, q *Query, emit func(cells []Value) error) error {
	t := Lookup(table)
	if t == nil {
		return fmt.Errorf("follow %s: no such table", table)
	}
	if _, ok := t.(interface{ isEventTable() }); !ok {
		return fmt.Errorf("follow %s: not an event table", table)
	}
	f := NewFollower(table)
	for {
		if err := t.Run(f.Context(ctx), q, emit); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if f.Wait(ctx) != nil {
			return nil
		}
	}
}

// isEventTable marks event tables for Follow.
func (t *eventTable[E]) isEventTable() {}
