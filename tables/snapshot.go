package tables

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Snapshots make repeated calls cheap. A planner that runs a table as the
// inner loop of a join calls it once per outer row with `col = value`
// (osqueryd does so for any INDEX column: `processes p JOIN netlink_sockets s
// USING (pid)` is one call per process), and SQLite calls a virtual table
// once per value of an IN list on a column osquery does not mark OPTIMIZED.
// Each call narrowed by its own value would still cost a full dump, or a
// /proc walk, every time. So when a call arrives that differs from a call of
// the last snapshotAge only in the values of its = constraints (or not at
// all: the inner loop of a join whose constraints do not depend on the
// outer row, `WHERE s.netns = '*'` for each namespace), the table is
// read once without those constraints, the rows (the used columns only) are
// kept, and this call and the next ones of that shape are answered from
// them, filtered by their values through an index built on first use: a
// join costs at most two reads of the kernel per table and namespace, the
// narrowed first call and the snapshot.
//
// Bounds: a snapshot answers while calls of its shape keep coming less than
// snapshotAge apart (the calls of one query's loop or IN list), and never
// more than snapshotMaxAge after it was taken; it holds at most
// maxSnapshotCells cells (beyond that it is dropped and the calls of that
// shape are narrowed one by one again, for snapshotAge); at most
// maxSnapshots are kept. Rows answered from a snapshot are as old as the
// snapshot: the kernel's state of at most snapshotMaxAge before the call,
// and a query that comes a second after the last one of its shape reads
// the kernel afresh.
const (
	snapshotAge      = time.Second
	snapshotMaxAge   = 10 * time.Second
	maxSnapshotCells = 1 << 20 // about 40 MB of cells at 40 bytes each, plus text
	maxSnapshots     = 16
)

// snapshotKey is a call's shape: what two calls must share to be answered
// from one snapshot.
type snapshotKey struct {
	table string
	// ns is the inode of the namespace read.
	ns uint64
	// used are the used columns, a byte per column.
	used string
	// fixed are the constraints kept in the snapshot's request: every one
	// but the = constraints on the per-call columns and the namespace
	// columns (the namespace is ns).
	fixed string
}

// snapshot is a table's rows for one shape, the used columns only.
type snapshot struct {
	taken time.Time
	// lastUse is when the snapshot last answered a call (c.mu guards it).
	lastUse time.Time
	// ns holds the namespace read open while the snapshot lives: a
	// namespace destroyed meanwhile could free its inode number for a new
	// one, which would then be answered with the old one's rows.
	ns    netlinkx.NetNS
	used  []int   // the spec's column indexes kept, in order
	cells []Value // len(used) cells a row, row after row
	rows  int

	mu sync.Mutex
	// index maps, per spec column, a cell's canonical text to the rows
	// holding it; loose are the rows whose cell has none (a DOUBLE), which
	// every value may match.
	index map[int]*columnIndex
}

// columnIndex is one column's index within a snapshot.
type columnIndex struct {
	rows  map[string][]int32
	loose []int32
}

// snapshotCache holds the snapshots of one scope (WithSnapshots).
type snapshotCache struct {
	mu       sync.Mutex
	timer    *time.Timer // the next expiry, while snapshots are kept
	snaps    map[snapshotKey]*snapshot
	lastCall map[snapshotKey]time.Time
	tooBig   map[snapshotKey]time.Time
}

type snapshotsKey struct{}

// Snapshots is a scope of shared snapshots (below): the tables' runs under
// one scope share with each other and with no run under another. The
// osquery host keeps one scope for its life: osqueryd's calls carry nothing
// that tells one query's from another's. The embedded host makes one per
// statement: a statement's IN list and joins share, the next statement
// reads the kernel afresh. Without a scope every run reads the kernel.
type Snapshots struct{ c *snapshotCache }

// NewSnapshots returns a new, empty scope.
func NewSnapshots() *Snapshots {
	return &Snapshots{&snapshotCache{
		snaps:    map[snapshotKey]*snapshot{},
		lastCall: map[snapshotKey]time.Time{},
		tooBig:   map[snapshotKey]time.Time{},
	}}
}

// Context returns ctx with s as the scope of the runs under it.
func (s *Snapshots) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, snapshotsKey{}, s.c)
}

// WithSnapshots returns ctx with a new scope of its own.
func WithSnapshots(ctx context.Context) context.Context { return NewSnapshots().Context(ctx) }

// snapshotsOf is ctx's snapshot scope, or nil.
func snapshotsOf(ctx context.Context) *snapshotCache {
	c, _ := ctx.Value(snapshotsKey{}).(*snapshotCache)
	return c
}

// run answers one call (c may be nil: no scope, no sharing): read is the table's run for a query (it fills the
// used cells and calls emit), used the table's used columns. cells is the
// row handed to emit, its namespace cells already set.
func (c *snapshotCache) run(spec *Spec, q *Query, used []int, cells []Value, read func(*Query, func([]Value) error) error, emit func([]Value) error) error {
	if c == nil {
		return read(q, emit)
	}
	vary := perCallColumns(spec, q)
	key, ok := shapeOf(spec, q, vary)
	if !ok {
		return read(q, emit)
	}
	now := time.Now()
	c.mu.Lock()
	c.evict(now)
	if s := c.snaps[key]; s != nil {
		s.lastUse = now
		c.mu.Unlock()
		snapshotAnswers.Add(1)
		return s.answer(spec, q, vary, cells, emit)
	}
	_, big := c.tooBig[key]
	last, seen := c.lastCall[key]
	c.lastCall[key] = now
	c.mu.Unlock()
	if big || !seen || now.Sub(last) >= snapshotAge {
		return read(q, emit)
	}

	// A second call of this shape: read the table once for all of them.
	s := &snapshot{taken: now, lastUse: now, used: used}
	match := matcher(spec, q, vary)
	err := read(q.without(vary), func(cells []Value) error {
		if s != nil {
			if len(s.cells)+len(used) > maxSnapshotCells {
				s = nil
			} else {
				for _, i := range used {
					s.cells = append(s.cells, cells[i])
				}
				s.rows++
			}
		}
		if match(cells) {
			return emit(cells)
		}
		return nil
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
	case s == nil:
		c.tooBig[key] = now
	default:
		if s.ns, err = q.NetNS.Dup(); err != nil {
			return nil // the call is answered; the snapshot is not kept
		}
		if c.snaps[key] != nil {
			c.drop(key) // a concurrent call of the same shape took one too
		}
		if len(c.snaps) >= maxSnapshots {
			c.evictOldest()
		}
		c.snaps[key] = s
		snapshotsTaken.Add(1)
		// Drop it when its time is up, not at the next call: its namespace
		// stays open until then.
		c.expireLater()
	}
	return err
}

// expireLater evicts what has expired a second from now, and again after
// that while snapshots are left. c.mu is held.
func (c *snapshotCache) expireLater() {
	if c.timer != nil {
		return
	}
	c.timer = time.AfterFunc(snapshotAge, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.timer = nil
		c.evict(time.Now())
		if len(c.snaps) > 0 {
			c.expireLater()
		}
	})
}

// evict drops the snapshots unused for snapshotAge or taken snapshotMaxAge
// ago, and the call records older than snapshotAge. c.mu is held.
func (c *snapshotCache) evict(now time.Time) {
	for k, s := range c.snaps {
		if now.Sub(s.lastUse) >= snapshotAge || now.Sub(s.taken) >= snapshotMaxAge {
			c.drop(k)
		}
	}
	for _, m := range []map[snapshotKey]time.Time{c.lastCall, c.tooBig} {
		for k, t := range m {
			if now.Sub(t) >= snapshotAge {
				delete(m, k)
			}
		}
	}
}

// evictOldest drops the oldest snapshot. c.mu is held.
func (c *snapshotCache) evictOldest() {
	var oldest snapshotKey
	var at time.Time
	for k, s := range c.snaps {
		if at.IsZero() || s.taken.Before(at) {
			oldest, at = k, s.taken
		}
	}
	c.drop(oldest)
}

// drop forgets a snapshot and closes its namespace. c.mu is held.
func (c *snapshotCache) drop(k snapshotKey) {
	c.snaps[k].ns.Close()
	delete(c.snaps, k)
}

// perCallColumns are the columns whose = constraints a snapshot leaves out
// of its request: every constrained column of the table's own but those
// marked Selector. Nil when q has no such constraint.
func perCallColumns(spec *Spec, q *Query) []int {
	var vary []int
	for name, cons := range q.Constraints {
		i := spec.Index(name)
		if i < 0 || i >= len(spec.Columns)-len(namespaceColumns) || spec.Columns[i].Selector {
			continue
		}
		if slices.ContainsFunc(cons, func(c Constraint) bool { return c.Op == OpEquals }) {
			vary = append(vary, i)
		}
	}
	slices.Sort(vary)
	return vary
}

// ownInode is the inode of this process's network namespace, read once.
var ownInode = sync.OnceValues(func() (uint64, error) { return netlinkx.Own.Inode() })

// shapeOf is the key of q's shape; false when the namespace's inode cannot
// be read (the call is then not shared).
func shapeOf(spec *Spec, q *Query, vary []int) (snapshotKey, bool) {
	ns, err := ownInode()
	if q.NetNS != netlinkx.Own {
		ns, err = q.NetNS.Inode()
	}
	if err != nil {
		return snapshotKey{}, false
	}
	used := make([]byte, len(spec.Columns))
	for i := range used {
		if q.usedAt(i) {
			used[i] = 1
		}
	}
	var fixed strings.Builder
	for i, col := range spec.Columns[:len(spec.Columns)-len(namespaceColumns)] {
		for _, c := range q.Constraints[col.Name] {
			if c.Op == OpEquals && slices.Contains(vary, i) {
				continue
			}
			fixed.WriteString(strconv.Itoa(i) + " " + strconv.Itoa(int(c.Op)) + " " + strconv.Quote(c.Expr) + "\n")
		}
	}
	return snapshotKey{table: spec.Name, ns: ns, used: string(used), fixed: fixed.String()}, true
}

// without returns q without the = constraints on the columns in cols.
func (q *Query) without(cols []int) *Query {
	q2 := *q
	q2.Constraints = make(map[string][]Constraint, len(q.Constraints))
	for name, cons := range q.Constraints {
		if i := q.spec.Index(name); slices.Contains(cols, i) {
			cons = slices.DeleteFunc(slices.Clone(cons), func(c Constraint) bool { return c.Op == OpEquals })
		}
		if len(cons) > 0 {
			q2.Constraints[name] = cons
		}
	}
	return &q2
}

// wanted is, for one per-call column, the canonical texts of its = values;
// nil when some value has none (then every row may match).
func wanted(spec *Spec, q *Query, col int) map[string]bool {
	def := spec.Columns[col]
	vals, _ := q.Equals(def.Name)
	out := make(map[string]bool, len(vals))
	for _, v := range vals {
		switch def.Type {
		case TypeText:
			out[v] = true
		case TypeInteger, TypeBigInt, TypeUnsignedBigInt:
			n, ok := integral(v)
			if !ok {
				return nil
			}
			out[strconv.FormatInt(n, 10)] = true
		default:
			return nil
		}
	}
	return out
}

// canonical is a cell's text as wanted spells values; false for a cell no
// such text stands for (a DOUBLE), which may match any value, and for NULL,
// which matches none (told apart by null).
func canonical(v Value) (text string, ok, null bool) {
	switch v.Kind {
	case KindText:
		return v.Text, true, false
	case KindInt:
		return strconv.FormatInt(v.Int, 10), true, false
	case KindUint:
		if uint64(v.Int) > math.MaxInt64 {
			return "", true, false // above every integral() value: matches none
		}
		return strconv.FormatInt(v.Int, 10), true, false
	case KindNull:
		return "", false, true
	}
	return "", false, false
}

// matcher returns whether a row may meet q's = constraints on the per-call
// columns: false only when it certainly does not.
func matcher(spec *Spec, q *Query, vary []int) func(cells []Value) bool {
	type want struct {
		col  int
		vals map[string]bool
	}
	var ws []want
	for _, col := range vary {
		if !q.usedAt(col) {
			continue // the row does not hold it: keep every row
		}
		if vals := wanted(spec, q, col); vals != nil {
			ws = append(ws, want{col, vals})
		}
	}
	return func(cells []Value) bool {
		for _, w := range ws {
			text, ok, null := canonical(cells[w.col])
			if null || ok && !w.vals[text] {
				return false
			}
		}
		return true
	}
}

// answer emits the snapshot's rows that may meet q's = constraints.
func (s *snapshot) answer(spec *Spec, q *Query, vary []int, cells []Value, emit func([]Value) error) error {
	match := matcher(spec, q, vary)
	rows := s.candidates(spec, q, vary)
	width := len(s.used)
	for _, r := range rows {
		row := s.cells[int(r)*width : int(r+1)*width]
		for j, i := range s.used {
			cells[i] = row[j]
		}
		if !match(cells) {
			continue
		}
		if err := emit(cells); err != nil {
			return err
		}
	}
	return nil
}

// candidates are the rows that may match, by the index of the first
// per-call column that has one; all rows when none can be used.
func (s *snapshot) candidates(spec *Spec, q *Query, vary []int) []int32 {
	for _, col := range vary {
		j := slices.Index(s.used, col)
		if j < 0 {
			continue
		}
		vals := wanted(spec, q, col)
		if vals == nil {
			continue
		}
		idx := s.columnIndex(col, j)
		var rows []int32
		for v := range vals {
			rows = append(rows, idx.rows[v]...)
		}
		rows = append(rows, idx.loose...)
		slices.Sort(rows)
		return slices.Compact(rows)
	}
	rows := make([]int32, s.rows)
	for i := range rows {
		rows[i] = int32(i)
	}
	return rows
}

// columnIndex returns the index of spec column col, kept at position j of
// a row, building it on first use.
func (s *snapshot) columnIndex(col, j int) *columnIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idx := s.index[col]; idx != nil {
		return idx
	}
	idx := &columnIndex{rows: map[string][]int32{}}
	width := len(s.used)
	for r := range s.rows {
		text, ok, null := canonical(s.cells[r*width+j])
		switch {
		case null:
		case ok:
			idx.rows[text] = append(idx.rows[text], int32(r))
		default:
			idx.loose = append(idx.loose, int32(r))
		}
	}
	if s.index == nil {
		s.index = map[int]*columnIndex{}
	}
	s.index[col] = idx
	return idx
}
