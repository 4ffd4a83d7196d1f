//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpNetlink is not available off Linux.
func DumpNetlink(ctx context.Context, req NetlinkDiagReq, emit func(*NetlinkDiagMsg) error) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// UnmarshalBinary is not available off Linux.
func (m *NetlinkDiagMsg) UnmarshalBinary(b []byte) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
