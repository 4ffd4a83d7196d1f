//go:build !linux

package netlinkx

import (
	"fmt"
	"runtime"
)

// NetNSNames is not supported off Linux.
func NetNSNames() (map[uint64]string, error) {
	return nil, fmt.Errorf("network namespaces: not supported on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// Dup is not available off Linux.
func (ns NetNS) Dup() (NetNS, error) {
	return Own, fmt.Errorf("network namespaces: not supported on %s/%s", runtime.GOOS, runtime.GOARCH)
}
