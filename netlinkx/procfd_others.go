//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// SocketOwners is not available off Linux.
func SocketOwners(ctx context.Context, pids []int32) (map[uint64]SocketOwner, error) {
	return nil, fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
