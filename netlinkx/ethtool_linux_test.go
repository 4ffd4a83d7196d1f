package netlinkx_test

import (
	"fmt"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestReadEthtool reads a veth and lo over genetlink (dump and per link) and
// over the ioctl fallback: all three must agree, lo must have no link modes,
// and a link that is gone must be marked so.
func TestReadEthtool(t *testing.T) {
	ns := nstest.New(t)
	ns.Run("ip", "link", "add", "e0", "type", "veth", "peer", "name", "e1")
	ns.Run("ip", "link", "set", "e0", "up")
	ns.Run("ip", "link", "set", "e1", "up")
	fd := ns.Open()
	var links []netlinkx.EthtoolLink
	err := netlinkx.DumpLinks(t.Context(), netlinkx.LinkRequest{NetNS: fd}, func(m *netlinkx.LinkMessage) error {
		links = append(links, netlinkx.EthtoolLink{Index: m.Index, Name: m.Name})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(all, ioctl bool, links []netlinkx.EthtoolLink) map[int32]*netlinkx.EthtoolSettings {
		t.Helper()
		*netlinkx.ForceEthtoolIoctl = ioctl
		defer func() { *netlinkx.ForceEthtoolIoctl = false }()
		got, err := netlinkx.ReadEthtool(t.Context(), netlinkx.EthtoolRequest{NetNS: fd, Links: links, All: all, Modes: true, Info: true, State: true, DrvInfo: true})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	dump, one, ioctl := read(true, false, links), read(false, false, links), read(false, true, links)
	checkDiff(t, "dump vs per link (-dump +one)", dump, one)
	for i, s := range ioctl {
		s.ModesFromIoctl = false
		checkDiff(t, fmt.Sprintf("link %d: genetlink vs ioctl (-genl +ioctl)", i), dump[i], s)
	}
	for _, l := range links {
		s := dump[l.Index]
		switch l.Name {
		case "lo":
			if s.HasModes || s.HasDrvInfo {
				t.Errorf("lo: %+v, want no link modes and no driver info", s)
			}
		case "e0":
			if !s.HasModes || s.Speed != 10000 || s.Duplex != netlinkx.DUPLEX_FULL || s.Driver != "veth" || !s.HasLink || !s.Link {
				t.Errorf("e0: %+v", s)
			}
		}
	}
	gone := []netlinkx.EthtoolLink{{Index: 999, Name: "gone0"}}
	for _, ioctl := range []bool{false, true} {
		if s := read(false, ioctl, gone)[999]; !s.Gone {
			t.Errorf("ioctl=%v: vanished link not marked Gone: %+v", ioctl, s)
		}
	}
}
