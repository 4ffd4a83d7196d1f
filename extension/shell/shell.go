// Package shell is the embedded host's front end, osqueryi-like: SQL from
// the command line, from stdin, or typed at an interactive prompt; dot
// commands; and osqueryi's output modes. Statements run on a sqlhost.Host.
package shell

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/netlinkq/netlinkq/extension/sqlhost"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/tables"
)

// Options are the embedded host's flags.
type Options struct {
	// Mode is the output format: pretty, json, csv or line.
	Mode string
	// Separator is the field separator of csv mode ("|" as in osqueryi).
	Separator string
	// Header prints column names in csv mode.
	Header bool
	// NetNS runs every table in this namespace unless the query names another (--netns).
	NetNS string
	// SQL is the query from the command line; empty means stdin or the interactive shell.
	SQL string
	// SQLiteOnly answers every statement through SQLite, simple ones too (--sqlite-only).
	SQLiteOnly bool
	// Follow runs SQL again each time an event table has buffered more,
	// printing the new events, until interrupted (--follow).
	Follow bool
	// Config is the configuration file whose "events" object bounds the
	// event buffers (--config; tables.DefaultConfigPath when empty).
	Config string
	// Version is what the interactive shell's banner shows.
	Version string
}

// shell runs SQL and dot commands against a sqlhost.Host and prints results.
type shell struct {
	host   *sqlhost.Host
	mode   string
	sep    string
	header bool
	out    *bufio.Writer
	errw   io.Writer
	// version is what the banner shows.
	version string
}

// Run is the embedded host: SQL from the command line, from stdin when it
// is not a terminal, or an interactive shell on a terminal. It returns the
// exit status: 1 after an error (printed as one line), else 0.
func Run(o Options, stdin io.Reader, stdout, stderr io.Writer) int {
	ns := netlinkx.Own
	if o.NetNS != "" {
		var err error
		if ns, err = netlinkx.OpenNetNS(o.NetNS); err != nil {
			fmt.Fprintf(stderr, "Error: --netns: %v\n", err)
			return 1
		}
		defer ns.Close()
		// Our own namespace by name needs no switch (and no CAP_SYS_ADMIN).
		if ino, err := ns.Inode(); err == nil {
			if own, err := netlinkx.Own.Inode(); err == nil && own == ino {
				ns = netlinkx.Own
			}
		}
	}
	// One query and out: the heap stays small (rows stream in chunks), so
	// trade a little memory for far fewer collections, unless GOGC says otherwise.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "Warning: "+format+"\n", args...) }
	cfgPath := o.Config
	if cfgPath == "" {
		cfgPath = tables.DefaultConfigPath
	}
	cfg, err := tables.LoadEventsConfig(cfgPath)
	if err == nil {
		err = tables.ConfigureEvents(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	// A direct scan may answer the command line's statement when it is the
	// only one (sqlhost.Options.DirectScan).
	stmts, rest := splitSQL(o.SQL)
	oneStatement := len(stmts) == 1 && strings.TrimSpace(rest) == "" || len(stmts) == 0 && strings.TrimSpace(rest) != ""
	direct := !o.SQLiteOnly && !o.Follow && oneStatement && !strings.HasPrefix(strings.TrimSpace(o.SQL), ".")
	host, err := sqlhost.New(tables.All(), sqlhost.Options{NetNS: ns, Logf: logf, DirectScan: direct})
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	defer host.Close()
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	sh := &shell{host: host, mode: o.Mode, sep: o.Separator, header: o.Header, out: out, errw: stderr, version: o.Version}

	switch {
	case o.Follow:
		if !oneStatement {
			fmt.Fprintln(stderr, "Error: --follow takes one SQL statement")
			return 1
		}
		return sh.follow(o.SQL)
	case o.SQL != "":
		return sh.script(strings.NewReader(o.SQL))
	case isTerminal(stdin):
		return sh.interactive(stdin)
	default:
		return sh.script(stdin)
	}
}

// script runs every statement and dot command in r, stopping at the first
// error, which it prints as one line; it returns the exit status.
func (sh *shell) script(r io.Reader) int {
	status := 0
	sh.lines(r, nil, func(err error) bool {
		sh.printErr(err)
		status = 1
		return false
	})
	if err := sh.out.Flush(); err != nil && status == 0 {
		fmt.Fprintf(sh.errw, "Error: write output: %v\n", err)
		return 1
	}
	return status
}

// interactive reads statements from a terminal with a prompt; errors are
// printed and the shell goes on until .quit or end of input.
func (sh *shell) interactive(r io.Reader) int {
	fmt.Fprintf(sh.errw, "netlinkq %s: the kernel's networking state as SQL. Enter \".help\" for usage hints.\n", sh.version)
	sh.lines(r, func(cont bool) {
		if cont {
			sh.out.WriteString("    ...> ")
		} else {
			sh.out.WriteString("netlinkq> ")
		}
		sh.out.Flush()
	}, func(err error) bool {
		sh.printErr(err)
		return true
	})
	sh.out.WriteString("\n")
	return 0
}

// errQuit ends the input loop on .quit.
var errQuit = fmt.Errorf("quit")

// lines reads r line by line: a dot command at a statement boundary runs
// at once, SQL runs statement by statement as each is complete. onErr
// decides whether to go on after an error.
func (sh *shell) lines(r io.Reader, prompt func(cont bool), onErr func(error) bool) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var pending strings.Builder
	for {
		if prompt != nil {
			prompt(strings.TrimSpace(pending.String()) != "")
		}
		if !sc.Scan() {
			break
		}
		line := sc.Text()
		if strings.TrimSpace(pending.String()) == "" && strings.HasPrefix(strings.TrimSpace(line), ".") {
			pending.Reset()
			err := sh.dot(strings.TrimSpace(line))
			if err == errQuit {
				return
			}
			if err != nil && !onErr(err) {
				return
			}
			continue
		}
		pending.WriteString(line)
		pending.WriteByte('\n')
		stmts, rest := splitSQL(pending.String())
		pending.Reset()
		pending.WriteString(rest)
		for _, s := range stmts {
			if err := sh.exec(s); err != nil && !onErr(err) {
				return
			}
		}
	}
	if err := sc.Err(); err != nil {
		onErr(fmt.Errorf("read input: %w", err))
		return
	}
	// A last statement without its semicolon still runs.
	if rest := strings.TrimSpace(pending.String()); rest != "" && !isOnlyComment(rest) {
		if err := sh.exec(rest); err != nil {
			onErr(err)
		}
	}
}

// exec runs one statement and prints its rows.
func (sh *shell) exec(stmt string) error {
	p := newPrinter(sh.mode, sh.sep, sh.header, sh.out)
	var cols []string
	started := false
	err := sh.host.Rows(context.Background(), stmt, func(c []string) { cols = c }, func(cells []sql.RawBytes) error {
		if !started {
			p.header(cols)
			started = true
		}
		p.row(cells)
		return nil
	})
	if err == nil && !started && len(cols) > 0 && sh.mode == "json" {
		p.header(cols) // osqueryi prints an empty result as an empty array
		started = true
	}
	if started {
		p.end()
	}
	return err
}

// printErr prints err as osqueryi does: one line, "Error: ...".
func (sh *shell) printErr(err error) {
	sh.out.Flush()
	fmt.Fprintf(sh.errw, "Error: %s\n", cleanError(err))
}

var sqliteErrCode = regexp.MustCompile(` \(\d+\)$`)

// cleanError drops the driver's decoration ("SQL logic error: ... (1)") and
// keeps the message on one line.
func cleanError(err error) string {
	s := err.Error()
	for _, p := range []string{"SQL logic error: ", "sqlite: "} {
		s = strings.TrimPrefix(s, p)
	}
	s = sqliteErrCode.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

const dotHelp = `.help                 show this message
.tables [PATTERN]     list the tables (LIKE pattern)
.schema [TABLE]       show CREATE TABLE statements
.mode MODE            pretty, json, csv or line
.headers on|off       column names in csv mode
.separator SEP        field separator of csv mode
.quit, .exit          leave the shell
`

// dot runs a dot command.
func (sh *shell) dot(line string) error {
	f := strings.Fields(line)
	switch f[0] {
	case ".quit", ".exit", ".q":
		return errQuit
	case ".help":
		sh.out.WriteString(dotHelp)
	case ".tables":
		names := sh.tableNames()
		for _, n := range names {
			if len(f) > 1 && !likeMatch(f[1], n) {
				continue
			}
			fmt.Fprintf(sh.out, "  => %s\n", n)
		}
	case ".schema":
		names := sh.tableNames()
		if len(f) > 1 {
			names = f[1:2]
		}
		for _, n := range names {
			s, ok := sh.host.Schema(n)
			if !ok {
				return fmt.Errorf("no such table: %s", n)
			}
			fmt.Fprintf(sh.out, "%s;\n", s)
		}
	case ".mode":
		if len(f) != 2 || !slices.Contains([]string{"pretty", "json", "csv", "line"}, f[1]) {
			return fmt.Errorf(".mode takes one of pretty, json, csv, line")
		}
		sh.mode = f[1]
	case ".headers", ".header":
		if len(f) != 2 || (f[1] != "on" && f[1] != "off") {
			return fmt.Errorf(".headers takes on or off")
		}
		sh.header = f[1] == "on"
	case ".separator":
		if len(f) != 2 {
			return fmt.Errorf(".separator takes one string")
		}
		sh.sep = f[1]
	default:
		return fmt.Errorf("unknown command %s (see .help)", f[0])
	}
	return sh.out.Flush()
}

// tableNames are the names of the tables served, sorted.
func (sh *shell) tableNames() []string { return sh.host.Tables() }

// likeMatch is SQL LIKE with % and _, case-insensitive, for .tables.
func likeMatch(pattern, s string) bool {
	re := "(?i)^" + strings.NewReplacer("%", ".*", "_", ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	m, err := regexp.MatchString(re, s)
	return err == nil && m
}
