package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// shellRun runs the binary's entry point in-process.
func shellRun(t *testing.T, stdin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errb bytes.Buffer
	status = run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), status
}

// TestCommandLine runs the real registry through run(): SQL as an argument
// and from stdin, formats, and one-line errors with exit status 1.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string
		wantErr    string
		wantStatus int
	}{
		{"argument, json", "", []string{"--json", "SELECT interface FROM if_map WHERE interface = 'lo'"},
			"[\n  {\"interface\":\"lo\"}\n]\n", "", 0},
		{"stdin, csv", "SELECT interface, \"index\" FROM if_map WHERE \"index\" = 1;", []string{"--csv"},
			"interface|index\nlo|1\n", "", 0},
		{"join of registry tables", "", []string{"--csv", "SELECT a.interface FROM if_map a JOIN if_map b ON a.\"index\" = b.\"index\" WHERE b.interface = 'lo'"},
			"interface\nlo\n", "", 0},
		{"hidden columns stay out of SELECT *", "", []string{"--line", "SELECT * FROM if_map WHERE interface = 'lo'"},
			"interface = lo\n    index = 1\nmem_start = 0\n  mem_end = 0\nbase_addr = 0\n      irq = 0\n      dma = 0\n     port = 0\n", "", 0},
		{"a column past the 32nd", "", []string{"--csv", "SELECT interface, proto_down FROM netlink_links WHERE interface = 'lo'"},
			"interface|proto_down\nlo|0\n", "", 0},
		{"a column past the 60th", "", []string{"--csv", "SELECT interface, ra_honor_pio_life IS NOT NULL AS sent FROM inet6_devconf WHERE interface = 'lo'"},
			"interface|sent\nlo|1\n", "", 0},
		{"unknown table", "", []string{"SELECT * FROM no_such_table"}, "", "Error: no such table: no_such_table\n", 1},
		{"syntax error", "", []string{"SELEC 1"}, "", "Error: near \"SELEC\": syntax error\n", 1},
		{"stops at first error", "SELECT 1 AS a;\nSELECT * FROM nope;\nSELECT 2 AS b;\n", []string{"--csv"}, "a\n1\n", "Error: no such table: nope\n", 1},
		{"unknown flag", "", []string{"--frobnicate"}, "", "Error: unknown flag --frobnicate (see --help)\n", 1},
		{"netns that does not exist", "", []string{"--netns", "nlq-no-such-ns", "SELECT 1"}, "", "", 1},
		{"version", "", []string{"--version"}, "netlinkq version dev\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, status := shellRun(t, tt.stdin, tt.args...)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d (stderr %q)", status, tt.wantStatus, errs)
			}
			if diff := cmp.Diff(tt.wantOut, out); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if tt.wantErr != "" {
				if diff := cmp.Diff(tt.wantErr, errs); diff != "" {
					t.Errorf("stderr (-want +got):\n%s", diff)
				}
			}
			if strings.Count(errs, "\n") > 1 || strings.Contains(errs, "goroutine") {
				t.Errorf("stderr is not one line: %q", errs)
			}
		})
	}
}

// TestNetNSFlag runs a whole query inside a namespace made for the test.
func TestNetNSFlag(t *testing.T) {
	n := nstest.New(t)
	n.Run("ip", "link", "add", "nlqv0", "type", "veth", "peer", "name", "nlqv1")
	out, errs, status := shellRun(t, "", "--csv", "--netns", n.Name, "SELECT interface FROM if_map ORDER BY interface")
	if status != 0 {
		t.Fatalf("status %d: %s", status, errs)
	}
	if diff := cmp.Diff("interface\nlo\nnlqv0\nnlqv1\n", out); diff != "" {
		t.Errorf("links in %s (-want +got):\n%s", n.Name, diff)
	}
}
