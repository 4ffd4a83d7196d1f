package tables

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// eventSeq numbers every event of the process: each buffer's eids increase
// strictly, and no two buffers share one.
var eventSeq atomic.Uint64

// eventItem is one buffered event: an event value, or (V nil) a record of
// Lost events the kernel dropped.
type eventItem[E any] struct {
	EID  uint64
	Time int64 // unix ns when read; never less than the item before
	Lost uint64
	V    *E
	size int64
}

// eventItemOverhead is the bytes an item costs beside its value's own size.
const eventItemOverhead = int64(48)

// eventRing is a bounded buffer of events for one stream and namespace,
// oldest first. It holds at most maxCount items and maxBytes of them
// (estimated), and none older than maxAge; the oldest go first. Reads copy
// out a range under the lock and never wait on a writer for longer than
// that copy. Followers wait on the stream (eventStream.changed), not here.
type eventRing[E any] struct {
	mu       sync.Mutex
	items    []eventItem[E] // circular; grows by doubling up to maxCount
	head, n  int
	maxCount int
	maxBytes int64
	maxAge   time.Duration

	bytes int64  // the items' estimated size
	seen  uint64 // events pushed
	lost  uint64 // events the kernel dropped
	since time.Time
}

// newEventRing returns an empty ring with the given bounds (each at least 1).
func newEventRing[E any](maxCount int, maxBytes int64, maxAge time.Duration) *eventRing[E] {
	maxCount = max(maxCount, 1)
	return &eventRing[E]{
		items:    make([]eventItem[E], min(maxCount, 64)),
		maxCount: maxCount,
		maxBytes: max(maxBytes, 1),
		maxAge:   max(maxAge, time.Nanosecond),
		since:    time.Now(),
	}
}

// at is the i-th oldest item. r.mu is held.
func (r *eventRing[E]) at(i int) *eventItem[E] { return &r.items[(r.head+i)%len(r.items)] }

// grow doubles the ring's slice, up to maxCount. r.mu is held.
func (r *eventRing[E]) grow() {
	items := make([]eventItem[E], min(2*len(r.items), r.maxCount))
	for i := range r.n {
		items[i] = *r.at(i)
	}
	r.items, r.head = items, 0
}

// push adds an event of the given estimated size, read at t.
func (r *eventRing[E]) push(v *E, size int64, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	r.add(eventItem[E]{V: v, size: size + eventItemOverhead}, t)
}

// pushLost records that the kernel dropped n events, noticed at t.
func (r *eventRing[E]) pushLost(n uint64, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lost += n
	r.add(eventItem[E]{Lost: n, size: eventItemOverhead}, t)
}

// add appends it, numbering it and evicting what the bounds no longer hold. r.mu is held.
func (r *eventRing[E]) add(it eventItem[E], t time.Time) {
	it.EID = eventSeq.Add(1)
	it.Time = t.UnixNano()
	if r.n > 0 {
		it.Time = max(it.Time, r.at(r.n-1).Time)
	}
	if r.n == len(r.items) {
		if len(r.items) < r.maxCount {
			r.grow()
		} else {
			r.dropOldest()
		}
	}
	*r.at(r.n) = it
	r.n++
	r.bytes += it.size
	for r.bytes > r.maxBytes && r.n > 1 {
		r.dropOldest()
	}
	r.expire(t)
}

// dropOldest removes the oldest item. r.mu is held.
func (r *eventRing[E]) dropOldest() {
	it := r.at(0)
	r.bytes -= it.size
	*it = eventItem[E]{}
	r.head = (r.head + 1) % len(r.items)
	r.n--
}

// expire drops the items older than maxAge at now. r.mu is held.
func (r *eventRing[E]) expire(now time.Time) {
	cut := now.Add(-r.maxAge).UnixNano()
	for r.n > 0 && r.at(0).Time < cut {
		r.dropOldest()
	}
}

// eventRange bounds a read: eids in [minEID, maxEID] and times in [minTime, maxTime) (unix ns).
type eventRange struct {
	minEID, maxEID   uint64
	minTime, maxTime int64
}

// allEvents is the range that selects every event.
var allEvents = eventRange{maxEID: ^uint64(0), minTime: -1 << 63, maxTime: 1<<63 - 1}

// read returns a copy of the items in rg, oldest first, found by binary
// search: items before the range cost nothing.
func (r *eventRing[E]) read(rg eventRange) []eventItem[E] {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(time.Now())
	lo := max(
		sort.Search(r.n, func(i int) bool { return r.at(i).EID >= rg.minEID }),
		sort.Search(r.n, func(i int) bool { return r.at(i).Time >= rg.minTime }))
	hi := min(
		sort.Search(r.n, func(i int) bool { return r.at(i).EID > rg.maxEID }),
		sort.Search(r.n, func(i int) bool { return r.at(i).Time >= rg.maxTime }))
	if lo >= hi {
		return nil
	}
	out := make([]eventItem[E], 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, *r.at(i))
	}
	return out
}

// ringStatus is a ring's counters.
type ringStatus struct {
	seen, lost, buffered uint64
	bytes                int64
	since                time.Time
}

// status returns the ring's counters, after expiring old items.
func (r *eventRing[E]) status() ringStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(time.Now())
	return ringStatus{seen: r.seen, lost: r.lost, buffered: uint64(r.n),
		bytes: r.bytes + int64(len(r.items))*int64(unsafe.Sizeof(eventItem[E]{})), since: r.since}
}
