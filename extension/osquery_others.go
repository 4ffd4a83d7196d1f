//go:build !linux

package main

// restrictUmask does nothing off Linux, where the tables do not run anyway.
func restrictUmask() {}
