package shell

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHistoryEntries(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"one line", []string{"SELECT 1;"}, []string{"SELECT 1;"}},
		{"lines joined", []string{"SELECT *", "  FROM t", "", "WHERE x = 1;"}, []string{"SELECT * FROM t WHERE x = 1;"}},
		{"leading space: not kept", []string{" SELECT secret;"}, nil},
		{"leading tab: not kept", []string{"\tSELECT secret", "FROM t;"}, nil},
		{"a comment keeps the lines apart", []string{"SELECT * -- all", "FROM t;"}, []string{"SELECT * -- all", "FROM t;"}},
		{"a dot-command", []string{".tables net"}, []string{".tables net"}},
		{"empty", []string{""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, historyEntries(tt.lines)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestHistoryFile checks that entries are appended, that reading keeps
// the last historyLimit usable lines and cuts the file back, and that a
// file that cannot be opened is one warning.
func TestHistoryFile(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	path := filepath.Join(home, historyFile)
	var lines []string
	for i := range historyLimit + 10 {
		lines = append(lines, fmt.Sprintf("SELECT %d;", i))
	}
	lines = append(lines, strings.Repeat("x", historyMaxLine+1), "SELECT 'last';")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	h, entries := openHistory(warn)
	if len(entries) != historyLimit || entries[0] != "SELECT 11;" || entries[len(entries)-1] != "SELECT 'last';" {
		t.Errorf("read %d entries, %q ... %q", len(entries), entries[0], entries[len(entries)-1])
	}
	h.add("SELECT 'new';")
	h.add("SELECT 'new';") // a repeat is not written
	h.close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(got) != historyLimit+1 || got[len(got)-1] != "SELECT 'new';" || got[0] != "SELECT 11;" {
		t.Errorf("file has %d lines, %q ... %q", len(got), got[0], got[len(got)-1])
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}

	// A directory where the file should be: one warning, nothing written.
	home2 := t.TempDir()
	t.Setenv("HOME", home2)
	if err := os.Mkdir(filepath.Join(home2, historyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	h, _ = openHistory(warn)
	h.add("SELECT 1;")
	h.close()
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "history not saved: ") {
		t.Errorf("warnings %q, want one", warnings)
	}

	// No $HOME.
	t.Setenv("HOME", "")
	warnings = nil
	h, _ = openHistory(warn)
	h.add("SELECT 1;")
	if len(warnings) != 1 {
		t.Errorf("warnings %q, want one", warnings)
	}
}
