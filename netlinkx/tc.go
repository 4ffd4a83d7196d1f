package netlinkx

import "strconv"

// Traffic control constants missing from golang.org/x/sys/unix.
// From include/uapi/linux/pkt_sched.h and include/uapi/linux/gen_stats.h.
const (
	TC_H_ROOT    = 0xFFFFFFFF // tcm_parent of a root qdisc
	TC_H_INGRESS = 0xFFFFFFF1 // tcm_parent of the ingress/clsact qdisc
	TC_H_UNSPEC  = 0

	TCA_STATS_BASIC      = 1 // struct gnet_stats_basic
	TCA_STATS_RATE_EST   = 2 // struct gnet_stats_rate_est
	TCA_STATS_QUEUE      = 3 // struct gnet_stats_queue
	TCA_STATS_APP        = 4 // qdisc-specific xstats
	TCA_STATS_RATE_EST64 = 5 // struct gnet_stats_rate_est64
	TCA_STATS_PAD        = 6
	TCA_STATS_BASIC_HW   = 7 // struct gnet_stats_basic, offloaded part
	TCA_STATS_PKT64      = 8 // u64 packets (kernel 5.5+)
	TCA_HTB_PARMS        = 1 // struct tc_htb_opt (class)
	TCA_HTB_INIT         = 2 // struct tc_htb_glob (qdisc)
	TCA_HTB_RATE64       = 6 // u64 rate, bytes/s, when above 2^32-1
	TCA_HTB_CEIL64       = 7 // u64 ceil, bytes/s, when above 2^32-1
	TCA_TBF_PARMS        = 1 // struct tc_tbf_qopt
	TCA_TBF_RATE64       = 4 // u64 rate, bytes/s, when above 2^32-1
	sizeofTcMsg          = 20
	sizeofGnetStatsBasic = 12 // u64 bytes, u32 packets (padded to 16 in the attribute)
	sizeofTcStats        = 36 // struct tc_stats without its tail padding
	sizeofTcRateSpec     = 12
	sizeofTcHtbOpt       = 2*sizeofTcRateSpec + 20
	sizeofTcTbfQopt      = 2*sizeofTcRateSpec + 12
	sizeofTcFifoQopt     = 4
	offsetTcRateSpecRate = 8 // tc_ratespec.rate
	offsetTcTbfQoptLimit = 2 * sizeofTcRateSpec
)

// TcMsg is struct tcmsg, the fixed header of RTM_NEWQDISC and RTM_NEWTCLASS (linux/rtnetlink.h).
type TcMsg struct {
	Family  uint8  // tcm_family: AF_UNSPEC
	Ifindex int32  // tcm_ifindex: the link
	Handle  uint32 // tcm_handle: major:minor, the qdisc's major (minor 0) or the class id
	Parent  uint32 // tcm_parent: TC_H_ROOT, TC_H_INGRESS or the parent class id
	Info    uint32 // tcm_info: the qdisc's reference count (tc's refcnt)
}

// GnetStatsBasic is struct gnet_stats_basic (TCA_STATS_BASIC).
type GnetStatsBasic struct {
	Bytes   uint64 // bytes: sent
	Packets uint64 // packets: sent (u32 in the struct; TCA_STATS_PKT64 gives all 64 bits)
}

// GnetStatsQueue is struct gnet_stats_queue (TCA_STATS_QUEUE).
type GnetStatsQueue struct {
	Qlen       uint32 // qlen: packets queued
	Backlog    uint32 // backlog: bytes queued
	Drops      uint32 // drops: packets dropped
	Requeues   uint32 // requeues: packets requeued
	Overlimits uint32 // overlimits: times the queue was over its limit (throttled)
}

// TcMessage is one RTM_NEWQDISC or RTM_NEWTCLASS: tcmsg, the kind, the
// statistics (TCA_STATS2, or the old TCA_STATS when TCA_STATS2 is absent)
// and the options of the kinds netlinkq knows (pfifo/bfifo, TBF, HTB).
type TcMessage struct {
	TcMsg
	// Kind is TCA_KIND: "htb", "tbf", "pfifo", "ingress", "noqueue", ...
	Kind string
	// Basic is TCA_STATS_BASIC (or TCA_STATS), valid when HasBasic.
	Basic    GnetStatsBasic
	HasBasic bool
	// Queue is TCA_STATS_QUEUE (or TCA_STATS), valid when HasQueue.
	Queue    GnetStatsQueue
	HasQueue bool
	// Rate is the configured rate in bytes per second: tc_tbf_qopt.rate.rate
	// (or TCA_TBF_RATE64) for TBF, tc_htb_opt.rate.rate (or TCA_HTB_RATE64)
	// for an HTB class; 0 otherwise.
	Rate uint64
	// Ceil is an HTB class's tc_htb_opt.ceil.rate (or TCA_HTB_CEIL64), bytes per second.
	Ceil uint64
	// Limit is tc_fifo_qopt.limit (pfifo: packets, bfifo: bytes) or
	// tc_tbf_qopt.limit (bytes), valid when HasLimit.
	Limit    uint32
	HasLimit bool
}

// TcHandle formats a major:minor handle as tc's sprint_tc_classid does:
// "root", "none", "1:", ":10", "1:10" (hex).
func TcHandle(h uint32) string {
	switch {
	case h == TC_H_ROOT:
		return "root"
	case h == TC_H_UNSPEC:
		return "none"
	case h>>16 == 0:
		return ":" + strconv.FormatUint(uint64(h&0xFFFF), 16)
	case h&0xFFFF == 0:
		return strconv.FormatUint(uint64(h>>16), 16) + ":"
	}
	return strconv.FormatUint(uint64(h>>16), 16) + ":" + strconv.FormatUint(uint64(h&0xFFFF), 16)
}

// QdiscHandle formats a qdisc's tcm_handle as `tc qdisc` prints it: its
// major in hex and a colon ("1:", "ffff:", "0:" for noqueue).
func QdiscHandle(h uint32) string {
	return strconv.FormatUint(uint64(h>>16), 16) + ":"
}

// TcRequest asks for the qdiscs or classes of a namespace.
type TcRequest struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// Class dumps RTM_GETTCLASS (the classes of Ifindex) instead of RTM_GETQDISC.
	Class bool
	// Ifindex is the link whose classes to dump (required with Class: the
	// kernel's tc_dump_tclass dumps one link). For qdiscs, which the kernel
	// dumps for every link whatever tcm_ifindex says, the others are skipped here.
	Ifindex int32
}
