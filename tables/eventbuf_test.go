package tables

import (
	"testing"
	"time"
)

// ringEIDs pushes values 1..n into r at the times given by at(i) and
// returns the eid each got.
func pushN(r *eventRing[int], n int, size int64, at func(i int) time.Time) []uint64 {
	var eids []uint64
	for i := 1; i <= n; i++ {
		v := i
		r.push(&v, size, at(i))
		eids = append(eids, r.at(r.n-1).EID)
	}
	return eids
}

// values are the event values of items, -n for a loss record of n.
func values(items []eventItem[int]) []int {
	var out []int
	for _, it := range items {
		if it.V == nil {
			out = append(out, -int(it.Lost))
			continue
		}
		out = append(out, *it.V)
	}
	return out
}

func TestEventRingBounds(t *testing.T) {
	now := time.Now()
	at := func(int) time.Time { return now }
	tests := []struct {
		name     string
		maxCount int
		maxBytes int64
		push     int
		size     int64
		want     []int
	}{
		{"under the bounds", 10, 1 << 20, 5, 10, []int{1, 2, 3, 4, 5}},
		{"count drops the oldest", 4, 1 << 20, 10, 10, []int{7, 8, 9, 10}},
		{"count across growth", 100, 1 << 20, 130, 10, func() []int {
			var w []int
			for i := 31; i <= 130; i++ {
				w = append(w, i)
			}
			return w
		}()},
		{"bytes drop the oldest", 100, 3 * (100 + eventItemOverhead), 10, 100, []int{8, 9, 10}},
		{"one event over the byte bound stays alone", 100, 10, 3, 100, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newEventRing[int](tt.maxCount, tt.maxBytes, time.Hour)
			pushN(r, tt.push, tt.size, at)
			checkSame(t, tt.want, values(r.read(allEvents)), "buffered (-want +got)")
			st := r.status()
			if st.seen != uint64(tt.push) || st.buffered != uint64(len(tt.want)) {
				t.Errorf("status seen %d buffered %d, want %d and %d", st.seen, st.buffered, tt.push, len(tt.want))
			}
			if want := int64(len(tt.want)) * (tt.size + eventItemOverhead); st.bytes < want {
				t.Errorf("memory %d, want at least %d", st.bytes, want)
			}
		})
	}
}

func TestEventRingAge(t *testing.T) {
	r := newEventRing[int](100, 1<<20, time.Minute)
	now := time.Now()
	// Events 1-3 are two minutes old, 4-5 new: reads and status drop the old ones.
	pushN(r, 5, 1, func(i int) time.Time {
		if i <= 3 {
			return now.Add(-2 * time.Minute)
		}
		return now
	})
	checkSame(t, []int{4, 5}, values(r.read(allEvents)), "after max age (-want +got)")
}

func TestEventRingLoss(t *testing.T) {
	r := newEventRing[int](100, 1<<20, time.Hour)
	now := time.Now()
	v := 1
	r.push(&v, 1, now)
	r.pushLost(42, now)
	v2 := 2
	r.push(&v2, 1, now)
	checkSame(t, []int{1, -42, 2}, values(r.read(allEvents)), "(-want +got)")
	if st := r.status(); st.lost != 42 || st.seen != 2 {
		t.Errorf("status lost %d seen %d, want 42 and 2", st.lost, st.seen)
	}
}

// TestEventRingRange reads eid and time ranges: found by binary search,
// bounds included or not as the operators say.
func TestEventRingRange(t *testing.T) {
	r := newEventRing[int](8, 1<<20, 24*time.Hour)
	base := time.Unix(time.Now().Unix()-1000, 0)
	// Twelve events two to a second; the ring keeps the last eight (5-12),
	// wrapped around its slice.
	eids := pushN(r, 12, 1, func(i int) time.Time { return base.Add(time.Duration(i/2) * time.Second) })
	sec := func(i int) int64 { return base.Unix() + int64(i/2) }
	q := func(col string, op Op, v int64) *Query {
		return &Query{Constraints: map[string][]Constraint{col: {{Op: op, Expr: itoa(v)}}}}
	}
	tests := []struct {
		name string
		q    *Query
		want []int
	}{
		{"all", &Query{}, []int{5, 6, 7, 8, 9, 10, 11, 12}},
		{"eid > eid of 9", q(colEID, OpGreater, int64(eids[8])), []int{10, 11, 12}},
		{"eid >= eid of 9", q(colEID, OpGreaterEqual, int64(eids[8])), []int{9, 10, 11, 12}},
		{"eid = eid of 6", q(colEID, OpEquals, int64(eids[5])), []int{6}},
		{"eid < eid of 7", q(colEID, OpLess, int64(eids[6])), []int{5, 6}},
		{"eid <= eid of 7", q(colEID, OpLessEqual, int64(eids[6])), []int{5, 6, 7}},
		{"eid > last", q(colEID, OpGreater, int64(eids[11])), nil},
		{"eid > evicted", q(colEID, OpGreater, int64(eids[1])), []int{5, 6, 7, 8, 9, 10, 11, 12}},
		{"time > second of 8", q(colTime, OpGreater, sec(8)), []int{10, 11, 12}},
		{"time >= second of 8", q(colTime, OpGreaterEqual, sec(8)), []int{8, 9, 10, 11, 12}},
		{"time = second of 6", q(colTime, OpEquals, sec(6)), []int{6, 7}},
		{"time < second of 8", q(colTime, OpLess, sec(8)), []int{5, 6, 7}},
		{"time <= second of 8", q(colTime, OpLessEqual, sec(8)), []int{5, 6, 7, 8, 9}},
		{"eid not a number narrows nothing", &Query{Constraints: map[string][]Constraint{colEID: {{Op: OpGreater, Expr: "x"}}}}, []int{5, 6, 7, 8, 9, 10, 11, 12}},
		{"eid > -5", q(colEID, OpGreater, -5), []int{5, 6, 7, 8, 9, 10, 11, 12}},
		{"both", &Query{Constraints: map[string][]Constraint{
			colEID:  {{Op: OpGreater, Expr: utoa(eids[5])}},
			colTime: {{Op: OpLess, Expr: itoa(sec(10))}}}}, []int{7, 8, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSame(t, tt.want, values(r.read(eventRangeOf(tt.q))), "(-want +got)")
		})
	}
}
