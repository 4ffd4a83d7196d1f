package tables

import (
	"sync/atomic"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// started is when this process began counting.
var started = time.Now()

// Counters of the shared snapshots (snapshot.go), for netlinkq_status.
var snapshotsTaken, snapshotAnswers atomic.Uint64

// The requests netlinkq has made of the kernel since it started, as rows of
// kind 'requests' in netlinkq_status: what its calls cost, to check that a
// join or an IN list in osqueryd costs a read or two, not one per row.
func init() {
	RegisterStatus("requests", func(emit func(StatusRow) error) error {
		c := netlinkx.ReadCounters()
		for _, r := range []struct {
			name string
			n    uint64
		}{
			{"dumps", c.Dumps},                           // netlink dump requests sent
			{"proc_walks", c.ProcWalks},                  // walks of /proc for socket owners
			{"snapshots_taken", snapshotsTaken.Load()},   // reads kept to answer the calls after them
			{"snapshot_answers", snapshotAnswers.Load()}, // calls answered from a snapshot
		} {
			if err := emit(StatusRow{Name: r.name, Seen: r.n, Since: started, Running: true}); err != nil {
				return err
			}
		}
		return nil
	})
}
