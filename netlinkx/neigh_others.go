//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpNeigh is not available off Linux.
func DumpNeigh(ctx context.Context, req NeighRequest, emit func(*NeighMessage) error) error {
	return fmt.Errorf("netlinkx: neighbours not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
