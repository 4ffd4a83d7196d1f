//go:build !unix

package thriftwire

import "net"

// watchHangup does nothing where sockets cannot be peeked at: a call runs
// to its end even if osqueryd has gone.
func watchHangup(conn *net.UnixConn, cancel func()) (stop func()) { return func() {} }
