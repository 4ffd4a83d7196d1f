package tables

import (
	"context"
	"sync"
	"time"
)

// StatusRow is one row of netlinkq_status: one counter set of netlinkq
// itself. Kind is set by RegisterStatus; a source fills what applies to it
// and leaves the rest zero.
type StatusRow struct {
	Kind        string
	Name        string    // the stream or counter set: an event table's name for kind "events"
	NetNSInode  uint64    // the namespace it concerns, 0 for none
	NetNSName   string    // the configured name of that namespace, if any
	Seen        uint64    // events (or items) seen
	Lost        uint64    // events the kernel dropped
	Buffered    uint64    // events held now
	MemoryBytes int64     // memory held now, estimated
	Since       time.Time // when counting began
	Undecoded   uint64    // messages that could not be decoded
	Running     bool      // whether the source is live
	Error       string    // the last error, "" for none
}

// statusSources are the registered row sources, in registration order.
var statusSources struct {
	mu   sync.Mutex
	list []statusSource
}

type statusSource struct {
	kind string
	rows func(emit func(StatusRow) error) error
}

// RegisterStatus adds a source of netlinkq_status rows of kind (for
// instance "events", or "dump" for dump counters). rows is called at each
// query and emits the source's current rows; it must not block.
func RegisterStatus(kind string, rows func(emit func(StatusRow) error) error) {
	statusSources.mu.Lock()
	defer statusSources.mu.Unlock()
	statusSources.list = append(statusSources.list, statusSource{kind, rows})
}

// netlinkqStatus is netlinkq_status: netlinkq's own counters.
var netlinkqStatus = lazy("netlinkq_status", func() *Table[StatusRow] {
	return &Table[StatusRow]{
		Columns: []Column[StatusRow]{
			Text("kind", "what the row counts: 'events' for an event subscription, 'requests' for the kernel requests this process made (name: dumps, proc_walks, snapshots_taken, snapshot_answers; the count in seen)", func(r *StatusRow) string { return r.Kind }),
			Text("name", "the counter set: for kind 'events' the event table the subscription fills", func(r *StatusRow) string { return r.Name }),
			Col("ns_inode", TypeBigInt, "the inode of the network namespace the row concerns (join with netlink_namespaces.inode); NULL for none", func(r *StatusRow) Value {
				if r.NetNSInode == 0 {
					return Null
				}
				return UintValue(r.NetNSInode)
			}),
			Text("ns_name", "the namespace as the configuration names it; empty for the host's and for one a query subscribed", func(r *StatusRow) string { return r.NetNSName }),
			Uint("seen", "events buffered since `since`", func(r *StatusRow) uint64 { return r.Seen }),
			Uint("lost", "events the kernel dropped since `since` (the subscription socket's sk_drops at each ENOBUFS)", func(r *StatusRow) uint64 { return r.Lost }),
			Uint("buffered", "events held now (bounded by max_events, max_bytes and max_age)", func(r *StatusRow) uint64 { return r.Buffered }),
			BigInt("memory_bytes", "the buffer's memory now, estimated: the events' sizes plus its slots, bytes", func(r *StatusRow) int64 { return r.MemoryBytes }),
			BigInt("since", "when counting began, unix seconds", func(r *StatusRow) int64 { return r.Since.Unix() }),
			Uint("undecoded", "messages received that could not be decoded (skipped)", func(r *StatusRow) uint64 { return r.Undecoded }),
			Col("running", TypeInteger, "1 while the subscription socket is being read, 0 after it ended (see error)", func(r *StatusRow) Value { return BoolValue(r.Running) }),
			Text("error", "the error that ended or prevented the subscription, empty for none", func(r *StatusRow) string { return r.Error }),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*StatusRow) error) error {
			statusSources.mu.Lock()
			list := append([]statusSource(nil), statusSources.list...)
			statusSources.mu.Unlock()
			for _, src := range list {
				err := src.rows(func(r StatusRow) error {
					r.Kind = src.kind
					return emit(&r)
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
})
