package thriftwire

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"
)

// ManagerClient calls osqueryd's ExtensionManager service over its unix
// socket, as osquery-go's client does (TSocket, TBinaryProtocol): the
// three methods an extension needs. One call at a time: it is not safe
// for concurrent use, except Close.
type ManagerClient struct {
	conn    net.Conn
	r       *bufio.Reader
	timeout time.Duration
	seq     int32
	out     []byte
}

// DialManager connects to the manager's socket at path; timeout (0: none)
// bounds the connect and each call.
func DialManager(path string, timeout time.Duration) (*ManagerClient, error) {
	conn, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return nil, err
	}
	return &ManagerClient{conn: conn, r: bufio.NewReader(conn), timeout: timeout}, nil
}

// Close closes the connection; a call in progress fails.
func (c *ManagerClient) Close() error { return c.conn.Close() }

// Ping is the ping method: whether osqueryd is alive.
func (c *ManagerClient) Ping(ctx context.Context) (*ExtensionStatus, error) {
	return c.call(ctx, "ping", func(b []byte) []byte { return appendStop(b) })
}

// RegisterExtension is the registerExtension method: osqueryd answers with
// the extension's UUID in the status, or a failed status.
func (c *ManagerClient) RegisterExtension(ctx context.Context, info *InternalExtensionInfo, registry ExtensionRegistry) (*ExtensionStatus, error) {
	return c.call(ctx, "registerExtension", func(b []byte) []byte {
		b = appendInfo(appendField(b, TypeStruct, 1), info)
		b = appendRegistry(appendField(b, TypeMap, 2), registry)
		return appendStop(b)
	})
}

// DeregisterExtension is the deregisterExtension method.
func (c *ManagerClient) DeregisterExtension(ctx context.Context, uuid int64) (*ExtensionStatus, error) {
	return c.call(ctx, "deregisterExtension", func(b []byte) []byte {
		return appendStop(appendI64(appendField(b, TypeI64, 1), uuid))
	})
}

// call sends method with the arguments struct args appends, and reads the
// reply, whose result's success is an ExtensionStatus. The deadline is the
// timeout or ctx's, whichever comes first.
func (c *ManagerClient) call(ctx context.Context, method string, args func([]byte) []byte) (*ExtensionStatus, error) {
	var deadline time.Time
	if c.timeout > 0 {
		deadline = time.Now().Add(c.timeout)
	}
	if d, ok := ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
		deadline = d
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	c.seq++
	c.out = args(appendMessageBegin(c.out[:0], method, Call, c.seq))
	if _, err := c.conn.Write(c.out); err != nil {
		return nil, err
	}
	return readStatusReply(newDecoder(c.r), method, c.seq)
}

// readStatusReply reads the reply to method with sequence id seq, as the
// Thrift library's TStandardClient checks it: the method's name, the
// sequence id, an exception, then the result, whose success must be set.
func readStatusReply(d *decoder, method string, seq int32) (*ExtensionStatus, error) {
	name, typ, rseq := d.messageBegin()
	switch {
	case d.err != nil:
		return nil, eof(d.err)
	case name != method:
		return nil, &ApplicationError{Type: WrongMethodName, Message: method + ": wrong method name"}
	case rseq != seq:
		return nil, &ApplicationError{Type: BadSequenceID, Message: method + ": out of order sequence response"}
	case typ == Exception:
		e := d.readApplicationError()
		if d.err != nil {
			return nil, d.err
		}
		return nil, e
	case typ != Reply:
		return nil, &ApplicationError{Type: InvalidMessageType, Message: method + ": invalid message type"}
	}
	var st *ExtensionStatus
	found := d.readResult(func() { st = d.readStatus() })
	if d.err != nil {
		return nil, fmt.Errorf("%s reply: %w", method, d.err)
	}
	if !found {
		return nil, &ApplicationError{Type: MissingResult, Message: method + " failed: unknown result"}
	}
	return st, nil
}
