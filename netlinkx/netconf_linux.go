package netlinkx

import (
	"context"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// sizeofNetconfmsg is NLMSG_ALIGN(sizeof(struct netconfmsg)): one __u8, padded.
const sizeofNetconfmsg = 4

// DecodeNetconf decodes one RTM_NEWNETCONF payload. Unknown attributes are
// skipped; a known one of the wrong size is an error.
func DecodeNetconf(b []byte) (Netconf, error) {
	var n Netconf
	if len(b) < 1 {
		return n, fmt.Errorf("netconfmsg: %d bytes, want at least 1", len(b))
	}
	n.Family = b[0]
	if len(b) <= sizeofNetconfmsg {
		return n, nil
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofNetconfmsg:])
	if err != nil {
		return n, fmt.Errorf("netconf attributes: %w", err)
	}
	for ad.Next() {
		t := int(ad.Type())
		if t == NETCONFA_UNSPEC || t >= netconfSlots {
			continue
		}
		v := ad.Int32()
		n.Values[t] = v
		n.Has |= 1 << t
		if t == NETCONFA_IFINDEX {
			n.IfIndex = v
		}
	}
	if err := ad.Err(); err != nil {
		return n, fmt.Errorf("netconf (family %d, ifindex %d): %w", n.Family, n.IfIndex, err)
	}
	return n, nil
}

// GetNetconf asks the kernel for one netconf entry (RTM_GETNETCONF with
// NETCONFA_IFINDEX) and calls emit with it. A family the kernel does not
// have (ipv6.disable=1: EOPNOTSUPP or EAFNOSUPPORT) or an ifindex it does
// not know (ENODEV) is no error and no call.
func GetNetconf(ctx context.Context, req NetconfRequest, emit func(*Netconf) error) error {
	ae := netlink.NewAttributeEncoder()
	ae.Int32(NETCONFA_IFINDEX, req.IfIndex)
	attrs, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("encode netconf request: %w", err)
	}
	data := append([]byte{req.Family, 0, 0, 0}, attrs...)
	err = Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_ROUTE,
		NetNS:    req.NetNS,
		Type:     unix.RTM_GETNETCONF,
		Data:     data,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != unix.RTM_NEWNETCONF {
			return nil
		}
		n, err := DecodeNetconf(b)
		if err != nil {
			return err
		}
		return emit(&n)
	})
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.ENODEV) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get netconf (family %d, ifindex %d): %w", req.Family, req.IfIndex, err)
	}
	return nil
}
