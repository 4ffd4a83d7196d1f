package osqueryhost

import "golang.org/x/sys/unix"

// restrictUmask makes the sockets and files this process creates from now on
// private to its user (umask 077): the extension's Thrift socket is srw-------.
func restrictUmask() { unix.Umask(0o077) }
