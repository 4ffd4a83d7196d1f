package tables

import (
	"slices"
	"strconv"

	"github.com/google/go-cmp/cmp"
)

func itoa(i int64) string  { return strconv.FormatInt(i, 10) }
func utoa(u uint64) string { return strconv.FormatUint(u, 10) }

// cmpSorted compares string slices as sets with order ignored.
var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	return out
})

// eq builds = constraints, several values making an IN list.
func eq(col string, vals ...string) map[string][]Constraint {
	m := map[string][]Constraint{}
	for _, v := range vals {
		m[col] = append(m[col], Constraint{Op: OpEquals, Expr: v})
	}
	return m
}

// and joins constraint maps.
func and(ms ...map[string][]Constraint) map[string][]Constraint {
	out := map[string][]Constraint{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = append(out[k], v...)
		}
	}
	return out
}
