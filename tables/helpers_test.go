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
