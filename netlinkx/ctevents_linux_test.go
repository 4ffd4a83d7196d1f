package netlinkx_test

import (
	"fmt"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// TestCTEventsRecorded decodes the recorded ctnetlink events of
// testdata/ctnetlink (see events.txt): a TCP connection's NEW, UPDATEs and
// DESTROY (from conntrack -F, with counters).
func TestCTEventsRecorded(t *testing.T) {
	var got []string
	for _, m := range readEvents(t, "ctnetlink") {
		e, err := netlinkx.DecodeCTEvent(m.typ, m.flags, m.payload)
		if err != nil {
			t.Fatalf("type %#x: %v", m.typ, err)
		}
		f := e.Flow
		line := fmt.Sprintf("%s %s->%s proto %d", e.Type, f.TupleOrig.IP.SourceAddress, f.TupleOrig.IP.DestinationAddress, f.TupleOrig.Proto.Protocol)
		if f.ProtoInfo.TCP != nil {
			line += " " + netlinkx.CTTCPStateName(f.ProtoInfo.TCP.State)
		}
		if e.Type == "DESTROY" {
			line += fmt.Sprintf(" counted %v", f.CountersOrig.Packets > 0)
		}
		got = append(got, line)
	}
	want := []string{
		"NEW 127.0.0.1->127.0.0.1 proto 6 SYN_SENT",
		"UPDATE 127.0.0.1->127.0.0.1 proto 6 SYN_RECV",
		"UPDATE 127.0.0.1->127.0.0.1 proto 6 ESTABLISHED",
		"UPDATE 127.0.0.1->127.0.0.1 proto 6 FIN_WAIT",
		"UPDATE 127.0.0.1->127.0.0.1 proto 6 LAST_ACK",
		"UPDATE 127.0.0.1->127.0.0.1 proto 6 TIME_WAIT",
		"DESTROY 127.0.0.1->127.0.0.1 proto 6 TIME_WAIT counted true",
	}
	checkDiff(t, "(-want +got)", want, got)
}

func TestCTStatus(t *testing.T) {
	for _, tt := range []struct {
		s    uint32
		want string
	}{
		{0, ""},
		{1<<1 | 1<<2 | 1<<3, "SEEN_REPLY|ASSURED|CONFIRMED"},
		{1<<4 | 1<<20, "SRC_NAT|0x100000"},
	} {
		if got := netlinkx.CTStatus(tt.s); got != tt.want {
			t.Errorf("CTStatus(%#x) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// FuzzDecodeCTEvent: DecodeCTEvent never panics on any message.
func FuzzDecodeCTEvent(f *testing.F) {
	for _, m := range readEvents(f, "ctnetlink") {
		f.Add(m.typ, m.flags, m.payload)
	}
	f.Fuzz(func(t *testing.T, typ, flags uint16, b []byte) {
		e, err := netlinkx.DecodeCTEvent(typ, flags, b)
		if err == nil && e.Type == "" {
			t.Errorf("decoded without a type: %+v", e)
		}
	})
}
