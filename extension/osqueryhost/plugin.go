package osqueryhost

import (
	"context"
	"fmt"
	"log"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/netlinkq/netlinkq/extension/osqueryhost/internal/thriftwire"
	"github.com/netlinkq/netlinkq/tables"
)

// tablePlugin serves one table to osqueryd in the "table" registry. Unlike
// osquery-go's table.Plugin it reads colsUsed, streams rows into the reply as
// the table emits them, sends only used columns, and turns a panic into a
// failed status.
type tablePlugin struct {
	table tables.Interface
	// snapshots is the scope the table's runs share snapshots in: one for
	// the extension's life, as osqueryd's calls tell no query from another.
	snapshots *tables.Snapshots
	spec      *tables.Spec
	routes    []map[string]string
	logger    *log.Logger
	timeout   time.Duration // generateTimeout, shorter in tests
}

// newTablePlugin wraps t for the osquery host.
func newTablePlugin(t tables.Interface, logger *log.Logger) *tablePlugin {
	spec := t.Spec()
	p := &tablePlugin{table: t, spec: spec, logger: logger, timeout: generateTimeout}
	for _, c := range spec.Columns {
		p.routes = append(p.routes, map[string]string{
			"id":   "column",
			"name": c.Name,
			"type": string(c.Type),
			"op":   strconv.Itoa(int(c.Options)),
		})
	}
	return p
}

// Name is the table's SQL name.
func (p *tablePlugin) Name() string { return p.spec.Name }

// Routes are the column definitions osqueryd turns into CREATE TABLE: name,
// osquery type, and the options bits of osquery's column.h.
func (p *tablePlugin) Routes() []map[string]string { return p.routes }

// answer answers one call of osqueryd's for this table: "columns" with the
// column definitions, "generate" with the rows encoded as the table emits
// them (rows, see generateEncoded). Any error, and any panic, becomes
// status 1 with a message for this call only.
func (p *tablePlugin) answer(ctx context.Context, req map[string]string) (resp *thriftwire.ExtensionResponse, rows *thriftwire.Rows) {
	defer func() {
		if r := recover(); r != nil {
			p.logger.Printf("table %s: panic: %v\n%s", p.spec.Name, r, debug.Stack())
			resp, rows = failure(fmt.Sprintf("error generating table: panic in table %s: %v", p.spec.Name, r)), nil
		}
	}()
	switch action := req["action"]; action {
	case "columns":
		return &thriftwire.ExtensionResponse{Status: statusOK(), Response: p.routes}, nil
	case "generate":
		rows, status := p.generateEncoded(ctx, req["context"])
		return &thriftwire.ExtensionResponse{Status: status}, rows
	default:
		return failure(fmt.Sprintf("unknown action %q for table %s (want columns or generate)", action, p.spec.Name)), nil
	}
}

// generateEncoded answers a generate call for the streaming reply: it runs
// the table for the context JSON and encodes each row, as it comes, as the
// Thrift map<string,string> osqueryd reads (used columns only, no key for
// NULL), returning the encoded rows (nil on failure) and the call's status.
func (p *tablePlugin) generateEncoded(ctx context.Context, contextJSON string) (*thriftwire.Rows, *thriftwire.ExtensionStatus) {
	qc, err := parseQueryContext(contextJSON)
	if err != nil {
		p.logger.Printf("table %s: context %.200q: %v", p.spec.Name, contextJSON, err)
		return nil, failure("error parsing context JSON: " + err.Error()).Status
	}
	start := time.Now()
	rows := thriftwire.NewRows(64 << 10)
	err = p.run(ctx, qc, func(cells []tables.Value, used []int) error {
		set := 0
		for _, i := range used {
			if cells[i].Kind != tables.KindNull {
				set++
			}
		}
		rows.BeginRow(set)
		for _, i := range used {
			if c := cells[i]; c.Kind != tables.KindNull {
				rows.Pair(p.spec.Columns[i].Name, c.String())
			}
		}
		return nil
	})
	if err != nil {
		p.logger.Printf("table %s: %v", p.spec.Name, err)
		return nil, failure("error generating table: " + err.Error()).Status
	}
	p.logger.Printf("table %s: %d rows (%d bytes) in %v", p.spec.Name, rows.Len(), rows.Size(), time.Since(start))
	return rows, statusOK()
}

// run runs the table for the context and calls row with each row's cells
// and the indexes of the used columns, within the generate deadline.
func (p *tablePlugin) run(ctx context.Context, qc *queryContext, row func(cells []tables.Value, used []int) error) error {
	q := qc.query(p.spec)
	q.Logf = func(format string, args ...any) {
		p.logger.Printf("table "+p.spec.Name+": "+format, args...)
	}
	var used []int
	for i, c := range p.spec.Columns {
		if q.Used(c.Name) {
			used = append(used, i)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	if p.snapshots != nil {
		ctx = p.snapshots.Context(ctx)
	}
	err := p.table.Run(ctx, q, func(cells []tables.Value) error { return row(cells, used) })
	if err != nil {
		switch ctx.Err() {
		case context.DeadlineExceeded:
			err = fmt.Errorf("%w (a generate call may take %v)", err, p.timeout)
		case context.Canceled:
			err = fmt.Errorf("%w (osqueryd closed the connection)", err)
		}
		return err
	}
	return nil
}

// statusOK is osquery-go's success status.
func statusOK() *thriftwire.ExtensionStatus {
	return &thriftwire.ExtensionStatus{Code: 0, Message: "OK"}
}

// failure is a response with status 1 and msg, the text osqueryd shows.
func failure(msg string) *thriftwire.ExtensionResponse {
	return &thriftwire.ExtensionResponse{Status: &thriftwire.ExtensionStatus{Code: 1, Message: msg}}
}
