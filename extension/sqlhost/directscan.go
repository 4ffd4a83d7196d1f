package sqlhost

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/netlinkq/netlinkq/tables"
)

// A direct scan answers the simplest and most common statement,
//
//	SELECT * | col, ... FROM table [WHERE col = literal [AND col = literal ...]]
//
// without SQLite's row machinery: the table's rows go straight to the
// printer (through a second stage for wide rows), and the = conditions are
// checked in Go.
// SQLite would do the same work (one scan of the virtual table, the
// constraints passed down and re-checked) but spends about a microsecond a
// cell on trampolines and on reading each cell back through the driver: on
// a host with 100,000 sockets that is more than the kernel's dump itself.
//
// Only statements whose meaning is plain are taken: known table and column
// names (no SQLite keyword spelt bare), no alias, no function, and each
// condition compares a TEXT column with a string or an INTEGER/BIGINT
// column with an integer, where SQLite's comparison is plain equality.
// Everything else goes to SQLite, and so does every statement after the
// host's first statement (Options.DirectScan): the command line's one
// statement, the fleet and CLI case. The rows are the same byte for byte as
// SQLite's for every statement taken (directscan_linux_test.go compares the
// two); --sqlite-only turns direct scans off.

// directScan is a statement a direct scan answers.
type directScan struct {
	table tables.Interface
	// cols are the output columns, as indexes into the table's columns.
	cols []int
	// where are the conditions, all of which a row must meet.
	where []directCond
}

// directCond is one col = literal condition.
type directCond struct {
	col int
	// text is the literal as osquery would pass it down; num is its value
	// when isInt.
	text  string
	num   int64
	isInt bool
}

// match reports whether v equals the literal as SQLite compares them: a
// TEXT column's numbers are compared as their text, an integer column's
// values as numbers (tables/registry_kinds_linux_test.go checks that the
// tables' cells have the kinds their columns declare, so the other branches
// are a safety net).
func (c directCond) match(v tables.Value) bool {
	switch v.Kind {
	case tables.KindText:
		if c.isInt {
			n, err := strconv.ParseInt(strings.TrimSpace(v.Text), 10, 64)
			return err == nil && n == c.num
		}
		return v.Text == c.text
	case tables.KindInt:
		if c.isInt {
			return v.Int == c.num
		}
		return strconv.FormatInt(v.Int, 10) == c.text
	case tables.KindUint:
		if c.isInt {
			return v.Int >= 0 && v.Int == c.num
		}
		return strconv.FormatUint(uint64(v.Int), 10) == c.text
	case tables.KindFloat:
		return c.isInt && v.Float == float64(c.num) && math.Abs(v.Float) < 1<<53
	}
	return false // NULL equals nothing
}

// appendValue appends a cell as the SQLite path prints it (appendCell of
// the value the virtual table hands SQLite): NULL, and NaN, which SQLite
// stores as NULL, leave the cell empty.
func appendValue(b []byte, v tables.Value) []byte {
	switch v.Kind {
	case tables.KindInt:
		return strconv.AppendInt(b, v.Int, 10)
	case tables.KindUint:
		return strconv.AppendUint(b, uint64(v.Int), 10)
	case tables.KindFloat:
		if math.IsNaN(v.Float) {
			return b
		}
		return strconv.AppendFloat(b, v.Float, 'g', -1, 64)
	case tables.KindText:
		return append(b, v.Text...)
	}
	return b
}

// parseDirectScan returns the direct scan for stmt, or false when stmt is
// not one; table looks a table up by its lower-case name.
func parseDirectScan(stmt string, table func(name string) (tables.Interface, bool)) (*directScan, bool) {
	toks, ok := sqlTokens(stmt)
	if !ok {
		return nil, false
	}
	p := &tokenReader{toks: toks}
	if !p.keyword("select") {
		return nil, false
	}
	// The column list is read before the table is known.
	var names []sqlToken
	star := p.punct("*")
	if !star {
		for {
			t, ok := p.ident()
			if !ok {
				return nil, false
			}
			names = append(names, t)
			if !p.punct(",") {
				break
			}
		}
	}
	if !p.keyword("from") {
		return nil, false
	}
	tt, ok := p.ident()
	if !ok {
		return nil, false
	}
	t, ok := table(asciiLower(tt.text))
	if !ok {
		return nil, false
	}
	spec := t.Spec()
	s := &directScan{table: t}
	if star {
		for i, c := range spec.Columns {
			if c.Options&tables.Hidden == 0 {
				s.cols = append(s.cols, i)
			}
		}
	}
	for _, n := range names {
		i := columnIndex(spec, n.text)
		if i < 0 {
			return nil, false
		}
		s.cols = append(s.cols, i)
	}
	if p.keyword("where") {
		for {
			c, ok := p.condition(spec)
			if !ok {
				return nil, false
			}
			s.where = append(s.where, c)
			if !p.keyword("and") {
				break
			}
		}
	}
	p.punct(";")
	if !p.done() || len(s.where) > maxDirectConds || len(s.cols) > maxDirectCols {
		return nil, false
	}
	return s, true
}

// Statements past these sizes go to SQLite, which refuses some of them
// (an expression tree deeper than 1000, more than 2000 result columns).
const (
	maxDirectConds = 64
	maxDirectCols  = 1000
)

// columnIndex finds a column by name as SQLite does, ignoring ASCII case.
func columnIndex(spec *tables.Spec, name string) int {
	for i, c := range spec.Columns {
		if asciiLower(c.Name) == asciiLower(name) {
			return i
		}
	}
	return -1
}

// asciiLower lower-cases ASCII letters only, as SQLite folds names (Go's
// case folding would also match ſ to s and the Kelvin sign to k).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// sqlToken is one token of a statement.
type sqlToken struct {
	kind byte // 'k' keyword or bare word, 'i' quoted identifier, 's' string, 'n' integer, 'p' punctuation
	text string
}

// sqlTokens cuts stmt into the few tokens a direct scan uses; false when it
// holds anything else (a number that is not a plain integer, an operator
// other than = or a comma, a bracketed identifier, non-ASCII text outside
// a string).
func sqlTokens(s string) ([]sqlToken, bool) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, false // SQLite would read the statement only up to the NUL
	}
	var toks []sqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return toks, true
			}
			i += j + 1
		case c == '/' && i+2 < len(s) && s[i+1] == '*': // SQLite: "/*" at the very end is "/" and "*"
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return toks, true // SQLite ends an open comment at the end
			}
			i += j + 4
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, false
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			kind := byte('s')
			if c == '"' {
				kind = 'i'
			}
			toks = append(toks, sqlToken{kind, b.String()})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && (isWordByte(s[j]) || s[j] == '.' || s[j] >= 0x80) {
				return nil, false // 1.5, 1e3, 0x50: not a plain integer
			}
			toks = append(toks, sqlToken{'n', s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j < len(s) && (s[j] == '$' || s[j] >= 0x80) {
				return nil, false
			}
			toks = append(toks, sqlToken{'k', s[i:j]})
			i = j
		case c == '=' && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, sqlToken{'p', "="})
			i += 2
		case c == '*' || c == ',' || c == '=' || c == ';' || c == '-':
			toks = append(toks, sqlToken{'p', string(c)})
			i++
		default:
			return nil, false
		}
	}
	return toks, true
}

func isWordByte(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// tokenReader walks the tokens of a statement.
type tokenReader struct {
	toks []sqlToken
	i    int
}

func (p *tokenReader) peek() (sqlToken, bool) {
	if p.i >= len(p.toks) {
		return sqlToken{}, false
	}
	return p.toks[p.i], true
}

// keyword takes the bare word kw, in any case.
func (p *tokenReader) keyword(kw string) bool {
	if t, ok := p.peek(); ok && t.kind == 'k' && asciiLower(t.text) == kw {
		p.i++
		return true
	}
	return false
}

// punct takes the punctuation s.
func (p *tokenReader) punct(s string) bool {
	if t, ok := p.peek(); ok && t.kind == 'p' && t.text == s {
		p.i++
		return true
	}
	return false
}

// ident takes a quoted identifier or a bare word that is not one of
// SQLite's keywords (SQLite may read those as something else).
func (p *tokenReader) ident() (sqlToken, bool) {
	t, ok := p.peek()
	if !ok || t.kind == 'k' && sqliteKeywords()[strings.ToUpper(t.text)] || t.kind != 'k' && t.kind != 'i' {
		return sqlToken{}, false
	}
	p.i++
	return t, true
}

// condition takes col = literal, where SQLite's comparison of the two is
// plain equality: a string for a TEXT column, an integer for an INTEGER or
// BIGINT one.
func (p *tokenReader) condition(spec *tables.Spec) (directCond, bool) {
	n, ok := p.ident()
	if !ok || !p.punct("=") {
		return directCond{}, false
	}
	col := columnIndex(spec, n.text)
	if col < 0 {
		return directCond{}, false // a "string" SQLite might take for a column
	}
	neg := p.punct("-")
	lit, ok := p.peek()
	if !ok {
		return directCond{}, false
	}
	p.i++
	c := directCond{col: col}
	switch typ := spec.Columns[col].Type; {
	case lit.kind == 's' && !neg && typ == tables.TypeText:
		c.text = lit.text
	case lit.kind == 'n' && (typ == tables.TypeInteger || typ == tables.TypeBigInt):
		// Larger than int64, SQLite reads the literal as a REAL.
		v, err := strconv.ParseInt(lit.text, 10, 64)
		if err != nil {
			return directCond{}, false
		}
		if neg {
			v = -v
		}
		c.num, c.isInt, c.text = v, true, strconv.FormatInt(v, 10)
	default:
		return directCond{}, false
	}
	return c, true
}

func (p *tokenReader) done() bool { return p.i == len(p.toks) }

// sqliteKeywords are SQLite's keywords, built on first use (sqlite3_keyword_name; a test checks
// the list against the linked SQLite's). A bare word among them is left to
// SQLite, which may read it as the keyword.
var sqliteKeywords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC
		ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN
		COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
		CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO
		DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST
		FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE
		IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST
		LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET
		ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE
		RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT
		ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION
		TRIGGER UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE
		WINDOW WITH WITHOUT`) {
		m[k] = true
	}
	return m
})

// parseDirectScan returns the direct scan that answers stmt, or false when
// SQLite must.
func (h *Host) parseDirectScan(stmt string) (*directScan, bool) {
	return parseDirectScan(stmt, func(name string) (tables.Interface, bool) {
		t, ok := h.tables[name]
		return t, ok
	})
}

// runDirect runs a direct scan: the table gets the query it would get under
// SQLite (the same constraints passed down, the same columns used), and
// the conditions are re-checked here.
func (h *Host) runDirect(ctx context.Context, s *directScan, start func(cols []string), row func(cells []sql.RawBytes) error) error {
	spec := s.table.Spec()
	var bits uint64
	cons := map[string][]tables.Constraint{}
	for _, i := range s.cols {
		bits |= colBit(i)
	}
	for _, c := range s.where {
		bits |= colBit(c.col)
		if passedDown(spec.Columns, c.col, tables.OpEquals) {
			name := spec.Columns[c.col].Name
			cons[name] = append(cons[name], tables.Constraint{Op: tables.OpEquals, Expr: c.text})
		}
	}
	q := tables.NewQueryUsedBits(spec, cons, bits)
	q.NetNS = h.netns
	q.Logf = h.logf

	names := make([]string, len(s.cols))
	for j, i := range s.cols {
		names[j] = spec.Columns[i].Name
	}
	start(names)
	if s.contradictory() {
		return nil
	}
	var err error
	if len(s.cols) < wideRow {
		err = s.runInline(ctx, q, row)
	} else {
		err = s.runPipelined(ctx, q, row)
	}
	if err != nil {
		return fmt.Errorf("table %s: %w", spec.Name, err)
	}
	return nil
}

// wideRow is the number of output columns from which a direct scan prints
// on a goroutine of its own. Below it, the table's dump reading ahead on
// another goroutine (netlinkx.Dump) already keeps two cores busy and a
// third stage only costs hand-overs (at 100,000 sockets and ten columns,
// 107-121 ms inline against 122-125 ms in two stages); for tcp_info's 85
// columns the printing is as much work as the table, and two stages take
// 420 ms instead of 540 (extension/bench_linux_test.go, BenchmarkShellInProcess).
const wideRow = 16

// contradictory reports whether two conditions want different values of
// one column: no row can match, and SQLite, seeing that, does not run the
// table at all (so it warns and fails of nothing), nor does a direct scan.
func (s *directScan) contradictory() bool {
	for i, a := range s.where {
		for _, b := range s.where[i+1:] {
			if a.col == b.col && a.text != b.text {
				return true
			}
		}
	}
	return false
}

// match reports whether a row meets every condition.
func (s *directScan) match(vals []tables.Value) bool {
	for _, w := range s.where {
		if !w.match(vals[w.col]) {
			return false
		}
	}
	return true
}

// isNull reports whether SQLite would hold v as NULL (NaN too).
func isNull(v tables.Value) bool {
	return v.Kind == tables.KindNull || v.Kind == tables.KindFloat && math.IsNaN(v.Float)
}

// runInline runs the table and prints each row as it comes, on this goroutine.
func (s *directScan) runInline(ctx context.Context, q *tables.Query, row func(cells []sql.RawBytes) error) error {
	cells := make([]sql.RawBytes, len(s.cols))
	bufs := make([][]byte, len(s.cols))
	return s.table.Run(ctx, q, func(vals []tables.Value) error {
		if !s.match(vals) {
			return nil
		}
		for j, i := range s.cols {
			cells[j] = nil // NULL, as the SQLite path hands it out
			if !isNull(vals[i]) {
				bufs[j] = appendValue(bufs[j][:0], vals[i])
				cells[j] = bufs[j]
			}
		}
		return row(cells)
	})
}

// runPipelined runs the table on the package's row stream, its cells
// formatted as text on the table's goroutine, and prints them on this one,
// a chunk of rows behind.
func (s *directScan) runPipelined(ctx context.Context, q *tables.Query, row func(cells []sql.RawBytes) error) error {
	stream := streamRows(ctx, s.table, q, s.match, func(c *rowChunk[byte], vals []tables.Value) {
		for _, i := range s.cols {
			if isNull(vals[i]) {
				c.ends = append(c.ends, int32(-len(c.vals)-1)) // a NULL: an end below zero
				continue
			}
			c.vals = appendValue(c.vals, vals[i])
			c.ends = append(c.ends, int32(len(c.vals)))
		}
	})
	defer stream.Stop()
	width := len(s.cols)
	cells := make([]sql.RawBytes, width)
	for c := range stream.C {
		for k, start := 0, 0; k < len(c.ends); k += width {
			for j := range width {
				end := int(c.ends[k+j])
				if end < 0 {
					cells[j] = nil
					continue
				}
				cells[j] = c.vals[start:end]
				start = end
			}
			if err := row(cells); err != nil {
				return err
			}
		}
		stream.Done(c)
		if c.err != nil {
			return c.err
		}
	}
	return nil
}

// colBit is column i's bit in SQLite's colUsed mask: the last bit stands
// for every column past 62.
func colBit(i int) uint64 { return 1 << min(i, 63) }
