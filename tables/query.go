package tables

import (
	"math"
	"strconv"
	"strings"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Op is a constraint operator, numbered as osquery's tables.h numbers them so
// that the osquery host passes them through unchanged.
type Op int

// The operators a host passes down. IN reaches a table as several OpEquals
// constraints on one column (osquery sends the list; SQLite calls the embedded
// host once per value).
const (
	OpEquals       Op = 2
	OpGreater      Op = 4
	OpLessEqual    Op = 8
	OpLess         Op = 16
	OpGreaterEqual Op = 32
	OpLike         Op = 65
	OpGlob         Op = 66
	OpRegexp       Op = 67
)

// String is the operator as SQL spells it.
func (o Op) String() string {
	switch o {
	case OpEquals:
		return "="
	case OpGreater:
		return ">"
	case OpLessEqual:
		return "<="
	case OpLess:
		return "<"
	case OpGreaterEqual:
		return ">="
	case OpLike:
		return "LIKE"
	case OpGlob:
		return "GLOB"
	case OpRegexp:
		return "REGEXP"
	}
	return "op" + strconv.Itoa(int(o))
}

// Constraint is one operator and its right-hand side, as text (osquery sends
// every expression as a string; the embedded host formats its values the same way).
type Constraint struct {
	Op   Op
	Expr string
}

// Query is what a table's Generate learns of the query: its constraints, the
// columns it reads, and the namespace to read in. SQLite re-checks every
// constraint on the rows returned, so a table may return more rows than match
// but never fewer.
type Query struct {
	// Constraints are the WHERE terms the host passed down, by column name.
	Constraints map[string][]Constraint
	// NetNS is the network namespace to read. A host sets it to its default
	// (netlinkx.Own, or the embedded shell's --netns); Run replaces it for each
	// namespace the query selects with pid_with_namespace or netns.
	NetNS netlinkx.NetNS
	// Needs is the union of the Need sets of the columns the query uses: the
	// extra kernel work worth doing. Generate reads it with Need.In.
	Needs uint64
	// Logf receives warnings that do not fail the query (a namespace that could
	// not be entered). Nil discards them.
	Logf func(format string, args ...any)

	used []bool // by column index of the table's Spec; nil means every column
	spec *Spec
}

// NewQuery builds the Query a host hands to Generate. used names the columns
// the query reads; nil means all of them (osqueryd older than 4.7 sends no colsUsed).
func NewQuery(spec *Spec, constraints map[string][]Constraint, used []string) *Query {
	q := &Query{Constraints: constraints, spec: spec}
	if used != nil {
		q.used = make([]bool, len(spec.Columns))
		for _, name := range used {
			if i := spec.Index(name); i >= 0 {
				q.used[i] = true
			}
		}
	}
	return q
}

// NewQueryUsedBits is NewQuery with the used columns as a bit set over the
// Spec's column order, as SQLite's colUsed and osquery's colsUsedBitset give
// them: bit i is column i, and bit 63 stands for every column from 63 on.
func NewQueryUsedBits(spec *Spec, constraints map[string][]Constraint, bits uint64) *Query {
	q := &Query{Constraints: constraints, spec: spec, used: make([]bool, len(spec.Columns))}
	for i := range q.used {
		q.used[i] = bits&(1<<min(i, 63)) != 0
	}
	return q
}

// Used reports whether the query reads column name (in its result, or in a
// constraint SQLite checks).
func (q *Query) Used(name string) bool {
	if q.used == nil {
		return true
	}
	i := q.spec.Index(name)
	return i >= 0 && q.used[i]
}

// usedAt reports whether column i of the Spec is used.
func (q *Query) usedAt(i int) bool { return q.used == nil || q.used[i] }

// Constrained reports whether any constraint names column name.
func (q *Query) Constrained(name string) bool { return len(q.Constraints[name]) > 0 }

// Equals returns the values of the column's = constraints (an IN list gives
// several). ok is false when the column has no = constraint: then nothing may
// be narrowed by it. With ok true, every matching row has one of the values.
func (q *Query) Equals(name string) (vals []string, ok bool) {
	for _, c := range q.Constraints[name] {
		if c.Op == OpEquals {
			vals = append(vals, c.Expr)
		}
	}
	return vals, len(vals) > 0
}

// IntEquals is Equals for an integer column (INTEGER, BIGINT or UNSIGNED
// BIGINT: SQLite's INTEGER affinity). A value counts as the integer SQLite's
// affinity makes of it: a decimal integer, or a real with no fraction
// (`local_port = 80.0` reaches osquery's tables as "80.0"; text ' 80 ' and
// '8e1' also equal 80). ok is false when a value is no such number
// (`local_port = 'http'`, 80.5, or a real beyond 2^53 where it is inexact):
// the table then narrows nothing, which is always correct, and SQLite's own
// check decides.
func (q *Query) IntEquals(name string) (vals []int64, ok bool) {
	strs, ok := q.Equals(name)
	if !ok {
		return nil, false
	}
	vals = make([]int64, 0, len(strs))
	for _, s := range strs {
		v, ok := integral(s)
		if !ok {
			return nil, false
		}
		vals = append(vals, v)
	}
	return vals, true
}

// integral reads a constraint value as the integer SQLite's INTEGER affinity
// compares it as. A string SQLite would leave as text (hex, "inf") may still
// parse here; narrowing by it is harmless, as no integer equals such text.
// It is the one parser of integer constraints: IntEquals, pid_with_namespace,
// the event tables' eid and time ranges and the snapshot keys all use it.
func integral(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	s = strings.Trim(s, " \t\n\v\f\r") // sqlite3Isspace
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func (q *Query) logf(format string, args ...any) {
	if q.Logf != nil {
		q.Logf(format, args...)
	}
}
