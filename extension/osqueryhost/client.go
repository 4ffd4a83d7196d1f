package osqueryhost

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlinkq/netlinkq/extension/osqueryhost/internal/thriftwire"
)

// maxSocketPath is osquery-go's MaxSocketPathCharacters: the manager's path
// plus ".UUID" must stay under sun_path's 108 bytes.
const maxSocketPath = 97

// managerClient is our connection to osqueryd's ExtensionManager service
// over the manager's unix socket, one call at a time, remembering the UUID
// osqueryd assigned at registration (it names our socket file). It does
// what osquery-go's ExtensionManagerClient does for the three calls we
// make, without that package, whose imports (Thrift, OpenTelemetry) would
// be initialised at every start of the binary, the embedded shell's too.
type managerClient struct {
	mu     sync.Mutex
	client *thriftwire.ManagerClient
	uuid   atomic.Int64
}

// dialManager connects to the manager's socket at path; timeout bounds the
// connect and every call.
func dialManager(path string, timeout time.Duration) (*managerClient, error) {
	c, err := thriftwire.DialManager(path, timeout)
	if err != nil {
		return nil, err
	}
	return &managerClient{client: c}, nil
}

// Close closes the connection; a call in progress fails.
func (m *managerClient) Close() { m.client.Close() }

// Ping asks osqueryd whether it is alive.
func (m *managerClient) Ping(ctx context.Context) (*thriftwire.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client.Ping(ctx)
}

// RegisterExtension registers and records the UUID.
func (m *managerClient) RegisterExtension(info *thriftwire.InternalExtensionInfo, registry thriftwire.ExtensionRegistry) (*thriftwire.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.client.RegisterExtension(context.Background(), info, registry)
	if err == nil && st.Code == 0 {
		m.uuid.Store(st.UUID)
	}
	return st, err
}

// DeregisterExtension deregisters the extension with uuid.
func (m *managerClient) DeregisterExtension(uuid int64) (*thriftwire.ExtensionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client.DeregisterExtension(context.Background(), uuid)
}

// socketPathError is the error for a manager path too long for ours.
func socketPathError(path string) error {
	return fmt.Errorf("extension server on %s: socket path %s (%d characters) exceeded the maximum socket path character length of %d",
		path, path, len(path), maxSocketPath)
}
