package sqlhost

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"github.com/netlinkq/netlinkq/tables"
)

// privHost is an embedded host over every table reading ns by default (as
// --netns does), and the warnings it logged.
type privHost struct {
	*Host
	mu       sync.Mutex
	warnings []string
}

func newPrivHost(t *testing.T, ns *nstest.NS) *privHost {
	t.Helper()
	h := &privHost{}
	host, err := New(tables.All(), Options{NetNS: ns.Open(), Logf: func(format string, args ...any) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.warnings = append(h.warnings, fmt.Sprintf(format, args...))
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close() })
	h.Host = host
	return h
}

// query runs one statement and returns its rows as text (NULL as "NULL"),
// or the error. A statement still running after 20 s fails the test: a
// hang is a bug, whatever the input.
func (h *privHost) query(t *testing.T, q string) ([][]string, error) {
	t.Helper()
	type result struct {
		rows [][]string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		rows, err := h.queryContext(ctx, q)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer rows.Close()
		out, err := testbin.Rows(rows, "NULL")
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.rows, r.err
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: no answer within 20s (a hang)", testbin.Short(q))
		return nil, nil
	}
}

// privCheckErr fails the test unless err is nil or a clear one-line error:
// no stack, no panic.
func privCheckErr(t *testing.T, q string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine ") || strings.Contains(strings.ToLower(msg), "panic") {
		t.Errorf("%s: error is not one clear line: %q", testbin.Short(q), msg)
	}
}

// privHostile are right-hand sides of the wrong type, or of the right type
// with values no kernel object has: strings where numbers belong and
// numbers where strings belong, NULL, blobs, reals, huge and negative
// integers, path tricks, a 64 KiB string.
var privHostile = []string{
	"'http'", "NULL", "-1", "999999999", "18446744073709551615", "1.0", "80", "x'00ff'", "'../../etc/passwd'",
	"''", "0", "9223372036854775807", "-9223372036854775808", "1e308", "-0.0", "0.5", "80.0",
	"'1.0'", "' 1 '", "'1e0'", "'NaN'", "'%'", "'/etc/passwd'", "'/proc/self/ns/net'",
	"x''", "char(0)", "'lo' || char(0)", "'" + strings.Repeat("a", 64<<10) + "'",
}

// privOps are hostile constraints with other operators and an IN list; %s
// is the column.
var privOps = []string{
	"%s > 'http' AND %[1]s <= -1e308",
	"%s LIKE '%%' || char(0) || '%%' OR %[1]s GLOB '['",
	"%s IN (NULL, 'http', -1, 1.5, x'00')",
}

// privBudget is about how long TestBadInputEveryColumn spends on the hostile
// values of one table. Reading netlink_sockets or tcp_info walks the
// kernel's global socket hash, tens of ms when other tests hold many
// sockets: such a table gets fewer values per column, rotated so that
// every value still meets some column.
const privBudget = 1500 * time.Millisecond

// privStable are the tables whose rows do not change between two reads in
// privQuietNS: no counters, no timers, no sockets of our own.
var privStable = map[string]bool{
	"if_map": true, "netlink_links": true, "netlink_addresses": true, "link_settings": true,
	"inet_devconf": true, "inet6_devconf": true, "inet6_interfaces": true,
}

// privUnstableColumns are columns of stable tables that still move (timers).
var privUnstableColumns = map[string]bool{
	"inet6_interfaces.tstamp": true, "inet6_interfaces.reachable_time": true,
}

// TestBadInputEveryColumn puts hostile constraints on every column of every
// table: each statement answers, never with an error (a value of the wrong
// type matches nothing, or what SQLite says it matches), within the time
// limit, never a panic. On the tables that do not change between two reads,
// a = constraint (hostile, or a value the column has, also written as a
// real, as text, or as a number literal) returns exactly as many rows as
// SQLite itself finds in a snapshot of the unconstrained rows (CREATE TABLE
// AS keeps the column affinities, so SQLite compares the same way): a table
// that narrows its kernel request by a value SQLite compares differently
// loses rows, and that is a bug.
func TestBadInputEveryColumn(t *testing.T) {
	ns := testbin.QuietNS(t)
	h := newPrivHost(t, ns)
	for _, tab := range tables.All() {
		spec := tab.Spec()
		t.Run(spec.Name, func(t *testing.T) {
			table := quoteIdent(spec.Name)
			stable := privStable[spec.Name]
			snap := quoteIdent("snap_" + spec.Name)
			if stable {
				if _, err := h.exec("CREATE TEMP TABLE " + snap + " AS SELECT * FROM " + table); err != nil {
					t.Fatalf("snapshot: %v", err)
				}
				defer h.db.Exec("DROP TABLE " + snap)
			}
			// How many hostile values each column gets, from the cost of a read.
			start := time.Now()
			if _, err := h.query(t, "SELECT count(*) FROM "+table); err != nil {
				t.Fatal(err)
			}
			perCol := int(privBudget / max(time.Since(start), time.Microsecond) / time.Duration(len(spec.Columns)))
			perCol = min(max(perCol, 1), len(privHostile)+len(privOps))
			rot := 0
			for _, c := range spec.Columns {
				col := quoteIdent(c.Name)
				checkRows := stable && c.Options&tables.Hidden == 0 && !privUnstableColumns[spec.Name+"."+c.Name]
				var stmts []string
				for range perCol {
					if i := rot % (len(privHostile) + len(privOps)); i < len(privHostile) {
						stmts = append(stmts, col+" = "+privHostile[i])
					} else {
						stmts = append(stmts, fmt.Sprintf(privOps[i-len(privHostile)], col))
					}
					rot++
				}
				if checkRows {
					for _, v := range privColumnValues(t, h, snap, col) {
						stmts = append(stmts, col+" = "+v)
					}
				}
				seen := map[string]bool{}
				for _, where := range stmts {
					if seen[where] {
						continue
					}
					seen[where] = true
					q := "SELECT count(*) FROM " + table + " WHERE " + where
					got, err := h.query(t, q)
					privCheckErr(t, q, err)
					if err != nil {
						t.Errorf("%s: %v (a value of the wrong type is no error: it matches nothing, or what SQLite says)", testbin.Short(q), err)
						continue
					}
					if !checkRows {
						continue
					}
					want, err := h.query(t, "SELECT count(*) FROM "+snap+" WHERE "+where)
					if err != nil {
						t.Fatal(err)
					}
					if got[0][0] != want[0][0] {
						// Read again, in case the kernel changed after all.
						again, _ := h.query(t, q)
						all, _ := h.query(t, "SELECT count(*) FROM "+table)
						t.Errorf("%s: %s rows (again: %v), want %s as in the snapshot (unconstrained now: %v)",
							testbin.Short(q), got[0][0], again, want[0][0], all)
					}
				}
			}
		})
	}
	t.Logf("%d warnings, e.g. %q", len(h.warnings), h.warnings[:min(len(h.warnings), 3)])
}

// privColumnValues are up to three values col has in snap, as SQL literals
// (quote()), with each integer also as a real ("80.0") and as text
// ("'80'"), and each text that reads as a number also as that number
// literal (interface "1.0" as 1.0), which SQLite's affinities compare equal.
func privColumnValues(t *testing.T, h *privHost, snap, col string) []string {
	t.Helper()
	rows, err := h.query(t, "SELECT DISTINCT quote("+col+") FROM "+snap+" ORDER BY 1 LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range rows {
		v := r[0]
		vals = append(vals, v)
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			vals = append(vals, v+".0", "'"+v+"'")
		}
		if text, ok := strings.CutPrefix(v, "'"); ok {
			text = strings.TrimSuffix(text, "'")
			if _, err := strconv.ParseFloat(text, 64); err == nil && !strings.ContainsAny(text, "xXnNiI_") {
				vals = append(vals, text)
			}
		}
	}
	return vals
}

// TestBadInputHugeIN passes a 2000-value IN list on the columns whose
// values become kernel requests: it answers, correctly, in time.
func TestBadInputHugeIN(t *testing.T) {
	ns := testbin.QuietNS(t)
	h := newPrivHost(t, ns)
	strs := make([]string, 2000)
	ints := make([]string, 2000)
	for i := range strs {
		strs[i] = fmt.Sprintf("'no-such-%d'", i)
		ints[i] = strconv.Itoa(i + 1000)
	}
	tests := []struct {
		table, col string
		vals       []string
		want       string
	}{
		{"netlink_sockets", "state", append(slices.Clone(strs), "'LISTEN'"), "0"},
		{"netlink_sockets", "family", strs, "0"},
		{"if_map", "interface", append(slices.Clone(strs), "'lo'"), "1"},
		{"if_map", "index", append(slices.Clone(ints), "1"), "1"},
		{"netlink_links", "interface", append(slices.Clone(strs), "'bva'", "'1.0'"), "2"},
		{"link_settings", "index", append(slices.Clone(ints), "1"), "1"},
		{"netlink_addresses", "interface", append(slices.Clone(strs), "'bva'"), "4"},
		{"inet6_devconf", "interface", append(slices.Clone(strs), "'lo'"), "1"},
	}
	for _, tt := range tests {
		t.Run(tt.table+"."+tt.col, func(t *testing.T) {
			q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IN (%s)", quoteIdent(tt.table), quoteIdent(tt.col), strings.Join(tt.vals, ", "))
			got, err := h.query(t, q)
			if err != nil {
				t.Fatalf("%s: %v", testbin.Short(q), err)
			}
			if got[0][0] != tt.want {
				t.Errorf("%s: %s rows, want %s", testbin.Short(q), got[0][0], tt.want)
			}
		})
	}
}
