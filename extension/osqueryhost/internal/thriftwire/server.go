package thriftwire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Extension is the handler of osquery's Extension service: the calls
// osqueryd makes on an extension's socket.
type Extension interface {
	// Ping answers osqueryd's health check.
	Ping(ctx context.Context) *ExtensionStatus
	// Call answers a registry call. When rows is not nil, its encoded rows
	// are sent as the response list and resp.Response is ignored. ctx ends
	// when osqueryd closes the connection.
	Call(ctx context.Context, registry, item string, request map[string]string) (resp *ExtensionResponse, rows *Rows)
	// Shutdown handles osqueryd's shutdown; an error is sent back as an
	// INTERNAL_ERROR exception.
	Shutdown(ctx context.Context) error
}

// Server serves an Extension on a unix socket, as the Thrift library's
// TSimpleServer with a TBufferedTransport and TBinaryProtocol does for
// osquery-go: one goroutine per connection, calls on a connection answered
// in turn, an unknown method answered with an UNKNOWN_METHOD exception, and
// unreadable arguments with a PROTOCOL_ERROR exception that ends the
// connection.
type Server struct {
	path    string
	handler Extension
	bufSize int
	grace   time.Duration
	logf    func(format string, args ...any)

	mu       sync.Mutex
	listener *net.UnixListener
	stopped  bool
	conns    map[*net.UnixConn]struct{}
	wg       sync.WaitGroup
	drained  chan struct{} // closed when Stop has ended every connection
}

// NewServer returns a server of h on the unix socket at path. bufSize is
// each connection's read and write buffer; grace is how long Stop lets
// calls in flight finish before it closes their connections (0: until
// osqueryd hangs up). logf receives connection errors.
func NewServer(path string, h Extension, bufSize int, grace time.Duration, logf func(format string, args ...any)) *Server {
	return &Server{path: path, handler: h, bufSize: bufSize, grace: grace, logf: logf, conns: map[*net.UnixConn]struct{}{}, drained: make(chan struct{})}
}

// Serve listens on the socket and serves connections until Stop. It
// returns nil once Stop has drained the connections (so that the reply to
// a shutdown call is written before the caller exits), and the error of
// listening or accepting otherwise.
func (s *Server) Serve() error {
	l, err := net.Listen("unix", s.path)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		l.Close()
		s.awaitDrain()
		return nil
	}
	s.listener = l.(*net.UnixListener)
	s.mu.Unlock()
	for {
		conn, err := s.listener.AcceptUnix()
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			if conn != nil {
				conn.Close()
			}
			s.awaitDrain()
			return nil
		}
		if err != nil {
			s.mu.Unlock()
			return err
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			if err := s.serveConn(conn); err != nil && !hungUp(err) {
				s.logf("thrift connection: %v", err)
			}
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
			conn.Close()
		}()
	}
}

// awaitDrain waits for Stop to end the connections: the call that stopped
// the server (osqueryd's shutdown) is still writing its reply, and Serve's
// caller may exit when Serve returns. A call that ignores its cancelled
// context could hold Stop forever, so the wait ends after twice the grace.
func (s *Server) awaitDrain() {
	if s.grace <= 0 {
		<-s.drained
		return
	}
	select {
	case <-s.drained:
	case <-time.After(2 * s.grace):
	}
}

// Stop stops accepting, waits up to the grace for calls in flight, then
// closes every connection (which cancels the calls still running) and
// waits for their goroutines. A second call waits for the first to end.
// A handler must not call it on its own goroutine (it would wait for
// itself): the shutdown handler runs `go s.Stop()`.
func (s *Server) Stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		<-s.drained
		return
	}
	s.stopped = true
	if s.listener != nil {
		s.listener.Close()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	if s.grace > 0 {
		select {
		case <-done:
		case <-time.After(s.grace):
			s.mu.Lock()
			for c := range s.conns {
				c.Close()
			}
			s.mu.Unlock()
		}
	}
	<-done
	close(s.drained)
}

// serveConn answers the calls on one connection until the peer hangs up,
// the server stops, or an error leaves the stream unreadable.
func (s *Server) serveConn(conn *net.UnixConn) error {
	r := bufio.NewReaderSize(conn, s.bufSize)
	w := bufio.NewWriterSize(conn, s.bufSize)
	for {
		s.mu.Lock()
		stopped := s.stopped
		s.mu.Unlock()
		if stopped {
			return nil
		}
		d := newDecoder(r)
		name, _, seq := d.messageBegin()
		if errors.Is(d.err, io.EOF) || errors.Is(d.err, net.ErrClosed) {
			return nil
		}
		if d.err != nil {
			return fmt.Errorf("read message: %w", d.err)
		}
		err := s.answer(conn, w, d, name, seq)
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
	}
}

// answer reads the arguments of the call of method name that d has begun
// and writes the reply to w. An unknown method is answered with an
// UNKNOWN_METHOD exception and the connection goes on; arguments that
// cannot be read are answered with a PROTOCOL_ERROR exception, and the
// error returned ends the connection, as generated processors do.
func (s *Server) answer(conn *net.UnixConn, w io.Writer, d *decoder, name string, seq int32) error {
	var args *callArgs
	switch name {
	case "ping", "shutdown":
		d.skip(TypeStruct) // no arguments
	case "call":
		args = d.readCallArgs()
	default:
		d.skip(TypeStruct)
		_, err := w.Write(appendException(nil, name, seq, UnknownMethod, "Unknown function "+name))
		return err
	}
	if d.err != nil {
		w.Write(appendException(nil, name, seq, ProtocolError, d.err.Error()))
		return fmt.Errorf("read %s arguments: %w", name, d.err)
	}

	var reply []byte
	switch name {
	case "ping":
		reply = appendPingReply(nil, seq, s.handler.Ping(context.Background()))
	case "call":
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stop := watchHangup(conn, cancel)
		resp, rows := s.handler.Call(ctx, args.Registry, args.Item, args.Request)
		stop()
		return WriteCallReply(w, seq, resp, rows)
	case "shutdown":
		if err := s.handler.Shutdown(context.Background()); err != nil {
			reply = appendException(nil, name, seq, InternalError, "Internal error processing shutdown: "+err.Error())
		} else {
			reply = appendShutdownReply(nil, seq)
		}
	}
	_, err := w.Write(reply)
	return err
}

// appendPingReply appends the reply to ping: a result whose success is st.
func appendPingReply(b []byte, seq int32, st *ExtensionStatus) []byte {
	b = appendField(appendMessageBegin(b, "ping", Reply, seq), TypeStruct, 0)
	return appendStop(appendStatus(b, st))
}

// appendShutdownReply appends the reply to shutdown: an empty result.
func appendShutdownReply(b []byte, seq int32) []byte {
	return appendStop(appendMessageBegin(b, "shutdown", Reply, seq))
}

// WriteCallReply writes the reply to the call with sequence id seq: resp,
// or, when rows is not nil, resp's status and rows as its response list,
// copied as they were encoded.
func WriteCallReply(w io.Writer, seq int32, resp *ExtensionResponse, rows *Rows) error {
	b := appendField(appendMessageBegin(nil, "call", Reply, seq), TypeStruct, 0)
	if rows == nil {
		_, err := w.Write(appendStop(appendResponse(b, resp)))
		return err
	}
	if _, err := w.Write(appendResponseHead(b, resp.Status, rows.n)); err != nil {
		return err
	}
	if err := rows.writeTo(w); err != nil {
		return err
	}
	// The stops of the ExtensionResponse and of the call's result.
	_, err := w.Write([]byte{byte(TypeStop), byte(TypeStop)})
	return err
}

// appendException appends an EXCEPTION message for the call of name: a
// TApplicationException of type typ.
func appendException(b []byte, name string, seq int32, typ int32, msg string) []byte {
	b = appendMessageBegin(b, name, Exception, seq)
	return appendApplicationError(b, &ApplicationError{Type: typ, Message: msg})
}

// hungUp reports whether err is the peer or Stop having closed the
// connection, which is not worth a log line.
func hungUp(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}
