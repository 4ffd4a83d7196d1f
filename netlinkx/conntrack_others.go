//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpConntrack is not available off Linux.
func DumpConntrack(ctx context.Context, req ConntrackRequest, emit func(*Conntrack) error) error {
	return fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// ConntrackStats is not available off Linux.
func ConntrackStats(ctx context.Context, ns NetNS) ([]ConntrackStat, error) {
	return nil, fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
