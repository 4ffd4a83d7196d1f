package netlinkx

// Traffic control is decoded here rather than with github.com/florianl/go-tc:
// its Qdisc().Get() and Class().Get() read the whole dump into a []tc.Object
// before returning (no streaming, every attribute of every kind allocated),
// and its module pulls dependencies netlinkq does not otherwise need. The
// few attributes our tables show take one AttributeDecoder loop.

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpTc reads the qdiscs (or with req.Class the classes of req.Ifindex) and
// calls emit with each, decoded. The message is reused for the next: emit
// must not keep it.
func DumpTc(ctx context.Context, req TcRequest, emit func(*TcMessage) error) error {
	data := rtnlHeader(sizeofTcMsg, unix.AF_UNSPEC)
	binary.NativeEndian.PutUint32(data[4:8], uint32(req.Ifindex))
	typ := uint16(unix.RTM_GETQDISC)
	if req.Class {
		typ = unix.RTM_GETTCLASS
	}
	return dumpRtnl(ctx, req, rtnlGet(req.NetNS, typ, data, tcKey), emit)
}

// matches reports whether m is on the link req names.
func (req TcRequest) matches(m *TcMessage) bool {
	return req.Ifindex == 0 || m.Ifindex == req.Ifindex
}

// describe names the dump in errors.
func (req TcRequest) describe() string {
	what := "qdiscs"
	if req.Class {
		what = "classes"
	}
	return fmt.Sprintf("tc %s (link %d)", what, req.Ifindex)
}

// tcKey names a qdisc or class by its link, handle and parent, for restarted dumps.
func tcKey(b []byte) (uint64, bool) {
	if len(b) < sizeofTcMsg {
		return 0, false
	}
	return binary.NativeEndian.Uint64(b[4:12])*31 + uint64(binary.NativeEndian.Uint32(b[12:16])), true
}

// UnmarshalBinary decodes one RTM_NEWQDISC or RTM_NEWTCLASS payload: tcmsg,
// then the attributes, keeping nothing of an earlier decode into m. Unknown
// attributes and options of other kinds are skipped; a short statistics or
// options struct is an error.
func (m *TcMessage) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofTcMsg {
		return fmt.Errorf("tcmsg: %d bytes, want at least %d", len(b), sizeofTcMsg)
	}
	*m = TcMessage{TcMsg: TcMsg{
		Family:  b[0],
		Ifindex: int32(binary.NativeEndian.Uint32(b[4:8])),
		Handle:  binary.NativeEndian.Uint32(b[8:12]),
		Parent:  binary.NativeEndian.Uint32(b[12:16]),
		Info:    binary.NativeEndian.Uint32(b[16:20]),
	}}
	ad, err := netlink.NewAttributeDecoder(b[sizeofTcMsg:])
	if err != nil {
		return fmt.Errorf("tc %s on link %d: %w", TcHandle(m.Handle), m.Ifindex, err)
	}
	var options []byte
	stats2 := false
	for ad.Next() {
		switch ad.Type() {
		case unix.TCA_KIND:
			m.Kind = ad.String()
		case unix.TCA_OPTIONS:
			ad.Do(rawAttr(&options))
		case unix.TCA_STATS2:
			stats2 = true
			ad.Nested(m.decodeStats2)
		case unix.TCA_STATS:
			if stats2 {
				continue
			}
			ad.Do(structAttr("TCA_STATS", sizeofTcStats, m.decodeStats))
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("tc %s %s on link %d: %w", m.Kind, TcHandle(m.Handle), m.Ifindex, err)
	}
	if options != nil {
		if err := m.decodeOptions(options); err != nil {
			return fmt.Errorf("tc %s %s on link %d options: %w", m.Kind, TcHandle(m.Handle), m.Ifindex, err)
		}
	}
	return nil
}

// decodeStats2 reads the TCA_STATS_* attributes nested in TCA_STATS2.
func (m *TcMessage) decodeStats2(ad *netlink.AttributeDecoder) error {
	var pkt64 uint64
	hasPkt64 := false
	for ad.Next() {
		switch ad.Type() {
		case TCA_STATS_BASIC:
			ad.Do(structAttr("TCA_STATS_BASIC", sizeofGnetStatsBasic, func(p []byte) {
				m.Basic = GnetStatsBasic{Bytes: binary.NativeEndian.Uint64(p[0:8]), Packets: uint64(binary.NativeEndian.Uint32(p[8:12]))}
				m.HasBasic = true
			}))
		case TCA_STATS_PKT64:
			pkt64, hasPkt64 = ad.Uint64(), true
		case TCA_STATS_QUEUE:
			q := &m.Queue
			ad.Do(u32sAttr("TCA_STATS_QUEUE", &m.HasQueue, &q.Qlen, &q.Backlog, &q.Drops, &q.Requeues, &q.Overlimits))
		}
	}
	if hasPkt64 && m.HasBasic {
		m.Basic.Packets = pkt64
	}
	return nil
}

// decodeStats reads the old struct tc_stats (TCA_STATS), sent by kernels
// that do not send TCA_STATS2; p holds at least sizeofTcStats bytes.
func (m *TcMessage) decodeStats(p []byte) {
	m.Basic = GnetStatsBasic{Bytes: binary.NativeEndian.Uint64(p[0:8]), Packets: uint64(binary.NativeEndian.Uint32(p[8:12]))}
	m.Queue = GnetStatsQueue{
		Drops:      binary.NativeEndian.Uint32(p[12:16]),
		Overlimits: binary.NativeEndian.Uint32(p[16:20]),
		Qlen:       binary.NativeEndian.Uint32(p[28:32]),
		Backlog:    binary.NativeEndian.Uint32(p[32:36]),
	}
	m.HasBasic, m.HasQueue = true, true
}

// decodeOptions reads TCA_OPTIONS of the kinds netlinkq shows: the limit of
// pfifo and bfifo, the rate and limit of TBF, the rate and ceil of an HTB class.
func (m *TcMessage) decodeOptions(p []byte) error {
	switch m.Kind {
	case "pfifo", "bfifo":
		if len(p) < sizeofTcFifoQopt {
			return fmt.Errorf("tc_fifo_qopt: %d bytes, want %d", len(p), sizeofTcFifoQopt)
		}
		m.Limit, m.HasLimit = binary.NativeEndian.Uint32(p[0:4]), true
		return nil
	case "tbf", "htb":
	default:
		return nil
	}
	ad, err := netlink.NewAttributeDecoder(p)
	if err != nil {
		return err
	}
	var rate64, ceil64 uint64
	for ad.Next() {
		switch {
		case m.Kind == "tbf" && ad.Type() == TCA_TBF_PARMS:
			ad.Do(structAttr("tc_tbf_qopt", sizeofTcTbfQopt, func(p []byte) {
				m.Rate = uint64(binary.NativeEndian.Uint32(p[offsetTcRateSpecRate:]))
				m.Limit, m.HasLimit = binary.NativeEndian.Uint32(p[offsetTcTbfQoptLimit:]), true
			}))
		case m.Kind == "tbf" && ad.Type() == TCA_TBF_RATE64:
			rate64 = ad.Uint64()
		case m.Kind == "htb" && ad.Type() == TCA_HTB_PARMS:
			ad.Do(structAttr("tc_htb_opt", sizeofTcHtbOpt, func(p []byte) {
				m.Rate = uint64(binary.NativeEndian.Uint32(p[offsetTcRateSpecRate:]))
				m.Ceil = uint64(binary.NativeEndian.Uint32(p[sizeofTcRateSpec+offsetTcRateSpecRate:]))
			}))
		case m.Kind == "htb" && ad.Type() == TCA_HTB_RATE64:
			rate64 = ad.Uint64()
		case m.Kind == "htb" && ad.Type() == TCA_HTB_CEIL64:
			ceil64 = ad.Uint64()
		}
	}
	if rate64 != 0 {
		m.Rate = rate64
	}
	if ceil64 != 0 {
		m.Ceil = ceil64
	}
	return ad.Err()
}
