//go:build !linux

package events

import (
	"context"
	"fmt"
	"runtime"
)

// Socket is a netlink socket joined to multicast groups.
type Socket struct{}

// Open is not available off Linux.
func Open(cfg Config) (*Socket, error) {
	return nil, fmt.Errorf("netlink events: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// Close does nothing off Linux.
func (s *Socket) Close() error { return nil }

// Run is not available off Linux.
func (s *Socket) Run(ctx context.Context, h Handler) error {
	return fmt.Errorf("netlink events: not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
