//go:build !linux

package tables

// eventStreams is empty off Linux: there are no netlink events to follow.
var eventStreams []eventStreamer
