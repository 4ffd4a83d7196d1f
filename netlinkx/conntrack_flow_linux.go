package netlinkx

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// Conntrack is one conntrack entry (struct nf_conn) as ctnetlink sends it in
// an IPCTNL_MSG_CT_NEW message: ti-mo/conntrack's Flow, decoded by its own
// code, plus what a Flow cannot say (the nfgenmsg family, and whether the
// optional nests came at all).
type Conntrack struct {
	conntrack.Flow
	// Family is nfgenmsg.nfgen_family: AF_INET or AF_INET6.
	Family uint8
	// HasCounters is set when CTA_COUNTERS_ORIG came: the entry has the acct
	// extension, which the kernel adds only while nf_conntrack_acct is 1.
	HasCounters bool
	// HasTimestamp is set when CTA_TIMESTAMP came (nf_conntrack_timestamp was 1
	// when the entry was made).
	HasTimestamp bool
}

// UnmarshalBinary decodes the payload of one ctnetlink conntrack message:
// struct nfgenmsg and the CTA_* attributes after it. The attributes are
// decoded by ti-mo/conntrack (Event.Unmarshal); a scan of the top level
// records which optional nests came.
func (c *Conntrack) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofNfgenmsg {
		return fmt.Errorf("nfgenmsg: %d bytes, want at least %d", len(b), sizeofNfgenmsg)
	}
	*c = Conntrack{Family: b[0]}
	ad, err := netlink.NewAttributeDecoder(b[sizeofNfgenmsg:])
	if err != nil {
		return fmt.Errorf("conntrack attributes: %w", err)
	}
	for ad.Next() {
		switch ad.Type() {
		case CTA_COUNTERS_ORIG:
			c.HasCounters = true
		case CTA_TIMESTAMP:
			c.HasTimestamp = true
		}
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("conntrack attributes: %w", err)
	}
	var ev conntrack.Event
	msg := netlink.Message{Header: netlink.Header{Type: ctnetlinkType(IPCTNL_MSG_CT_NEW)}, Data: b}
	if err := ev.Unmarshal(msg); err != nil {
		return fmt.Errorf("conntrack entry: %w", err)
	}
	if ev.Flow == nil {
		return fmt.Errorf("conntrack entry: no flow in message")
	}
	c.Flow = *ev.Flow
	return nil
}

// sizeofNfgenmsg is sizeof(struct nfgenmsg): family, version, res_id.
const sizeofNfgenmsg = 4

// ctnetlinkType is the nlmsg_type of a ctnetlink message: subsystem << 8 | type.
func ctnetlinkType(msg uint8) netlink.HeaderType {
	return netlink.HeaderType(unix.NFNL_SUBSYS_CTNETLINK<<8 | uint16(msg))
}

// ProtocolName is the layer-4 protocol of the original tuple as conntrack
// prints it (tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre), else its number.
func (c *Conntrack) ProtocolName() string {
	return ProtocolName(c.TupleOrig.Proto.Protocol)
}

// ProtocolName is an IP protocol number as conntrack names it, else the number.
func ProtocolName(p uint8) string { return nameOf(ctProtoNames, p) }

// ctProtoNames are the IP protocols conntrack tracks by name.
var ctProtoNames = map[uint8]string{
	unix.IPPROTO_TCP:     "tcp",
	unix.IPPROTO_UDP:     "udp",
	unix.IPPROTO_ICMP:    "icmp",
	unix.IPPROTO_ICMPV6:  "icmpv6",
	unix.IPPROTO_SCTP:    "sctp",
	unix.IPPROTO_DCCP:    "dccp",
	unix.IPPROTO_UDPLITE: "udplite",
	unix.IPPROTO_GRE:     "gre",
}

// HasPorts reports whether the protocol's tuple has ports (CTA_PROTO_SRC_PORT):
// not ICMP, ICMPv6 or an unknown protocol (tracked by the generic tracker).
func HasPorts(p uint8) bool {
	switch p {
	case unix.IPPROTO_TCP, unix.IPPROTO_UDP, unix.IPPROTO_SCTP, unix.IPPROTO_DCCP, unix.IPPROTO_UDPLITE:
		return true
	}
	return false
}

// IsICMP reports whether the protocol's tuple carries ICMP type, code and id.
func IsICMP(p uint8) bool { return p == unix.IPPROTO_ICMP || p == unix.IPPROTO_ICMPV6 }

// tcpConntrackStates are enum tcp_conntrack (linux/netfilter/nf_conntrack_tcp.h)
// as conntrack prints them; 9 is TCP_CONNTRACK_SYN_SENT2 (once LISTEN).
var tcpConntrackStates = []string{"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"}

// sctpConntrackStates are enum sctp_conntrack (linux/netfilter/nf_conntrack_sctp.h).
var sctpConntrackStates = []string{"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
	"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT", "HEARTBEAT_ACKED"}

// dccpConntrackStates are enum ct_dccp_states (linux/netfilter/nf_conntrack_dccp.h).
var dccpConntrackStates = []string{"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ",
	"CLOSING", "TIMEWAIT", "IGNORE", "INVALID"}

// State is the protocol state of CTA_PROTOINFO (TCP, SCTP or DCCP) as
// conntrack prints it (ESTABLISHED, TIME_WAIT, ...); ok is false for
// protocols without one.
func (c *Conntrack) State() (name string, ok bool) {
	pick := func(names []string, s uint8) string {
		if int(s) < len(names) {
			return names[s]
		}
		return strconv.Itoa(int(s))
	}
	switch pi := c.ProtoInfo; {
	case pi.TCP != nil:
		return pick(tcpConntrackStates, pi.TCP.State), true
	case pi.SCTP != nil:
		return pick(sctpConntrackStates, pi.SCTP.State), true
	case pi.DCCP != nil:
		return pick(dccpConntrackStates, pi.DCCP.State), true
	}
	return "", false
}

// StatusNames is CTA_STATUS as the IPS_* names of its set bits,
// comma-separated in bit order; bits without a name come last, in hex.
func StatusNames(s conntrack.Status) string {
	return formatFlags(uint32(s), ctStatusNames, ",", "0x")
}

// LabelBits is CTA_LABELS as the numbers of its set bits, comma-separated
// (the bit numbers of connlabel.conf; bit i is bit i%32 of the i/32th
// native-endian word, as the kernel's unsigned long bitmap on a little-endian host).
func LabelBits(labels []byte) string {
	var b strings.Builder
	for i, by := range labels {
		for j := 0; j < 8; j++ {
			if by&(1<<j) == 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i*8 + j))
		}
	}
	return b.String()
}

// NATSource is the address and port the original source is translated to:
// the reply tuple's destination where it differs from the original source.
// Each ok is false where there is no translation of that part.
func (c *Conntrack) NATSource() (addr netip.Addr, addrOK bool, port uint16, portOK bool) {
	o, r := &c.TupleOrig, &c.TupleReply
	addrOK = r.IP.DestinationAddress != o.IP.SourceAddress
	portOK = HasPorts(o.Proto.Protocol) && r.Proto.DestinationPort != o.Proto.SourcePort
	return r.IP.DestinationAddress, addrOK, r.Proto.DestinationPort, portOK
}

// NATDestination is the address and port the original destination is
// translated to: the reply tuple's source where it differs from the original
// destination.
func (c *Conntrack) NATDestination() (addr netip.Addr, addrOK bool, port uint16, portOK bool) {
	o, r := &c.TupleOrig, &c.TupleReply
	addrOK = r.IP.SourceAddress != o.IP.DestinationAddress
	portOK = HasPorts(o.Proto.Protocol) && r.Proto.SourcePort != o.Proto.DestinationPort
	return r.IP.SourceAddress, addrOK, r.Proto.SourcePort, portOK
}

// ConntrackRequest is a ctnetlink dump of the conntrack table and the
// filters the kernel applies to it.
type ConntrackRequest struct {
	// NetNS is the namespace whose table is dumped.
	NetNS NetNS
	// Family is nfgenmsg.nfgen_family: AF_UNSPEC for both, or AF_INET/AF_INET6
	// (every kernel filters on it).
	Family uint8
	// Mark, when set, is sent as CTA_MARK with CTA_MARK_MASK 0xffffffff: the
	// kernel (3.x and later, CONFIG_NF_CONNTRACK_MARK) dumps entries with that mark only.
	Mark *uint32
	// Zone, when set, is sent as CTA_ZONE: kernels 6.8 and later dump that zone
	// only (zone 0 filters nothing); older ones ignore it.
	Zone *uint16
}

// ConntrackStat is one CPU's struct ip_conntrack_stat (CTA_STATS_*), from
// IPCTNL_MSG_CT_GET_STATS_CPU through ti-mo/conntrack's Stats.
type ConntrackStat = conntrack.Stats
