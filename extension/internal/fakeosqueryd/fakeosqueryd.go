// Package fakeosqueryd plays osqueryd for tests of an osquery extension. It
// serves osquery's ExtensionManager Thrift service (osquery-go's generated
// code) on a Unix socket, records the extensions that register, and calls an
// extension's own socket (PATH.UUID) with the requests osqueryd sends:
// "columns", and "generate" with a query context JSON built the way
// TablePlugin::setRequestFromContext (osquery/core/tables.cpp) builds it.
//
// No osqueryd can be installed where the tests run; this is the part of it an
// extension talks to, nothing more: it has no SQL engine.
package fakeosqueryd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	gen "github.com/osquery/osquery-go/gen/osquery"
)

// Registration is one RegisterExtension call osqueryd accepted.
type Registration struct {
	// UUID is the route UUID osqueryd assigned; the extension serves on Path.UUID.
	UUID int64
	// Info is the extension's name, version and SDK fields.
	Info gen.InternalExtensionInfo
	// Registry is what the extension offers, by registry ("table") and item.
	Registry gen.ExtensionRegistry
}

// Server is a stand-in for osqueryd's extension manager.
type Server struct {
	// Path is the manager socket, what osqueryd passes as --socket.
	Path string

	ln       net.Listener
	closed   chan struct{}
	hung     chan struct{} // closed by Hang
	hangOnce sync.Once
	wg       sync.WaitGroup

	mu           sync.Mutex
	conns        map[net.Conn]struct{}
	clients      map[*Extension]struct{}
	regs         []Registration
	deregistered map[int64]bool
	nextUUID     int64
	pings        int
	changed      chan struct{} // closed and replaced on every change
}

// Start listens on path and serves the ExtensionManager service until Close.
func Start(path string) (*Server, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("fake osqueryd: listen on %s: %w", path, err)
	}
	s := &Server{
		Path:         path,
		ln:           ln,
		closed:       make(chan struct{}),
		hung:         make(chan struct{}),
		conns:        map[net.Conn]struct{}{},
		clients:      map[*Extension]struct{}{},
		deregistered: map[int64]bool{},
		nextUUID:     4242,
		changed:      make(chan struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// StartTest starts a Server for a test, on a socket in a fresh directory
// with a short path (a socket path is at most 107 bytes; osquery-go wants
// 97). Both end with the test.
func StartTest(tb testing.TB) *Server {
	tb.Helper()
	dir, err := os.MkdirTemp("", "nlq")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	s, err := Start(filepath.Join(dir, "osquery.em"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	proc := gen.NewExtensionManagerProcessor(handler{s})
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		select {
		case <-s.closed:
			s.mu.Unlock()
			conn.Close()
			return
		default:
		}
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			sock := thrift.NewTSocketFromConnConf(conn, nil)
			prot := thrift.NewTBinaryProtocolConf(sock, nil)
			for {
				ok, err := proc.Process(context.Background(), prot, prot)
				if err != nil || !ok {
					return
				}
			}
		}()
	}
}

// Close makes osqueryd disappear: the manager socket stops listening and is
// removed, every connection to it and every connection to an extension made
// with Dial is closed. It waits for its goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	select {
	case <-s.closed:
		s.mu.Unlock()
		return nil
	default:
	}
	close(s.closed)
	err := s.ln.Close() // unlinks Path
	for c := range s.conns {
		c.Close()
	}
	clients := make([]*Extension, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.Close()
	}
	s.wg.Wait()
	return err
}

// DropConnections closes every connection extensions made to the manager,
// and keeps listening: the extension's next ping fails.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Hang makes osqueryd wedged but alive: from now on every request to the
// manager blocks until Close, and nothing answers a ping.
func (s *Server) Hang() { s.hangOnce.Do(func() { close(s.hung) }) }

// Registrations returns every registration accepted so far.
func (s *Server) Registrations() []Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Registration(nil), s.regs...)
}

// Pings is the number of pings the manager answered.
func (s *Server) Pings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pings
}

// Deregistered reports whether the extension with uuid deregistered.
func (s *Server) Deregistered(uuid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deregistered[uuid]
}

// WaitRegistration waits for the first registration and returns it.
func (s *Server) WaitRegistration(ctx context.Context) (Registration, error) {
	for {
		s.mu.Lock()
		ch := s.changed
		if len(s.regs) > 0 {
			r := s.regs[0]
			s.mu.Unlock()
			return r, nil
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Registration{}, fmt.Errorf("fake osqueryd: no extension registered: %w", ctx.Err())
		}
	}
}

// WaitDeregistered waits until the extension with uuid deregisters.
func (s *Server) WaitDeregistered(ctx context.Context, uuid int64) error {
	for {
		s.mu.Lock()
		ch := s.changed
		done := s.deregistered[uuid]
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("fake osqueryd: extension %d did not deregister: %w", uuid, ctx.Err())
		}
	}
}

// notify wakes the waiters; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks while the server is hung.
func (s *Server) wait(ctx context.Context) error {
	select {
	case <-s.hung:
		select {
		case <-s.closed:
		case <-ctx.Done():
		}
		return errors.New("fake osqueryd: hung")
	default:
		return nil
	}
}

// handler implements the ExtensionManager service on the Server.
type handler struct{ s *Server }

var _ gen.ExtensionManager = handler{}

func ok() *gen.ExtensionStatus { return &gen.ExtensionStatus{Code: 0, Message: "OK"} }

// Ping answers OK unless hung.
func (h handler) Ping(ctx context.Context) (*gen.ExtensionStatus, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	h.s.mu.Lock()
	h.s.pings++
	h.s.mu.Unlock()
	return ok(), nil
}

// Call is osqueryd's own registry; an extension does not call it here.
func (h handler) Call(ctx context.Context, registry, item string, _ gen.ExtensionPluginRequest) (*gen.ExtensionResponse, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	return &gen.ExtensionResponse{Status: &gen.ExtensionStatus{Code: 1, Message: "fake osqueryd has no registry item " + registry + "/" + item}}, nil
}

// Shutdown is accepted and ignored.
func (h handler) Shutdown(ctx context.Context) error { return h.s.wait(ctx) }

// Extensions lists the registered extensions.
func (h handler) Extensions(ctx context.Context) (gen.InternalExtensionList, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	out := gen.InternalExtensionList{}
	for _, r := range h.s.regs {
		if !h.s.deregistered[r.UUID] {
			info := r.Info
			out[gen.ExtensionRouteUUID(r.UUID)] = &info
		}
	}
	return out, nil
}

// Options returns the flags osqueryd would: none here.
func (h handler) Options(ctx context.Context) (gen.InternalOptionList, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	return gen.InternalOptionList{}, nil
}

// RegisterExtension records the extension and assigns a UUID. As osqueryd
// does, it refuses a name already registered, and a table with no columns.
func (h handler) RegisterExtension(ctx context.Context, info *gen.InternalExtensionInfo, registry gen.ExtensionRegistry) (*gen.ExtensionStatus, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if info == nil || info.Name == "" {
		return &gen.ExtensionStatus{Code: 1, Message: "Extension name is empty"}, nil
	}
	for _, r := range s.regs {
		if r.Info.Name == info.Name && !s.deregistered[r.UUID] {
			return &gen.ExtensionStatus{Code: 1, Message: "Duplicate extension registered"}, nil
		}
	}
	for name, routes := range registry["table"] {
		if len(routes) == 0 {
			return &gen.ExtensionStatus{Code: 1, Message: "Invalid route info for table " + name}, nil
		}
	}
	s.nextUUID++
	s.regs = append(s.regs, Registration{UUID: s.nextUUID, Info: *info, Registry: registry})
	s.notify()
	return &gen.ExtensionStatus{Code: 0, Message: "OK", UUID: gen.ExtensionRouteUUID(s.nextUUID)}, nil
}

// DeregisterExtension records the extension as gone.
func (h handler) DeregisterExtension(ctx context.Context, uuid gen.ExtensionRouteUUID) (*gen.ExtensionStatus, error) {
	if err := h.s.wait(ctx); err != nil {
		return nil, err
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.regs {
		if r.UUID == int64(uuid) && !s.deregistered[r.UUID] {
			s.deregistered[r.UUID] = true
			s.notify()
			return ok(), nil
		}
	}
	return &gen.ExtensionStatus{Code: 1, Message: "No extension UUID registered"}, nil
}

// Query is not served: the stand-in has no SQL engine.
func (h handler) Query(ctx context.Context, sql string) (*gen.ExtensionResponse, error) {
	return &gen.ExtensionResponse{Status: &gen.ExtensionStatus{Code: 1, Message: "fake osqueryd runs no SQL"}}, h.s.wait(ctx)
}

// GetQueryColumns is not served: the stand-in has no SQL engine.
func (h handler) GetQueryColumns(ctx context.Context, sql string) (*gen.ExtensionResponse, error) {
	return h.Query(ctx, sql)
}

// Extension is osqueryd's connection to one extension's socket.
type Extension struct {
	s      *Server
	sock   *thrift.TSocket
	client *gen.ExtensionClient
	mu     sync.Mutex // one call at a time per connection, as Thrift needs
}

// Dial connects to the extension registered as r, at Path.UUID. Its calls
// time out after timeout (0: never); Close on the Server closes it.
func (s *Server) Dial(r Registration, timeout time.Duration) (*Extension, error) {
	return s.DialPath(ExtensionPath(s.Path, r.UUID), timeout)
}

// DialPath connects to an extension socket by its path. An extension
// registers before it listens, so, as osqueryd does, it retries for up to
// five seconds while the socket does not exist or refuses.
func (s *Server) DialPath(path string, timeout time.Duration) (*Extension, error) {
	deadline := time.Now().Add(5 * time.Second)
	var conn net.Conn
	for {
		var err error
		conn, err = net.DialTimeout("unix", path, 5*time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || !(errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)) {
			return nil, fmt.Errorf("fake osqueryd: dial extension: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	sock := thrift.NewTSocketFromConnConf(conn, &thrift.TConfiguration{SocketTimeout: timeout})
	buf := thrift.NewTBufferedTransport(sock, 64<<10) // as osqueryd's C++ client buffers
	prot := thrift.NewTBinaryProtocolConf(buf, nil)
	e := &Extension{s: s, sock: sock, client: gen.NewExtensionClientProtocol(buf, prot, prot)}
	s.mu.Lock()
	s.clients[e] = struct{}{}
	s.mu.Unlock()
	return e, nil
}

// ExtensionPath is the socket an extension with uuid serves on.
func ExtensionPath(managerPath string, uuid int64) string {
	return fmt.Sprintf("%s.%d", managerPath, uuid)
}

// Close closes the connection.
func (e *Extension) Close() error {
	e.s.mu.Lock()
	delete(e.s.clients, e)
	e.s.mu.Unlock()
	return e.sock.Close()
}

// Ping pings the extension.
func (e *Extension) Ping(ctx context.Context) (*gen.ExtensionStatus, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client.Ping(ctx)
}

// Shutdown asks the extension to shut down, as osqueryd does when it stops.
func (e *Extension) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.client.Shutdown(ctx)
}

// Call sends one registry call, as Registry::call does for an external plugin.
func (e *Extension) Call(ctx context.Context, registry, item string, req map[string]string) (*gen.ExtensionResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	resp, err := e.client.Call(ctx, registry, item, req)
	if err == nil && resp.Status == nil {
		err = errors.New("fake osqueryd: response without status")
	}
	return resp, err
}

// Columns asks a table for its columns (osqueryd's xCreate).
func (e *Extension) Columns(ctx context.Context, table string) (*gen.ExtensionResponse, error) {
	return e.Call(ctx, "table", table, map[string]string{"action": "columns"})
}

// Generate asks a table for its rows with a query context (osqueryd's xFilter).
func (e *Extension) Generate(ctx context.Context, table string, qc QueryContext) (*gen.ExtensionResponse, error) {
	return e.Call(ctx, "table", table, map[string]string{"action": "generate", "context": qc.JSON()})
}
