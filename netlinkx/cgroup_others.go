//go:build !linux

package netlinkx

// scanCgroups finds no cgroups off Linux.
func scanCgroups() (mount string, paths map[uint64]string) { return "", nil }
