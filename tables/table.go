package tables

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Options are osquery column options, with the bits of osquery's column.h.
type Options uint8

// The column options. osqueryd passes constraints to an extension only for
// columns marked Index, Required or Additional (or with no options at all,
// under its default --extensions_default_index); a column that is only Hidden
// gets none. Optimized (with Index) asks osqueryd to pass an IN list in one
// call, as several = constraints: mark it where the table serves a list
// with one kernel request (a state mask, one /proc walk for several pids).
const (
	Index      Options = 1
	Required   Options = 2
	Additional Options = 4
	Optimized  Options = 8
	Hidden     Options = 16
)

// ColumnDef is what both hosts need to declare a column.
type ColumnDef struct {
	// Name is the kernel field's name in snake case, without the struct prefix.
	Name string
	// Type is the osquery type.
	Type Type
	// Doc names the kernel source and the unit ("tcp_info.tcpi_rtt, µs").
	Doc string
	// Options are osquery's column options.
	Options Options
	// Costly marks a column that costs an extra kernel request or a /proc
	// walk (one declared with Column.Needs): reading it is slower than the others.
	Costly bool
	// Selector marks a column whose = constraint may select rows that a
	// run without it does not return (netlink_sockets.state = 'BOUND'): a
	// snapshot shared by calls keeps its values in the request (snapshot.go).
	Selector bool
}

// Column is one column of a Table[T]: its definition, how to read it from a
// T, and which extra kernel requests it needs.
type Column[T any] struct {
	ColumnDef
	// Get reads the cell from the kernel value. It runs only when the query
	// uses the column, inside the emit callback (T may point into a reused buffer).
	Get func(*T) Value
	// Need is the set of extra kernel work this column calls for
	// (INET_DIAG_INFO, an ethtool call); Generate sees the union in Query.Needs.
	Need Need[T]
}

// Need is a set of extra kernel work that the columns of a Table[T] may call
// for: an attribute or *_SHOW_* flag to ask for, a second request, a walk of
// /proc. A table declares each as a constant of Need[its row type], one bit
// each; a column declares what it reads with Needs or Asks; Run gathers the
// needs of the columns a query uses into Query.Needs, and Generate asks the
// kernel for a need only when In says so. Typed by the row, a need cannot be
// declared on another table's column, and, declared on the column rather
// than looked up by the column's name, it follows the column when it is renamed.
type Need[T any] uint64

// In reports whether some column q uses declared a need of n.
func (n Need[T]) In(q *Query) bool { return q.Needs&uint64(n) != 0 }

// Col is a column of any type with a getter that may return Null.
func Col[T any](name string, typ Type, doc string, get func(*T) Value) Column[T] {
	return Column[T]{ColumnDef: ColumnDef{Name: name, Type: typ, Doc: doc}, Get: get}
}

// Text is a TEXT column that is never NULL.
func Text[T any](name, doc string, get func(*T) string) Column[T] {
	return Col(name, TypeText, doc, func(t *T) Value { return TextValue(get(t)) })
}

// Int is an INTEGER column (32 bits in osqueryd) that is never NULL.
func Int[T any](name, doc string, get func(*T) int64) Column[T] {
	return Col(name, TypeInteger, doc, func(t *T) Value { return IntValue(get(t)) })
}

// BigInt is a BIGINT column that is never NULL.
func BigInt[T any](name, doc string, get func(*T) int64) Column[T] {
	return Col(name, TypeBigInt, doc, func(t *T) Value { return IntValue(get(t)) })
}

// Uint is an UNSIGNED BIGINT column that is never NULL.
func Uint[T any](name, doc string, get func(*T) uint64) Column[T] {
	return Col(name, TypeUnsignedBigInt, doc, func(t *T) Value { return UintValue(get(t)) })
}

// With returns the column with options added.
func (c Column[T]) With(o Options) Column[T] {
	c.Options |= o
	return c
}

// Selects returns the column marked as a Selector.
func (c Column[T]) Selects() Column[T] {
	c.Selector = true
	return c
}

// Needs returns the column marked as needing n, an extra request or walk:
// the column is Costly (unless n is empty).
func (c Column[T]) Needs(n Need[T]) Column[T] {
	c.Need |= n
	c.Costly = c.Costly || n != 0
	return c
}

// Asks returns the column marked as needing n where n costs little beside
// the rows themselves (a *_SHOW_* flag on a request made anyway, names from
// a dump already read): Generate still asks for it only when the column is
// used, but the column is not marked Costly.
func (c Column[T]) Asks(n Need[T]) Column[T] {
	c.Need |= n
	return c
}

// Concat joins column lists, for tables built from several generated parts.
func Concat[T any](lists ...[]Column[T]) []Column[T] {
	var out []Column[T]
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Spec is a table as the hosts see it: name, description, examples and
// columns, the namespace columns included.
type Spec struct {
	Name     string
	Doc      string
	Examples []string
	Columns  []ColumnDef

	index map[string]int
}

// Index returns the position of column name, or -1.
func (s *Spec) Index(name string) int {
	if i, ok := s.index[name]; ok {
		return i
	}
	return -1
}

// Interface is a table without its row type: what the hosts and the registry hold.
type Interface interface {
	// TableName is the table's SQL name; unlike Spec it costs nothing.
	TableName() string
	// Spec describes the table.
	Spec() *Spec
	// Run produces the rows for q. emit gets one row at a time as a slice
	// indexed like Spec().Columns, with only the used columns filled; the slice
	// is reused for the next row, so emit copies what it keeps. A panic inside
	// the table is returned as an error.
	Run(ctx context.Context, q *Query, emit func(cells []Value) error) error
}

// Table is a table whose rows come from kernel values of type T.
type Table[T any] struct {
	// Name is the SQL name: the kernel struct shown, or netlink_<plural noun>.
	Name string
	// Doc is the table's description: what a row is, where it comes from,
	// what it costs. A lazy table's comes from doc/NAME.md (lazy.go).
	Doc string
	// Examples are SQL queries for the reference; a lazy table's come
	// from doc/NAME.md too.
	Examples []string
	// Columns are the table's own columns; the namespace columns are added after them.
	Columns []Column[T]
	// Generate calls emit with each kernel value that may match q, as it is
	// read. It asks the kernel only for what q.Needs and its constraints call
	// for, works in q.NetNS, and returns emit's error at once.
	Generate func(ctx context.Context, q *Query, emit func(*T) error) error

	once sync.Once
	spec *Spec
}

// TableName is t.Name.
func (t *Table[T]) TableName() string { return t.Name }

// Spec describes the table: its columns, then pid_with_namespace and netns.
func (t *Table[T]) Spec() *Spec {
	t.once.Do(func() {
		s := &Spec{Name: t.Name, Doc: t.Doc, Examples: t.Examples, index: map[string]int{}}
		for _, c := range t.Columns {
			s.Columns = append(s.Columns, c.ColumnDef)
		}
		s.Columns = append(s.Columns, namespaceColumns...)
		for i, c := range s.Columns {
			s.index[c.Name] = i
		}
		t.spec = s
	})
	return t.spec
}

// Run runs the table's Generate for q in each namespace q names and hands
// rows to emit. Under WithSnapshots, calls that differ only in the values of
// their = constraints share one read of the kernel (snapshot.go).
func (t *Table[T]) Run(ctx context.Context, q *Query, emit func(cells []Value) error) (err error) {
	spec := t.Spec()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in table %s: %v at %s", t.Name, r, panicSite(debug.Stack()))
		}
	}()
	if q.spec == nil {
		q.spec = spec
	}
	if tr, _ := ctx.Value(runTraceKey{}).(func(string, *Query)); tr != nil {
		tr(spec.Name, q)
	}
	q.Needs = 0
	var used []int
	for i, c := range t.Columns {
		if q.usedAt(i) {
			used = append(used, i)
			q.Needs |= uint64(c.Need)
		}
	}
	cells := make([]Value, len(spec.Columns))
	read := func(q *Query, emit func([]Value) error) error {
		return t.Generate(ctx, q, func(m *T) error {
			for _, i := range used {
				cells[i] = t.Columns[i].Get(m)
			}
			return emit(cells)
		})
	}
	shared := snapshotsOf(ctx)
	return forEachNamespace(q, len(t.Columns), cells, func(q *Query) error {
		return shared.run(spec, q, used, cells, read, emit)
	})
}

type runTraceKey struct{}

// WithRunTrace returns a context under which every Run first shows fn its
// table's name and query (constraints passed down, columns used): what the
// shell's .explain prints, with netlinkx.WithTrace for the kernel requests.
func WithRunTrace(ctx context.Context, fn func(table string, q *Query)) context.Context {
	return context.WithValue(ctx, runTraceKey{}, fn)
}

// UsedColumns returns the names of the columns q uses, in table order.
func (q *Query) UsedColumns() []string {
	var out []string
	for i, c := range q.spec.Columns {
		if q.usedAt(i) {
			out = append(out, c.Name)
		}
	}
	return out
}
