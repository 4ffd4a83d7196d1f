package thriftwire

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/go-cmp/cmp"
	gen "github.com/osquery/osquery-go/gen/osquery"

	"github.com/netlinkq/netlinkq/extension/internal/fakeosqueryd"
)

// stubExtension answers as the test sets it up.
type stubExtension struct {
	call     func(ctx context.Context, registry, item string, req map[string]string) (*ExtensionResponse, *Rows)
	shutdown error
}

func (s *stubExtension) Ping(ctx context.Context) *ExtensionStatus {
	return &ExtensionStatus{Message: "OK"}
}

func (s *stubExtension) Call(ctx context.Context, registry, item string, req map[string]string) (*ExtensionResponse, *Rows) {
	return s.call(ctx, registry, item, req)
}

func (s *stubExtension) Shutdown(ctx context.Context) error { return s.shutdown }

// startServer serves h on a socket in a temporary directory until the
// test ends.
func startServer(t *testing.T, h Extension, grace time.Duration) (*Server, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ext.sock")
	s := NewServer(path, h, 64<<10, grace, t.Logf)
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	t.Cleanup(func() {
		s.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	for range 100 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return s, path
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server does not listen")
	return nil, ""
}

// dialTheirs connects as osqueryd does: the Thrift library with a buffered
// transport, through osquery-go's ExtensionManager client (a superset of
// the Extension service, so that it can call a method we do not serve).
func dialTheirs(t *testing.T, path string) (*gen.ExtensionManagerClient, net.Conn) {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sock := thrift.NewTSocketFromConnConf(conn, &thrift.TConfiguration{SocketTimeout: 10 * time.Second})
	buf := thrift.NewTBufferedTransport(sock, 64<<10)
	p := thrift.NewTBinaryProtocolConf(buf, nil)
	return gen.NewExtensionManagerClientProtocol(buf, p, p), conn
}

// TestServerAgainstThrift drives our server with the Thrift library's
// client: every method, an unknown one, a failing shutdown, and unreadable
// arguments.
func TestServerAgainstThrift(t *testing.T) {
	stub := &stubExtension{
		call: func(ctx context.Context, registry, item string, req map[string]string) (*ExtensionResponse, *Rows) {
			if req["action"] == "generate" {
				return &ExtensionResponse{Status: &ExtensionStatus{Message: "OK"}}, rowsOf(rows3...)
			}
			return &ExtensionResponse{Status: &ExtensionStatus{Message: registry + "/" + item}, Response: []map[string]string{req}}, nil
		},
		shutdown: errors.New("deregistering extension: EOF"),
	}
	_, path := startServer(t, stub, 0)
	c, _ := dialTheirs(t, path)
	ctx := context.Background()

	st, err := c.Ping(ctx)
	if err != nil || st.Code != 0 || st.Message != "OK" {
		t.Fatalf("ping: %v, %v", st, err)
	}
	resp, err := c.Call(ctx, "table", "t", gen.ExtensionPluginRequest{"action": "generate", "context": bigString})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&gen.ExtensionResponse{Status: &gen.ExtensionStatus{Message: "OK"}, Response: rows3}, resp); diff != "" {
		t.Errorf("streamed call (-want +got):\n%s", diff)
	}
	resp, err = c.Call(ctx, "table", "t", gen.ExtensionPluginRequest{"action": "columns"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&gen.ExtensionResponse{Status: &gen.ExtensionStatus{Message: "table/t"}, Response: gen.ExtensionPluginResponse{{"action": "columns"}}}, resp); diff != "" {
		t.Errorf("call (-want +got):\n%s", diff)
	}

	var ae thrift.TApplicationException
	if _, err := c.Extensions(ctx); !errors.As(err, &ae) || ae.TypeId() != thrift.UNKNOWN_METHOD || ae.Error() != "Unknown function extensions" {
		t.Errorf("unknown method: %v, want UNKNOWN_METHOD", err)
	}
	if err := c.Shutdown(ctx); !errors.As(err, &ae) || ae.TypeId() != thrift.INTERNAL_ERROR ||
		ae.Error() != "Internal error processing shutdown: deregistering extension: EOF" {
		t.Errorf("failed shutdown: %v, want INTERNAL_ERROR", err)
	}
	if _, err := c.Ping(ctx); err != nil {
		t.Errorf("ping after exceptions: %v", err)
	}

	// Arguments that cannot be read: a PROTOCOL_ERROR, then the
	// connection ends.
	_, conn := dialTheirs(t, path)
	bad := appendMapBegin(appendField(appendMessageBegin(nil, "call", Call, 1), TypeMap, 3), TypeI32, TypeI32, 1)
	if _, err := conn.Write(bad); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	want := appendException(nil, "call", 1, ProtocolError, "thrift: map<8,8>, want map<string,string>")
	if diff := cmp.Diff(want, reply); diff != "" {
		t.Errorf("reply to unreadable arguments (-want +got):\n%s", diff)
	}
}

// TestServerHangup: a call's context ends when the peer closes the
// connection, or when Stop closes it after the grace.
func TestServerHangup(t *testing.T) {
	for _, tt := range []struct {
		name string
		end  func(s *Server, conn net.Conn)
	}{
		{"peer closes", func(_ *Server, conn net.Conn) { conn.Close() }},
		{"stop", func(s *Server, _ net.Conn) { go s.Stop() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			started, ended := make(chan struct{}), make(chan error, 1)
			stub := &stubExtension{call: func(ctx context.Context, _, _ string, _ map[string]string) (*ExtensionResponse, *Rows) {
				close(started)
				<-ctx.Done()
				ended <- ctx.Err()
				return &ExtensionResponse{}, nil
			}}
			s, path := startServer(t, stub, 100*time.Millisecond)
			c, conn := dialTheirs(t, path)
			go c.Call(context.Background(), "table", "t", nil)
			<-started
			tt.end(s, conn)
			select {
			case err := <-ended:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("call's context: %v, want Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the call's context did not end")
			}
		})
	}
}

// TestManagerClient registers, pings and deregisters with the osqueryd
// stand-in, which serves the ExtensionManager with the Thrift library.
func TestManagerClient(t *testing.T) {
	fake := fakeosqueryd.StartTest(t)
	c, err := DialManager(fake.Path, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	st, err := c.RegisterExtension(ctx, &InternalExtensionInfo{Name: "netlinkq", Version: "v1", SDKVersion: "s"}, registry)
	if err != nil || st.Code != 0 || st.UUID == 0 {
		t.Fatalf("register: %+v, %v", st, err)
	}
	regs := fake.Registrations()
	if len(regs) != 1 {
		t.Fatalf("%d registrations", len(regs))
	}
	want := fakeosqueryd.Registration{UUID: st.UUID, Info: gen.InternalExtensionInfo{Name: "netlinkq", Version: "v1", SdkVersion: "s"}, Registry: genRegistry}
	if diff := cmp.Diff(want, regs[0]); diff != "" {
		t.Errorf("registration (-want +got):\n%s", diff)
	}
	if st, err := c.RegisterExtension(ctx, &InternalExtensionInfo{Name: "netlinkq"}, nil); err != nil || st.Code != 1 || st.Message != "Duplicate extension registered" {
		t.Errorf("second register: %+v, %v", st, err)
	}
	if st, err := c.Ping(ctx); err != nil || st.Code != 0 {
		t.Errorf("ping: %+v, %v", st, err)
	}
	if st, err := c.DeregisterExtension(ctx, st.UUID); err != nil || st.Code != 0 || !fake.Deregistered(want.UUID) {
		t.Errorf("deregister: %+v, %v", st, err)
	}

	// A peer that does not answer: the call times out.
	fake.Hang()
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Errorf("ping of a hung peer: %v, want a timeout", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// stoppingExtension stops its server from osqueryd's shutdown call, as the
// osquery host does, and takes a while to return.
type stoppingExtension struct {
	stubExtension
	srv      *Server
	returned chan struct{}
}

func (s *stoppingExtension) Shutdown(ctx context.Context) error {
	go s.srv.Stop()
	time.Sleep(100 * time.Millisecond)
	close(s.returned)
	return nil
}

// TestServeReturnsAfterShutdownReply: Serve returns only once the shutdown
// call that stopped it has answered. The osquery host exits when Serve
// returns; before, it could exit before the reply was written, and
// osqueryd's shutdown call (the stand-in's, in TestExtensionExits) saw EOF.
func TestServeReturnsAfterShutdownReply(t *testing.T) {
	h := &stoppingExtension{returned: make(chan struct{})}
	path := filepath.Join(t.TempDir(), "ext.sock")
	h.srv = NewServer(path, h, 64<<10, 5*time.Second, t.Logf)
	served := make(chan error, 1)
	go func() { served <- h.srv.Serve() }()
	var c *gen.ExtensionManagerClient
	for range 100 {
		if probe, err := net.Dial("unix", path); err == nil {
			probe.Close()
			c, _ = dialTheirs(t, path)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c == nil {
		t.Fatal("server does not listen")
	}
	replied := make(chan error, 1)
	go func() { replied <- c.Shutdown(context.Background()) }()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	select {
	case <-h.returned:
	default:
		t.Fatal("Serve returned while the shutdown call was still running")
	}
	if err := <-replied; err != nil {
		t.Errorf("shutdown call: %v", err)
	}
}
