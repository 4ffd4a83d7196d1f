//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpUnix is not available off Linux.
func DumpUnix(ctx context.Context, req UnixDiagReq, emit func(*UnixDiagMsg) error) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// UnmarshalBinary is not available off Linux.
func (m *UnixDiagMsg) UnmarshalBinary(b []byte) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
