package shell

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// historyFile is ~/.netlinkq_history, osqueryi's ~/.osquery/.history for us.
const historyFile = ".netlinkq_history"

// historyLimit bounds the history kept, in memory and in the file
// (liner.HistoryLimit, the same 1,000 entries).
const historyLimit = 1000

// historyMaxLine is the longest entry written to the file: liner reads a
// history file with a 4,096-byte line buffer and refuses the whole file
// over one longer line. A longer statement stays in this session's history.
const historyMaxLine = 4000

// history is the history file: entries are appended as they are entered,
// so that a shell that is killed keeps what it ran, and the file is cut
// back to historyLimit entries when it is read.
type history struct {
	f    *os.File
	last string
	// warn prints a warning line; history warns once, then saves nothing.
	warn func(format string, args ...any)
}

// openHistory reads the history file's entries and opens it for
// appending. A file that cannot be read or written (no $HOME, a read-only
// home) is one warning; the session then keeps its history in memory only.
func openHistory(warn func(format string, args ...any)) (*history, []string) {
	h := &history{warn: warn}
	home, err := os.UserHomeDir()
	if err != nil {
		warn("history not saved: %v", err)
		return h, nil
	}
	path := filepath.Join(home, historyFile)
	entries, total, err := readHistory(path)
	if err != nil {
		warn("history not saved: %v", err)
		return h, nil
	}
	if total > len(entries) {
		// Cut the file back to what is kept; if that fails, appending still works.
		_ = writeHistory(path, entries)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		warn("history not saved: %v", err)
		return h, entries
	}
	h.f = f
	if len(entries) > 0 {
		h.last = entries[len(entries)-1]
	}
	return h, entries
}

// readHistory returns the last historyLimit usable entries of the file at
// path (none if it does not exist) and how many lines it has.
func readHistory(path string) (entries []string, total int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		total++
		line := sc.Text()
		if line == "" || len(line) > historyMaxLine || !utf8.ValidString(line) {
			continue
		}
		entries = append(entries, line)
		if len(entries) > 2*historyLimit {
			entries = append(entries[:0], entries[len(entries)-historyLimit:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	if len(entries) > historyLimit {
		entries = entries[len(entries)-historyLimit:]
	}
	return entries, total, nil
}

// writeHistory replaces the file at path with entries.
func writeHistory(path string, entries []string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(entries, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// historyEntries are the history entries for the lines of one statement
// or dot-command, one line each as the history file holds them: the lines
// joined with a space, or each line as it is when one of several has a --
// comment, which would swallow the rest. A statement typed with a leading
// space gives none (as bash's ignorespace), nor an empty one.
func historyEntries(lines []string) []string {
	if len(lines) == 0 || strings.HasPrefix(lines[0], " ") || strings.HasPrefix(lines[0], "\t") {
		return nil
	}
	var parts []string
	comment := false
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
			comment = comment || strings.Contains(l, "--")
		}
	}
	if comment || len(parts) <= 1 {
		return parts
	}
	return []string{strings.Join(parts, " ")}
}

// add appends entry to the file, unless it repeats the last one.
func (h *history) add(entry string) {
	if h.f == nil || entry == h.last || len(entry) > historyMaxLine {
		return
	}
	h.last = entry
	if _, err := h.f.WriteString(entry + "\n"); err != nil {
		h.warn("history not saved: %v", err)
		h.close()
	}
}

// close closes the file.
func (h *history) close() {
	if h.f != nil {
		h.f.Close()
		h.f = nil
	}
}
