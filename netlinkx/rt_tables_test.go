package netlinkx

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// useRtTables points the rt_tables reader at dirs for the test and forgets
// what it read before and after.
func useRtTables(t *testing.T, dirs ...string) {
	old := rtTablesDirs
	rtTablesDirs = dirs
	rtTablesCur.Store(nil)
	t.Cleanup(func() {
		rtTablesDirs = old
		rtTablesCur.Store(nil)
	})
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRouteTableNames(t *testing.T) {
	usr, etc := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(usr, "rt_tables"), "255 local\n254 main\n253 default\n0 unspec\n7 usronly\n")
	writeFile(t, filepath.Join(etc, "rt_tables"), "# comment\n255\tlocal\n254 main\n100 vpn # trailing comment\n0x65 hexed\nbad line\n300\n")
	writeFile(t, filepath.Join(usr, "rt_tables.d", "a.conf"), "1000 fromusr\n1001 overridden\n")
	writeFile(t, filepath.Join(etc, "rt_tables.d", "a.conf"), "1001 fromusr_a_in_etc\n")
	writeFile(t, filepath.Join(etc, "rt_tables.d", "b.conf"), "1002 vpn\n")
	writeFile(t, filepath.Join(etc, "rt_tables.d", "ignored.txt"), "1003 ignored\n")
	useRtTables(t, usr, etc)
	tests := []struct {
		id   uint32
		name string
	}{
		{255, "local"}, {254, "main"}, {253, "default"}, // reserved names, given here without the files too
		{100, "vpn"}, {101, "hexed"}, {7, "7"}, // /etc's rt_tables replaces /usr/share's
		{1000, "1000"}, {1001, "fromusr_a_in_etc"}, // a.conf in /etc replaces a.conf in /usr/share
		{1002, "vpn"}, {1003, "1003"}, {300, "300"}, {0, "0"},
	}
	for _, tt := range tests {
		if got := RouteTableName(tt.id); got != tt.name {
			t.Errorf("RouteTableName(%d) = %q, want %q", tt.id, got, tt.name)
		}
	}
	for _, tt := range []struct {
		name string
		want []uint32
	}{
		{"vpn", []uint32{100, 1002}}, {"main", []uint32{254}}, {"101", []uint32{101}}, {"0x65", []uint32{101}},
		{"usronly", nil}, {"nope", nil},
	} {
		got := RouteTableIDs(tt.name)
		slices.Sort(got)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("RouteTableIDs(%q) (-want +got):\n%s", tt.name, diff)
		}
	}

	t.Run("a changed file is read again", func(t *testing.T) {
		writeFile(t, filepath.Join(etc, "rt_tables"), "100 renamed\n")
		future := time.Now().Add(time.Hour)
		if err := os.Chtimes(filepath.Join(etc, "rt_tables"), future, future); err != nil {
			t.Fatal(err)
		}
		if got := RouteTableName(100); got != "vpn" {
			t.Errorf("within %v of the last look, RouteTableName(100) = %q, want the cached vpn", rtTablesRecheck, got)
		}
		cur := *rtTablesCur.Load()
		cur.checked = time.Time{}
		rtTablesCur.Store(&cur)
		if got := RouteTableName(100); got != "renamed" {
			t.Errorf("RouteTableName(100) = %q after the file changed, want renamed", got)
		}
	})

	t.Run("no files", func(t *testing.T) {
		useRtTables(t, filepath.Join(t.TempDir(), "none"))
		if got := RouteTableName(254); got != "main" {
			t.Errorf("RouteTableName(254) = %q without files, want main", got)
		}
	})
}
