//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// ScanNetNS is not available off Linux.
func ScanNetNS(ctx context.Context) (NetNSScan, error) {
	return NetNSScan{}, fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// GetNSID is not available off Linux.
func GetNSID(ctx context.Context, req NSIDRequest) (int32, error) {
	return 0, fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// DecodeNSID is not available off Linux.
func DecodeNSID(b []byte) (int32, error) {
	return 0, fmt.Errorf("netlinkx: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
