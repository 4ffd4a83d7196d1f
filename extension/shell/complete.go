package shell

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"unicode"
)

// completer completes the word under the cursor for the line editor's Tab:
// dot-commands and their arguments, table names, the columns of the tables
// the statement names, and SQL keywords and functions.
type completer struct {
	// tables are the table names, sorted.
	tables []string
	// columns returns the column names of a table (nil if there is no such table).
	columns func(table string) []string
	// netnsDir is where .netns finds namespace names (/run/netns).
	netnsDir string
}

// sqlWords are the SQL keywords and functions Tab offers: those of SQLite's
// SELECT, its common functions, and what a shell user types besides.
var sqlWords = strings.Fields(`
	ALL AND AS ASC AVG BETWEEN BY CASE CAST COALESCE COUNT CROSS DESC DISTINCT ELSE END ESCAPE EXCEPT
	EXISTS EXPLAIN FROM GLOB GROUP GROUP_CONCAT HAVING HEX IFNULL IN INNER INSTR INTERSECT IS JOIN
	JSON_OBJECT LEFT LENGTH LIKE LIMIT LOWER MAX MIN NOT NULL OFFSET ON OR ORDER PLAN PRAGMA PRINTF
	QUERY RECURSIVE REGEXP REPLACE ROUND SELECT SUBSTR SUM THEN TOTAL TRIM TYPEOF UNION UPPER USING
	VALUES WHEN WHERE WITH`)

// complete returns the completions of the word before position pos (in
// runes) of line, as liner's WordCompleter wants them: the text before the
// word, the candidates for it, and the text after the cursor. earlier holds
// the lines of the statement typed before this one.
func (c *completer) complete(earlier []string, line string, pos int) (head string, list []string, tail string) {
	r := []rune(line)
	pos = min(max(pos, 0), len(r))
	before, tail := string(r[:pos]), string(r[pos:])
	start := len(before)
	for start > 0 && isIdentByte(before[start-1]) {
		start--
	}
	head, word := before[:start], before[start:]
	first := strings.TrimLeft(line, " \t")
	if len(earlier) == 0 && strings.HasPrefix(first, ".") {
		return head, c.completeDot(head, word, line), tail
	}
	// table.column, alias.column
	if start > 0 && head[start-1] == '.' {
		q := start - 1
		for q > 0 && isIdentByte(head[q-1]) {
			q--
		}
		if q < start-1 {
			return head, byLength(prefixed(c.qualified(head[q:start-1], earlier, line), word)), tail
		}
	}
	return head, c.sql(word, append(slices.Clone(earlier), line)), tail
}

// completeDot completes a word of a dot-command line: the command itself,
// or its argument.
func (c *completer) completeDot(head, word, line string) []string {
	if strings.TrimSpace(head) == "." {
		var out []string
		for _, d := range dotCommands {
			if strings.HasPrefix(d.name, "."+word) {
				out = append(out, d.name[1:])
			}
		}
		return out
	}
	cmd, rest, _ := strings.Cut(strings.TrimLeft(line, " \t"), " ")
	switch cmd {
	case ".all", ".schema", ".tables":
		return prefixed(c.tables, word)
	case ".types", ".explain":
		if word == "" {
			return nil
		}
		return c.sql(word, []string{rest})
	case ".mode":
		return prefixed([]string{"csv", "json", "line", "pretty"}, word)
	case ".bail", ".echo", ".headers", ".timer":
		return prefixed([]string{"off", "on"}, word)
	case ".netns":
		entries, _ := os.ReadDir(c.netnsDir)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return prefixed(names, word)
	}
	return nil
}

// sql completes an SQL word: tables, the columns of the tables the
// statement names, keywords in the case the word is typed in.
func (c *completer) sql(word string, statement []string) []string {
	if word == "" {
		return nil
	}
	var out []string
	out = append(out, prefixed(c.tables, word)...)
	for _, t := range c.named(statement) {
		out = append(out, prefixed(c.columns(t), word)...)
	}
	lower := strings.ToLower(word) == word
	for _, k := range prefixed(sqlWords, word) {
		if lower {
			k = strings.ToLower(k)
		}
		out = append(out, k)
	}
	return byLength(out)
}

// qualified returns the columns of q, a table or an alias of one in the statement.
func (c *completer) qualified(q string, earlier []string, line string) []string {
	q = strings.ToLower(q)
	if cols := c.columns(q); cols != nil {
		return cols
	}
	ws := words(strings.Join(append(slices.Clone(earlier), line), "\n"))
	for i, w := range ws {
		if strings.ToLower(w) != q || i == 0 {
			continue
		}
		// table alias, table AS alias
		t := strings.ToLower(ws[i-1])
		if t == "as" && i >= 2 {
			t = strings.ToLower(ws[i-2])
		}
		if cols := c.columns(t); cols != nil {
			return cols
		}
	}
	return nil
}

// named returns the tables the statement's words name, in order, once each.
func (c *completer) named(statement []string) []string {
	var out []string
	for _, w := range words(strings.Join(statement, "\n")) {
		w = strings.ToLower(w)
		if _, found := slices.BinarySearch(c.tables, w); found && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// prefixed returns the names that start with prefix, ignoring case.
func prefixed(names []string, prefix string) []string {
	var out []string
	p := strings.ToLower(prefix)
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), p) {
			out = append(out, n)
		}
	}
	return out
}

// byLength sorts completions shortest first, then by name, without
// duplicates: Tab offers netlink_sockets before netlink_socket_events.
func byLength(names []string) []string {
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	return slices.Compact(names)
}

// isIdentByte reports whether c may be part of an SQL identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// words are the identifiers in s.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
