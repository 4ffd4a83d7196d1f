package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	osquery "github.com/osquery/osquery-go"
	gen "github.com/osquery/osquery-go/gen/osquery"

	"github.com/netlinkq/netlinkq/tables"
)

// extensionName is the name the extension registers under (osquery_extensions.name).
const extensionName = "netlinkq"

// generateTimeout bounds one generate call: the context every table runs
// with expires after it, so a kernel call that never answers fails the call
// with an error instead of holding osqueryd's query forever. It is far above
// any table's measured time (100,000 sockets with their owning processes take
// well under a second) and below osqueryd's own patience for a query.
const generateTimeout = 30 * time.Second

// thriftBuffer is the write buffer of each Thrift connection we serve: with
// osquery-go's default unbuffered transport every string of every row is its
// own write(2).
const thriftBuffer = 64 << 10

// serverStopGrace is how long, once the extension is stopping, calls in
// flight have to finish before their connections are closed (Thrift's
// ServerStopTimeout; its default, 0, waits for osqueryd to hang up, which it
// may never do). A closed connection cancels the call's context.
const serverStopGrace = 500 * time.Millisecond

var stopGraceOnce sync.Once

// runExtension serves every table of the registry to osqueryd until
// SIGTERM/SIGINT, until osqueryd asks the extension to shut down, or until
// osqueryd goes away. It returns the exit status: 0 for those three, 1 (with
// one line on stderr) when the extension cannot start.
func runExtension(o extOptions, stderr io.Writer) int {
	logw := io.Discard
	if o.Verbose {
		logw = stderr
	}
	logger := log.New(logw, "netlinkq: ", log.LstdFlags|log.Lmicroseconds)
	// Thrift's server logs through slog's default logger: keep it quiet too.
	slog.SetDefault(slog.New(slog.NewTextHandler(logw, nil)))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serveExtension(ctx, o, tables.All(), logger); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

// serveExtension registers tabs with the osqueryd at o.Socket and serves them
// on o.Socket.UUID until ctx ends, osqueryd calls shutdown, or osqueryd goes
// away (its socket vanishes or a ping fails, checked every o.Interval). It
// deregisters when it can and always removes its own socket file.
func serveExtension(ctx context.Context, o extOptions, tabs []tables.Interface, logger *log.Logger) error {
	if err := waitManagerSocket(ctx, o.Socket, o.Timeout); err != nil {
		return err
	}
	// Our socket is created by Thrift's listener with the process umask: make
	// it 0600 (srw-------) so that no other user can query root's view through it.
	restrictUmask()

	client, err := osquery.NewClient(o.Socket, o.Timeout)
	if err != nil {
		return fmt.Errorf("connect to osqueryd at %s: %w", o.Socket, err)
	}
	defer client.Close()
	mgr := &managerClient{ExtensionManagerClient: client}
	// Our socket is the manager's path plus ".UUID": osquery-go's limit keeps
	// it under sun_path's 108 bytes.
	if len(o.Socket) > osquery.MaxSocketPathCharacters {
		return fmt.Errorf("extension server on %s: socket path %s (%d characters) exceeded the maximum socket path character length of %d",
			o.Socket, o.Socket, len(o.Socket), osquery.MaxSocketPathCharacters)
	}
	srv := newExtensionServer(extensionName, version, o.Socket, mgr, tabs, logger)

	stopGraceOnce.Do(func() { thrift.ServerStopTimeout = serverStopGrace })
	started := make(chan error, 1)
	go func() { started <- srv.Start() }()
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()

	var (
		gone    error // why osqueryd counts as gone
		failed  error // why the server could not serve
		stopped bool  // the server stopped: osqueryd called shutdown
	)
wait:
	for {
		select {
		case <-ctx.Done():
			logger.Printf("signal: shutting down")
			break wait
		case err := <-started:
			if err != nil && mgr.uuid.Load() == 0 {
				return fmt.Errorf("register with osqueryd at %s: %w", o.Socket, err)
			}
			if err != nil {
				failed = fmt.Errorf("serve on %s: %w", listenPath(o.Socket, mgr.uuid.Load()), err)
				logger.Print(failed)
			} else {
				stopped = true
				logger.Printf("osqueryd asked for shutdown")
			}
			break wait
		case <-ticker.C:
			if err := checkManager(o, client); err != nil {
				gone = err
				logger.Printf("osqueryd is gone: %v", err)
				break wait
			}
		}
	}

	if gone != nil {
		// Deregistering would wait out the timeout on a dead peer.
		client.Close()
	}
	shutdownDone := make(chan struct{})
	go func() {
		defer close(shutdownDone)
		if stopped {
			return // Shutdown ran for osqueryd's call
		}
		if err := srv.Shutdown(context.Background()); err != nil {
			logger.Printf("shutdown: %v", err)
		}
	}()
	deadline := time.NewTimer(o.Timeout)
	defer deadline.Stop()
	select {
	case <-shutdownDone:
	case <-deadline.C:
		logger.Printf("shutdown: deregistering took longer than %v", o.Timeout)
	}
	if uuid := mgr.uuid.Load(); uuid != 0 && failed == nil { // if Serve failed, the path is not ours
		path := listenPath(o.Socket, uuid)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !stopped {
			// The stop came before Start listened, and Start may still
			// create the socket: wait for it to return (there is no
			// connection to drain, so it is quick).
			select {
			case <-started:
			case <-time.After(o.Timeout):
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			logger.Printf("remove %s: %v", path, err)
		}
	}
	logger.Printf("exit")
	return failed
}

// listenPath is the socket an extension serves on: osqueryd's socket path,
// a dot, and the UUID osqueryd gave at registration (as osquery-go names it).
func listenPath(managerSocket string, uuid int64) string {
	return managerSocket + "." + strconv.FormatInt(uuid, 10)
}

// waitManagerSocket waits up to timeout for osqueryd's socket to exist, as
// osquery-go's client does, and fails at once when path exists but is not a
// socket.
func waitManagerSocket(ctx context.Context, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		fi, err := os.Stat(path)
		if err == nil {
			if fi.Mode().Type() != fs.ModeSocket {
				return fmt.Errorf("osquery socket %s: not a socket (%v)", path, fi.Mode().Type())
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) || time.Now().After(deadline) {
			return fmt.Errorf("osquery socket %s: %w", path, errors.Unwrap(err))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("osquery socket %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// checkManager reports why osqueryd counts as gone: its socket file no longer
// exists (or is no longer a socket), or a ping fails or does not answer within
// the timeout. nil means it is alive.
func checkManager(o extOptions, client *osquery.ExtensionManagerClient) error {
	fi, err := os.Stat(o.Socket)
	if err != nil {
		return fmt.Errorf("osquery socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("osquery socket %s is no longer a socket", o.Socket)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	st, err := client.PingContext(ctx)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if st.Code != 0 {
		return fmt.Errorf("ping: status %d: %s", st.Code, st.Message)
	}
	return nil
}

// managerClient is osquery-go's client to osqueryd, remembering the UUID
// osqueryd assigned at registration, which names our socket file.
type managerClient struct {
	*osquery.ExtensionManagerClient
	uuid atomic.Int64
}

// RegisterExtension registers and records the UUID.
func (m *managerClient) RegisterExtension(info *gen.InternalExtensionInfo, registry gen.ExtensionRegistry) (*gen.ExtensionStatus, error) {
	st, err := m.ExtensionManagerClient.RegisterExtension(info, registry)
	if err == nil && st != nil && st.Code == 0 {
		m.uuid.Store(int64(st.UUID))
	}
	return st, err
}

// tablePlugin serves one table to osqueryd: osquery-go's OsqueryPlugin for
// the "table" registry. Unlike osquery-go's table.Plugin it reads colsUsed,
// streams rows into the reply as the table emits them, sends only used
// columns, and turns a panic into a failed status.
type tablePlugin struct {
	table   tables.Interface
	spec    *tables.Spec
	routes  gen.ExtensionPluginResponse
	logger  *log.Logger
	timeout time.Duration // generateTimeout, shorter in tests
}

var _ osquery.OsqueryPlugin = (*tablePlugin)(nil)

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

// RegistryName is "table".
func (p *tablePlugin) RegistryName() string { return "table" }

// Routes are the column definitions osqueryd turns into CREATE TABLE: name,
// osquery type, and the options bits of osquery's column.h.
func (p *tablePlugin) Routes() gen.ExtensionPluginResponse { return p.routes }

// Ping reports the plugin healthy.
func (p *tablePlugin) Ping() gen.ExtensionStatus { return gen.ExtensionStatus{Code: 0, Message: "OK"} }

// Shutdown does nothing: tables hold no state between calls.
func (p *tablePlugin) Shutdown() {}

// Call answers osqueryd's "columns" and "generate" actions. Any error, and
// any panic, becomes status 1 with a message for this call only.
func (p *tablePlugin) Call(ctx context.Context, req gen.ExtensionPluginRequest) (resp gen.ExtensionResponse) {
	defer func() {
		if r := recover(); r != nil {
			p.logger.Printf("table %s: panic: %v\n%s", p.spec.Name, r, debug.Stack())
			resp = failure(fmt.Sprintf("error generating table: panic in table %s: %v", p.spec.Name, r))
		}
	}()
	switch action := req["action"]; action {
	case "columns":
		return gen.ExtensionResponse{Status: statusOK(), Response: p.routes}
	case "generate":
		qc, err := parseQueryContext(req["context"])
		if err != nil {
			p.logger.Printf("table %s: context %.200q: %v", p.spec.Name, req["context"], err)
			return failure("error parsing context JSON: " + err.Error())
		}
		start := time.Now()
		rows, err := p.generate(ctx, qc)
		if err != nil {
			p.logger.Printf("table %s: %v", p.spec.Name, err)
			return failure("error generating table: " + err.Error())
		}
		p.logger.Printf("table %s: %d rows in %v", p.spec.Name, len(rows), time.Since(start))
		return gen.ExtensionResponse{Status: statusOK(), Response: rows}
	default:
		return failure(fmt.Sprintf("unknown action %q for table %s (want columns or generate)", action, p.spec.Name))
	}
}

// generate runs the table for the context and builds osqueryd's rows: one
// map per row holding the used columns only. A NULL cell has no key, which
// osqueryd reads as SQL NULL whatever the column type (DynamicTableRow::
// get_column); "" would be an empty TEXT and, in a numeric column, a failed
// cast that osqueryd also turns into NULL. Numbers go in decimal; osqueryd
// reads BIGINT and UNSIGNED BIGINT with strtoll, so an unsigned value above
// 2^63-1 shows as NULL there, as it does for osquery's own tables.
func (p *tablePlugin) generate(ctx context.Context, qc *queryContext) (gen.ExtensionPluginResponse, error) {
	rows := gen.ExtensionPluginResponse{}
	err := p.run(ctx, qc, func(cells []tables.Value, used []int) error {
		row := make(map[string]string, len(used))
		for _, i := range used {
			if c := cells[i]; c.Kind != tables.KindNull {
				row[p.spec.Columns[i].Name] = c.String()
			}
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// generateEncoded answers a generate call for the streaming reply: it runs
// the table for the context JSON and encodes each row, as it comes, as the
// Thrift map<string,string> osqueryd reads (used columns only, no key for
// NULL), returning the encoded rows, their number and the call's status.
func (p *tablePlugin) generateEncoded(ctx context.Context, contextJSON string) (rows []byte, n int, status *gen.ExtensionStatus) {
	defer func() {
		if r := recover(); r != nil {
			p.logger.Printf("table %s: panic: %v\n%s", p.spec.Name, r, debug.Stack())
			f := failure(fmt.Sprintf("error generating table: panic in table %s: %v", p.spec.Name, r))
			rows, n, status = nil, 0, f.Status
		}
	}()
	qc, err := parseQueryContext(contextJSON)
	if err != nil {
		p.logger.Printf("table %s: context %.200q: %v", p.spec.Name, contextJSON, err)
		return nil, 0, failure("error parsing context JSON: " + err.Error()).Status
	}
	start := time.Now()
	buf := thrift.NewTMemoryBufferLen(64 << 10)
	enc := thrift.NewTBinaryProtocolConf(buf, nil)
	bg := context.Background()
	err = p.run(ctx, qc, func(cells []tables.Value, used []int) error {
		set := 0
		for _, i := range used {
			if cells[i].Kind != tables.KindNull {
				set++
			}
		}
		if err := enc.WriteMapBegin(bg, thrift.STRING, thrift.STRING, set); err != nil {
			return err
		}
		for _, i := range used {
			if c := cells[i]; c.Kind != tables.KindNull {
				if err := enc.WriteString(bg, p.spec.Columns[i].Name); err != nil {
					return err
				}
				if err := enc.WriteString(bg, c.String()); err != nil {
					return err
				}
			}
		}
		n++
		return enc.WriteMapEnd(bg)
	})
	if err != nil {
		p.logger.Printf("table %s: %v", p.spec.Name, err)
		return nil, 0, failure("error generating table: " + err.Error()).Status
	}
	p.logger.Printf("table %s: %d rows (%d bytes) in %v", p.spec.Name, n, buf.Len(), time.Since(start))
	return buf.Bytes(), n, statusOK()
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

func statusOK() *gen.ExtensionStatus { return &gen.ExtensionStatus{Code: 0, Message: "OK"} }

func failure(msg string) gen.ExtensionResponse {
	return gen.ExtensionResponse{Status: &gen.ExtensionStatus{Code: 1, Message: msg}}
}
