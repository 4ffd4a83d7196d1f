//go:build !linux

package netlinkx

import "context"

// Every sock_diag function returns errNotLinux (dump_others.go) off Linux.

// DumpInet is not available off Linux.
func DumpInet(ctx context.Context, req InetDiagReq, emit func(*InetDiagMsg) error) error {
	return errNotLinux
}

// DumpUnix is not available off Linux.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	return errNotLinux
}

// UnmarshalBinary is not available off Linux.
func (m *UnixDiagMsg) UnmarshalBinary(b []byte) error {
	return errNotLinux
}

// DumpNetlink is not available off Linux.
func DumpNetlink(ctx context.Context, req NetlinkDiagReq, emit func(*NetlinkDiagMsg) error) error {
	return errNotLinux
}

// UnmarshalBinary is not available off Linux.
func (m *NetlinkDiagMsg) UnmarshalBinary(b []byte) error {
	return errNotLinux
}

// DumpPacket is not available off Linux.
func DumpPacket(ctx context.Context, req PacketDiagReq, emit func(*PacketDiagMsg) error) error {
	return errNotLinux
}

// UnmarshalBinary is not available off Linux.
func (m *PacketDiagMsg) UnmarshalBinary(b []byte) error {
	return errNotLinux
}
