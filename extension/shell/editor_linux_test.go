package shell

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestTerminalHistoryAcrossRuns types statements in one shell and recalls
// them with Up and with Ctrl-R in the next; a statement typed with a
// leading space is not saved.
func TestTerminalHistoryAcrossRuns(t *testing.T) {
	home := t.TempDir()
	tm := startTerm(t, home, "--csv")
	tm.typ("SELECT 'hist' || (40 + 2) AS v;" + keyEnter)
	tm.expect("hist42")
	tm.typ(" SELECT 'secret' || 1 AS v;" + keyEnter)
	tm.expect("secret1")
	tm.typ("SELECT 'two' ||" + keyEnter + "  'lines' AS v;" + keyEnter)
	tm.expect("twolines")
	tm.exit()
	if got, want := historyIn(t, home), "SELECT 'hist' || (40 + 2) AS v;\nSELECT 'two' || 'lines' AS v;\n"; got != want {
		t.Errorf("history file %q, want %q", got, want)
	}

	tm = startTerm(t, home, "--csv")
	tm.typ(keyUp + keyUp + keyEnter) // the one before the last
	tm.expect("hist42")
	tm.typ(keyUp + keyUp + keyEnter) // before the one just run: the statement of two lines
	tm.expect("twolines")
	tm.typ(ctrlR + "hist" + keyEnter)
	tm.expect("hist42")
	tm.typ(ctrlD)
	tm.wait()
}

// TestTerminalEditingKeys checks the Emacs keys: Ctrl-A/E move, Ctrl-W and
// Ctrl-U and Ctrl-K cut, Ctrl-C drops the line and the statement typed so
// far, and Ctrl-D on an empty line exits with status 0.
func TestTerminalEditingKeys(t *testing.T) {
	tm := startTerm(t, t.TempDir(), "--csv")
	// "AS v;" then Ctrl-A to the start, type the head, Ctrl-E to the end.
	tm.typ("AS v;" + ctrlA + "SELECT 'edited' " + ctrlE + keyEnter)
	tm.expect("edited")
	tm.typ("SELECT 'cut' AS v; junk words" + ctrlW + ctrlW + keyEnter)
	tm.expect("cut")
	tm.typ("garbage" + ctrlU + "SELECT 'killed' AS v; trailing" + ctrlA + "SELECT 'k' AS v;" + ctrlK + keyEnter)
	tm.expect("\nk\r\n")
	tm.typ("SELECT 'dropped'" + keyEnter + "  AS v" + ctrlC)
	tm.expect("netlinkq> ")
	tm.typ("SELECT 'fresh' AS v;" + keyEnter)
	out := tm.expect("fresh")
	if strings.Contains(out, "dropped") && !strings.Contains(out, "SELECT 'dropped'") {
		t.Errorf("the statement dropped by Ctrl-C ran: %q", out)
	}
	tm.typ("SELECT 'half" + ctrlD) // Ctrl-D on a line with text deletes, it does not exit
	tm.typ(ctrlU + ctrlD)
	if status := tm.wait(); status != 0 {
		t.Errorf("status %d", status)
	}
	if strings.Contains(tm.output(), "Error") {
		t.Errorf("errors in %q", tm.output())
	}
}

// TestTerminalTabCompletion completes a table name (netlink_so has two:
// the shorter comes first) and a column of the table named on the line
// before.
func TestTerminalTabCompletion(t *testing.T) {
	tm := startTerm(t, t.TempDir(), "--csv")
	tm.typ("SELECT 'n=' || count(*) AS v FROM netlink_so" + keyTab + keyEnter)
	tm.expect("...> ")
	tm.typ("WHERE sta" + keyTab + " <> 'no such state';" + keyEnter)
	tm.expect("n=")
	tm.typ(".tim" + keyTab + " on" + keyEnter)
	tm.typ("SELECT 1 AS one;" + keyEnter)
	tm.expect("Run Time: real ")
	tm.typ(ctrlD)
	tm.wait()
	if strings.Contains(tm.output(), "Error") {
		t.Errorf("errors in %q", tm.output())
	}
}

// TestTerminalDotCommands runs the dot-commands in the shell on a terminal.
func TestTerminalDotCommands(t *testing.T) {
	tm := startTerm(t, t.TempDir())
	steps := []struct{ keys, want string }{
		{".help", ".explain SQL"},
		{".tables netlink_so", "  => netlink_sockets"},
		{".print hello \"big world\"", "hello big world"},
		{".mode csv", "netlinkq> "},
		{".nullvalue (null)", "netlinkq> "},
		{"SELECT NULL AS n;", "n\r\n(null)\r\n"},
		{".echo on", "netlinkq> "},
		{"SELECT 'echoed' AS e;", "SELECT 'echoed' AS e\r\ne\r\nechoed"},
		{".echo off", "netlinkq> "},
		{".bail on", "netlinkq> "},
		{"SELECT * FROM nope;", "Error: no such table: nope"},
		{"SELECT 'still here' AS s;", "still here"}, // a terminal session goes on
		{".types SELECT interface, mtu * 2 AS m FROM netlink_links", "interface|TEXT\r\nm|\r\n"},
		{".all netlink_namespaces", "inode|name|netnsid|pid|process_count|is_host"},
		{".timer on", "netlinkq> "},
		{"SELECT 1 AS one;", "Run Time: real "},
		{".timer off", "netlinkq> "},
		{".mode pretty", "netlinkq> "},
		{".width 3", "netlinkq> "},
		{"SELECT 'abcdef' AS x;", "| abc |"},
		{".show", "        width: 3"},
		{".summary", "    nullvalue: \"(null)\""},
		{".explain SELECT interface FROM netlink_links WHERE interface = 'lo'", "  dump NETLINK_ROUTE RTM_GETLINK"},
		{".nosuch", "Error: unknown command .nosuch (see .help)"},
		{"SELECT 'goes on' AS s;", "goes on"},
		{".exit 4", ""},
	}
	for _, s := range steps {
		tm.typ(s.keys + keyEnter)
		if s.want != "" {
			tm.expect(s.want)
		}
	}
	if status := tm.wait(); status != 4 {
		t.Errorf("status %d after .exit 4", status)
	}
}

// TestTerminalHistoryNotWritable checks that a history file that cannot be
// written gives one warning line, and the shell works: a read-only home
// (the shell then runs as nobody, since root writes anywhere), a directory
// where the file should be, and no HOME at all.
func TestTerminalHistoryNotWritable(t *testing.T) {
	blocked := t.TempDir()
	if err := os.Mkdir(filepath.Join(blocked, historyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	// A home nobody may read but not write, in a directory nobody may enter.
	readOnly, err := os.MkdirTemp("", "netlinkq-ro-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(readOnly) })
	if err := os.Chmod(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	var nobody *syscall.Credential
	if os.Geteuid() == 0 {
		nobody = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	tests := []struct {
		name string
		home string
		as   *syscall.Credential
	}{
		{"read-only home", readOnly, nobody},
		{"directory in the way", blocked, nil},
		{"no HOME", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := startTermAs(t, tt.as, tt.home, "--csv")
			tm.typ("SELECT 'a' || 1 AS v;" + keyEnter)
			tm.expect("a1")
			tm.typ("SELECT 'b' || 2 AS v;" + keyEnter)
			tm.expect("b2")
			tm.exit()
			if n := strings.Count(tm.output(), "Warning: history not saved: "); n != 1 {
				t.Errorf("%d warnings in %q, want one", n, tm.output())
			}
			if strings.Contains(tm.output(), "Error") {
				t.Errorf("errors in %q", tm.output())
			}
		})
	}
}

// TestTerminalCtrlCStopsAQuery runs a query that reads 20,000 sockets per
// outer row, stops it with Ctrl-C, and runs the next statement; .netns
// switches the namespace the statements read.
func TestTerminalCtrlCStopsAQuery(t *testing.T) {
	ns := nstest.New(t)
	ns.HoldTCPSockets(20000)
	tm := startTerm(t, t.TempDir(), "--csv")
	tm.typ(".netns " + ns.Name + keyEnter)
	tm.typ("SELECT count(*) >= 20000 AS many FROM netlink_sockets WHERE family = 'inet';" + keyEnter)
	tm.expect("many\r\n1\r\n")
	// Type only once the editor prompts again: text typed before it
	// switches the terminal back to raw mode may be flushed.
	tm.expect("netlinkq> ")
	tm.sleep()
	tm.typ("SELECT count(*) FROM netlink_sockets a, netlink_sockets b WHERE a.inode + b.inode = 1;" + keyEnter)
	// Ctrl-C until the shell says the statement stopped: a Ctrl-C that
	// arrives before the statement starts only clears a prompt.
	for i := 0; ; i++ {
		tm.typ(ctrlC)
		if strings.Contains(tm.output(), "Error: interrupted") {
			break
		}
		if i == 200 {
			t.Fatalf("Ctrl-C did not stop the statement:\n%q", tm.output())
		}
		tm.sleep()
	}
	tm.expect("Error: interrupted")
	tm.typ(".netns" + keyEnter)
	tm.typ("SELECT count(*) < 20000 AS few FROM netlink_sockets WHERE family = 'inet';" + keyEnter)
	tm.expect("few\r\n1\r\n")
	tm.exit()
}

// TestTerminalPaste pastes a script of several statements, one of them on
// two lines, and a statement of 30,000 characters on one line: the
// statements run in order, and the long line is taken whole.
func TestTerminalPaste(t *testing.T) {
	home := t.TempDir()
	tm := startTerm(t, home, "--csv")
	tm.typ("SELECT 'p1' AS v; SELECT 'p2' AS v;\rSELECT\r  'p3' AS v;\r.print p4\r")
	out := tm.expect("p4")
	if i1, i2, i3 := strings.Index(out, "\np1"), strings.Index(out, "\np2"), strings.Index(out, "\np3"); i1 < 0 || i2 < i1 || i3 < i2 {
		t.Errorf("p1, p2, p3 not in order in %q", out)
	}
	tm.typ("SELECT length('" + strings.Repeat("x", 30000) + "') AS n;" + keyEnter)
	tm.expect("n\r\n30000\r\n")
	tm.exit()
	// The long statement stays out of the file, whose lines liner reads
	// with a 4,096-byte buffer; the next session still reads the file.
	if h := historyIn(t, home); strings.Contains(h, "xxxx") || !strings.Contains(h, ".print p4\n") {
		t.Errorf("history file %q", h)
	}
}

// historyIn returns the text of the history file the shell keeps in home.
func historyIn(t *testing.T, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, historyFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
