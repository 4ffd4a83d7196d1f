package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpLinks reads RTM_NEWLINK messages for req and calls emit with each one,
// decoded. The message points into a reused buffer: emit must not keep it.
// A link asked for by index or name that does not exist (ENODEV) is no error.
func DumpLinks(ctx context.Context, req LinkRequest, emit func(*LinkMessage) error) error {
	hdr := make([]byte, sizeofIfInfoMsg)
	hdr[0] = unix.AF_UNSPEC
	flags := uint16(unix.NLM_F_DUMP)
	data := hdr
	if req.Index != 0 || req.Name != "" {
		flags = 0
		binary.NativeEndian.PutUint32(hdr[4:8], uint32(req.Index))
		if req.Index == 0 {
			ae := netlink.NewAttributeEncoder()
			ae.String(unix.IFLA_IFNAME, req.Name)
			attrs, err := ae.Encode()
			if err != nil {
				return fmt.Errorf("encode link request: %w", err)
			}
			data = append(hdr, attrs...)
		}
	}
	var m LinkMessage
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_ROUTE,
		NetNS:    req.NetNS,
		Type:     unix.RTM_GETLINK,
		Flags:    flags,
		Data:     data,
		Key:      linkKey,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != unix.RTM_NEWLINK {
			return nil
		}
		m = LinkMessage{}
		if err := m.UnmarshalBinary(b); err != nil {
			return err
		}
		return emit(&m)
	})
	if (req.Index != 0 || req.Name != "") && (errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EINVAL)) {
		return nil // no such link, or a name longer than IFNAMSIZ
	}
	if err != nil {
		return fmt.Errorf("dump links: %w", err)
	}
	return nil
}

// linkKey names an RTM_NEWLINK by its ifindex, for dumps restarted after NLM_F_DUMP_INTR.
func linkKey(b []byte) (uint64, bool) {
	if len(b) < sizeofIfInfoMsg {
		return 0, false
	}
	return uint64(binary.NativeEndian.Uint32(b[4:8])), true
}

// UnmarshalBinary decodes one RTM_NEWLINK payload: ifinfomsg, then the
// attributes. Unknown attributes are skipped (newer kernels add them); an
// attribute of the wrong length is an error.
func (m *LinkMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofIfInfoMsg {
		return fmt.Errorf("ifinfomsg: %d bytes, want at least %d", len(b), sizeofIfInfoMsg)
	}
	m.Family = b[0]
	m.Type = binary.NativeEndian.Uint16(b[2:4])
	m.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	m.Flags = binary.NativeEndian.Uint32(b[8:12])
	m.Change = binary.NativeEndian.Uint32(b[12:16])
	ad, err := netlink.NewAttributeDecoder(b[sizeofIfInfoMsg:])
	if err != nil {
		return fmt.Errorf("link %d attributes: %w", m.Index, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IFNAME:
			m.Name = ad.String()
		case unix.IFLA_AF_SPEC:
			ad.Do(func(p []byte) error { m.AFSpec = p; return nil })
		case unix.IFLA_MAP:
			ad.Do(func(p []byte) error {
				if len(p) < sizeofRtnlLinkIfmap {
					return fmt.Errorf("IFLA_MAP: %d bytes, want %d", len(p), sizeofRtnlLinkIfmap)
				}
				m.Map = &IfMap{
					MemStart: binary.NativeEndian.Uint64(p[0:8]),
					MemEnd:   binary.NativeEndian.Uint64(p[8:16]),
					BaseAddr: binary.NativeEndian.Uint64(p[16:24]),
					IRQ:      binary.NativeEndian.Uint16(p[24:26]),
					DMA:      p[26],
					Port:     p[27],
				}
				return nil
			})
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("link %d (%s): %w", m.Index, m.Name, err)
	}
	return nil
}
