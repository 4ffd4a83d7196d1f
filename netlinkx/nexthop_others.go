//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpNexthops is not available off Linux.
func DumpNexthops(ctx context.Context, req NexthopRequest, emit func(*NexthopMessage) error) error {
	return fmt.Errorf("netlinkx: nexthops not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
