package netlinkx

import (
	"fmt"
)

// TCPInfo mirrors struct tcp_info (linux/tcp.h) as kernel 6.18 sends it in
// INET_DIAG_INFO: 280 bytes, laid out field by field with no implicit
// padding, so that binary.Decode reads it at the kernel's offsets. The
// `kernel` tag names the column a field becomes (tcpi_ prefix dropped, the
// unit appended where the kernel's name hides it); a field without one is not
// shown.
//
// Older kernels send a shorter struct (232 bytes in 6.1): fields past the
// length received are zero here, and TCPInfoFieldSent tells them apart from a
// real zero. Newer kernels send more, and the tail is ignored.
type TCPInfo struct {
	State       uint8 `kernel:"tcpi_state"`  // tcpi_state, TCP_*
	CAState     uint8 `kernel:"ca_state"`    // tcpi_ca_state, TCP_CA_*
	Retransmits uint8 `kernel:"retransmits"` // tcpi_retransmits: unrecovered RTO timeouts
	Probes      uint8 `kernel:"probes"`      // tcpi_probes: unanswered zero window probes
	Backoff     uint8 `kernel:"backoff"`     // tcpi_backoff: RTO backoff shift
	Options     uint8 `kernel:"options"`     // tcpi_options, TCPI_OPT_*
	WScale      uint8 // tcpi_snd_wscale:4 (low nibble), tcpi_rcv_wscale:4 (high nibble)
	AppLimited  uint8 // tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2

	RTO    uint32 `kernel:"rto_us"`  // tcpi_rto, µs
	ATO    uint32 `kernel:"ato_us"`  // tcpi_ato, µs
	SndMSS uint32 `kernel:"snd_mss"` // tcpi_snd_mss, bytes
	RcvMSS uint32 `kernel:"rcv_mss"` // tcpi_rcv_mss, bytes

	Unacked uint32 `kernel:"unacked"` // tcpi_unacked, segments
	Sacked  uint32 `kernel:"sacked"`  // tcpi_sacked, segments
	Lost    uint32 `kernel:"lost"`    // tcpi_lost, segments
	Retrans uint32 `kernel:"retrans"` // tcpi_retrans, segments in flight retransmitted
	Fackets uint32 // tcpi_fackets, always 0 since 4.15

	LastDataSent uint32 `kernel:"last_data_sent_ms"` // tcpi_last_data_sent, ms ago
	LastAckSent  uint32 // tcpi_last_ack_sent, never set by the kernel
	LastDataRecv uint32 `kernel:"last_data_recv_ms"` // tcpi_last_data_recv, ms ago
	LastAckRecv  uint32 `kernel:"last_ack_recv_ms"`  // tcpi_last_ack_recv, ms ago

	PMTU        uint32 `kernel:"pmtu"`         // tcpi_pmtu, bytes
	RcvSsthresh uint32 `kernel:"rcv_ssthresh"` // tcpi_rcv_ssthresh, bytes
	RTT         uint32 `kernel:"rtt_us"`       // tcpi_rtt, smoothed, µs
	RTTVar      uint32 `kernel:"rttvar_us"`    // tcpi_rttvar, µs
	SndSsthresh uint32 `kernel:"snd_ssthresh"` // tcpi_snd_ssthresh, segments
	SndCwnd     uint32 `kernel:"snd_cwnd"`     // tcpi_snd_cwnd, segments
	AdvMSS      uint32 `kernel:"advmss"`       // tcpi_advmss, bytes
	Reordering  uint32 `kernel:"reordering"`   // tcpi_reordering, segments

	RcvRTT   uint32 `kernel:"rcv_rtt_us"` // tcpi_rcv_rtt, µs
	RcvSpace uint32 `kernel:"rcv_space"`  // tcpi_rcv_space, bytes

	TotalRetrans uint32 `kernel:"total_retrans"` // tcpi_total_retrans, segments

	PacingRate    uint64 `kernel:"pacing_rate"`     // tcpi_pacing_rate, bytes/s
	MaxPacingRate uint64 `kernel:"max_pacing_rate"` // tcpi_max_pacing_rate, bytes/s
	BytesAcked    uint64 `kernel:"bytes_acked"`     // tcpi_bytes_acked (RFC 4898 tcpEStatsAppHCThruOctetsAcked)
	BytesReceived uint64 `kernel:"bytes_received"`  // tcpi_bytes_received (RFC 4898 tcpEStatsAppHCThruOctetsReceived)
	SegsOut       uint32 `kernel:"segs_out"`        // tcpi_segs_out
	SegsIn        uint32 `kernel:"segs_in"`         // tcpi_segs_in

	NotsentBytes uint32 `kernel:"notsent_bytes"` // tcpi_notsent_bytes
	MinRTT       uint32 `kernel:"min_rtt_us"`    // tcpi_min_rtt, µs
	DataSegsIn   uint32 `kernel:"data_segs_in"`  // tcpi_data_segs_in
	DataSegsOut  uint32 `kernel:"data_segs_out"` // tcpi_data_segs_out

	DeliveryRate uint64 `kernel:"delivery_rate"` // tcpi_delivery_rate, bytes/s

	BusyTime      uint64 `kernel:"busy_time_us"`      // tcpi_busy_time, µs
	RwndLimited   uint64 `kernel:"rwnd_limited_us"`   // tcpi_rwnd_limited, µs
	SndbufLimited uint64 `kernel:"sndbuf_limited_us"` // tcpi_sndbuf_limited, µs

	Delivered   uint32 `kernel:"delivered"`    // tcpi_delivered, segments
	DeliveredCE uint32 `kernel:"delivered_ce"` // tcpi_delivered_ce, segments

	BytesSent    uint64 `kernel:"bytes_sent"`    // tcpi_bytes_sent (RFC 4898 tcpEStatsPerfHCDataOctetsOut)
	BytesRetrans uint64 `kernel:"bytes_retrans"` // tcpi_bytes_retrans (RFC 4898 tcpEStatsPerfOctetsRetrans)
	DSACKDups    uint32 `kernel:"dsack_dups"`    // tcpi_dsack_dups
	ReordSeen    uint32 `kernel:"reord_seen"`    // tcpi_reord_seen

	RcvOOOPack uint32 `kernel:"rcv_ooopack"` // tcpi_rcv_ooopack, kernel 5.4+

	SndWnd uint32 `kernel:"snd_wnd"` // tcpi_snd_wnd, bytes, kernel 5.4+
	RcvWnd uint32 `kernel:"rcv_wnd"` // tcpi_rcv_wnd, bytes, kernel 6.2+ (first field past the 232 bytes of 6.1)

	Rehash uint32 `kernel:"rehash"` // tcpi_rehash, kernel 6.2+

	TotalRTO           uint16 `kernel:"total_rto"`            // tcpi_total_rto, kernel 6.7+
	TotalRTORecoveries uint16 `kernel:"total_rto_recoveries"` // tcpi_total_rto_recoveries, kernel 6.7+
	TotalRTOTime       uint32 `kernel:"total_rto_time_ms"`    // tcpi_total_rto_time, ms, kernel 6.7+

	ReceivedCE       uint32 `kernel:"received_ce"`        // tcpi_received_ce, segments, kernel 6.18+
	DeliveredE1Bytes uint32 `kernel:"delivered_e1_bytes"` // tcpi_delivered_e1_bytes, kernel 6.18+
	DeliveredE0Bytes uint32 `kernel:"delivered_e0_bytes"` // tcpi_delivered_e0_bytes, kernel 6.18+
	DeliveredCEBytes uint32 `kernel:"delivered_ce_bytes"` // tcpi_delivered_ce_bytes, kernel 6.18+
	ReceivedE1Bytes  uint32 `kernel:"received_e1_bytes"`  // tcpi_received_e1_bytes, kernel 6.18+
	ReceivedE0Bytes  uint32 `kernel:"received_e0_bytes"`  // tcpi_received_e0_bytes, kernel 6.18+
	ReceivedCEBytes  uint32 `kernel:"received_ce_bytes"`  // tcpi_received_ce_bytes, kernel 6.18+
	// ECN is the bit field word tcpi_ecn_mode:2, tcpi_accecn_opt_seen:2,
	// tcpi_accecn_fail_mode:4, tcpi_options2:24 (kernel 6.18+), as sent.
	ECN uint32
}

// SizeofTCPInfo is binary.Size(TCPInfo{}): sizeof(struct tcp_info) in kernel 6.18.
const SizeofTCPInfo = 280

// DecodeTCPInfo fills ti from the payload of INET_DIAG_INFO and returns how
// many bytes of it the kernel sent (at most SizeofTCPInfo): a field whose end
// lies beyond that was not sent (UAPIField.Sent). A short payload from an
// older kernel is zero-padded in a copy; b itself is never written.
func DecodeTCPInfo(b []byte, ti *TCPInfo) (sent int, err error) {
	sent, err = decodeUAPI(b, ti)
	if err != nil {
		return 0, fmt.Errorf("tcp_info: %w", err)
	}
	return sent, nil
}
