//go:build !linux

package netlinkx

import (
	"context"
	"fmt"
	"runtime"
)

// DumpRules is not available off Linux.
func DumpRules(ctx context.Context, req RuleRequest, emit func(*RuleMessage) error) error {
	return fmt.Errorf("netlinkx: rules not implemented on %s/%s", runtime.GOOS, runtime.GOARCH)
}
