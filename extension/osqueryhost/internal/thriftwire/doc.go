// Package thriftwire speaks the subset of Apache Thrift that osquery's
// extension API uses (osquery/extensions/osquery.thrift): the binary
// protocol, strict (version 0x80010000 in each message header), over a
// plain unix stream, as osquery-go's generated code and the Go Thrift
// library put it on the wire. It serves the Extension service (ping, call,
// shutdown) to osqueryd, and calls the three methods of osqueryd's
// ExtensionManager an extension needs (registerExtension,
// deregisterExtension, ping).
//
// It replaces github.com/apache/thrift and osquery-go's gen/osquery in the
// binary because they cost every run of it, the embedded shell's included:
// Thrift imports net/http, crypto/tls, log/slog and testing, all initialised
// at start. Without them (measured with `netlinkq --version`, -s -w builds,
// on a 2-vCPU VM): 67 package inits instead of 110, 483 allocations at
// init instead of 720, a binary of 10.3 MB instead of 12.0 MB, and a start
// 0.6 ms shorter (hyperfine median 10.7 ms against 11.4 ms, minimum 8.5
// against 9.6; a Go hello world takes 4.9 ms). Only what osquery's services need is here: no
// compact or JSON protocol, no framed or HTTP transport; sets, doubles and
// UUIDs are only skipped.
//
// Everything read from the peer is bounded: a message may take at most
// 100 MiB (Thrift's default limit), every length is checked against what
// the message may still take before anything is allocated for it, strings
// grow as their bytes arrive, and nesting is limited to 64 levels.
package thriftwire
