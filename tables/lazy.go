package tables

import (
	"context"
	"embed"
	"strings"
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
// used; build's Table gets its Name from here, and its Doc and Examples
// from doc/NAME.md (see tableDoc).
func lazy[T any](name string, build func() *Table[T]) *lazyTable[T] {
	return &lazyTable[T]{name: name, build: build}
}

// table builds the table once and returns it.
func (l *lazyTable[T]) table() *Table[T] {
	l.once.Do(func() {
		l.t = l.build()
		l.t.Name = l.name
		l.t.Doc, l.t.Examples = tableDoc(l.name)
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

// docFiles holds each table's reference text, doc/NAME.md: its description,
// then its examples. Embedded, they cost nothing until a table is built.
//
//go:embed doc/*.md
var docFiles embed.FS

// tableDoc reads doc/NAME.md (see parseDoc). A table without a file gets
// neither description nor examples; TestTableDocFiles keeps every table's
// file there.
func tableDoc(name string) (doc string, examples []string) {
	b, err := docFiles.ReadFile("doc/" + name + ".md")
	if err != nil {
		return "", nil
	}
	return parseDoc(string(b))
}

// parseDoc reads a doc file, prose wrapped for review: each ```sql block is
// one example, and the lines outside them are the description. Lines are
// joined with single spaces and blank lines are skipped, so the description
// and each example are one line, as osquery's specs hold them.
func parseDoc(text string) (doc string, examples []string) {
	var prose, block []string
	inSQL := false
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "```sql":
			inSQL, block = true, nil
		case line == "```" && inSQL:
			inSQL = false
			examples = append(examples, strings.Join(block, " "))
		case line == "":
		case inSQL:
			block = append(block, line)
		default:
			prose = append(prose, line)
		}
	}
	return strings.Join(prose, " "), examples
}
