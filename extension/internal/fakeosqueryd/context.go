package fakeosqueryd

import (
	"encoding/json"
	"slices"
	"strconv"
)

// The constraint operators of osquery's tables.h, as osqueryd sends them.
const (
	OpEquals       = 2
	OpGreater      = 4
	OpLessEqual    = 8
	OpLess         = 16
	OpGreaterEqual = 32
	OpMatch        = 64
	OpLike         = 65
	OpGlob         = 66
	OpRegexp       = 67
)

// Constraint is one operator and expression; osqueryd sends every
// expression as text, whatever the column's type.
type Constraint struct {
	Op   int    `json:"op"`
	Expr string `json:"expr"`
}

// ConstraintList is one column's entry in "constraints".
type ConstraintList struct {
	Name     string       `json:"name"`
	List     []Constraint `json:"list"`
	Affinity string       `json:"affinity"`
}

// QueryContext is the JSON osqueryd puts in a generate request's "context".
type QueryContext struct {
	Constraints []ConstraintList `json:"constraints"`
	// ColsUsed names the used columns; nil leaves the key out (osqueryd
	// before 4.x), an empty slice sends [] (SELECT count(*)).
	ColsUsed []string `json:"colsUsed,omitempty"`
	// ColsUsedBitset has bit i for column i (bit 63: columns 63 and up); nil
	// leaves the key out.
	ColsUsedBitset *uint64 `json:"colsUsedBitset,omitempty"`
}

// JSON is the context as TablePlugin::setRequestFromContext writes it.
func (qc QueryContext) JSON() string {
	type alias QueryContext
	v := struct {
		alias
		ColsUsed *[]string `json:"colsUsed,omitempty"`
	}{alias: alias(qc)}
	if qc.ColsUsed != nil {
		v.ColsUsed = &qc.ColsUsed
	}
	for i := range v.Constraints {
		if v.Constraints[i].List == nil {
			v.Constraints[i].List = []Constraint{}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings and numbers: cannot happen
	}
	return string(b)
}

// ContextFor builds the context osqueryd sends for a query on a table with
// routes (the table's "columns" answer): every column listed with its
// affinity (its type), cons on the constrained ones, and used as both
// colsUsed and colsUsedBitset. used nil means "SELECT *" with every
// non-hidden column, as SQLite reports it.
func ContextFor(routes []map[string]string, used []string, cons map[string][]Constraint) QueryContext {
	var qc QueryContext
	var bits uint64
	if used == nil {
		used = []string{}
		for _, r := range routes {
			if op, _ := strconv.Atoi(r["op"]); op&16 == 0 {
				used = append(used, r["name"])
			}
		}
	}
	i := 0
	for _, r := range routes {
		if r["id"] != "column" {
			continue
		}
		name := r["name"]
		qc.Constraints = append(qc.Constraints, ConstraintList{Name: name, Affinity: r["type"], List: cons[name]})
		if slices.Contains(used, name) {
			bits |= 1 << min(i, 63)
		}
		i++
	}
	qc.ColsUsed = used
	qc.ColsUsedBitset = &bits
	return qc
}
