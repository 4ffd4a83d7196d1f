package osqueryhost

import (
	"strconv"
	"unicode/utf8"

	"github.com/netlinkq/netlinkq/tables"
)

// parseContextFast decodes the context JSON in the one shape osqueryd
// writes (context.go's queryContext) without reflection: every key exactly
// as osqueryd spells it and at most once, strings without escapes, op a
// plain number. It reports false for anything else, and the caller then
// decodes with encoding/json, whose result for the shape accepted here is
// the same (FuzzQueryContext checks it). osqueryd sends one context per
// generate call and lists every column of the table in it: a join that
// osqueryd runs as one call per outer row pays this parse per row, where
// encoding/json took most of the extension's time of a call.
func parseContextFast(s string) (*queryContext, bool) {
	p := ctxScanner{s: s}
	qc := &queryContext{Constraints: map[string][]tables.Constraint{}}
	var seenCons, seenCols, seenBits bool
	ok := p.object(func(key string) bool {
		switch {
		case key == "constraints" && !seenCons:
			seenCons = true
			return p.array(func() bool { return p.constraintList(qc) })
		case key == "colsUsed" && !seenCols:
			seenCols = true
			qc.ColsUsed = []string{}
			return p.array(func() bool {
				v, ok := p.str()
				qc.ColsUsed = append(qc.ColsUsed, v)
				return ok
			})
		case key == "colsUsedBitset" && !seenBits:
			seenBits = true
			var ok bool
			qc.ColsUsedBitset, ok = p.number(64)
			qc.HasBitset = true
			return ok
		}
		return false
	})
	p.space()
	return qc, ok && p.i == len(s)
}

// ctxScanner reads the JSON of parseContextFast: s from i on.
type ctxScanner struct {
	s string
	i int
}

// constraintList reads {"name":...,"list":[...],"affinity":...} and adds
// a non-empty list to qc.
func (p *ctxScanner) constraintList(qc *queryContext) bool {
	var name string
	var list []tables.Constraint
	var seenName, seenList, seenAff bool
	ok := p.object(func(key string) bool {
		switch {
		case key == "name" && !seenName:
			seenName = true
			var ok bool
			name, ok = p.str()
			return ok && name != ""
		case key == "affinity" && !seenAff:
			seenAff = true
			_, ok := p.str()
			return ok
		case key == "list" && !seenList:
			seenList = true
			if p.peek() == '"' { // osquery before 3.0: "" for no constraint
				v, ok := p.str()
				return ok && v == ""
			}
			return p.array(func() bool {
				c, ok := p.constraint()
				list = append(list, c)
				return ok
			})
		}
		return false
	})
	if !ok || !seenName {
		return false
	}
	if len(list) > 0 {
		qc.Constraints[name] = append(qc.Constraints[name], list...)
	}
	return true
}

// constraint reads {"op":N,"expr":"..."}.
func (p *ctxScanner) constraint() (tables.Constraint, bool) {
	var c tables.Constraint
	var seenOp, seenExpr bool
	ok := p.object(func(key string) bool {
		switch {
		case key == "op" && !seenOp:
			seenOp = true
			op, ok := p.number(8)
			c.Op = tables.Op(op)
			return ok
		case key == "expr" && !seenExpr:
			seenExpr = true
			var ok bool
			c.Expr, ok = p.str()
			return ok
		}
		return false
	})
	return c, ok && seenOp && seenExpr
}

// object reads {"key": value, ...}, calling member after each key's colon
// to read its value.
func (p *ctxScanner) object(member func(key string) bool) bool {
	if !p.take('{') {
		return false
	}
	if p.take('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok || !p.take(':') || !member(key) {
			return false
		}
		if p.take('}') {
			return true
		}
		if !p.take(',') {
			return false
		}
	}
}

// array reads [value, ...], calling elem to read each value.
func (p *ctxScanner) array(elem func() bool) bool {
	if !p.take('[') {
		return false
	}
	if p.take(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if p.take(']') {
			return true
		}
		if !p.take(',') {
			return false
		}
	}
}

// str reads a string without escapes or control characters, valid UTF-8.
func (p *ctxScanner) str() (string, bool) {
	if !p.take('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// number reads an unsigned integer as JSON writes it (no leading zero) that
// fits in bits.
func (p *ctxScanner) number(bits int) (uint64, bool) {
	p.space()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n := p.s[start:p.i]
	if n == "" || len(n) > 1 && n[0] == '0' {
		return 0, false
	}
	// A number goes on with '.', 'e' or 'E' as a float: not ours.
	if c := p.peek(); c == '.' || c == 'e' || c == 'E' {
		return 0, false
	}
	v, err := strconv.ParseUint(n, 10, bits)
	return v, err == nil
}

// take skips white space and then c, reporting whether c was there.
func (p *ctxScanner) take(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// peek skips white space and returns the next byte, 0 at the end.
func (p *ctxScanner) peek() byte {
	p.space()
	if p.i == len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// space skips JSON white space.
func (p *ctxScanner) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}
