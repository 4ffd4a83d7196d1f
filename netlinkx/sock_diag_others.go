//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// errSockDiagOS is the error of every sock_diag function off Linux.
var errSockDiagOS = fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)

// DumpInet is not available off Linux.
func DumpInet(ctx context.Context, req InetDiagReq, emit func(*InetDiagMsg) error) error {
	return errSockDiagOS
}

// DumpUnix is not available off Linux.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	return errSockDiagOS
}

// UnmarshalBinary is not available off Linux.
func (m *UnixDiagMsg) UnmarshalBinary(b []byte) error {
	return errSockDiagOS
}

// DumpNetlink is not available off Linux.
func DumpNetlink(ctx context.Context, req NetlinkDiagReq, emit func(*NetlinkDiagMsg) error) error {
	return errSockDiagOS
}

// UnmarshalBinary is not available off Linux.
func (m *NetlinkDiagMsg) UnmarshalBinary(b []byte) error {
	return errSockDiagOS
}

// DumpPacket is not available off Linux.
func DumpPacket(ctx context.Context, req PacketDiagReq, emit func(*PacketDiagMsg) error) error {
	return errSockDiagOS
}

// UnmarshalBinary is not available off Linux.
func (m *PacketDiagMsg) UnmarshalBinary(b []byte) error {
	return errSockDiagOS
}
