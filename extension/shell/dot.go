package shell

import (
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// dotCommand is one dot-command as .help lists it and Tab completes it.
type dotCommand struct {
	name, args, help string
}

// dotCommands are the dot-commands, osqueryi's (osquery/devtools/shell.cpp)
// and ours (.explain, .netns), in the order .help lists them; dot runs them.
var dotCommands = []dotCommand{
	{".all", "TABLE", "every row and column of TABLE (SELECT * FROM TABLE)"},
	{".bail", "on|off", "stop a script at its first error (on for scripts; a shell goes on)"},
	{".echo", "on|off", "print each statement and dot-command before running it"},
	{".exit", "[CODE]", "leave the shell, with exit status CODE"},
	{".explain", "SQL", "run SQL, discard its rows, show the kernel requests it made"},
	{".headers", "on|off", "column names in csv mode"},
	{".help", "", "show this message"},
	{".mode", "MODE", "pretty, json, csv or line"},
	{".netns", "[NAME|PATH]", "read namespace NAME (/run/netns) or PATH; none: our own"},
	{".nullvalue", "STR", "show NULL as STR"},
	{".print", "STR...", "print STR"},
	{".quit", "", "leave the shell"},
	{".schema", "[TABLE]", "show CREATE TABLE statements"},
	{".separator", "SEP", "field separator of csv mode"},
	{".show", "", "show the settings (also .summary)"},
	{".summary", "", "show the settings (also .show)"},
	{".tables", "[PATTERN]", "list the tables starting with PATTERN (LIKE if it has a %)"},
	{".timer", "on|off", "real, user and sys time after each statement"},
	{".types", "SQL", "the result columns of SQL and their declared types"},
	{".width", "[N ...]", "column widths of pretty mode (0 auto, <0 right-aligned); none: reset"},
}

// dotHelp is .help's text, from dotCommands.
func dotHelp() string {
	var b strings.Builder
	for _, c := range dotCommands {
		fmt.Fprintf(&b, "%-22s %s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	}
	return b.String()
}

// dot runs a dot command: the line as typed, starting with its dot.
func (sh *shell) dot(line string) error {
	name, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	rest = strings.TrimSpace(rest)
	args := dotArgs(rest)
	switch name {
	case ".quit", ".q":
		return quitError{}
	case ".exit":
		code := 0
		if len(args) > 0 {
			var err error
			if code, err = strconv.Atoi(args[0]); err != nil {
				return fmt.Errorf(".exit takes an exit status: %q", args[0])
			}
		}
		return quitError{code}
	case ".help":
		sh.out.WriteString(dotHelp())
	case ".tables":
		for _, n := range sh.host.Tables() {
			if len(args) > 0 && !tableMatch(args[0], n) {
				continue
			}
			fmt.Fprintf(sh.out, "  => %s\n", n)
		}
	case ".schema":
		names := sh.host.Tables()
		if len(args) > 0 {
			names = args[:1]
		}
		for _, n := range names {
			s, ok := sh.host.Schema(n)
			if !ok {
				return fmt.Errorf("no such table: %s", n)
			}
			fmt.Fprintf(sh.out, "%s;\n", s)
		}
	case ".all":
		if len(args) != 1 {
			return fmt.Errorf(".all takes one table")
		}
		if _, ok := sh.host.Table(args[0]); !ok {
			return fmt.Errorf("no such table: %s", args[0])
		}
		return sh.run(`SELECT * FROM "` + args[0] + `"`)
	case ".mode":
		if len(args) != 1 || !slices.Contains([]string{"pretty", "json", "csv", "line"}, args[0]) {
			return fmt.Errorf(".mode takes one of pretty, json, csv, line")
		}
		sh.mode = args[0]
	case ".headers", ".header":
		return setBool(&sh.header, name, args)
	case ".bail":
		return setBool(&sh.bail, name, args)
	case ".echo":
		return setBool(&sh.echo, name, args)
	case ".timer":
		return setBool(&sh.timer, name, args)
	case ".separator":
		if len(args) != 1 {
			return fmt.Errorf(".separator takes one string")
		}
		sh.sep = args[0]
	case ".nullvalue":
		if len(args) != 1 {
			return fmt.Errorf(".nullvalue takes one string")
		}
		sh.nullValue = args[0]
	case ".print":
		fmt.Fprintf(sh.out, "%s\n", strings.Join(args, " "))
	case ".show", ".summary":
		sh.show()
	case ".width":
		widths := make([]int, len(args))
		for i, a := range args {
			w, err := strconv.Atoi(a)
			if err != nil {
				return fmt.Errorf(".width takes numbers: %q", a)
			}
			widths[i] = w
		}
		sh.widths = widths
	case ".netns":
		if len(args) > 1 {
			return fmt.Errorf(".netns takes one namespace name or path")
		}
		name := ""
		if len(args) == 1 {
			name = args[0]
		}
		if err := sh.setNetNS(name); err != nil {
			return fmt.Errorf(".netns: %w", err)
		}
	case ".types":
		if rest == "" {
			return fmt.Errorf(".types takes a query")
		}
		return sh.types(rest)
	case ".explain":
		if rest == "" {
			return fmt.Errorf(".explain takes a statement")
		}
		return sh.explain(rest)
	default:
		return fmt.Errorf("unknown command %s (see .help)", name)
	}
	return sh.out.Flush()
}

// setBool sets *v from a dot-command's on|off argument.
func setBool(v *bool, name string, args []string) error {
	if len(args) == 1 {
		switch strings.ToLower(args[0]) {
		case "on", "yes", "true", "1":
			*v = true
			return nil
		case "off", "no", "false", "0":
			*v = false
			return nil
		}
	}
	return fmt.Errorf("%s takes on or off", name)
}

// onOff spells a setting as .show prints it.
func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}

// show prints the settings, as osqueryi's .show prints its "Shell settings".
func (sh *shell) show() {
	netns := sh.nsName
	if netns == "" {
		netns = "(own)"
	}
	widths := make([]string, len(sh.widths))
	for i, w := range sh.widths {
		widths[i] = strconv.Itoa(w)
	}
	for _, kv := range [][2]string{
		{"bail", onOff(sh.bail)},
		{"echo", onOff(sh.echo)},
		{"headers", onOff(sh.header)},
		{"mode", sh.mode},
		{"netns", netns},
		{"nullvalue", strconv.Quote(sh.nullValue)},
		{"output", "stdout"},
		{"separator", strconv.Quote(sh.sep)},
		{"timer", onOff(sh.timer)},
		{"width", strings.Join(widths, " ")},
	} {
		fmt.Fprintf(sh.out, "%13s: %s\n", kv[0], kv[1])
	}
}

// types prints the result columns of query and their declared types.
func (sh *shell) types(query string) error {
	ctx, done := sh.statement()
	cols, err := sh.host.Types(ctx, query)
	if err = done(err); err != nil {
		return err
	}
	rows := make([][]string, len(cols))
	for i, c := range cols {
		rows[i] = []string{c.Name, c.Type}
	}
	sh.printTable([]string{"name", "type"}, rows)
	return nil
}

// printTable prints rows the shell made itself in the current mode.
func (sh *shell) printTable(cols []string, rows [][]string) {
	p := newPrinter(sh.mode, sh.sep, sh.header, sh.widths, sh.out)
	p.header(cols)
	cells := make([]sql.RawBytes, len(cols))
	for _, r := range rows {
		for i, v := range r {
			cells[i] = sql.RawBytes(v)
		}
		p.row(cells)
	}
	p.end()
}

// dotArgs splits a dot-command's arguments as osqueryi does: at spaces,
// with '...' taken as it is and "..." with backslash escapes (\n, \t, \", \\).
func dotArgs(s string) []string {
	var args []string
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		var b strings.Builder
		switch q := s[i]; q {
		case '\'', '"':
			i++
			for i < len(s) && s[i] != q {
				if q == '"' && s[i] == '\\' && i+1 < len(s) {
					i++
					b.WriteByte(unescape(s[i]))
				} else {
					b.WriteByte(s[i])
				}
				i++
			}
			i++ // the closing quote
		default:
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				b.WriteByte(s[i])
				i++
			}
		}
		args = append(args, b.String())
	}
	return args
}

// unescape is the byte a backslash escape in "..." stands for.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	return c
}

// tableMatch is .tables' filter: a prefix as osqueryi's, or SQL LIKE
// (% and _, case-insensitive) when the pattern has a %.
func tableMatch(pattern, s string) bool {
	if !strings.Contains(pattern, "%") {
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(pattern))
	}
	re := "(?i)^" + strings.NewReplacer("%", ".*", "_", ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	m, err := regexp.MatchString(re, s)
	return err == nil && m
}
