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
	c.seq++
	return c.call(ctx, "ping", appendPingCall(c.out[:0], c.seq))
}

// RegisterExtension is the registerExtension method: osqueryd answers with
// the extension's UUID in the status, or a failed status.
func (c *ManagerClient) RegisterExtension(ctx context.Context, info *InternalExtensionInfo, registry ExtensionRegistry) (*ExtensionStatus, error) {
	c.seq++
	return c.call(ctx, "registerExtension", appendRegisterExtensionCall(c.out[:0], c.seq, info, registry))
}

// DeregisterExtension is the deregisterExtension method.
func (c *ManagerClient) DeregisterExtension(ctx context.Context, uuid int64) (*ExtensionStatus, error) {
	c.seq++
	return c.call(ctx, "deregisterExtension", appendDeregisterExtensionCall(c.out[:0], c.seq, uuid))
}

// call sends msg, the call of method with sequence id c.seq, and reads the
// reply, whose result's success is an ExtensionStatus. The deadline is the
// timeout or ctx's, whichever comes first.
func (c *ManagerClient) call(ctx context.Context, method string, msg []byte) (*ExtensionStatus, error) {
	c.out = msg
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
	if _, err := c.conn.Write(msg); err != nil {
		return nil, err
	}
	return readStatusReply(newDecoder(c.r), method, c.seq)
}

// appendPingCall appends a call of ping, which has no arguments.
func appendPingCall(b []byte, seq int32) []byte {
	return appendStop(appendMessageBegin(b, "ping", Call, seq))
}

// appendRegisterExtensionCall appends a call of registerExtension.
func appendRegisterExtensionCall(b []byte, seq int32, info *InternalExtensionInfo, registry ExtensionRegistry) []byte {
	b = appendMessageBegin(b, "registerExtension", Call, seq)
	b = appendInfo(appendField(b, TypeStruct, 1), info)
	b = appendRegistry(appendField(b, TypeMap, 2), registry)
	return appendStop(b)
}

// appendDeregisterExtensionCall appends a call of deregisterExtension.
func appendDeregisterExtensionCall(b []byte, seq int32, uuid int64) []byte {
	b = appendMessageBegin(b, "deregisterExtension", Call, seq)
	return appendStop(appendI64(appendField(b, TypeI64, 1), uuid))
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
