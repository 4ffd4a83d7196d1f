package events

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nlmsg builds one netlink message: header and payload, padded to 4 bytes.
func nlmsg(typ, flags uint16, payload []byte) []byte {
	b := make([]byte, 16+len(payload), 16+len(payload)+3)
	binary.NativeEndian.PutUint32(b[0:4], uint32(16+len(payload)))
	binary.NativeEndian.PutUint16(b[4:6], typ)
	binary.NativeEndian.PutUint16(b[6:8], flags)
	copy(b[16:], payload)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

type splitMsg struct {
	Typ, Flags uint16
	Payload    string
}

func TestSplit(t *testing.T) {
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	tests := []struct {
		name string
		in   []byte
		want []splitMsg
	}{
		{"one", nlmsg(20, 0, []byte("abcd")), []splitMsg{{20, 0, "abcd"}}},
		{"two, padded", cat(nlmsg(20, 1, []byte("abc")), nlmsg(21, 2, []byte("x"))), []splitMsg{{20, 1, "abc"}, {21, 2, "x"}}},
		{"NLMSG_NOOP, DONE and ERROR skipped", cat(nlmsg(1, 0, nil), nlmsg(2, 0, make([]byte, 4)), nlmsg(3, 0, make([]byte, 4)), nlmsg(20, 0, nil)), []splitMsg{{20, 0, ""}}},
		{"length past the end ends the walk", nlmsg(20, 0, []byte("abcd"))[:18], nil},
		{"short header", []byte{1, 2, 3}, nil},
		{"length below the header", func() []byte { b := nlmsg(20, 0, nil); binary.NativeEndian.PutUint32(b, 8); return b }(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []splitMsg
			Split(tt.in, func(typ, flags uint16, p []byte) { got = append(got, splitMsg{typ, flags, string(p)}) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzSplit: Split never panics and hands out payloads inside its input.
func FuzzSplit(f *testing.F) {
	f.Add(nlmsg(20, 0, []byte("abcd")))
	f.Fuzz(func(t *testing.T, b []byte) {
		total := 0
		Split(b, func(_, _ uint16, p []byte) { total += 16 + len(p) })
		if total > len(b) {
			t.Errorf("payloads of %d bytes from %d", total, len(b))
		}
	})
}
