//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpInet is not available off Linux.
func DumpInet(ctx context.Context, req InetDiagReq, emit func(*InetDiagMsg) error) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
