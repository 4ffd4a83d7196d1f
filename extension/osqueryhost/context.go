package osqueryhost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/netlinkq/netlinkq/tables"
)

// maxContextJSON bounds the query context osqueryd may send with one
// generate call. An IN list of 100,000 values is about 3 MB of JSON; anything
// above this is refused with an error rather than parsed into memory.
const maxContextJSON = 16 << 20

// queryContext is the query context osqueryd sends with a generate call, as
// TablePlugin::setRequestFromContext (osquery/core/tables.cpp) writes it:
//
//	{"constraints":[{"name":"interface","list":[{"op":2,"expr":"lo"}],"affinity":"TEXT"}, ...],
//	 "colsUsed":["interface","irq"],"colsUsedBitset":3}
//
// osqueryd lists every column of the table in "constraints", most with an
// empty list. colsUsed and colsUsedBitset came with osquery 4.x; an older
// osqueryd sends neither, and then every column counts as used.
type queryContext struct {
	// Constraints are the non-empty constraint lists, by column name, in the
	// order osqueryd sent them.
	Constraints map[string][]tables.Constraint
	// ColsUsed names the columns the query reads; nil when osqueryd did not
	// send colsUsed (an empty, non-nil slice means none, as in count(*)).
	ColsUsed []string
	// ColsUsedBitset is colsUsedBitset: bit i is column i of the table as we
	// registered it, bit 63 every column from 63 on (SQLite's colUsed).
	ColsUsedBitset uint64
	// HasBitset reports whether colsUsedBitset was sent.
	HasBitset bool
}

// contextJSON mirrors the JSON object; list and op take more than one shape.
type contextJSON struct {
	Constraints    []constraintListJSON `json:"constraints"`
	ColsUsed       *[]string            `json:"colsUsed"`
	ColsUsedBitset *json.Number         `json:"colsUsedBitset"`
}

type constraintListJSON struct {
	Name     string          `json:"name"`
	List     json.RawMessage `json:"list"`
	Affinity string          `json:"affinity"`
}

type constraintJSON struct {
	Op   json.RawMessage `json:"op"`
	Expr *string         `json:"expr"`
}

// parseQueryContext decodes the context of a generate request. An empty
// string is an empty context: osqueryd leaves the key out when it has none
// to send. Every error names what was wrong; nothing in s can panic it.
func parseQueryContext(s string) (*queryContext, error) {
	qc := &queryContext{Constraints: map[string][]tables.Constraint{}}
	if s == "" {
		return qc, nil
	}
	if len(s) > maxContextJSON {
		return nil, fmt.Errorf("%d bytes, more than the %d accepted", len(s), maxContextJSON)
	}
	if qc, ok := parseContextFast(s); ok {
		return qc, nil
	}
	return decodeContextJSON(s)
}

// decodeContextJSON is parseQueryContext's decoding with encoding/json, for
// a context the fast path does not take.
func decodeContextJSON(s string) (*queryContext, error) {
	qc := &queryContext{Constraints: map[string][]tables.Constraint{}}
	var raw contextJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON object")
	}
	for i, cl := range raw.Constraints {
		if cl.Name == "" {
			return nil, fmt.Errorf("constraints[%d]: no column name", i)
		}
		list, err := parseConstraintList(cl.List)
		if err != nil {
			return nil, fmt.Errorf("constraints on %q: %w", cl.Name, err)
		}
		if len(list) > 0 {
			qc.Constraints[cl.Name] = append(qc.Constraints[cl.Name], list...)
		}
	}
	if raw.ColsUsed != nil {
		qc.ColsUsed = *raw.ColsUsed
		if qc.ColsUsed == nil { // "colsUsed": null
			qc.ColsUsed = []string{}
		}
	}
	if raw.ColsUsedBitset != nil {
		b, err := strconv.ParseUint(raw.ColsUsedBitset.String(), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("colsUsedBitset %s is not a 64-bit unsigned integer", raw.ColsUsedBitset.String())
		}
		qc.ColsUsedBitset, qc.HasBitset = b, true
	}
	return qc, nil
}

// parseConstraintList decodes one column's "list": an array of {op, expr}.
// osquery before 3.0 sent "" for an empty list and op as a string; both are
// accepted. A missing or null list is empty.
func parseConstraintList(b json.RawMessage) ([]tables.Constraint, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		if s != "" {
			return nil, fmt.Errorf("list is the string %q, want an array", s)
		}
		return nil, nil
	}
	var items []constraintJSON
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	out := make([]tables.Constraint, 0, len(items))
	for i, it := range items {
		op, err := parseOp(it.Op)
		if err != nil {
			return nil, fmt.Errorf("list[%d]: %w", i, err)
		}
		if it.Expr == nil {
			return nil, fmt.Errorf("list[%d]: no string expr", i)
		}
		out = append(out, tables.Constraint{Op: op, Expr: *it.Expr})
	}
	return out, nil
}

// parseOp reads a constraint operator: a number (osquery 3.0 and later) or a
// decimal string (before), one of the unsigned char values of osquery's
// tables.h. Operators a table does not know are passed on; tables act only
// on those they know.
func parseOp(b json.RawMessage) (tables.Op, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return 0, fmt.Errorf("no op")
	}
	text := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return 0, fmt.Errorf("op: %w", err)
		}
	}
	n, err := strconv.ParseUint(text, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("op %s is not an operator number", b)
	}
	return tables.Op(n), nil
}

// query builds the tables.Query for spec: colsUsed when osqueryd sent it
// (names do not depend on column order), else colsUsedBitset, else every
// column.
func (qc *queryContext) query(spec *tables.Spec) *tables.Query {
	switch {
	case qc.ColsUsed != nil:
		return tables.NewQuery(spec, qc.Constraints, qc.ColsUsed)
	case qc.HasBitset:
		return tables.NewQueryUsedBits(spec, qc.Constraints, qc.ColsUsedBitset)
	}
	return tables.NewQuery(spec, qc.Constraints, nil)
}
