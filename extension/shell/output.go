package shell

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// printer writes one result set in one of osqueryi's output modes.
type printer interface {
	// header is called once with the column names, before any row.
	header(cols []string)
	// row is called with each row's cells; NULL is "", as osqueryi shows it.
	// The slices are reused: a printer copies what it keeps.
	row(cells []sql.RawBytes)
	// end is called after the last row.
	end()
}

// newPrinter returns the printer for mode. widths are .width's column
// widths, which pretty mode follows.
func newPrinter(mode, sep string, header bool, widths []int, w *bufio.Writer) printer {
	switch mode {
	case "json":
		return &jsonPrinter{w: w}
	case "csv":
		return &csvPrinter{w: w, sep: sep, showHeader: header}
	case "line":
		return &linePrinter{w: w}
	}
	return &prettyPrinter{w: w, fixed: widths}
}

// jsonPrinter prints osqueryi's --json shape: an array of objects, one per
// row, keys in column order, every value a string.
type jsonPrinter struct {
	w    *bufio.Writer
	keys [][]byte
	n    int
	buf  []byte
}

func (p *jsonPrinter) header(cols []string) {
	p.keys = make([][]byte, len(cols))
	for i, c := range cols {
		p.keys[i] = jsonString(nil, []byte(c))
	}
	p.w.WriteString("[\n")
}

func (p *jsonPrinter) row(cells []sql.RawBytes) {
	if p.n > 0 {
		p.w.WriteString(",\n")
	}
	p.n++
	p.w.WriteString("  {")
	for i, c := range cells {
		if i > 0 {
			p.w.WriteByte(',')
		}
		p.w.Write(p.keys[i])
		p.w.WriteByte(':')
		p.buf = jsonString(p.buf[:0], c)
		p.w.Write(p.buf)
	}
	p.w.WriteString("}")
}

func (p *jsonPrinter) end() {
	// osqueryi prints an empty result as "[\n\n]".
	p.w.WriteString("\n]\n")
}

// jsonString appends s as a JSON string, without HTML escaping.
func jsonString(dst []byte, s []byte) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s))
	return append(dst, strings.TrimSuffix(b.String(), "\n")...)
}

// csvPrinter prints osqueryi's --csv: a header line, then one line per row,
// fields joined by the separator ("|" by default, as osqueryi). A field that
// holds the separator, a quote or a line break is quoted, quotes doubled.
type csvPrinter struct {
	w          *bufio.Writer
	sep        string
	showHeader bool
}

func (p *csvPrinter) header(cols []string) {
	if !p.showHeader {
		return
	}
	for i, c := range cols {
		if i > 0 {
			p.w.WriteString(p.sep)
		}
		p.field([]byte(c))
	}
	p.w.WriteByte('\n')
}

func (p *csvPrinter) row(cells []sql.RawBytes) {
	for i, c := range cells {
		if i > 0 {
			p.w.WriteString(p.sep)
		}
		p.field(c)
	}
	p.w.WriteByte('\n')
}

func (p *csvPrinter) field(s []byte) {
	if bytes.Contains(s, []byte(p.sep)) || bytes.ContainsAny(s, "\"\n\r") {
		p.w.WriteByte('"')
		p.w.Write(bytes.ReplaceAll(s, []byte(`"`), []byte(`""`)))
		p.w.WriteByte('"')
		return
	}
	p.w.Write(s)
}

func (p *csvPrinter) end() {}

// linePrinter prints osqueryi's --line: "name = value" per column, names
// right-aligned, a blank line between rows.
type linePrinter struct {
	w     *bufio.Writer
	names []string
	n     int
}

func (p *linePrinter) header(cols []string) {
	width := 0
	for _, c := range cols {
		width = max(width, utf8.RuneCountInString(c))
	}
	p.names = make([]string, len(cols))
	for i, c := range cols {
		p.names[i] = strings.Repeat(" ", width-utf8.RuneCountInString(c)) + c
	}
}

func (p *linePrinter) row(cells []sql.RawBytes) {
	if p.n > 0 {
		p.w.WriteByte('\n')
	}
	p.n++
	for i, c := range cells {
		p.w.WriteString(p.names[i])
		p.w.WriteString(" = ")
		p.w.Write(c)
		p.w.WriteByte('\n')
	}
}

func (p *linePrinter) end() {}

// prettyPrinter prints osqueryi's default table with +---+ borders. It holds
// the rows to size the columns; an empty result prints nothing. A column
// with a .width is that wide, its longer cells cut, as sqlite3's column
// mode does; a negative width aligns the column right.
type prettyPrinter struct {
	w     *bufio.Writer
	cols  []string
	rows  [][]string
	width []int
	fixed []int
}

func (p *prettyPrinter) header(cols []string) {
	p.cols = cols
	p.width = make([]int, len(cols))
	for i, c := range cols {
		p.width[i] = utf8.RuneCountInString(c)
	}
}

func (p *prettyPrinter) row(cells []sql.RawBytes) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = string(c)
		p.width[i] = max(p.width[i], utf8.RuneCountInString(r[i]))
	}
	p.rows = append(p.rows, r)
}

func (p *prettyPrinter) end() {
	if len(p.rows) == 0 {
		return
	}
	sep := func() {
		p.w.WriteByte('+')
		for _, n := range p.width {
			p.w.WriteString(strings.Repeat("-", n+2))
			p.w.WriteByte('+')
		}
		p.w.WriteByte('\n')
	}
	right := make([]bool, len(p.width))
	for i, f := range p.fixed {
		if i < len(p.width) && f != 0 {
			p.width[i], right[i] = max(f, -f), f < 0
		}
	}
	line := func(cells []string) {
		p.w.WriteByte('|')
		for i, c := range cells {
			if n := utf8.RuneCountInString(c); n > p.width[i] {
				c = string([]rune(c)[:p.width[i]])
			}
			pad := strings.Repeat(" ", p.width[i]-utf8.RuneCountInString(c))
			if right[i] {
				fmt.Fprintf(p.w, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(p.w, " %s%s |", c, pad)
			}
		}
		p.w.WriteByte('\n')
	}
	sep()
	line(p.cols)
	sep()
	for _, r := range p.rows {
		line(r)
	}
	sep()
}
