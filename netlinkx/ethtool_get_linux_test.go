package netlinkx

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/ethtool"
	"golang.org/x/sys/unix"
)

// TestEthtoolGetDriverErrors feeds ethtoolGet the errors a driver can give
// (bytes of no kernel needed): a driver that fails one link with an errno
// other than EOPNOTSUPP (EIO, EBUSY while firmware flashes) leaves that
// link's part unset instead of failing every link, a dump the kernel aborts
// at such a driver is finished one link at a time, and ENODEV marks the link
// Gone.
func TestEthtoolGetDriverErrors(t *testing.T) {
	links := []EthtoolLink{{1, "ok0"}, {2, "eio0"}, {3, "gone0"}, {4, "nosup0"}}
	perLink := func(ifi ethtool.Interface) (*ethtool.LinkState, error) {
		switch ifi.Index {
		case 1:
			return &ethtool.LinkState{Interface: ifi, Link: true}, nil
		case 2:
			return nil, &ethtool.Error{Err: fmt.Errorf("netlink receive: %w", unix.EIO)}
		case 3:
			return nil, &ethtool.Error{Err: fmt.Errorf("netlink receive: %w", unix.ENODEV)}
		}
		return nil, &ethtool.Error{Err: fmt.Errorf("netlink receive: %w", unix.EOPNOTSUPP)}
	}
	abortedDump := func() ([]*ethtool.LinkState, error) {
		return nil, &ethtool.Error{Err: fmt.Errorf("netlink receive: %w", unix.EIO)}
	}
	want := map[int32]*EthtoolSettings{1: {HasLink: true, Link: true}, 2: {}, 3: {Gone: true}, 4: {}}
	for _, all := range []bool{false, true} {
		out := map[int32]*EthtoolSettings{}
		for _, l := range links {
			out[l.Index] = &EthtoolSettings{}
		}
		err := ethtoolGet(t.Context(), EthtoolRequest{Links: links, All: all}, out, "link state", abortedDump, perLink,
			func(s *EthtoolSettings, ls *ethtool.LinkState) { s.HasLink, s.Link = true, ls.Link },
			func(ls *ethtool.LinkState) int { return ls.Interface.Index })
		if err != nil {
			t.Errorf("all=%v: %v, want no error", all, err)
			continue
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("all=%v (-want +got):\n%s", all, diff)
		}
	}
	// A request the caller cancelled is still an error.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := ethtoolGet(ctx, EthtoolRequest{Links: links}, map[int32]*EthtoolSettings{}, "link state", abortedDump, perLink,
		func(*EthtoolSettings, *ethtool.LinkState) {}, func(ls *ethtool.LinkState) int { return ls.Interface.Index })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRefused(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{unix.EOPNOTSUPP, true},
		{unix.EINVAL, true},
		{unix.EIO, true},
		{unix.EBUSY, true},
		{fmt.Errorf("ioctl: %w", unix.EAGAIN), true},
		{unix.EFAULT, false},
		{unix.EBADF, false},
		{errors.New("not an errno"), false},
	} {
		if got := refused(tt.err); got != tt.want {
			t.Errorf("refused(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
