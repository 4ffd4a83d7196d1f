package netlinkx

import (
	"context"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// DumpPacket dumps the AF_PACKET sockets of req.NetNS (SOCK_DIAG_BY_FAMILY
// with struct packet_diag_req) and calls emit with each one, decoded in
// place: the message points into a reused buffer, so emit must not keep it.
// A kernel without packet_diag (ENOENT: CONFIG_PACKET_DIAG off or the module
// not loaded) yields no messages and no error.
func DumpPacket(ctx context.Context, req PacketDiagReq, emit func(*PacketDiagMsg) error) error {
	return dumpDiag(ctx, req.NetNS, unix.SOCK_DIAG_BY_FAMILY, req, emit)
}

// marshal builds struct packet_diag_req. sdiag_protocol must be 0: the
// kernel refuses anything else with EINVAL.
func (req PacketDiagReq) marshal() []byte { return diagShowReq(unix.AF_PACKET, 0, req.Show) }

func (PacketDiagReq) describe() string { return "packet sockets" }

// UnmarshalBinary decodes one packet_diag_msg and the attributes after it
// into m, which it resets first. Unknown attributes (and the multicast list,
// rings and filter, which nothing reads yet) are skipped; a known one of the
// wrong length is an error. SKMemInfo aliases b.
func (m *PacketDiagMsg) UnmarshalBinary(b []byte) error {
	return decodeDiag(m, b, sizeofPacketDiagMsg, "packet_diag_msg", &m.attrs, &m.Inode)
}

// decode resets m from its fixed header, b, and steps a through the
// attributes after it, storing each known one; it returns a at their end.
func (m *PacketDiagMsg) decode(b []byte, a diagAttrs) diagAttrs {
	*m = PacketDiagMsg{
		Family: b[0],
		Type:   b[1],
		Num:    binary.NativeEndian.Uint16(b[2:4]),
		Inode:  binary.NativeEndian.Uint32(b[4:8]),
		Cookie: diagCookie(b[8:16]),
	}
	for a.next() {
		switch a.typ {
		case PACKET_DIAG_INFO:
			if a.atLeast(sizeofPacketDiagInfo) {
				m.Info = PacketDiagInfo{
					Index:      binary.NativeEndian.Uint32(a.data[0:4]),
					Version:    binary.NativeEndian.Uint32(a.data[4:8]),
					Reserve:    binary.NativeEndian.Uint32(a.data[8:12]),
					CopyThresh: binary.NativeEndian.Uint32(a.data[12:16]),
					Tstamp:     binary.NativeEndian.Uint32(a.data[16:20]),
					Flags:      binary.NativeEndian.Uint32(a.data[20:24]),
				}
			}
		case PACKET_DIAG_UID:
			a.u32(&m.UID)
		case PACKET_DIAG_FANOUT:
			a.u32(&m.Fanout)
		case PACKET_DIAG_MEMINFO:
			a.u32s(&m.SKMemInfo)
		}
	}
	return a
}
