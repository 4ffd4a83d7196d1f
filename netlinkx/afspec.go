package netlinkx

import (
	"encoding/binary"
	"net/netip"
)

// AFSpec is the IFLA_AF_SPEC attribute of one RTM_NEWLINK message: what each
// address family keeps per device (struct in_device for AF_INET, struct
// inet6_dev for AF_INET6). The arrays alias the buffer they were decoded from.
type AFSpec struct {
	// Inet is the AF_INET part; Inet.Present is false when the link has no
	// struct in_device (an MTU below 68, for instance).
	Inet InetAFSpec
	// Inet6 is the AF_INET6 part; Inet6.Present is false when the link has no
	// struct inet6_dev (IPv6 not loaded, ipv6.disable=1, an MTU below 1280).
	Inet6 Inet6AFSpec
}

// InetAFSpec is the AF_INET nest of IFLA_AF_SPEC (net/ipv4/devinet.c, inet_fill_link_af).
type InetAFSpec struct {
	// Present reports that the kernel sent the AF_INET nest.
	Present bool
	// Conf is IFLA_INET_CONF: ipv4_devconf.data, one 32-bit value per
	// IPV4_DEVCONF_* at index IPV4_DEVCONF_* - 1, named by InetDevconfNames.
	Conf U32Array
}

// Inet6AFSpec is the AF_INET6 nest of IFLA_AF_SPEC (net/ipv6/addrconf.c, inet6_fill_ifla6_attrs).
type Inet6AFSpec struct {
	// Present reports that the kernel sent the AF_INET6 nest.
	Present bool
	// Flags is IFLA_INET6_FLAGS: inet6_dev.if_flags, IF_RA_* and IF_READY bits.
	Flags uint32
	// HasFlags reports that IFLA_INET6_FLAGS was sent.
	HasFlags bool
	// Conf is IFLA_INET6_CONF: ipv6_devconf as s32 values indexed by DEVCONF_*,
	// named by Inet6DevconfNames.
	Conf U32Array
	// Stats is IFLA_INET6_STATS: the IPSTATS_MIB_* counters, u64 each, with
	// element 0 holding the number of elements (IPSTATS_MIB_NUM).
	Stats MIBArray
	// ICMP6Stats is IFLA_INET6_ICMP6STATS: the ICMP6_MIB_* counters, u64
	// each, element 0 holding the number of elements (ICMP6_MIB_NUM).
	ICMP6Stats MIBArray
	// CacheInfo is IFLA_INET6_CACHEINFO; nil when it was not sent.
	CacheInfo *IflaCacheinfo
	// CacheInfoSent is how many bytes of struct ifla_cacheinfo the kernel sent
	// (16, or fewer: the fields past them are zero and unknown).
	CacheInfoSent int
	// Token is IFLA_INET6_TOKEN, the interface identifier set with `ip token`
	// (:: when none); the zero Addr when it was not sent.
	Token netip.Addr
	// AddrGenMode is IFLA_INET6_ADDR_GEN_MODE, an IN6_ADDR_GEN_MODE_* value.
	AddrGenMode uint8
	// HasAddrGenMode reports that IFLA_INET6_ADDR_GEN_MODE was sent.
	HasAddrGenMode bool
	// RAMTU is IFLA_INET6_RA_MTU, the MTU option of the last router
	// advertisement. Linux 5.15 added it, and sends it only once non-zero.
	RAMTU uint32
	// HasRAMTU reports that IFLA_INET6_RA_MTU was sent.
	HasRAMTU bool
}

// IflaCacheinfo is struct ifla_cacheinfo (linux/if_link.h), IFLA_INET6_CACHEINFO.
type IflaCacheinfo struct {
	MaxReasmLen   uint32 // max_reasm_len: largest datagram reassembled, bytes (IPV6_MAXPLEN)
	Tstamp        uint32 // tstamp: when inet6_dev last changed, hundredths of a second since boot
	ReachableTime uint32 // reachable_time: neighbour reachable time in use, ms (randomised around base_reachable_time_ms)
	RetransTime   uint32 // retrans_time: neighbour solicitation retransmit time, ms
}

// sizeofIflaCacheinfo is sizeof(struct ifla_cacheinfo): four __u32.
const sizeofIflaCacheinfo = 16

// U32Array is an attribute holding an array of native-endian 32-bit values
// (IFLA_INET_CONF, IFLA_INET6_CONF). A trailing partial element is ignored.
type U32Array []byte

// Len is the number of whole elements.
func (a U32Array) Len() int { return len(a) / 4 }

// At returns element i; ok is false when the kernel sent fewer elements.
func (a U32Array) At(i int) (v uint32, ok bool) {
	if i < 0 || i >= a.Len() {
		return 0, false
	}
	return binary.NativeEndian.Uint32(a[4*i:]), true
}

// MIBArray is an snmp6 counter array as inet6_fill_ifla6_attrs sends it: u64
// elements, element 0 holding the element count (IPSTATS_MIB_NUM,
// ICMP6_MIB_NUM), counter k at element k. A count smaller than the attribute
// limits it; a trailing partial element is ignored.
type MIBArray []byte

// Len is the number of elements, the count slot included.
func (a MIBArray) Len() int {
	n := len(a) / 8
	if n == 0 {
		return 0
	}
	if c := binary.NativeEndian.Uint64(a); c < uint64(n) {
		return int(c)
	}
	return n
}

// At returns element k (k ≥ 1 is a counter); ok is false when the kernel sent fewer.
func (a MIBArray) At(k int) (v uint64, ok bool) {
	if k < 1 || k >= a.Len() {
		return 0, false
	}
	return binary.NativeEndian.Uint64(a[8*k:]), true
}

// InetDevconfNames names the IFLA_INET_CONF elements in IPV4_DEVCONF_* order
// (element i is IPV4_DEVCONF_* = i+1), as the files under
// /proc/sys/net/ipv4/conf/IFACE/ are named (devinet.c's sysctl table):
// IPV4_DEVCONF_ARPFILTER is arp_filter, NOXFRM disable_xfrm, NOPOLICY
// disable_policy, SRC_VMARK src_valid_mark. A kernel that adds an element
// adds one line here. The values are the sysctls' own units.
var InetDevconfNames = []string{
	"forwarding",                         // IPV4_DEVCONF_FORWARDING
	"mc_forwarding",                      // IPV4_DEVCONF_MC_FORWARDING
	"proxy_arp",                          // IPV4_DEVCONF_PROXY_ARP
	"accept_redirects",                   // IPV4_DEVCONF_ACCEPT_REDIRECTS
	"secure_redirects",                   // IPV4_DEVCONF_SECURE_REDIRECTS
	"send_redirects",                     // IPV4_DEVCONF_SEND_REDIRECTS
	"shared_media",                       // IPV4_DEVCONF_SHARED_MEDIA
	"rp_filter",                          // IPV4_DEVCONF_RP_FILTER
	"accept_source_route",                // IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE
	"bootp_relay",                        // IPV4_DEVCONF_BOOTP_RELAY
	"log_martians",                       // IPV4_DEVCONF_LOG_MARTIANS
	"tag",                                // IPV4_DEVCONF_TAG
	"arp_filter",                         // IPV4_DEVCONF_ARPFILTER
	"medium_id",                          // IPV4_DEVCONF_MEDIUM_ID
	"disable_xfrm",                       // IPV4_DEVCONF_NOXFRM
	"disable_policy",                     // IPV4_DEVCONF_NOPOLICY
	"force_igmp_version",                 // IPV4_DEVCONF_FORCE_IGMP_VERSION
	"arp_announce",                       // IPV4_DEVCONF_ARP_ANNOUNCE
	"arp_ignore",                         // IPV4_DEVCONF_ARP_IGNORE
	"promote_secondaries",                // IPV4_DEVCONF_PROMOTE_SECONDARIES
	"arp_accept",                         // IPV4_DEVCONF_ARP_ACCEPT
	"arp_notify",                         // IPV4_DEVCONF_ARP_NOTIFY
	"accept_local",                       // IPV4_DEVCONF_ACCEPT_LOCAL
	"src_valid_mark",                     // IPV4_DEVCONF_SRC_VMARK
	"proxy_arp_pvlan",                    // IPV4_DEVCONF_PROXY_ARP_PVLAN
	"route_localnet",                     // IPV4_DEVCONF_ROUTE_LOCALNET
	"igmpv2_unsolicited_report_interval", // IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL
	"igmpv3_unsolicited_report_interval", // IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL
	"ignore_routes_with_linkdown",        // IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN
	"drop_unicast_in_l2_multicast",       // IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST
	"drop_gratuitous_arp",                // IPV4_DEVCONF_DROP_GRATUITOUS_ARP
	"bc_forwarding",                      // IPV4_DEVCONF_BC_FORWARDING
	"arp_evict_nocarrier",                // IPV4_DEVCONF_ARP_EVICT_NOCARRIER
}

// Inet6DevconfNames names the IFLA_INET6_CONF elements in DEVCONF_* order, as
// the files under /proc/sys/net/ipv6/conf/IFACE/ are named (addrconf.c's
// sysctl table): DEVCONF_HOPLIMIT is hop_limit, MTU6 mtu, RTR_SOLICITS
// router_solicitations, RTR_SOLICIT_INTERVAL router_solicitation_interval,
// RTR_PROBE_INTERVAL router_probe_interval. ipv6_store_devconf sends the
// jiffies-based intervals in ms where the files show seconds, and never sends
// stable_secret (its slot stays 0). A kernel that adds an element adds one
// line here; sysctls outside the enum (regen_min_advance, ra_honor_pio_pflag,
// force_forwarding in 6.18) are not sent.
var Inet6DevconfNames = []string{
	"forwarding",                        // DEVCONF_FORWARDING
	"hop_limit",                         // DEVCONF_HOPLIMIT
	"mtu",                               // DEVCONF_MTU6
	"accept_ra",                         // DEVCONF_ACCEPT_RA
	"accept_redirects",                  // DEVCONF_ACCEPT_REDIRECTS
	"autoconf",                          // DEVCONF_AUTOCONF
	"dad_transmits",                     // DEVCONF_DAD_TRANSMITS
	"router_solicitations",              // DEVCONF_RTR_SOLICITS
	"router_solicitation_interval",      // DEVCONF_RTR_SOLICIT_INTERVAL (ms)
	"router_solicitation_delay",         // DEVCONF_RTR_SOLICIT_DELAY (ms)
	"use_tempaddr",                      // DEVCONF_USE_TEMPADDR
	"temp_valid_lft",                    // DEVCONF_TEMP_VALID_LFT
	"temp_prefered_lft",                 // DEVCONF_TEMP_PREFERED_LFT
	"regen_max_retry",                   // DEVCONF_REGEN_MAX_RETRY
	"max_desync_factor",                 // DEVCONF_MAX_DESYNC_FACTOR
	"max_addresses",                     // DEVCONF_MAX_ADDRESSES
	"force_mld_version",                 // DEVCONF_FORCE_MLD_VERSION
	"accept_ra_defrtr",                  // DEVCONF_ACCEPT_RA_DEFRTR
	"accept_ra_pinfo",                   // DEVCONF_ACCEPT_RA_PINFO
	"accept_ra_rtr_pref",                // DEVCONF_ACCEPT_RA_RTR_PREF
	"router_probe_interval",             // DEVCONF_RTR_PROBE_INTERVAL (ms)
	"accept_ra_rt_info_max_plen",        // DEVCONF_ACCEPT_RA_RT_INFO_MAX_PLEN
	"proxy_ndp",                         // DEVCONF_PROXY_NDP
	"optimistic_dad",                    // DEVCONF_OPTIMISTIC_DAD
	"accept_source_route",               // DEVCONF_ACCEPT_SOURCE_ROUTE
	"mc_forwarding",                     // DEVCONF_MC_FORWARDING
	"disable_ipv6",                      // DEVCONF_DISABLE_IPV6
	"accept_dad",                        // DEVCONF_ACCEPT_DAD
	"force_tllao",                       // DEVCONF_FORCE_TLLAO
	"ndisc_notify",                      // DEVCONF_NDISC_NOTIFY
	"mldv1_unsolicited_report_interval", // DEVCONF_MLDV1_UNSOLICITED_REPORT_INTERVAL (ms)
	"mldv2_unsolicited_report_interval", // DEVCONF_MLDV2_UNSOLICITED_REPORT_INTERVAL (ms)
	"suppress_frag_ndisc",               // DEVCONF_SUPPRESS_FRAG_NDISC
	"accept_ra_from_local",              // DEVCONF_ACCEPT_RA_FROM_LOCAL
	"use_optimistic",                    // DEVCONF_USE_OPTIMISTIC
	"accept_ra_mtu",                     // DEVCONF_ACCEPT_RA_MTU
	"stable_secret",                     // DEVCONF_STABLE_SECRET (never sent)
	"use_oif_addrs_only",                // DEVCONF_USE_OIF_ADDRS_ONLY
	"accept_ra_min_hop_limit",           // DEVCONF_ACCEPT_RA_MIN_HOP_LIMIT
	"ignore_routes_with_linkdown",       // DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN
	"drop_unicast_in_l2_multicast",      // DEVCONF_DROP_UNICAST_IN_L2_MULTICAST
	"drop_unsolicited_na",               // DEVCONF_DROP_UNSOLICITED_NA
	"keep_addr_on_down",                 // DEVCONF_KEEP_ADDR_ON_DOWN
	"router_solicitation_max_interval",  // DEVCONF_RTR_SOLICIT_MAX_INTERVAL (ms)
	"seg6_enabled",                      // DEVCONF_SEG6_ENABLED
	"seg6_require_hmac",                 // DEVCONF_SEG6_REQUIRE_HMAC
	"enhanced_dad",                      // DEVCONF_ENHANCED_DAD
	"addr_gen_mode",                     // DEVCONF_ADDR_GEN_MODE
	"disable_policy",                    // DEVCONF_DISABLE_POLICY
	"accept_ra_rt_info_min_plen",        // DEVCONF_ACCEPT_RA_RT_INFO_MIN_PLEN
	"ndisc_tclass",                      // DEVCONF_NDISC_TCLASS
	"rpl_seg_enabled",                   // DEVCONF_RPL_SEG_ENABLED
	"ra_defrtr_metric",                  // DEVCONF_RA_DEFRTR_METRIC
	"ioam6_enabled",                     // DEVCONF_IOAM6_ENABLED
	"ioam6_id",                          // DEVCONF_IOAM6_ID
	"ioam6_id_wide",                     // DEVCONF_IOAM6_ID_WIDE (u32)
	"ndisc_evict_nocarrier",             // DEVCONF_NDISC_EVICT_NOCARRIER
	"accept_untracked_na",               // DEVCONF_ACCEPT_UNTRACKED_NA
	"accept_ra_min_lft",                 // DEVCONF_ACCEPT_RA_MIN_LFT
	"ra_honor_pio_life",                 // DEVCONF_RA_HONOR_PIO_LIFE
}

// Inet6StatsNames names the IFLA_INET6_STATS counters: Inet6StatsNames[k-1]
// is IPSTATS_MIB_* = k in the enum of Linux 6.15 and later, named as
// /proc/net/dev_snmp6/IFACE names them without the Ip6 prefix, in snake
// case (Ip6InReceives is in_receives), or after the header's comment for the
// four the file leaves out (in_bcast_pkts, out_bcast_pkts, in_csum_errors,
// reasm_overlaps). Linux 6.15 reordered the enum ("net: reorganize IP MIB
// values (II)"); IPStatsLayout maps an older kernel's positions onto these names.
var Inet6StatsNames = []string{
	"in_receives",        // IPSTATS_MIB_INPKTS
	"in_octets",          // IPSTATS_MIB_INOCTETS
	"in_delivers",        // IPSTATS_MIB_INDELIVERS
	"in_no_ect_pkts",     // IPSTATS_MIB_NOECTPKTS
	"in_ect1_pkts",       // IPSTATS_MIB_ECT1PKTS
	"in_ect0_pkts",       // IPSTATS_MIB_ECT0PKTS
	"in_ce_pkts",         // IPSTATS_MIB_CEPKTS
	"out_requests",       // IPSTATS_MIB_OUTREQUESTS
	"out_transmits",      // IPSTATS_MIB_OUTPKTS
	"out_octets",         // IPSTATS_MIB_OUTOCTETS
	"out_forw_datagrams", // IPSTATS_MIB_OUTFORWDATAGRAMS
	"in_hdr_errors",      // IPSTATS_MIB_INHDRERRORS
	"in_too_big_errors",  // IPSTATS_MIB_INTOOBIGERRORS
	"in_no_routes",       // IPSTATS_MIB_INNOROUTES
	"in_addr_errors",     // IPSTATS_MIB_INADDRERRORS
	"in_unknown_protos",  // IPSTATS_MIB_INUNKNOWNPROTOS
	"in_truncated_pkts",  // IPSTATS_MIB_INTRUNCATEDPKTS
	"in_discards",        // IPSTATS_MIB_INDISCARDS
	"out_discards",       // IPSTATS_MIB_OUTDISCARDS
	"out_no_routes",      // IPSTATS_MIB_OUTNOROUTES
	"reasm_timeout",      // IPSTATS_MIB_REASMTIMEOUT
	"reasm_reqds",        // IPSTATS_MIB_REASMREQDS
	"reasm_oks",          // IPSTATS_MIB_REASMOKS
	"reasm_fails",        // IPSTATS_MIB_REASMFAILS
	"frag_oks",           // IPSTATS_MIB_FRAGOKS
	"frag_fails",         // IPSTATS_MIB_FRAGFAILS
	"frag_creates",       // IPSTATS_MIB_FRAGCREATES
	"in_mcast_pkts",      // IPSTATS_MIB_INMCASTPKTS
	"out_mcast_pkts",     // IPSTATS_MIB_OUTMCASTPKTS
	"in_bcast_pkts",      // IPSTATS_MIB_INBCASTPKTS (not in dev_snmp6)
	"out_bcast_pkts",     // IPSTATS_MIB_OUTBCASTPKTS (not in dev_snmp6)
	"in_mcast_octets",    // IPSTATS_MIB_INMCASTOCTETS
	"out_mcast_octets",   // IPSTATS_MIB_OUTMCASTOCTETS
	"in_bcast_octets",    // IPSTATS_MIB_INBCASTOCTETS
	"out_bcast_octets",   // IPSTATS_MIB_OUTBCASTOCTETS
	"in_csum_errors",     // IPSTATS_MIB_CSUMERRORS (not in dev_snmp6)
	"reasm_overlaps",     // IPSTATS_MIB_REASM_OVERLAPS (not in dev_snmp6)
}

// inet6StatsNamesBefore615 is the IPSTATS_MIB_* order from "net: reorganize
// IP MIB values" (Linux 3.x) to 6.14, by the same names. Before 6.3 the
// element at OUTREQUESTS was IPSTATS_MIB_OUTPKTS, which dev_snmp6 already
// printed as Ip6OutRequests; 6.3 appended OutTransmits.
var inet6StatsNamesBefore615 = []string{
	"in_receives", "in_octets", "in_delivers", "out_forw_datagrams", "out_requests", "out_octets",
	"in_hdr_errors", "in_too_big_errors", "in_no_routes", "in_addr_errors", "in_unknown_protos",
	"in_truncated_pkts", "in_discards", "out_discards", "out_no_routes", "reasm_timeout",
	"reasm_reqds", "reasm_oks", "reasm_fails", "frag_oks", "frag_fails", "frag_creates",
	"in_mcast_pkts", "out_mcast_pkts", "in_bcast_pkts", "out_bcast_pkts", "in_mcast_octets",
	"out_mcast_octets", "in_bcast_octets", "out_bcast_octets", "in_csum_errors",
	"in_no_ect_pkts", "in_ect1_pkts", "in_ect0_pkts", "in_ce_pkts", "reasm_overlaps",
	"out_transmits",
}

// ICMP6StatsNames names the IFLA_INET6_ICMP6STATS counters: ICMP6StatsNames[k-1]
// is ICMP6_MIB_* = k, named as /proc/net/dev_snmp6/IFACE names them without
// the Icmp6 prefix, in snake case. The per-type counters that file also
// lists (Icmp6InEchos, ...) are icmpv6msg statistics, which netlink does not carry.
var ICMP6StatsNames = []string{
	"in_msgs",             // ICMP6_MIB_INMSGS
	"in_errors",           // ICMP6_MIB_INERRORS
	"out_msgs",            // ICMP6_MIB_OUTMSGS
	"out_errors",          // ICMP6_MIB_OUTERRORS
	"csum_errors",         // ICMP6_MIB_CSUMERRORS (Icmp6InCsumErrors; named as the issue asks)
	"out_rate_limit_host", // ICMP6_MIB_RATELIMITHOST (Linux 6.0; /proc/net/snmp6 only)
}

// IPStatsLayout says in which order a kernel sends IFLA_INET6_STATS.
type IPStatsLayout uint8

// The IPSTATS_MIB_* orders netlinkq knows.
const (
	// IPStats615 is the order of Linux 6.15 and later, Inet6StatsNames'.
	IPStats615 IPStatsLayout = iota
	// IPStatsBefore615 is the order of Linux 3.x to 6.14.
	IPStatsBefore615
)

// ipStatsPos[layout][i] is the element of IFLA_INET6_STATS holding Inet6StatsNames[i].
var ipStatsPos = func() [2][]int {
	var pos [2][]int
	pos[IPStats615] = make([]int, len(Inet6StatsNames))
	pos[IPStatsBefore615] = make([]int, len(Inet6StatsNames))
	at := make(map[string]int, len(inet6StatsNamesBefore615))
	for k, n := range inet6StatsNamesBefore615 {
		at[n] = k + 1
	}
	for i, n := range Inet6StatsNames {
		pos[IPStats615][i] = i + 1
		pos[IPStatsBefore615][i] = at[n] // 0 (never valid) if a name were missing; a test checks
	}
	return pos
}()

// Stat returns counter Inet6StatsNames[i] from an IFLA_INET6_STATS array sent
// in layout l; ok is false when the kernel did not send it.
func (a MIBArray) Stat(l IPStatsLayout, i int) (v uint64, ok bool) {
	if int(l) >= len(ipStatsPos) || i < 0 || i >= len(ipStatsPos[l]) {
		return 0, false
	}
	return a.At(ipStatsPos[l][i])
}

// IPStatsLayoutOf returns the IFLA_INET6_STATS order of a kernel release
// (uname -r, "6.18.1-foo"): before 6.15 or from it. An unparsable release
// is taken as new.
func IPStatsLayoutOf(release string) IPStatsLayout {
	if versionAtLeast(release, 6, 15) {
		return IPStats615
	}
	return IPStatsBefore615
}
