package netlinkx

import (
	"context"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// sizeofRtgenmsg is struct rtgenmsg (one byte, rtgen_family) as it sits in a
// message: NLMSG_ALIGN(1). RTM_GETNSID and RTM_NEWNSID carry it before
// their NETNSA_* attributes.
const sizeofRtgenmsg = 4

// GetNSID asks namespace req.NetNS, with RTM_GETNSID, which id it has
// assigned to the peer namespace named by req.PID or req.Peer: what
// `ip netns list-id` shows there. It returns NSIDNotAssigned (-1) when the
// peer has none; asking never assigns one. A process that no longer exists
// is ESRCH, wrapped.
func GetNSID(ctx context.Context, req NSIDRequest) (int32, error) {
	b, err := getNSIDReply(ctx, req)
	if err != nil {
		return 0, err
	}
	return DecodeNSID(b)
}

// getNSIDReply sends the request and returns a copy of the RTM_NEWNSID payload.
func getNSIDReply(ctx context.Context, req NSIDRequest) ([]byte, error) {
	data := make([]byte, sizeofRtgenmsg, sizeofRtgenmsg+8)
	data[0] = unix.AF_UNSPEC
	attr, val, what := uint16(unix.NETNSA_PID), uint32(req.PID), fmt.Sprintf("pid %d", req.PID)
	if req.PID == 0 {
		attr, val, what = unix.NETNSA_FD, uint32(req.Peer), fmt.Sprintf("fd %d", req.Peer)
		if req.Peer <= 0 {
			return nil, fmt.Errorf("get netnsid: no peer named")
		}
	} else if req.PID < 0 {
		return nil, fmt.Errorf("get netnsid of pid %d: not a process id", req.PID)
	}
	data = appendU32Attr(data, attr, val)
	var reply []byte
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_ROUTE,
		NetNS:    req.NetNS,
		Type:     unix.RTM_GETNSID,
		Data:     data,
	}, func(h netlink.Header, b []byte) error {
		if h.Type == unix.RTM_NEWNSID {
			reply = append([]byte(nil), b...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get netnsid of %s: %w", what, err)
	}
	if reply == nil {
		return nil, fmt.Errorf("get netnsid of %s: no RTM_NEWNSID in the reply", what)
	}
	return reply, nil
}

// DecodeNSID reads the NETNSA_NSID of an RTM_NEWNSID payload (rtgenmsg and
// NETNSA_* attributes). Unknown attributes are skipped; a message without
// NETNSA_NSID is an error.
func DecodeNSID(b []byte) (int32, error) {
	if len(b) < sizeofRtgenmsg {
		return 0, fmt.Errorf("rtgenmsg: %d bytes, want at least %d", len(b), sizeofRtgenmsg)
	}
	ad, err := netlink.NewAttributeDecoder(b[sizeofRtgenmsg:])
	if err != nil {
		return 0, fmt.Errorf("RTM_NEWNSID attributes: %w", err)
	}
	var nsid int32
	found := false
	for ad.Next() {
		if ad.Type() == unix.NETNSA_NSID {
			nsid, found = ad.Int32(), true
		}
	}
	if err := ad.Err(); err != nil {
		return 0, fmt.Errorf("RTM_NEWNSID attributes: %w", err)
	}
	if !found {
		return 0, fmt.Errorf("RTM_NEWNSID: no NETNSA_NSID")
	}
	return nsid, nil
}
