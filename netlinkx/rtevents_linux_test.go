package netlinkx_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
)

// rtEventLine is the part of an RtEvent the recorded test checks, as text.
func rtEventLine(e netlinkx.RtEvent) string {
	s := fmt.Sprintf("%s %s if%d", e.Kind, e.Action, e.IfIndex)
	switch e.Kind {
	case "link":
		s += fmt.Sprintf(" %s mtu %d", e.Link.Name, e.Link.MTU)
	case "address":
		s += fmt.Sprintf(" %s/%d", e.Address, e.PrefixLen)
	case "route":
		s += fmt.Sprintf(" %s via %s table %d", e.Destination, e.Gateway, e.Table)
	case "rule":
		s += fmt.Sprintf(" from %s table %d prio %d", e.Source, e.Table, e.Priority)
	case "neigh":
		s += fmt.Sprintf(" %s %s %x", e.Address, e.State, e.LLAddr)
	case "netconf":
		v, _ := e.Netconf.Get(netlinkx.NETCONFA_FORWARDING)
		s += fmt.Sprintf(" forwarding %d", v)
	}
	return s
}

// TestRtEventsRecorded decodes the recorded notifications of
// testdata/rtnl_events (see events.txt) and finds the one each command made.
func TestRtEventsRecorded(t *testing.T) {
	var got []string
	for _, m := range readEvents(t, "rtnl_events") {
		e, ok, err := netlinkx.DecodeRtEvent(m.typ, m.flags, m.payload)
		if err != nil || !ok {
			t.Fatalf("type %d: ok %v, %v", m.typ, ok, err)
		}
		got = append(got, rtEventLine(e))
	}
	want := []string{
		"link change if3 d0 mtu 1400",
		"address new if3 10.7.0.1/24",
		"address new if1 fd00::1/64",
		"route new if3 10.9.0.0/24 via 10.7.0.2 table 254",
		"neigh new if3 10.7.0.5 PERMANENT 020000000005",
		"rule new if0 from 10.8.0.0/16 table 100 prio 32765",
		"netconf new if3 forwarding 1",
		"route del if3 10.9.0.0/24 via 10.7.0.2 table 254",
		"address del if3 10.7.0.1/24",
		"link del if3 d0 mtu 1400",
	}
	var missing []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("events not decoded (-want +got):\n%s\ndecoded:\n%q", diff, got)
	}
}

// FuzzDecodeRtEvent: DecodeRtEvent never panics, and a decoded event's
// kind matches its message type.
func FuzzDecodeRtEvent(f *testing.F) {
	for _, m := range readEvents(f, "rtnl_events") {
		f.Add(m.typ, m.flags, m.payload)
	}
	f.Fuzz(func(t *testing.T, typ, flags uint16, b []byte) {
		e, ok, err := netlinkx.DecodeRtEvent(typ, flags, b)
		if err != nil || !ok {
			return
		}
		if e.Kind == "" || e.Action == "" {
			t.Errorf("type %d decoded without kind or action: %+v", typ, e)
		}
		_ = rtEventLine(e)
	})
}
