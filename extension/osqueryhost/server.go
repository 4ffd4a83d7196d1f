package osqueryhost

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/netlinkq/netlinkq/extension/osqueryhost/internal/thriftwire"
	"github.com/netlinkq/netlinkq/tables"
)

// extensionServer serves the tables to osqueryd over Thrift. It does what
// osquery-go's ExtensionManagerServer does (register with osqueryd, listen on
// SOCKET.UUID, answer ping, call and shutdown, deregister) with one change:
// the reply to a generate call is encoded as the table emits its rows, not
// built as osquery-go's []map[string]string first, so 100,000 rows cost
// their Thrift bytes (about 200 bytes each) instead of a Go map each.
type extensionServer struct {
	name, version string
	sockPath      string
	client        *managerClient
	plugins       map[string]*tablePlugin
	logger        *log.Logger

	mu      sync.Mutex
	server  *thriftwire.Server
	stopped bool // Shutdown ran: Start must not serve
}

var _ thriftwire.Extension = (*extensionServer)(nil)

// validRegistries are the registries osqueryd knows; osquery-go announces
// all four, with routes only in "table".
var validRegistries = []string{"table", "logger", "config", "distributed"}

// newExtensionServer prepares a server for tabs; Start registers it.
func newExtensionServer(name, version, sockPath string, client *managerClient, tabs []tables.Interface, logger *log.Logger) *extensionServer {
	s := &extensionServer{name: name, version: version, sockPath: sockPath, client: client, plugins: map[string]*tablePlugin{}, logger: logger}
	shared := tables.NewSnapshots()
	for _, t := range tabs {
		p := newTablePlugin(t, logger)
		p.snapshots = shared
		s.plugins[p.Name()] = p
	}
	return s
}

// Start registers the extension with osqueryd and serves on SOCKET.UUID
// until Shutdown. It returns nil when Shutdown stopped it, else why it could
// not register or serve.
func (s *extensionServer) Start() error {
	registry := thriftwire.ExtensionRegistry{}
	for _, r := range validRegistries {
		registry[r] = map[string][]map[string]string{}
	}
	for name, p := range s.plugins {
		registry["table"][name] = p.Routes()
	}
	stat, err := s.client.RegisterExtension(&thriftwire.InternalExtensionInfo{Name: s.name, Version: s.version}, registry)
	if err != nil {
		return fmt.Errorf("registering extension: %w", err)
	}
	if stat.Code != 0 {
		return fmt.Errorf("status %d registering extension: %s", stat.Code, stat.Message)
	}
	srv := thriftwire.NewServer(listenPath(s.sockPath, stat.UUID), s, thriftBuffer, serverStopGrace, s.logger.Printf)
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.server = srv
	s.mu.Unlock()
	return srv.Serve()
}

// Shutdown deregisters from osqueryd and stops serving. It is also the
// handler of osqueryd's shutdown call.
func (s *extensionServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	var err error
	if uuid := s.client.uuid.Load(); uuid != 0 {
		stat, derr := s.client.DeregisterExtension(uuid)
		switch {
		case derr != nil:
			err = fmt.Errorf("deregistering extension: %w", derr)
		case stat.Code != 0:
			err = fmt.Errorf("status %d deregistering extension: %s", stat.Code, stat.Message)
		}
	}
	if s.server != nil {
		srv := s.server
		s.server = nil
		go srv.Stop()
	}
	return err
}

// Ping answers osqueryd's health check.
func (s *extensionServer) Ping(ctx context.Context) *thriftwire.ExtensionStatus {
	return statusOK()
}

// Call answers osqueryd's call for a registry item: a table's columns, or
// its rows encoded as the table emits them (rows), or a failed status.
func (s *extensionServer) Call(ctx context.Context, registry, item string, req map[string]string) (*thriftwire.ExtensionResponse, *thriftwire.Rows) {
	p, resp := s.lookup(registry, item)
	if p == nil {
		return resp, nil
	}
	return p.answer(ctx, req)
}

// lookup finds the plugin for registry and item, or the failed response
// osquery-go gives for a registry or an item it does not have.
func (s *extensionServer) lookup(registry, item string) (*tablePlugin, *thriftwire.ExtensionResponse) {
	known := false
	for _, r := range validRegistries {
		known = known || r == registry
	}
	if !known {
		return nil, failure("Unknown registry: " + registry)
	}
	if p, ok := s.plugins[item]; ok && registry == "table" {
		return p, nil
	}
	return nil, failure("Unknown registry item: " + item)
}
