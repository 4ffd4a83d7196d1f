package osqueryplan

import (
	"encoding/json"
	"testing"
)

// parseJSONRows reads osqueryi's --json output (every value a string) into
// rows in cols' order.
func parseJSONRows(t testing.TB, out []byte, cols []string) [][]string {
	t.Helper()
	var objs []map[string]string
	if err := json.Unmarshal(out, &objs); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	rows := make([][]string, 0, len(objs))
	for _, o := range objs {
		r := make([]string, len(cols))
		for i, c := range cols {
			r[i] = o[c]
		}
		rows = append(rows, r)
	}
	return rows
}
