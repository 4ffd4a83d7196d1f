package shell

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/netlinkq/netlinkq/tables"
)

// follow is --follow: it runs stmt, then again each time an event table has
// buffered more, until SIGINT or SIGTERM, printing only the events that are
// new to it (a tables.Follower), as `ss -E`, `conntrack -E` and `ip monitor`
// print events as they happen. In json mode each row is one JSON object on
// a line of its own; csv prints its header once. It returns the exit status.
func (sh *shell) follow(stmt string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := tables.NewFollower()
	var p printer
	headerDone := false
	for {
		run := f.Context(ctx)
		var cols []string
		err := sh.host.Rows(run, stmt, func(c []string) { cols = c }, func(cells []sql.RawBytes) error {
			switch {
			case sh.mode == "json":
				sh.out.Write(jsonLine(cols, cells))
			case p == nil || sh.mode != "csv":
				p = newPrinter(sh.mode, sh.sep, sh.header && !headerDone, sh.widths, sh.out)
				p.header(cols)
				headerDone = true
				fallthrough
			default:
				p.row(cells)
			}
			return nil
		})
		if p != nil && sh.mode != "csv" {
			p.end()
			p = nil
		}
		if ctx.Err() != nil {
			return 0
		}
		if err != nil {
			sh.printErr(err)
			return 1
		}
		if err := sh.out.Flush(); err != nil {
			fmt.Fprintf(sh.errw, "Error: write output: %v\n", err)
			return 1
		}
		if f.Wait(ctx) != nil {
			return 0
		}
	}
}

// jsonLine is one row as a JSON object on a line, keys in column order and
// every value a string, as osqueryi's --json prints each row.
func jsonLine(cols []string, cells []sql.RawBytes) []byte {
	b := []byte{'{'}
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonString(b, []byte(cols[i]))
		b = append(b, ':')
		b = jsonString(b, c)
	}
	return append(b, '}', '\n')
}
