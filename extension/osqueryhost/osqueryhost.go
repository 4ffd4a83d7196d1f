// Package osqueryhost serves the netlinkq tables to osqueryd as an extension:
// registration and lifecycle over osquery's Thrift ExtensionManager service,
// the query context JSON osqueryd sends with each generate call, and replies
// encoded as a table emits its rows. It knows nothing of SQLite: osqueryd
// plans and filters, and this host answers the calls its plan makes.
package osqueryhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

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

// thriftBuffer is the read and write buffer of each Thrift connection we
// serve: with osquery-go's default unbuffered transport every string of every
// row is its own write(2).
const thriftBuffer = 64 << 10

// serverStopGrace is how long, once the extension is stopping, calls in
// flight have to finish before their connections are closed (what Thrift's
// ServerStopTimeout was; 0 would wait for osqueryd to hang up, which it may
// never do). A closed connection cancels the call's context.
const serverStopGrace = 500 * time.Millisecond

// Options are the flags osqueryd passes to an autoloaded extension, and the
// version the extension reports.
type Options struct {
	// Socket is osqueryd's extension manager socket (--socket).
	Socket string
	// Timeout bounds connecting to osqueryd and each Thrift call (--timeout, seconds).
	Timeout time.Duration
	// Interval is how often osqueryd is pinged; the extension exits when a ping fails (--interval, seconds).
	Interval time.Duration
	// Verbose turns on logging to stderr (--verbose).
	Verbose bool
	// Version is what osquery_extensions.version shows.
	Version string
	// Config is the configuration file whose "events" object sets what the
	// event tables buffer between queries (tables.DefaultConfigPath when
	// empty; osqueryd passes no flag for it).
	Config string
}

// Run serves every table of the registry to osqueryd until
// SIGTERM/SIGINT, until osqueryd asks the extension to shut down, or until
// osqueryd goes away. It returns the exit status: 0 for those three, 1 (with
// one line on stderr) when the extension cannot start.
func Run(o Options, stderr io.Writer) int {
	logw := io.Discard
	if o.Verbose {
		logw = stderr
	}
	logger := log.New(logw, "netlinkq: ", log.LstdFlags|log.Lmicroseconds)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// The event tables listen from the start, so that a query sees what
	// happened since the one before it.
	path := o.Config
	if path == "" {
		path = tables.DefaultConfigPath
	}
	cfg, err := tables.LoadEventsConfig(path)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	stopEvents, err := tables.StartEvents(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	defer stopEvents()
	if err := serve(ctx, o, tables.All(), logger); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

// serve registers tabs with the osqueryd at o.Socket and serves them
// on o.Socket.UUID until ctx ends, osqueryd calls shutdown, or osqueryd goes
// away (its socket vanishes or a ping fails, checked every o.Interval). It
// deregisters when it can and always removes its own socket file.
func serve(ctx context.Context, o Options, tabs []tables.Interface, logger *log.Logger) error {
	if err := waitManagerSocket(ctx, o.Socket, o.Timeout); err != nil {
		return err
	}
	// Our socket is created by the listener with the process umask: make
	// it 0600 (srw-------) so that no other user can query root's view through it.
	restrictUmask()

	mgr, err := dialManager(o.Socket, o.Timeout)
	if err != nil {
		return fmt.Errorf("connect to osqueryd at %s: %w", o.Socket, err)
	}
	defer mgr.Close()
	// Our socket is the manager's path plus ".UUID": osquery-go's limit keeps
	// it under sun_path's 108 bytes.
	if len(o.Socket) > maxSocketPath {
		return socketPathError(o.Socket)
	}
	srv := newExtensionServer(extensionName, o.Version, o.Socket, mgr, tabs, logger)

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
			if err := checkManager(o, mgr); err != nil {
				gone = err
				logger.Printf("osqueryd is gone: %v", err)
				break wait
			}
		}
	}

	if gone != nil {
		// Deregistering would wait out the timeout on a dead peer.
		mgr.Close()
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
func checkManager(o Options, client *managerClient) error {
	fi, err := os.Stat(o.Socket)
	if err != nil {
		return fmt.Errorf("osquery socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("osquery socket %s is no longer a socket", o.Socket)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	st, err := client.Ping(ctx)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if st.Code != 0 {
		return fmt.Errorf("ping: status %d: %s", st.Code, st.Message)
	}
	return nil
}
