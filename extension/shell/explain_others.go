//go:build !linux

package shell

import (
	"fmt"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// describeDump is one dump request for .explain; off Linux no table runs.
func describeDump(req netlinkx.DumpRequest) string {
	return fmt.Sprintf("protocol %d type %d", req.Protocol, req.Type)
}
