//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpRoutes is not available off Linux.
func DumpRoutes(ctx context.Context, req RouteRequest, emit func(*RouteMessage) error) error {
	return fmt.Errorf("netlinkx: routes not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
