package sqlhost

import "github.com/netlinkq/netlinkq/netlinkx"

// SetNetNS makes ns the namespace the next statements read unless they
// select another (pid_with_namespace, netns): the shell's .netns. The
// caller keeps ownership of ns and closes it after the last statement that
// uses it; the Host never closes a namespace.
func (h *Host) SetNetNS(ns netlinkx.NetNS) { h.netns = ns }
