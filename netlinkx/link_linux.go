package netlinkx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// DumpLinks reads RTM_NEWLINK messages for req and calls emit with each one,
// decoded. The message points into a reused buffer: emit must not keep it.
// A link asked for by index or name that does not exist (ENODEV) is no error.
func DumpLinks(ctx context.Context, req LinkRequest, emit func(*LinkMessage) error) error {
	var m LinkMessage
	return DumpLinksRaw(ctx, req, func(b []byte) error {
		m = LinkMessage{}
		if err := m.UnmarshalBinary(b); err != nil {
			return err
		}
		return emit(&m)
	})
}

// DumpLinksRaw is DumpLinks without the decoding: fn gets each RTM_NEWLINK
// payload (ifinfomsg and attributes), aliasing a reused buffer. It is for
// callers that keep messages past the dump (copying them) and decode later.
func DumpLinksRaw(ctx context.Context, req LinkRequest, fn func(payload []byte) error) error {
	hdr := make([]byte, sizeofIfInfoMsg, 64)
	hdr[0] = unix.AF_UNSPEC
	flags := uint16(unix.NLM_F_DUMP)
	single := req.Index != 0 || req.Name != ""
	ae := netlink.NewAttributeEncoder()
	if single {
		flags = 0
		binary.NativeEndian.PutUint32(hdr[4:8], uint32(req.Index))
		if req.Index == 0 {
			ae.String(unix.IFLA_IFNAME, req.Name)
		}
	}
	if req.ExtMask != 0 {
		ae.Uint32(unix.IFLA_EXT_MASK, req.ExtMask)
	}
	attrs, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("encode link request: %w", err)
	}
	err = Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_ROUTE,
		NetNS:    req.NetNS,
		Type:     unix.RTM_GETLINK,
		Flags:    flags,
		Data:     append(hdr, attrs...),
		Key:      linkKey,
	}, func(h netlink.Header, b []byte) error {
		if h.Type != unix.RTM_NEWLINK {
			return nil
		}
		return fn(b)
	})
	if single && (errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EINVAL)) {
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
		typ := ad.Type()
		m.set(typ)
		switch typ {
		case unix.IFLA_IFNAME:
			m.Name = ad.String()
		case unix.IFLA_AF_SPEC:
			ad.Do(rawAttr(&m.AFSpec))
		case unix.IFLA_MAP:
			ad.Do(structAttr("IFLA_MAP", sizeofRtnlLinkIfmap, func(p []byte) {
				m.Map = &IfMap{
					MemStart: binary.NativeEndian.Uint64(p[0:8]),
					MemEnd:   binary.NativeEndian.Uint64(p[8:16]),
					BaseAddr: binary.NativeEndian.Uint64(p[16:24]),
					IRQ:      binary.NativeEndian.Uint16(p[24:26]),
					DMA:      p[26],
					Port:     p[27],
				}
			}))
		case unix.IFLA_ADDRESS:
			ad.Do(rawAttr(&m.Address))
		case unix.IFLA_BROADCAST:
			ad.Do(rawAttr(&m.Broadcast))
		case unix.IFLA_PERM_ADDRESS:
			ad.Do(rawAttr(&m.PermAddress))
		case unix.IFLA_QDISC:
			ad.Do(cstrAttr(&m.Qdisc))
		case unix.IFLA_IFALIAS:
			ad.Do(cstrAttr(&m.IfAlias))
		case unix.IFLA_PROP_LIST:
			ad.Do(rawAttr(&m.PropList))
		case unix.IFLA_PARENT_DEV_NAME:
			ad.Do(cstrAttr(&m.ParentDev))
		case unix.IFLA_PARENT_DEV_BUS_NAME:
			ad.Do(cstrAttr(&m.ParentBus))
		case unix.IFLA_LINKINFO:
			ad.Nested(func(nad *netlink.AttributeDecoder) error {
				for nad.Next() {
					switch nad.Type() {
					case unix.IFLA_INFO_KIND:
						nad.Do(cstrAttr(&m.Kind))
					case unix.IFLA_INFO_SLAVE_KIND:
						nad.Do(cstrAttr(&m.SlaveKind))
					}
				}
				return nad.Err()
			})
		case unix.IFLA_MTU:
			m.MTU = ad.Uint32()
		case unix.IFLA_MIN_MTU:
			m.MinMTU = ad.Uint32()
		case unix.IFLA_MAX_MTU:
			m.MaxMTU = ad.Uint32()
		case unix.IFLA_GROUP:
			m.Group = ad.Uint32()
		case unix.IFLA_PROMISCUITY:
			m.Promiscuity = ad.Uint32()
		case unix.IFLA_ALLMULTI:
			m.AllMulti = ad.Uint32()
		case unix.IFLA_TXQLEN:
			m.TxQLen = ad.Uint32()
		case unix.IFLA_NUM_TX_QUEUES:
			m.NumTxQueues = ad.Uint32()
		case unix.IFLA_NUM_RX_QUEUES:
			m.NumRxQueues = ad.Uint32()
		case unix.IFLA_GSO_MAX_SIZE:
			m.GSOMaxSize = ad.Uint32()
		case unix.IFLA_GSO_MAX_SEGS:
			m.GSOMaxSegs = ad.Uint32()
		case unix.IFLA_GRO_MAX_SIZE:
			m.GROMaxSize = ad.Uint32()
		case unix.IFLA_MASTER:
			m.Master = ad.Uint32()
		case unix.IFLA_LINK:
			m.Link = ad.Uint32()
		case unix.IFLA_LINK_NETNSID:
			m.LinkNetNSID = ad.Int32()
		case unix.IFLA_CARRIER_CHANGES:
			m.CarrierChanges = ad.Uint32()
		case unix.IFLA_CARRIER:
			m.Carrier = ad.Uint8()
		case unix.IFLA_PROTO_DOWN:
			m.ProtoDown = ad.Uint8()
		case unix.IFLA_OPERSTATE:
			m.OperState = ad.Uint8()
		case unix.IFLA_LINKMODE:
			m.LinkMode = ad.Uint8()
		case unix.IFLA_STATS64:
			ad.Do(func(p []byte) (err error) {
				m.Stats64Sent, err = decodeUAPI(p, &m.Stats64)
				return err
			})
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("link %d (%s): %w", m.Index, m.Name, err)
	}
	return nil
}

// rawAttr stores an attribute's payload, aliasing the message.
func rawAttr(dst *[]byte) func([]byte) error {
	return func(p []byte) error { *dst = p; return nil }
}

// cstrAttr stores a NUL-terminated string attribute without its NUL,
// aliasing the message.
func cstrAttr(dst *[]byte) func([]byte) error {
	return func(p []byte) error { *dst = cstr(p); return nil }
}

// cstr cuts b at its first NUL.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// AltNames returns the link's alternative names (IFLA_ALT_IFNAME inside
// IFLA_PROP_LIST), in the kernel's order; nil when it has none.
func (m *LinkMessage) AltNames() []string {
	if len(m.PropList) == 0 {
		return nil
	}
	ad, err := netlink.NewAttributeDecoder(m.PropList)
	if err != nil {
		return nil
	}
	var names []string
	for ad.Next() {
		if ad.Type() == unix.IFLA_ALT_IFNAME {
			names = append(names, string(cstr(ad.Bytes())))
		}
	}
	return names
}

// arphrdNames maps ifi_type to the name `ip link` prints after "link/" (and
// `ip -j` as link_type): iproute2's lib/ll_types.c, in its order, but for
// its ARPHRD_FCFABRIC+0 to +12, fcfb0 to fcfb12, which ARPHRDName names.
var arphrdNames = map[uint16]string{
	unix.ARPHRD_NETROM:             "generic",
	unix.ARPHRD_ETHER:              "ether",
	unix.ARPHRD_EETHER:             "eether",
	unix.ARPHRD_AX25:               "ax25",
	unix.ARPHRD_PRONET:             "pronet",
	unix.ARPHRD_CHAOS:              "chaos",
	unix.ARPHRD_IEEE802:            "ieee802",
	unix.ARPHRD_ARCNET:             "arcnet",
	unix.ARPHRD_APPLETLK:           "atalk",
	unix.ARPHRD_DLCI:               "dlci",
	unix.ARPHRD_ATM:                "atm",
	unix.ARPHRD_METRICOM:           "metricom",
	unix.ARPHRD_IEEE1394:           "ieee1394",
	unix.ARPHRD_INFINIBAND:         "infiniband",
	unix.ARPHRD_SLIP:               "slip",
	unix.ARPHRD_CSLIP:              "cslip",
	unix.ARPHRD_SLIP6:              "slip6",
	unix.ARPHRD_CSLIP6:             "cslip6",
	unix.ARPHRD_RSRVD:              "rsrvd",
	unix.ARPHRD_ADAPT:              "adapt",
	unix.ARPHRD_ROSE:               "rose",
	unix.ARPHRD_X25:                "x25",
	unix.ARPHRD_HWX25:              "hwx25",
	unix.ARPHRD_CAN:                "can",
	unix.ARPHRD_PPP:                "ppp",
	unix.ARPHRD_HDLC:               "hdlc",
	unix.ARPHRD_LAPB:               "lapb",
	unix.ARPHRD_DDCMP:              "ddcmp",
	unix.ARPHRD_RAWHDLC:            "rawhdlc",
	unix.ARPHRD_TUNNEL:             "ipip",
	unix.ARPHRD_TUNNEL6:            "tunnel6",
	unix.ARPHRD_FRAD:               "frad",
	unix.ARPHRD_SKIP:               "skip",
	unix.ARPHRD_LOOPBACK:           "loopback",
	unix.ARPHRD_LOCALTLK:           "ltalk",
	unix.ARPHRD_FDDI:               "fddi",
	unix.ARPHRD_BIF:                "bif",
	unix.ARPHRD_SIT:                "sit",
	unix.ARPHRD_IPDDP:              "ip/ddp",
	unix.ARPHRD_IPGRE:              "gre",
	unix.ARPHRD_PIMREG:             "pimreg",
	unix.ARPHRD_HIPPI:              "hippi",
	unix.ARPHRD_ASH:                "ash",
	unix.ARPHRD_ECONET:             "econet",
	unix.ARPHRD_IRDA:               "irda",
	unix.ARPHRD_FCPP:               "fcpp",
	unix.ARPHRD_FCAL:               "fcal",
	unix.ARPHRD_FCPL:               "fcpl",
	unix.ARPHRD_IEEE802_TR:         "tr",
	unix.ARPHRD_IEEE80211:          "ieee802.11",
	unix.ARPHRD_IEEE80211_PRISM:    "ieee802.11/prism",
	unix.ARPHRD_IEEE80211_RADIOTAP: "ieee802.11/radiotap",
	unix.ARPHRD_IEEE802154:         "ieee802.15.4",
	unix.ARPHRD_IEEE802154_MONITOR: "ieee802.15.4/monitor",
	unix.ARPHRD_PHONET:             "phonet",
	unix.ARPHRD_PHONET_PIPE:        "phonet_pipe",
	unix.ARPHRD_CAIF:               "caif",
	unix.ARPHRD_IP6GRE:             "gre6",
	unix.ARPHRD_NETLINK:            "netlink",
	unix.ARPHRD_6LOWPAN:            "6lowpan",
	unix.ARPHRD_NONE:               "none",
	unix.ARPHRD_VOID:               "void",
}

// ARPHRDName is the name `ip link` prints for an ifi_type (ARPHRD_ETHER →
// "ether"), or "[N]" for a type iproute2 has no name for, as ip prints it.
func ARPHRDName(typ uint16) string {
	if n, ok := arphrdNames[typ]; ok {
		return n
	}
	if fc := typ - unix.ARPHRD_FCFABRIC; fc <= 12 {
		return "fcfb" + strconv.Itoa(int(fc))
	}
	return "[" + strconv.Itoa(int(typ)) + "]"
}

// linkFlagNames is iproute2's print_link_flags: the IFF_* bits in the order
// `ip link` prints them. IFF_RUNNING is never printed; an up link without it
// shows NO-CARRIER first.
var linkFlagNames = []flagName[uint32]{
	{unix.IFF_LOOPBACK, "LOOPBACK"},
	{unix.IFF_BROADCAST, "BROADCAST"},
	{unix.IFF_POINTOPOINT, "POINTOPOINT"},
	{unix.IFF_MULTICAST, "MULTICAST"},
	{unix.IFF_NOARP, "NOARP"},
	{unix.IFF_ALLMULTI, "ALLMULTI"},
	{unix.IFF_PROMISC, "PROMISC"},
	{unix.IFF_MASTER, "MASTER"},
	{unix.IFF_SLAVE, "SLAVE"},
	{unix.IFF_DEBUG, "DEBUG"},
	{unix.IFF_DYNAMIC, "DYNAMIC"},
	{unix.IFF_AUTOMEDIA, "AUTOMEDIA"},
	{unix.IFF_PORTSEL, "PORTSEL"},
	{unix.IFF_NOTRAILERS, "NOTRAILERS"},
	{unix.IFF_UP, "UP"},
	{unix.IFF_LOWER_UP, "LOWER_UP"},
	{unix.IFF_DORMANT, "DORMANT"},
	{unix.IFF_ECHO, "ECHO"},
}

// LinkFlags formats ifi_flags as `ip link` does between < and >, joined by
// commas: "BROADCAST,MULTICAST,UP,LOWER_UP", NO-CARRIER for a link that is
// up without IFF_RUNNING, and leftover bits in hex. ip's M-DOWN (the lower
// link is down) is not a flag of this link and is left out.
func LinkFlags(flags uint32) string {
	s := formatFlags(flags&^unix.IFF_RUNNING, linkFlagNames, ",", "")
	if flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING == 0 {
		if s == "" {
			return "NO-CARRIER"
		}
		return "NO-CARRIER," + s
	}
	return s
}

// OperStateName is IFLA_OPERSTATE without its IF_OPER_ prefix (UP, DOWN,
// LOWERLAYERDOWN, ...), as `ip link` prints it; a decimal number for a state
// this code does not know.
func OperStateName(s uint8) string {
	switch s {
	case IF_OPER_UNKNOWN:
		return "UNKNOWN"
	case IF_OPER_NOTPRESENT:
		return "NOTPRESENT"
	case IF_OPER_DOWN:
		return "DOWN"
	case IF_OPER_LOWERLAYERDOWN:
		return "LOWERLAYERDOWN"
	case IF_OPER_TESTING:
		return "TESTING"
	case IF_OPER_DORMANT:
		return "DORMANT"
	case IF_OPER_UP:
		return "UP"
	}
	return strconv.Itoa(int(s))
}

// LinkModeName is IFLA_LINKMODE without its IF_LINK_MODE_ prefix (DEFAULT,
// DORMANT, TESTING); a decimal number for a mode this code does not know.
func LinkModeName(mode uint8) string {
	switch mode {
	case IF_LINK_MODE_DEFAULT:
		return "DEFAULT"
	case IF_LINK_MODE_DORMANT:
		return "DORMANT"
	case IF_LINK_MODE_TESTING:
		return "TESTING"
	}
	return strconv.Itoa(int(mode))
}

// LLAddr formats a link-layer address as iproute2's ll_addr_n2a does: the
// 4- or 16-byte endpoint of an IP tunnel (ipip, sit, gre; ip6tnl, ip6gre) as
// an IP address, anything else as lower-case hex bytes joined by colons.
func LLAddr(b []byte, typ uint16) string {
	if len(b) == 4 && (typ == unix.ARPHRD_TUNNEL || typ == unix.ARPHRD_SIT || typ == unix.ARPHRD_IPGRE) {
		return netip.AddrFrom4([4]byte(b)).String()
	}
	if len(b) == 16 && (typ == unix.ARPHRD_TUNNEL6 || typ == unix.ARPHRD_IP6GRE) {
		return netip.AddrFrom16([16]byte(b)).String()
	}
	return HexColon(b)
}
