package events

import (
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// Config is one subscription.
type Config struct {
	// Protocol is the netlink protocol: NETLINK_ROUTE, NETLINK_SOCK_DIAG, NETLINK_NETFILTER.
	Protocol int
	// Groups are the multicast groups joined (NETLINK_ADD_MEMBERSHIP), numbered as the kernel numbers them.
	Groups []uint32
	// NetNS is the namespace the socket is opened in; the kernel keeps it
	// alive while the socket is open.
	NetNS netlinkx.NetNS
	// ReceiveBuffer is the socket's receive buffer in bytes (SO_RCVBUFFORCE,
	// which needs CAP_NET_ADMIN, else SO_RCVBUF up to net.core.rmem_max);
	// 0 keeps the default. A larger buffer rides out longer bursts before the
	// kernel drops.
	ReceiveBuffer int
}

// Handler receives what a subscription reads.
type Handler struct {
	// Message is called with each netlink message's type, flags and
	// payload, all of a datagram with the same time (when it was read). The
	// payload aliases a reused buffer: Message must not keep it.
	Message func(typ, flags uint16, payload []byte, at time.Time)
	// Datagram, if set, is called after the messages of each datagram.
	Datagram func()
	// Lost is called with the number of messages the kernel dropped
	// (sk_drops) since the last call, when a read reports ENOBUFS.
	Lost func(n uint64, at time.Time)
}
