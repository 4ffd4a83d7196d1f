package shell

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/tables"
)

// TestDotCommands runs each dot-command in a script over the fruit table
// and compares what it prints.
func TestDotCommands(t *testing.T) {
	tests := []struct {
		name, script, want, stderr string
		status                     int
	}{
		{name: "all", script: ".mode csv\n.all fruit\n", want: "name|count|note\napple|3|\npear|5|\"a \"\"quoted\"\", note|with sep\"\nplum|7|\"a \"\"quoted\"\", note|with sep\"\n"},
		{name: "all unknown table", script: ".all nope\n", stderr: "Error: no such table: nope\n", status: 1},
		{name: "bail on is a script's default", script: "SELECT * FROM nope;\nSELECT 1 AS one;\n",
			stderr: "Error: no such table: nope\n", status: 1},
		{name: "bail off goes on", script: ".bail off\n.mode csv\nSELECT * FROM nope;\nSELECT 1 AS one;\n",
			want: "one\n1\n", stderr: "Error: no such table: nope\n", status: 1},
		{name: "echo", script: ".echo on\n.mode csv\nSELECT 1 AS one;\n", want: ".mode csv\nSELECT 1 AS one\none\n1\n"},
		{name: "exit with status", script: ".exit 3\nSELECT 1;\n", status: 3},
		{name: "exit", script: ".exit\nSELECT 1;\n"},
		{name: "nullvalue", script: ".mode csv\n.nullvalue NULL\nSELECT note FROM fruit WHERE name = 'apple';\n", want: "note\nNULL\n"},
		{name: "print", script: `.print hello   "wide\tworld" 'as it is\t'` + "\n", want: "hello wide\tworld as it is\\t\n"},
		{name: "show", script: ".nullvalue -\n.width 3 -4\n.show\n", want: `         bail: on
         echo: off
      headers: on
         mode: pretty
        netns: (own)
    nullvalue: "-"
       output: stdout
    separator: "|"
        timer: off
        width: 3 -4
`},
		{name: "summary is show", script: ".summary\n", want: "         bail: on\n         echo: off\n      headers: on\n         mode: pretty\n        netns: (own)\n    nullvalue: \"\"\n       output: stdout\n    separator: \"|\"\n        timer: off\n        width: \n"},
		{name: "tables prefix", script: ".tables fr\n.tables b%\n.tables x\n", want: "  => fruit\n"},
		{name: "types", script: ".mode csv\n.types SELECT name, count * 2 AS twice, note FROM fruit\n",
			want: "name|type\nname|TEXT\ntwice|\nnote|TEXT\n"},
		{name: "types of a write is refused", script: ".types CREATE TABLE t(x)\nSELECT name FROM sqlite_master;\n",
			stderr: "Error: not a query that returns rows: CREATE TABLE t(x)\n", status: 1},
		{name: "width", script: ".width 4 -6\nSELECT name, count FROM fruit WHERE count < 6;\n", want: `+------+--------+
| name |  count |
+------+--------+
| appl |      3 |
| pear |      5 |
+------+--------+
`},
		{name: "width reset", script: ".width 2\n.width\nSELECT name FROM fruit WHERE count = 3;\n", want: "+-------+\n| name  |\n+-------+\n| apple |\n+-------+\n"},
		{name: "unknown", script: ".bogus\n", stderr: "Error: unknown command .bogus (see .help)\n", status: 1},
		{name: "bad argument", script: ".timer maybe\n", stderr: "Error: .timer takes on or off\n", status: 1},
		{name: "explain", script: ".explain SELECT count FROM fruit WHERE name = 'pear'\n",
			want: "table fruit WHERE name = 'pear'; columns: name, count\n1 rows, 1 table calls, 0 dump requests, 0 /proc walks\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh, out, errb := testShell(t, "pretty", newRecorder("fruit").table)
			status := sh.script(strings.NewReader(tt.script))
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.stderr, errb.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDotTimer checks .timer's line: real, user and sys seconds.
func TestDotTimer(t *testing.T) {
	sh, out, errb := testShell(t, "csv", newRecorder("fruit").table)
	if status := sh.script(strings.NewReader(".timer on\nSELECT count(*) AS n FROM fruit;\n.timer off\nSELECT 1 AS one;\n")); status != 0 {
		t.Fatalf("status %d: %s", status, errb)
	}
	re := regexp.MustCompile(`^n\n3\nRun Time: real \d+\.\d{3} user \d+\.\d{6} sys \d+\.\d{6}\none\n1\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("output %q does not match %s", out, re)
	}
}

// TestDotHelpListsEveryCommand checks that .help lists every dot-command
// the shell runs, and that each listed one is known to dot.
func TestDotHelpListsEveryCommand(t *testing.T) {
	sh, out, _ := testShell(t, "csv", newRecorder("fruit").table)
	sh.script(strings.NewReader(".help\n"))
	for _, c := range dotCommands {
		if !strings.Contains(out.String(), "\n"+c.name+" ") && !strings.HasPrefix(out.String(), c.name+" ") {
			t.Errorf(".help does not list %s", c.name)
		}
		if err := sh.dot(c.name + " x y z"); err != nil && strings.Contains(err.Error(), "unknown command") {
			t.Errorf("%s is listed but unknown", c.name)
		}
	}
	for _, want := range []string{".all", ".bail", ".echo", ".exit", ".explain", ".netns", ".nullvalue", ".print",
		".show", ".summary", ".tables", ".timer", ".types", ".width"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf(".help does not list %s", want)
		}
	}
}

// TestDotExplainRealTables checks .explain on tables that dump: the
// constraints a table gets, and the requests it sends with them.
func TestDotExplainRealTables(t *testing.T) {
	sh, out, errb := testShell(t, "csv", tables.All()...)
	script := ".explain SELECT interface FROM netlink_links WHERE interface = 'lo'\n" +
		".explain SELECT local_port FROM netlink_sockets WHERE state = 'LISTEN' AND local_port = 1 AND family = 'inet' AND protocol = 'tcp'\n"
	if status := sh.script(strings.NewReader(script)); status != 0 {
		t.Fatalf("status %d: %s", status, errb)
	}
	for _, want := range []string{
		"table netlink_links WHERE interface = 'lo'; columns: interface\n",
		"  dump NETLINK_ROUTE RTM_GETLINK\n",
		"table netlink_sockets WHERE family = 'inet' AND local_port = '1' AND protocol = 'tcp' AND state = 'LISTEN'; columns: family, protocol, local_port, state\n",
		"  dump NETLINK_SOCK_DIAG SOCK_DIAG_BY_FAMILY AF_INET IPPROTO_TCP states LISTEN sport 1\n",
		"0 rows, 1 table calls, 1 dump requests, 0 /proc walks\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
