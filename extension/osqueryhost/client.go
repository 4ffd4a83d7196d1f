package osqueryhost

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	gen "github.com/osquery/osquery-go/gen/osquery"
)

// maxSocketPath is osquery-go's MaxSocketPathCharacters: the manager's path
// plus ".UUID" must stay under sun_path's 108 bytes.
const maxSocketPath = 97

// managerClient is our connection to osqueryd's ExtensionManager service:
// the generated Thrift client over the manager's unix socket, one call at a
// time, remembering the UUID osqueryd assigned at registration (it names
// our socket file). It does what osquery-go's ExtensionManagerClient does
// for the three calls we make, without that package, whose imports
// (OpenTelemetry among them) would be initialised at every start of the
// binary, the embedded shell's too.
type managerClient struct {
	mu     sync.Mutex
	trans  thrift.TTransport
	client *gen.ExtensionManagerClient
	uuid   atomic.Int64
}

// dialManager connects to the manager's socket at path; timeout bounds the
// connect and every call.
func dialManager(path string, timeout time.Duration) (*managerClient, error) {
	addr, err := net.ResolveUnixAddr("unix", path)
	if err != nil {
		return nil, err
	}
	sock := thrift.NewTSocketFromAddrConf(addr, &thrift.TConfiguration{ConnectTimeout: timeout, SocketTimeout: timeout})
	if err := sock.Open(); err != nil {
		return nil, err
	}
	proto := thrift.NewTBinaryProtocolConf(sock, nil)
	return &managerClient{trans: sock, client: gen.NewExtensionManagerClient(thrift.NewTStandardClient(proto, proto))}, nil
}

// Close closes the connection.
func (m *managerClient) Close() {
	if m.trans.IsOpen() {
		m.trans.Close()
	}
}

// Ping asks osqueryd whether it is alive.
func (m *managerClient) Ping(ctx context.Context) (*gen.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client.Ping(ctx)
}

// RegisterExtension registers and records the UUID.
func (m *managerClient) RegisterExtension(info *gen.InternalExtensionInfo, registry gen.ExtensionRegistry) (*gen.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.client.RegisterExtension(context.Background(), info, registry)
	if err == nil && st != nil && st.Code == 0 {
		m.uuid.Store(int64(st.UUID))
	}
	return st, err
}

// DeregisterExtension deregisters the extension with uuid.
func (m *managerClient) DeregisterExtension(uuid gen.ExtensionRouteUUID) (*gen.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client.DeregisterExtension(context.Background(), uuid)
}

// socketPathError is the error for a manager path too long for ours.
func socketPathError(path string) error {
	return fmt.Errorf("extension server on %s: socket path %s (%d characters) exceeded the maximum socket path character length of %d",
		path, path, len(path), maxSocketPath)
}
