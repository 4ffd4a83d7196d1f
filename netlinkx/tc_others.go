//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpTc is not available off Linux.
func DumpTc(ctx context.Context, req TcRequest, emit func(*TcMessage) error) error {
	return fmt.Errorf("netlinkx: tc not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
