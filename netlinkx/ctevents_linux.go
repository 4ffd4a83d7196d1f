package netlinkx

import (
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
)

// CTEvent is one ctnetlink event (IPCTNL_MSG_CT_NEW or _DELETE on the
// NFNLGRP_CONNTRACK_* groups), decoded by github.com/ti-mo/conntrack.
type CTEvent struct {
	// Type is NEW (IPCTNL_MSG_CT_NEW with NLM_F_CREATE), UPDATE
	// (IPCTNL_MSG_CT_NEW without it) or DESTROY (IPCTNL_MSG_CT_DELETE).
	Type string
	// Flow is the conntrack entry as the event carries it: the tuples, and
	// as the kernel sends them status, mark, zone, counters, timestamps.
	Flow conntrack.Flow
}

// DecodeCTEvent decodes one ctnetlink event message: typ and flags are the
// netlink header's (typ holds NFNL_SUBSYS_CTNETLINK and the message type),
// b the payload from struct nfgenmsg on. An expectation event
// (NFNL_SUBSYS_CTNETLINK_EXP) is an error, as is any other subsystem.
func DecodeCTEvent(typ, flags uint16, b []byte) (CTEvent, error) {
	var ev conntrack.Event
	err := ev.Unmarshal(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: netlink.HeaderFlags(flags)},
		Data:   b,
	})
	if err != nil {
		return CTEvent{}, fmt.Errorf("ctnetlink event: %w", err)
	}
	if ev.Flow == nil {
		return CTEvent{}, errors.New("ctnetlink event: not a conntrack entry (an expectation?)")
	}
	e := CTEvent{Flow: *ev.Flow}
	switch ev.Type {
	case conntrack.EventNew:
		e.Type = "NEW"
	case conntrack.EventUpdate:
		e.Type = "UPDATE"
	case conntrack.EventDestroy:
		e.Type = "DESTROY"
	default:
		return CTEvent{}, fmt.Errorf("ctnetlink event: type %d", ev.Type)
	}
	return e, nil
}
