//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"

	"github.com/mdlayher/netlink"
)

// errNotLinux is the error of every netlinkx function that needs the kernel, off Linux.
var errNotLinux = fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)

// Dump is not available off Linux.
func Dump(ctx context.Context, req DumpRequest, fn func(h netlink.Header, payload []byte) error) error {
	return errNotLinux
}
