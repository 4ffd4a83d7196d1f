package tables

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// lastEID is the largest eid of rows, 0 for none.
func lastEID(t testing.TB, rows []map[string]string) uint64 {
	var last uint64
	for _, r := range rows {
		v, err := strconv.ParseUint(r[colEID], 10, 64)
		if err != nil {
			t.Fatalf("eid %q: %v", r[colEID], err)
		}
		last = max(last, v)
	}
	return last
}

// matching returns the rows whose columns have the given values.
func matching(rows []map[string]string, want map[string]string) []map[string]string {
	var out []map[string]string
next:
	for _, r := range rows {
		for k, v := range want {
			if r[k] != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

// subscribed subscribes table's stream in ns (the first read does) and
// returns the last eid buffered there so far.
func subscribed(t testing.TB, table Interface, ns netlinkx.NetNS) uint64 {
	t.Helper()
	return lastEID(t, eventRows(t, table, ns, nil))
}

func describe(rows []map[string]string) string {
	s := ""
	for _, r := range rows {
		s += fmt.Sprintln(r)
	}
	return s
}
