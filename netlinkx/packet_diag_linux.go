package netlinkx

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// DumpPacket dumps the AF_PACKET sockets of req.NetNS (SOCK_DIAG_BY_FAMILY
// with struct packet_diag_req) and calls emit with each one, decoded in
// place: the message points into a reused buffer, so emit must not keep it.
// A kernel without packet_diag (ENOENT: CONFIG_PACKET_DIAG off or the module
// not loaded) yields no messages and no error.
func DumpPacket(ctx context.Context, req PacketDiagReq, emit func(*PacketDiagMsg) error) error {
	if err := dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req.marshal(), emit); err != nil {
		return fmt.Errorf("dump packet sockets: %w", err)
	}
	return nil
}

// marshal builds struct packet_diag_req. sdiag_protocol must be 0 (the
// kernel refuses anything else with EINVAL); pdiag_ino and pdiag_cookie
// stay 0: a dump ignores them.
func (req PacketDiagReq) marshal() []byte {
	b := make([]byte, sizeofPacketDiagReq)
	b[0] = unix.AF_PACKET
	binary.NativeEndian.PutUint32(b[8:12], req.Show)
	return b
}

// UnmarshalBinary decodes one packet_diag_msg and the attributes after it
// into m, which it resets first. Unknown attributes (and the multicast list,
// rings and filter, which nothing reads yet) are skipped; a known one of the
// wrong length is an error. SKMemInfo aliases b.
func (m *PacketDiagMsg) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofPacketDiagMsg {
		return fmt.Errorf("packet_diag_msg: %d bytes, want at least %d", len(b), sizeofPacketDiagMsg)
	}
	*m = PacketDiagMsg{
		Family: b[0],
		Type:   b[1],
		Num:    binary.NativeEndian.Uint16(b[2:4]),
		Inode:  binary.NativeEndian.Uint32(b[4:8]),
		Cookie: diagCookie(b[8:16]),
	}
	a := diagAttrs{b: b[sizeofPacketDiagMsg:]}
	for a.next() {
		p := a.data
		switch a.typ {
		case PACKET_DIAG_INFO:
			if a.atLeast(sizeofPacketDiagInfo) {
				m.Info = PacketDiagInfo{
					Index:      binary.NativeEndian.Uint32(p[0:4]),
					Version:    binary.NativeEndian.Uint32(p[4:8]),
					Reserve:    binary.NativeEndian.Uint32(p[8:12]),
					CopyThresh: binary.NativeEndian.Uint32(p[12:16]),
					Tstamp:     binary.NativeEndian.Uint32(p[16:20]),
					Flags:      binary.NativeEndian.Uint32(p[20:24]),
				}
			}
		case PACKET_DIAG_UID:
			if a.want(4) {
				m.UID = binary.NativeEndian.Uint32(p)
			}
		case PACKET_DIAG_FANOUT:
			if a.want(4) {
				m.Fanout = binary.NativeEndian.Uint32(p)
			}
		case PACKET_DIAG_MEMINFO:
			if a.multipleOf(4) {
				m.SKMemInfo = p
			}
		}
		if a.typ < 32 {
			m.attrs |= 1 << a.typ
		}
	}
	if a.err != nil {
		return fmt.Errorf("packet_diag_msg inode %d: %w", m.Inode, a.err)
	}
	return nil
}
