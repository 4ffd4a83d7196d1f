package netlinkx

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The dump the four sock_diag families (inet_diag_linux.go,
// unix_diag_linux.go, netlink_diag_linux.go, packet_diag_linux.go) share:
// one request, each reply decoded into one reused message, and the error.
// Their messages' bytes are read and written in sock_diag_msg_linux.go.

// dumpSockDiag runs one dump of message type typ (SOCK_DIAG_BY_FAMILY, or
// TCPDIAG_GETSOCK for inet_diag's compat request) with the request header
// data (a struct *_diag_req starting with the family) and calls fn with the
// payload of each reply, which comes back with the request's type. No Key is passed to Dump: inet_diag, unix_diag,
// netlink_diag and packet_diag keep no generation count and never set
// NLM_F_DUMP_INTR, and a set of every cookie would cost a map insert per
// socket; like ss, an interrupted dump would be read as it is.
// A family the kernel has no sock_diag handler for (ENOENT) is no error.
func dumpSockDiag(ctx context.Context, ns NetNS, typ uint16, data []byte, fn func(payload []byte) error) error {
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_SOCK_DIAG,
		NetNS:    ns,
		Type:     typ,
		Flags:    unix.NLM_F_DUMP,
		Data:     data,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != netlink.HeaderType(typ) {
			return nil
		}
		return fn(b)
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// diagMsg is a *_diag message that decodes one reply into itself, resetting
// it first (InetDiagMsg, UnixDiagMsg, NetlinkDiagMsg, PacketDiagMsg).
type diagMsg[M any] interface {
	*M
	UnmarshalBinary(b []byte) error
}

// diagReq is a *_diag request (InetDiagReq, UnixDiagReq, NetlinkDiagReq,
// PacketDiagReq): marshal builds its payload, and describe names what it
// dumps in errors ("unix sockets"); it is called only on an error, so that a
// dump formats nothing it does not need.
type diagReq interface {
	marshal() []byte
	describe() string
}

// dumpDiag runs dumpSockDiag with req and calls emit with each reply decoded
// into one M, reused for the next: the message and its byte slices point
// into the dump's buffer, so emit must not keep them. An error is returned as
// "dump <req.describe()>: <error>".
func dumpDiag[R diagReq, M any, P diagMsg[M]](ctx context.Context, ns NetNS, typ uint16, req R, emit func(P) error) error {
	var m M
	err := dumpSockDiag(ctx, ns, typ, req.marshal(), func(b []byte) error {
		if err := P(&m).UnmarshalBinary(b); err != nil {
			return err
		}
		return emit(&m)
	})
	if err != nil {
		return fmt.Errorf("dump %s: %w", req.describe(), err)
	}
	return nil
}
