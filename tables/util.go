package tables

import (
	"cmp"
	"slices"
)

// dedup returns the distinct values of vs, sorted: an IN list may repeat one.
func dedup[V cmp.Ordered](vs []V) []V {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return slices.Compact(vs)
}
