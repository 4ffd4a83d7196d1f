//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpPacket is not available off Linux.
func DumpPacket(ctx context.Context, req PacketDiagReq, emit func(*PacketDiagMsg) error) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// UnmarshalBinary is not available off Linux.
func (m *PacketDiagMsg) UnmarshalBinary(b []byte) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
