package shell

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComplete(t *testing.T) {
	netnsDir := t.TempDir()
	for _, n := range []string{"blue", "red"} {
		if err := os.WriteFile(filepath.Join(netnsDir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cols := map[string][]string{
		"netlink_sockets":       {"family", "local_port", "state", "pid", "netns"},
		"netlink_socket_events": {"event", "state"},
		"netlink_links":         {"interface", "mtu", "netns"},
	}
	c := &completer{
		tables:   []string{"netlink_links", "netlink_socket_events", "netlink_sockets"},
		columns:  func(t string) []string { return cols[t] },
		netnsDir: netnsDir,
	}
	tests := []struct {
		name    string
		earlier []string
		line    string
		pos     int // -1: end of line
		head    string
		list    []string
		tail    string
	}{
		{name: "table, shortest first", line: "SELECT * FROM netlink_so", pos: -1,
			head: "SELECT * FROM ", list: []string{"netlink_sockets", "netlink_socket_events"}},
		{name: "column of the table named later", line: "SELECT loc FROM netlink_sockets", pos: 10,
			head: "SELECT ", list: []string{"local_port"}, tail: " FROM netlink_sockets"},
		{name: "column of a table on an earlier line", earlier: []string{"SELECT *", "FROM netlink_links"}, line: "WHERE mt", pos: -1,
			head: "WHERE ", list: []string{"mtu"}},
		{name: "columns of a join, once each", line: "SELECT ne FROM netlink_sockets JOIN netlink_links", pos: 9,
			head: "SELECT ", list: []string{"netns", "netlink_links", "netlink_sockets", "netlink_socket_events"},
			tail: " FROM netlink_sockets JOIN netlink_links"},
		{name: "keyword in lower case", line: "select * fr", pos: -1, head: "select * ", list: []string{"from"}},
		{name: "keyword in upper case", line: "SELECT * FROM t WH", pos: -1, head: "SELECT * FROM t ", list: []string{"WHEN", "WHERE"}},
		{name: "alias.column", line: "SELECT s.st FROM netlink_sockets s", pos: 11, head: "SELECT s.", list: []string{"state"},
			tail: " FROM netlink_sockets s"},
		{name: "AS alias.column", line: "SELECT l.m FROM netlink_links AS l", pos: 10, head: "SELECT l.", list: []string{"mtu"},
			tail: " FROM netlink_links AS l"},
		{name: "table.column", line: "SELECT netlink_links.i", pos: -1, head: "SELECT netlink_links.", list: []string{"interface"}},
		{name: "nothing typed", line: "SELECT ", pos: -1, head: "SELECT "},
		{name: "dot-command", line: ".ta", pos: -1, head: ".", list: []string{"tables"}},
		{name: "dot-commands", line: ".t", pos: -1, head: ".", list: []string{"tables", "timer", "types"}},
		{name: "dot-command argument: table", line: ".all netlink_l", pos: -1, head: ".all ", list: []string{"netlink_links"}},
		{name: "dot-command argument: on/off", line: ".timer o", pos: -1, head: ".timer ", list: []string{"off", "on"}},
		{name: "dot-command argument: mode", line: ".mode j", pos: -1, head: ".mode ", list: []string{"json"}},
		{name: "dot-command argument: namespace", line: ".netns r", pos: -1, head: ".netns ", list: []string{"red"}},
		{name: "dot-command argument: SQL", line: ".types SELECT sta FROM netlink_sockets", pos: 17,
			head: ".types SELECT ", list: []string{"state"}, tail: " FROM netlink_sockets"},
		{name: "a line after the first is SQL", earlier: []string{"SELECT 1,"}, line: ".5 + mt", pos: -1, head: ".5 + "},
		{name: "multi-byte text before the cursor", line: "SELECT 'é', sta FROM netlink_sockets", pos: 15,
			head: "SELECT 'é', ", list: []string{"state"}, tail: " FROM netlink_sockets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pos := tt.pos
			if pos < 0 {
				pos = len([]rune(tt.line))
			}
			head, list, tail := c.complete(tt.earlier, tt.line, pos)
			if diff := cmp.Diff([]any{tt.head, tt.list, tt.tail}, []any{head, list, tail}); diff != "" {
				t.Errorf("complete(%q, %d) (-want +got):\n%s", tt.line, pos, diff)
			}
		})
	}
}
