//go:build !linux

package netlinkx

import (
	"context"
)

// ScanNetNS is not available off Linux.
func ScanNetNS(ctx context.Context) (NetNSScan, error) {
	return NetNSScan{}, errNotLinux
}

// GetNSID is not available off Linux.
func GetNSID(ctx context.Context, req NSIDRequest) (int32, error) {
	return 0, errNotLinux
}

// DecodeNSID is not available off Linux.
func DecodeNSID(b []byte) (int32, error) {
	return 0, errNotLinux
}
