package tables

import (
	"context"
	"fmt"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// The needs of link_settings: which ethtool requests a column needs.
const (
	needEthtoolModes Need[settingsRow] = 1 << iota // ETHTOOL_MSG_LINKMODES_GET
	needEthtoolInfo                                // ETHTOOL_MSG_LINKINFO_GET
	needEthtoolState                               // ETHTOOL_MSG_LINKSTATE_GET
	needEthtoolDrv                                 // ETHTOOL_GDRVINFO ioctl
)

// settingsRow is one row of link_settings: the link as RTM_GETLINK gave it,
// and what ethtool said of it (nil when no ethtool column is used).
type settingsRow struct {
	index  int32
	name   string
	flags  uint32
	mtu    uint32
	hasMTU bool
	s      *netlinkx.EthtoolSettings
}

// linkSettings is link_settings: psutil's net_if_stats and `ethtool`/`ethtool -i`.
var linkSettings = lazy("link_settings", func() *Table[settingsRow] {
	return &Table[settingsRow]{
		Columns: []Column[settingsRow]{
			linkNameColumn(func(r *settingsRow) string { return r.name }),
			linkIndexColumn(func(r *settingsRow) int64 { return int64(r.index) }),
			Int("isup", "1 when ifi_flags has IFF_UP and IFF_RUNNING (up, with carrier), as psutil's net_if_stats isup", func(r *settingsRow) int64 {
				return b2i(r.flags&unix.IFF_UP != 0 && r.flags&unix.IFF_RUNNING != 0)
			}),
			ethtoolCol("duplex", TypeText, "ETHTOOL_A_LINKMODES_DUPLEX: full, half or unknown", needEthtoolModes, func(s *netlinkx.EthtoolSettings) Value {
				return TextValue(netlinkx.DuplexName(s.Duplex))
			}),
			ethtoolCol("speed", TypeBigInt, "ETHTOOL_A_LINKMODES_SPEED, Mb/s; 0 where the driver does not know it (SPEED_UNKNOWN), as psutil", needEthtoolModes, func(s *netlinkx.EthtoolSettings) Value {
				if s.Speed == netlinkx.SPEED_UNKNOWN32 {
					return IntValue(0)
				}
				return IntValue(int64(s.Speed))
			}),
			ethtoolCol("autoneg", TypeInteger, "ETHTOOL_A_LINKMODES_AUTONEG: 1 when auto-negotiation is on", needEthtoolModes, func(s *netlinkx.EthtoolSettings) Value {
				return BoolValue(s.Autoneg == netlinkx.AUTONEG_ENABLE)
			}),
			ethtoolCol("port", TypeText, "ETHTOOL_A_LINKINFO_PORT without PORT_: TP, AUI, MII, FIBRE, BNC, DA, NONE, OTHER", needEthtoolInfo, func(s *netlinkx.EthtoolSettings) Value {
				return TextValue(netlinkx.PortName(s.Port))
			}),
			ethtoolCol("link", TypeInteger, "ETHTOOL_A_LINKSTATE_LINK: 1 when the driver reports the link up (`ethtool` Link detected)", needEthtoolState, func(s *netlinkx.EthtoolSettings) Value {
				return BoolValue(s.Link)
			}),
			Col("mtu", TypeBigInt, "IFLA_MTU, bytes", func(r *settingsRow) Value {
				if !r.hasMTU {
					return Null
				}
				return IntValue(int64(r.mtu))
			}),
			drvCol("driver", "ethtool_drvinfo.driver (ETHTOOL_GDRVINFO ioctl): the driver's name", func(s *netlinkx.EthtoolSettings) string { return s.Driver }),
			drvCol("driver_version", "ethtool_drvinfo.version: the driver's version (for in-tree drivers often the kernel's)", func(s *netlinkx.EthtoolSettings) string { return s.Version }),
			drvCol("firmware_version", "ethtool_drvinfo.fw_version: the firmware's version; empty when the driver has none", func(s *netlinkx.EthtoolSettings) string { return s.FirmwareVersion }),
			drvCol("bus_info", "ethtool_drvinfo.bus_info: the device's bus address (a PCI address); empty for virtual devices", func(s *netlinkx.EthtoolSettings) string { return s.BusInfo }),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*settingsRow) error) error {
			var rows []settingsRow
			_, byIndex := q.IntEquals("index")
			_, byName := q.Equals("interface")
			err := ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
				req.ExtMask = netlinkx.RTEXT_FILTER_SKIP_STATS
				return netlinkx.DumpLinks(ctx, req, func(m *netlinkx.LinkMessage) error {
					rows = append(rows, settingsRow{index: m.Index, name: m.Name, flags: m.Flags, mtu: m.MTU, hasMTU: m.Has(unix.IFLA_MTU)})
					return nil
				})
			})
			if err != nil {
				return err
			}
			if q.Needs != 0 && len(rows) > 0 {
				req := netlinkx.EthtoolRequest{
					NetNS:   q.NetNS,
					All:     !byIndex && !byName,
					Modes:   needEthtoolModes.In(q),
					Info:    needEthtoolInfo.In(q),
					State:   needEthtoolState.In(q),
					DrvInfo: needEthtoolDrv.In(q),
				}
				for _, r := range rows {
					req.Links = append(req.Links, netlinkx.EthtoolLink{Index: r.index, Name: r.name})
				}
				got, err := netlinkx.ReadEthtool(ctx, req)
				if err != nil {
					return fmt.Errorf("read ethtool settings: %w", err)
				}
				for i := range rows {
					rows[i].s = got[rows[i].index]
				}
			}
			for i := range rows {
				if rows[i].s != nil && rows[i].s.Gone {
					continue // removed since the dump
				}
				if err := emit(&rows[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// ethtoolCol is a column read from the ethtool reply need asks for; NULL
// when ethtool was not asked, or the driver did not answer that request.
func ethtoolCol(name string, typ Type, doc string, need Need[settingsRow], get func(*netlinkx.EthtoolSettings) Value) Column[settingsRow] {
	answered := ethtoolAnswered(need)
	return Col(name, typ, doc, func(r *settingsRow) Value {
		if r.s == nil || !answered(r.s) {
			return Null
		}
		return get(r.s)
	}).Needs(need)
}

// ethtoolAnswered is the test of whether ethtool's settings hold the reply
// to need, chosen once per column.
func ethtoolAnswered(need Need[settingsRow]) func(*netlinkx.EthtoolSettings) bool {
	switch need {
	case needEthtoolModes:
		return func(s *netlinkx.EthtoolSettings) bool { return s.HasModes }
	case needEthtoolInfo:
		return func(s *netlinkx.EthtoolSettings) bool { return s.HasPort }
	case needEthtoolState:
		return func(s *netlinkx.EthtoolSettings) bool { return s.HasLink }
	case needEthtoolDrv:
		return func(s *netlinkx.EthtoolSettings) bool { return s.HasDrvInfo }
	}
	panic(fmt.Sprintf("ethtoolCol: need %d names no ethtool request", need))
}

// drvCol is a text column from ETHTOOL_GDRVINFO.
func drvCol(name, doc string, get func(*netlinkx.EthtoolSettings) string) Column[settingsRow] {
	return ethtoolCol(name, TypeText, doc, needEthtoolDrv, func(s *netlinkx.EthtoolSettings) Value {
		return TextValue(get(s))
	})
}
