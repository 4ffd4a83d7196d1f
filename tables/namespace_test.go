package tables

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// nsProbeRow is what the probe table reports: the namespace it ran in (as
// its thread saw it inside q.NetNS.Do) and the two namespace cells.
type nsProbeRow struct {
	Pid, NetNS string // "" for NULL
	Inode      uint64
}

// newNSProbe is a table with one row: the inode of the namespace Generate's
// thread is in once switched to q.NetNS.
func newNSProbe(gen func(q *Query) error) *Table[uint64] {
	return &Table[uint64]{
		Name: "ns_probe",
		Doc:  "Test table: the namespace a query ran in.",
		Columns: []Column[uint64]{
			Uint("inode", "the thread's /proc/thread-self/ns/net inode", func(p *uint64) uint64 { return *p }),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*uint64) error) error {
			if gen != nil {
				if err := gen(q); err != nil {
					return err
				}
			}
			var ino uint64
			err := q.NetNS.Do(func() error {
				var st unix.Stat_t
				if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
					return err
				}
				ino = st.Ino
				return nil
			})
			if err != nil {
				return fmt.Errorf("probe: %w", err)
			}
			return emit(&ino)
		},
	}
}

// nsRun runs tb with the constraints and returns its rows and warnings.
func nsRun(t testing.TB, tb Interface, cons map[string][]Constraint) ([]nsProbeRow, []string, error) {
	t.Helper()
	q := NewQuery(tb.Spec(), cons, nil)
	var mu sync.Mutex
	var warnings []string
	q.Logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	spec := tb.Spec()
	ip, in := spec.Index(colPidWithNamespace), spec.Index(colNetNS)
	var rows []nsProbeRow
	err := tb.Run(t.Context(), q, func(cells []Value) error {
		rows = append(rows, nsProbeRow{Pid: cells[ip].String(), NetNS: cells[in].String(), Inode: uint64(cells[0].Int)})
		return nil
	})
	return rows, warnings, err
}

// nsEq is the constraints col = v for each v (an IN list).
func nsEq(cons map[string][]Constraint, col string, vals ...string) map[string][]Constraint {
	if cons == nil {
		cons = map[string][]Constraint{}
	}
	for _, v := range vals {
		cons[col] = append(cons[col], Constraint{Op: OpEquals, Expr: v})
	}
	return cons
}

// nsOwnInode is the inode of the test process's network namespace.
func nsOwnInode(t testing.TB) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func TestNamespaceColumns(t *testing.T) {
	want := []ColumnDef{
		{Name: "pid_with_namespace", Type: TypeInteger, Options: Hidden | Additional},
		{Name: "netns", Type: TypeText, Options: Hidden | Additional},
		{Name: "netns_inode", Type: TypeBigInt, Options: Hidden},
		{Name: "netns_name", Type: TypeText, Options: Hidden},
	}
	for _, tb := range append(All(), newNSProbe(nil)) {
		cols := tb.Spec().Columns
		if len(cols) < len(want) {
			t.Fatalf("%s: %d columns", tb.Spec().Name, len(cols))
		}
		got := append([]ColumnDef(nil), cols[len(cols)-len(want):]...)
		for i := range got {
			if got[i].Doc == "" {
				t.Errorf("%s.%s: no description", tb.Spec().Name, got[i].Name)
			}
			got[i].Doc = ""
		}
		checkSame(t, want, got, "%s: namespace columns (-want +got)", tb.Spec().Name)
	}
}

// TestNamespaceConstraints checks how pid_with_namespace and netns select
// namespaces, with values that need no privilege: the test's own process
// (which runs as netlinkx.Own, without setns) and bad input of every kind.
func TestNamespaceConstraints(t *testing.T) {
	own := nsOwnInode(t)
	self := strconv.Itoa(os.Getpid())
	selfPath := "/proc/" + self + "/ns/net"
	const pidCol, nsCol = colPidWithNamespace, colNetNS
	ownRow := func(pid, netns string) nsProbeRow { return nsProbeRow{Pid: pid, NetNS: netns, Inode: own} }
	tests := []struct {
		name     string
		cons     map[string][]Constraint
		want     []nsProbeRow
		warnings []string // each a substring of one warning, in order
	}{
		{name: "no constraint", want: []nsProbeRow{ownRow("", "")}},
		{name: "other operator selects nothing",
			cons: map[string][]Constraint{pidCol: {{Op: OpGreater, Expr: "0"}}},
			want: []nsProbeRow{ownRow("", "")}},
		{name: "own pid", cons: nsEq(nil, pidCol, self), want: []nsProbeRow{ownRow(self, "")}},
		{name: "repeated pid once", cons: nsEq(nil, pidCol, self, self), want: []nsProbeRow{ownRow(self, "")}},
		{name: "pid as a real", cons: nsEq(nil, pidCol, self+".0"), want: []nsProbeRow{ownRow(self, "")}},
		{name: "pid not a number", cons: nsEq(nil, pidCol, "abc"),
			warnings: []string{`pid_with_namespace = "abc": not a process id`}},
		{name: "pid with a fraction", cons: nsEq(nil, pidCol, "1.5"), warnings: []string{"not a process id"}},
		{name: "pid zero", cons: nsEq(nil, pidCol, "0"), warnings: []string{"pid_with_namespace = 0: open netns of pid 0: not a process id"}},
		{name: "pid negative", cons: nsEq(nil, pidCol, "-7"), warnings: []string{"not a process id"}},
		{name: "pid that does not exist", cons: nsEq(nil, pidCol, "99999999"),
			warnings: []string{"pid_with_namespace = 99999999: open netns /proc/99999999/ns/net: no such file or directory"}},
		{name: "good and bad pids", cons: nsEq(nil, pidCol, "99999999", self, "x"),
			want:     []nsProbeRow{ownRow(self, "")},
			warnings: []string{`"x": not a process id`, "99999999"}},
		{name: "netns by path", cons: nsEq(nil, nsCol, "/proc/self/ns/net"), want: []nsProbeRow{ownRow("", "/proc/self/ns/net")}},
		{name: "netns name with slash", cons: nsEq(nil, nsCol, "a/b"), warnings: []string{`netns = "a/b": open netns "a/b": not a namespace name`}},
		{name: "netns dotdot", cons: nsEq(nil, nsCol, ".."), warnings: []string{"not a namespace name"}},
		{name: "netns empty", cons: nsEq(nil, nsCol, ""), warnings: []string{"empty name"}},
		{name: "netns unknown name", cons: nsEq(nil, nsCol, "nlq-no-such-ns"), warnings: []string{"no such file or directory"}},
		{name: "netns not a namespace file", cons: nsEq(nil, nsCol, "/etc/hostname"), warnings: []string{"not a network namespace"}},
		{name: "netns another namespace type", cons: nsEq(nil, nsCol, "/proc/self/ns/uts"), warnings: []string{"not a network namespace"}},
		{name: "good and bad netns", cons: nsEq(nil, nsCol, "/etc/hostname", selfPath),
			want: []nsProbeRow{ownRow("", selfPath)}, warnings: []string{"/etc/hostname"}},
		{name: "pid and netns naming one namespace", cons: nsEq(nsEq(nil, pidCol, self), nsCol, selfPath, "/proc/self/ns/net"),
			want: []nsProbeRow{ownRow(self, selfPath), ownRow(self, "/proc/self/ns/net")}}, // values in byte order
		{name: "pid and netns naming different namespaces", cons: nsEq(nsEq(nil, pidCol, self), nsCol, "/proc/self/ns/uts"),
			warnings: []string{"not a network namespace"}},
		{name: "pid bad and netns good", cons: nsEq(nsEq(nil, pidCol, "99999999"), nsCol, selfPath),
			warnings: []string{"99999999"}},
	}
	probe := newNSProbe(nil)
	before := nstest.OpenFDs(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, warnings, err := nsRun(t, probe, tt.cons)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, tt.want, rows, "rows (-want +got)")
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings %q, want %d like %q", warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warnings[i], w) || !strings.HasPrefix(warnings[i], "table ns_probe: skip ") {
					t.Errorf("warning %q, want \"table ns_probe: skip ...%s...\"", warnings[i], w)
				}
			}
		})
	}
	if after := nstest.OpenFDs(t); after != before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
}

// TestNamespaceErrors checks that a table's own error and panic end the
// query (they are not namespace warnings) and leak no descriptor.
func TestNamespaceErrors(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	selfPath := "/proc/" + self + "/ns/net"
	cons := nsEq(nsEq(nil, colPidWithNamespace, self), colNetNS, selfPath)
	before := nstest.OpenFDs(t)
	for _, tt := range []struct {
		name string
		gen  func(q *Query) error
		want string
	}{
		{"error", func(q *Query) error { return fmt.Errorf("dump things: %w", unix.EIO) }, "dump things: input/output error"},
		{"panic", func(q *Query) error { panic("boom") }, "panic in table ns_probe: boom"},
	} {
		for name, cons := range map[string]map[string][]Constraint{
			"pid":  nsEq(nil, colPidWithNamespace, self),
			"name": nsEq(nil, colNetNS, selfPath),
			"both": cons,
		} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				_, warnings, err := nsRun(t, newNSProbe(tt.gen), cons)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Run: %v, want an error with %q", err, tt.want)
				}
				if len(warnings) != 0 {
					t.Errorf("warnings %q, want none", warnings)
				}
			})
		}
	}
	if after := nstest.OpenFDs(t); after != before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
}

// TestIntegralPid checks pid_with_namespace values as integral reads them:
// a decimal integer, or a real with no fraction (SQLite may pass 1234.0).
func TestIntegralPid(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1234", 1234, true},
		{"-3", -3, true},
		{"1234.0", 1234, true},
		{"1e3", 1000, true},
		{"1.5", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"1e300", 0, false},
		{"NaN", 0, false},
	} {
		got, ok := integral(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("integral(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
