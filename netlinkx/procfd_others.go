//go:build !linux

package netlinkx

import (
	"context"
)

// SocketOwners is not available off Linux.
func SocketOwners(ctx context.Context, pids []int32) (map[uint64]SocketOwner, error) {
	return nil, errNotLinux
}
