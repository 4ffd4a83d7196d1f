// Package shell is the embedded host's front end, osqueryi-like: SQL from
// the command line, from stdin, or typed at an interactive prompt; dot
// commands; and osqueryi's output modes. Statements run on a sqlhost.Host.
package shell

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

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

	// The settings of the dot-commands (.show prints them).
	echo      bool   // .echo: print each statement and dot-command before running it
	bail      bool   // .bail: a script stops at its first error (the default for scripts)
	timer     bool   // .timer: real, user and sys time after each statement
	nullValue string // .nullvalue: what a NULL cell shows
	widths    []int  // .width: column widths of pretty mode, 0 for automatic

	// ns is the namespace statements read (--netns, .netns); the shell
	// closes it when it opened it (nsOwned). nsName is what .show prints.
	ns      netlinkx.NetNS
	nsOwned bool
	nsName  string

	// interactive is set while a terminal session runs: Ctrl-C then
	// cancels the running statement instead of ending the process.
	interactive bool
	// mu guards cancel and interrupted, which the SIGINT goroutine reads.
	mu          sync.Mutex
	cancel      context.CancelFunc
	interrupted bool
}

// Run is the embedded host: SQL from the command line, from stdin when it
// is not a terminal, or an interactive shell on a terminal. It returns the
// exit status: 1 after an error (printed as one line), else 0.
func Run(o Options, stdin io.Reader, stdout, stderr io.Writer) int {
	sh := &shell{mode: o.Mode, sep: o.Separator, header: o.Header, errw: stderr, version: o.Version, bail: true}
	if o.NetNS != "" {
		if err := sh.setNetNS(o.NetNS); err != nil {
			fmt.Fprintf(stderr, "Error: --netns: %v\n", err)
			return 1
		}
	}
	defer sh.closeNetNS()
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
	host, err := sqlhost.New(tables.All(), sqlhost.Options{NetNS: sh.ns, Logf: logf, DirectScan: direct})
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	defer host.Close()
	sh.host = host
	sh.out = bufio.NewWriterSize(stdout, 64<<10)
	defer sh.out.Flush()

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
		if useEditor(stdin, stdout) {
			return sh.edit()
		}
		return sh.session(stdin)
	default:
		return sh.script(stdin)
	}
}

// setNetNS opens namespace name for the next statements and closes the one
// the shell opened before. Our own namespace by name needs no switch (and
// no CAP_SYS_ADMIN), so it is read as netlinkx.Own.
func (sh *shell) setNetNS(name string) error {
	ns, owned := netlinkx.Own, false
	if name != "" {
		var err error
		if ns, err = netlinkx.OpenNetNS(name); err != nil {
			return err
		}
		owned = true
		if ino, err := ns.Inode(); err == nil {
			if own, err := netlinkx.Own.Inode(); err == nil && own == ino {
				ns.Close()
				ns, owned = netlinkx.Own, false
			}
		}
	}
	if sh.host != nil {
		sh.host.SetNetNS(ns)
	}
	sh.closeNetNS()
	sh.ns, sh.nsOwned, sh.nsName = ns, owned, name
	return nil
}

// closeNetNS closes the namespace the shell opened, if any.
func (sh *shell) closeNetNS() {
	if sh.nsOwned {
		sh.ns.Close()
		sh.nsOwned = false
	}
}

// script runs every statement and dot command in r, stopping at the first
// error (unless .bail off), which it prints as one line; it returns the
// exit status.
func (sh *shell) script(r io.Reader) int {
	status := 0
	if code, quit := sh.loop(newScanner(r, nil), func(err error) bool {
		sh.printErr(err)
		status = 1
		return !sh.bail
	}); quit {
		status = code
	}
	if err := sh.out.Flush(); err != nil && status == 0 {
		fmt.Fprintf(sh.errw, "Error: write output: %v\n", err)
		return 1
	}
	return status
}

// banner is the first line of an interactive session.
func (sh *shell) banner() {
	fmt.Fprintf(sh.errw, "netlinkq %s: the kernel's networking state as SQL. Enter \".help\" for usage hints.\n", sh.version)
}

// session reads statements from a terminal without line editing (standard
// output is not a terminal) with a prompt; errors are printed and the
// shell goes on until .quit or end of input.
func (sh *shell) session(r io.Reader) int {
	sh.banner()
	stop := sh.catchInterrupts()
	defer stop()
	code, _ := sh.loop(newScanner(r, func(cont bool) {
		sh.out.WriteString(prompt(cont))
		sh.out.Flush()
	}), func(err error) bool {
		sh.printErr(err)
		return true
	})
	sh.out.WriteString("\n")
	return code
}

// prompt is the prompt of a first line, or of a line that continues a statement.
func prompt(cont bool) string {
	if cont {
		return "    ...> "
	}
	return "netlinkq> "
}

// catchInterrupts makes SIGINT cancel the running statement rather than
// end the process, until the returned function is called.
func (sh *shell) catchInterrupts() (stop func()) {
	sh.interactive = true
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				sh.interrupt()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
		sh.interactive = false
	}
}

// interrupt cancels the running statement, if any (Ctrl-C).
func (sh *shell) interrupt() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.cancel != nil {
		sh.interrupted = true
		sh.cancel()
	}
}

// errInterrupted is a statement's error after Ctrl-C stopped it.
var errInterrupted = errors.New("interrupted")

// statement returns the context a statement runs under and the function to
// call when it is over, which turns the error of a statement that Ctrl-C
// stopped into errInterrupted. Outside an interactive session Ctrl-C ends
// the process, as it always has for scripts.
func (sh *shell) statement() (context.Context, func(error) error) {
	if !sh.interactive {
		return context.Background(), func(err error) error { return err }
	}
	ctx, cancel := context.WithCancel(context.Background())
	sh.mu.Lock()
	sh.cancel, sh.interrupted = cancel, false
	sh.mu.Unlock()
	return ctx, func(err error) error {
		sh.mu.Lock()
		interrupted := sh.interrupted
		sh.cancel, sh.interrupted = nil, false
		sh.mu.Unlock()
		cancel()
		if interrupted {
			return errInterrupted
		}
		return err
	}
}

// quitError ends the input loop: .quit, or .exit with its status.
type quitError struct{ code int }

func (quitError) Error() string { return "quit" }

// lineSource is where the input loop reads lines: a script, a terminal
// without editing, or the line editor.
type lineSource interface {
	// readLine returns the next line without its end; cont says that it
	// continues a statement. It returns io.EOF at the end of input and
	// errAborted when the user pressed Ctrl-C at the prompt.
	readLine(cont bool) (string, error)
	// entry is called with the lines of each statement or dot-command read,
	// once it is complete (for history).
	entry(lines []string)
}

// errAborted is Ctrl-C at the prompt: the line and the statement typed so far are dropped.
var errAborted = errors.New("aborted")

// scanner is a lineSource over a reader, with an optional prompt.
type scanner struct {
	sc     *bufio.Scanner
	prompt func(cont bool)
}

func newScanner(r io.Reader, prompt func(cont bool)) *scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &scanner{sc: sc, prompt: prompt}
}

func (s *scanner) readLine(cont bool) (string, error) {
	if s.prompt != nil {
		s.prompt(cont)
	}
	if !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			return "", fmt.Errorf("read input: %w", err)
		}
		return "", io.EOF
	}
	return s.sc.Text(), nil
}

func (s *scanner) entry([]string) {}

// loop reads src line by line: a dot command at a statement boundary runs
// at once, SQL runs statement by statement as each is complete. onErr
// decides whether to go on after an error. quit is true after .quit or
// .exit, with the status .exit asked for.
func (sh *shell) loop(src lineSource, onErr func(error) bool) (code int, quit bool) {
	var pending strings.Builder
	var lines []string
	for {
		line, err := src.readLine(strings.TrimSpace(pending.String()) != "")
		if err == errAborted {
			pending.Reset()
			lines = lines[:0]
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			onErr(err)
			return 0, false
		}
		if strings.TrimSpace(pending.String()) == "" && strings.HasPrefix(strings.TrimSpace(line), ".") {
			pending.Reset()
			src.entry([]string{line})
			lines = lines[:0]
			if sh.echo {
				fmt.Fprintf(sh.out, "%s\n", strings.TrimSpace(line))
			}
			err := sh.dot(strings.TrimSpace(line))
			if q, ok := err.(quitError); ok {
				return q.code, true
			}
			if err != nil && !onErr(err) {
				return 0, false
			}
			continue
		}
		lines = append(lines, line)
		pending.WriteString(line)
		pending.WriteByte('\n')
		stmts, rest := splitSQL(pending.String())
		pending.Reset()
		pending.WriteString(rest)
		if len(stmts) > 0 && (strings.TrimSpace(rest) == "" || isOnlyComment(rest)) {
			src.entry(lines)
			lines = lines[:0]
		}
		for _, s := range stmts {
			if err := sh.run(s); err != nil && !onErr(err) {
				return 0, false
			}
		}
	}
	// A last statement without its semicolon still runs.
	if rest := strings.TrimSpace(pending.String()); rest != "" && !isOnlyComment(rest) {
		src.entry(lines)
		if err := sh.run(rest); err != nil {
			onErr(err)
		}
	}
	return 0, false
}

// run runs one statement as the settings say: echoed, timed.
func (sh *shell) run(stmt string) error {
	if sh.echo {
		fmt.Fprintf(sh.out, "%s\n", stmt)
	}
	if !sh.timer {
		return sh.exec(stmt)
	}
	t := startTimer()
	err := sh.exec(stmt)
	fmt.Fprintf(sh.out, "%s\n", t.stop())
	return err
}

// exec runs one statement and prints its rows.
func (sh *shell) exec(stmt string) error {
	ctx, done := sh.statement()
	err := sh.query(ctx, stmt, sh.mode)
	return done(err)
}

// query runs stmt under ctx and prints its rows in mode.
func (sh *shell) query(ctx context.Context, stmt, mode string) error {
	p := newPrinter(mode, sh.sep, sh.header, sh.widths, sh.out)
	var cols []string
	started := false
	var shown []sql.RawBytes
	err := sh.host.Rows(ctx, stmt, func(c []string) { cols = c }, func(cells []sql.RawBytes) error {
		if !started {
			p.header(cols)
			started = true
		}
		if sh.nullValue != "" {
			cells = sh.showNulls(&shown, cells)
		}
		p.row(cells)
		return nil
	})
	if err == nil && !started && len(cols) > 0 && mode == "json" {
		p.header(cols) // osqueryi prints an empty result as an empty array
		started = true
	}
	if started {
		p.end()
	}
	return err
}

// showNulls returns cells with each NULL (a nil cell) replaced by the
// .nullvalue text, in *buf (reused).
func (sh *shell) showNulls(buf *[]sql.RawBytes, cells []sql.RawBytes) []sql.RawBytes {
	*buf = append((*buf)[:0], cells...)
	for i, c := range *buf {
		if c == nil {
			(*buf)[i] = sql.RawBytes(sh.nullValue)
		}
	}
	return *buf
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
