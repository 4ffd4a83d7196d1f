//go:build !linux

package osqueryhost

// restrictUmask does nothing off Linux, where the tables do not run anyway.
func restrictUmask() {}
