package shell

import (
	"fmt"
	"io"
	"os"

	"github.com/peterh/liner"
)

// The line editor is github.com/peterh/liner. Of the Go line editors it is
// the one that fits a static, osqueryi-like shell: pure Go on x/sys (builds
// with CGO_ENABLED=0), small (two dependencies, no init work worth
// measuring), maintained (v1.2.3 of 2026), and it has what osqueryi's
// linenoise has: Emacs keys (Ctrl-A/E/W/U/K, Alt-B/F), history with
// prefix-matching Up/Down and Ctrl-R search, word completion, Ctrl-C that
// aborts the line, and a multi-line mode that wraps a line longer than the
// terminal instead of scrolling it. A statement of several lines is several
// prompts ("    ...> "), as in osqueryi and sqlite3. reeflective/readline
// edits a multi-line buffer and has vi mode, but brings a larger keymap and
// inputrc machinery; chzyer/readline is unmaintained; x/term's Terminal
// has neither reverse search nor a history file.

// useEditor reports whether the line editor can run: liner reads the
// process's stdin and writes its stdout, and both must be terminals.
func useEditor(stdin io.Reader, stdout io.Writer) bool {
	in, ok := stdin.(*os.File)
	if !ok || in.Fd() != 0 {
		return false
	}
	out, ok := stdout.(*os.File)
	return ok && out.Fd() == 1 && isTerminal(out)
}

// isTerminal reports whether r is a file that is a terminal
// (isTerminalFile).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminalFile(f)
}

// editor is the lineSource of an interactive session on a terminal.
type editor struct {
	sh   *shell
	st   *liner.State
	comp *completer
	hist *history
	// lines are the lines of the statement being typed, for completion.
	lines []string
}

// edit is the interactive shell with line editing; errors are printed and
// the shell goes on until .quit, .exit or Ctrl-D on an empty line.
func (sh *shell) edit() int {
	sh.banner()
	st := liner.NewLiner()
	defer st.Close()
	st.SetCtrlCAborts(true)
	st.SetMultiLineMode(true)
	warned := false
	hist, entries := openHistory(func(format string, args ...any) {
		if !warned {
			warned = true
			fmt.Fprintf(sh.errw, "Warning: "+format+"\n", args...)
		}
	})
	defer hist.close()
	for _, e := range entries {
		st.AppendHistory(e)
	}
	ed := &editor{sh: sh, st: st, hist: hist, comp: sh.completer()}
	st.SetWordCompleter(func(line string, pos int) (string, []string, string) {
		return ed.comp.complete(ed.lines, line, pos)
	})
	stop := sh.catchInterrupts()
	defer stop()
	code, _ := sh.loop(ed, func(err error) bool {
		sh.printErr(err)
		return true
	})
	return code
}

// completer returns the Tab completer over the host's tables.
func (sh *shell) completer() *completer {
	return &completer{
		tables: sh.host.Tables(),
		columns: func(table string) []string {
			t, ok := sh.host.Table(table)
			if !ok {
				return nil
			}
			var cols []string
			for _, c := range t.Spec().Columns {
				cols = append(cols, c.Name)
			}
			return cols
		},
		netnsDir: "/run/netns",
	}
}

func (ed *editor) readLine(cont bool) (string, error) {
	if err := ed.sh.out.Flush(); err != nil {
		return "", err
	}
	line, err := ed.st.Prompt(prompt(cont))
	switch err {
	case nil:
		ed.lines = append(ed.lines, line)
		return line, nil
	case liner.ErrPromptAborted:
		ed.lines = ed.lines[:0]
		return "", errAborted
	case io.EOF:
		fmt.Println() // Ctrl-D: end the prompt's line
		return "", io.EOF
	}
	return "", fmt.Errorf("read terminal: %w", err)
}

func (ed *editor) entry(lines []string) {
	ed.lines = ed.lines[:0]
	for _, e := range historyEntries(lines) {
		ed.st.AppendHistory(e)
		ed.hist.add(e)
	}
}
