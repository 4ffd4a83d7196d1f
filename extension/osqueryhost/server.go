package osqueryhost

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	gen "github.com/osquery/osquery-go/gen/osquery"

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
	server  thrift.TServer
	stopped bool // Shutdown ran: Start must not serve
}

var _ gen.Extension = (*extensionServer)(nil)

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
	registry := gen.ExtensionRegistry{}
	for _, r := range validRegistries {
		registry[r] = gen.ExtensionRouteTable{}
	}
	for name, p := range s.plugins {
		registry["table"][name] = p.Routes()
	}
	stat, err := s.client.RegisterExtension(&gen.InternalExtensionInfo{Name: s.name, Version: s.version}, registry)
	if err != nil {
		return fmt.Errorf("registering extension: %w", err)
	}
	if stat.Code != 0 {
		return fmt.Errorf("status %d registering extension: %s", stat.Code, stat.Message)
	}
	addr, err := net.ResolveUnixAddr("unix", listenPath(s.sockPath, int64(stat.UUID)))
	if err != nil {
		return fmt.Errorf("extension socket: %w", err)
	}
	proc := gen.NewExtensionProcessor(s)
	proc.AddToProcessorMap("call", &callProcessor{s: s})
	srv := thrift.NewTSimpleServer4(proc, thrift.NewTServerSocketFromAddrTimeout(addr, 0),
		thrift.NewTBufferedTransportFactory(thriftBuffer), thrift.NewTBinaryProtocolFactoryConf(nil))
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
		stat, derr := s.client.DeregisterExtension(gen.ExtensionRouteUUID(uuid))
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
func (s *extensionServer) Ping(ctx context.Context) (*gen.ExtensionStatus, error) {
	return statusOK(), nil
}

// Call is the generated service's call handler, which osqueryd never
// reaches: Start serves "call" with callProcessor, whose replies stream. It
// answers the same way, for a caller of the interface.
func (s *extensionServer) Call(ctx context.Context, registry, item string, req gen.ExtensionPluginRequest) (*gen.ExtensionResponse, error) {
	p, resp := s.lookup(registry, item)
	if p == nil {
		return resp, nil
	}
	resp, rows, n := p.answer(ctx, req)
	if rows != nil {
		decoded, err := decodeRows(rows, n)
		if err != nil {
			return failure("error generating table: " + err.Error()), nil
		}
		resp.Response = decoded
	}
	return resp, nil
}

// lookup finds the plugin for registry and item, or the failed response
// osquery-go gives for a registry or an item it does not have.
func (s *extensionServer) lookup(registry, item string) (*tablePlugin, *gen.ExtensionResponse) {
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

// callProcessor is the Thrift processor of "call": the generated one, but a
// table's generate reply is written from rows encoded as they come.
type callProcessor struct{ s *extensionServer }

// Process reads a call, answers it, and writes the reply, as the generated
// extensionProcessorCall does (connectivity check included: the call's
// context ends when osqueryd closes the connection).
func (c *callProcessor) Process(ctx context.Context, seqID int32, iprot, oprot thrift.TProtocol) (bool, thrift.TException) {
	args := gen.ExtensionCallArgs{}
	if err := args.Read(ctx, iprot); err != nil {
		iprot.ReadMessageEnd(ctx)
		x := thrift.NewTApplicationException(thrift.PROTOCOL_ERROR, err.Error())
		oprot.WriteMessageBegin(ctx, "call", thrift.EXCEPTION, seqID)
		x.Write(ctx, oprot)
		oprot.WriteMessageEnd(ctx)
		oprot.Flush(ctx)
		return false, thrift.WrapTException(err)
	}
	iprot.ReadMessageEnd(ctx)

	if interval := thrift.ServerConnectivityCheckInterval; interval > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			ticker := time.NewTicker(interval)
			defer ticker.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-ticker.C:
					if !iprot.Transport().IsOpen() {
						cancel()
						return
					}
				}
			}
		}()
	}

	p, resp := c.s.lookup(args.Registry, args.Item)
	var rows []byte
	var n int
	if p != nil {
		resp, rows, n = p.answer(ctx, args.Request)
	}
	return writeCallReply(ctx, oprot, seqID, resp, rows, n)
}

// writeCallReply writes the reply to a call: resp as the generated code
// writes it, or, when rows is not nil, resp's status and the n rows already
// encoded in rows as the response list.
func writeCallReply(ctx context.Context, oprot thrift.TProtocol, seqID int32, resp *gen.ExtensionResponse, rows []byte, n int) (bool, thrift.TException) {
	err := func() error {
		if err := oprot.WriteMessageBegin(ctx, "call", thrift.REPLY, seqID); err != nil {
			return err
		}
		if rows == nil {
			result := gen.ExtensionCallResult{Success: resp}
			if err := result.Write(ctx, oprot); err != nil {
				return err
			}
		} else if err := writeEncodedResult(ctx, oprot, resp.Status, rows, n); err != nil {
			return err
		}
		if err := oprot.WriteMessageEnd(ctx); err != nil {
			return err
		}
		return oprot.Flush(ctx)
	}()
	if err != nil {
		return false, thrift.WrapTException(err)
	}
	return true, nil
}

// writeEncodedResult writes call_result{success: ExtensionResponse{status,
// response}} field by field as the generated Write methods do, with the
// response list's maps copied from rows.
func writeEncodedResult(ctx context.Context, oprot thrift.TProtocol, status *gen.ExtensionStatus, rows []byte, n int) error {
	steps := []func() error{
		func() error { return oprot.WriteStructBegin(ctx, "call_result") },
		func() error { return oprot.WriteFieldBegin(ctx, "success", thrift.STRUCT, 0) },
		func() error { return oprot.WriteStructBegin(ctx, "ExtensionResponse") },
		func() error { return oprot.WriteFieldBegin(ctx, "status", thrift.STRUCT, 1) },
		func() error { return status.Write(ctx, oprot) },
		func() error { return oprot.WriteFieldEnd(ctx) },
		func() error { return oprot.WriteFieldBegin(ctx, "response", thrift.LIST, 2) },
		func() error { return oprot.WriteListBegin(ctx, thrift.MAP, n) },
		// The binary protocol keeps no bytes of its own: the maps encoded
		// with it into rows go straight to the same transport.
		func() error { _, err := oprot.Transport().Write(rows); return err },
		func() error { return oprot.WriteListEnd(ctx) },
		func() error { return oprot.WriteFieldEnd(ctx) },
		func() error { return oprot.WriteFieldStop(ctx) },
		func() error { return oprot.WriteStructEnd(ctx) },
		func() error { return oprot.WriteFieldEnd(ctx) },
		func() error { return oprot.WriteFieldStop(ctx) },
		func() error { return oprot.WriteStructEnd(ctx) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// decodeRows reads n rows encoded by generateEncoded back into osquery-go's
// form, as osqueryd's Thrift client reads them.
func decodeRows(rows []byte, n int) (gen.ExtensionPluginResponse, error) {
	buf := thrift.NewTMemoryBufferLen(len(rows))
	buf.Write(rows)
	dec := thrift.NewTBinaryProtocolConf(buf, nil)
	ctx := context.Background()
	out := make(gen.ExtensionPluginResponse, 0, n)
	for range n {
		_, _, size, err := dec.ReadMapBegin(ctx)
		if err != nil {
			return nil, fmt.Errorf("decode row: %w", err)
		}
		row := make(map[string]string, size)
		for range size {
			k, err := dec.ReadString(ctx)
			if err != nil {
				return nil, fmt.Errorf("decode row: %w", err)
			}
			v, err := dec.ReadString(ctx)
			if err != nil {
				return nil, fmt.Errorf("decode row: %w", err)
			}
			row[k] = v
		}
		if err := dec.ReadMapEnd(ctx); err != nil {
			return nil, fmt.Errorf("decode row: %w", err)
		}
		out = append(out, row)
	}
	return out, nil
}
