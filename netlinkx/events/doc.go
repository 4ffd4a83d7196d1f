// Package events keeps netlink multicast subscriptions: one socket joined to
// a protocol's groups (sock_diag's destroy groups, ctnetlink's event groups,
// rtnetlink's RTNLGRP_*) in one network namespace, read until its context
// ends. It knows nothing of osquery or SQL; the tables package buffers what
// it hands over.
//
// Loss is counted, never guessed: when the socket's receive queue overflows
// the kernel drops the message, counts it in sk_drops and reports ENOBUFS on
// the next read. Listen then reads sk_drops (SO_MEMINFO's SK_MEMINFO_DROPS)
// and hands the number dropped since the last report to Handler.Lost.
package events
