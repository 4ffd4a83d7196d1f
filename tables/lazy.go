package tables

import (
	"context"
	"sync"
)

// lazyTable is a table whose definition is built on first use. The registry
// lists every table, and building their column lists (closures, docs, uapi
// struct reflection) costs about a millisecond of start-up that a run which
// names one table, or none (--version), need not pay.
type lazyTable[T any] struct {
	name  string
	build func() *Table[T]
	once  sync.Once
	t     *Table[T]
}

// lazy returns the table called name that build makes when it is first
// used; build's Table gets its Name from here.
func lazy[T any](name string, build func() *Table[T]) *lazyTable[T] {
	return &lazyTable[T]{name: name, build: build}
}

// table builds the table once and returns it.
func (l *lazyTable[T]) table() *Table[T] {
	l.once.Do(func() {
		l.t = l.build()
		l.t.Name = l.name
	})
	return l.t
}

// TableName is the table's SQL name, known without building the table.
func (l *lazyTable[T]) TableName() string { return l.name }

// Spec describes the table (building it on first use).
func (l *lazyTable[T]) Spec() *Spec { return l.table().Spec() }

// Run runs the table (building it on first use).
func (l *lazyTable[T]) Run(ctx context.Context, q *Query, emit func(cells []Value) error) error {
	return l.table().Run(ctx, q, emit)
}
