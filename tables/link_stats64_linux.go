package tables

import (
	"context"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// linkStats64 is link_stats64: each link's struct rtnl_link_stats64
// (IFLA_STATS64), every field under its kernel name.
var linkStats64 = lazy("link_stats64", func() *Table[netlinkx.LinkMessage] {
	return &Table[netlinkx.LinkMessage]{
		Columns: Concat(
			[]Column[netlinkx.LinkMessage]{
				linkNameColumn(func(m *netlinkx.LinkMessage) string { return m.Name }),
				linkIndexColumn(func(m *netlinkx.LinkMessage) int64 { return int64(m.Index) }),
			},
			StructColumns(0, func(f netlinkx.UAPIField) string {
				return "rtnl_link_stats64." + f.Name + linkStatsDocs[f.Name]
			}, func(m *netlinkx.LinkMessage) (*netlinkx.RtnlLinkStats64, int) {
				if !m.Has(unix.IFLA_STATS64) {
					return nil, 0
				}
				return &m.Stats64, m.Stats64Sent
			}),
		),
		Generate: func(ctx context.Context, q *Query, emit func(*netlinkx.LinkMessage) error) error {
			return ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
				return netlinkx.DumpLinks(ctx, req, emit)
			})
		},
	}
})

// linkStatsDocs completes the description of each rtnl_link_stats64 column
// (see linux/if_link.h and Documentation/networking/statistics.rst).
var linkStatsDocs = map[string]string{
	"rx_packets":           ": packets received (psutil packets_recv)",
	"tx_packets":           ": packets transmitted (psutil packets_sent)",
	"rx_bytes":             ": bytes received (psutil bytes_recv)",
	"tx_bytes":             ": bytes transmitted (psutil bytes_sent)",
	"rx_errors":            ": bad packets received (psutil errin)",
	"tx_errors":            ": packet transmit problems (psutil errout)",
	"rx_dropped":           ": received packets dropped, e.g. no buffer space (psutil dropin is rx_dropped + rx_missed_errors, as /proc/net/dev adds them)",
	"tx_dropped":           ": packets dropped on transmit (psutil dropout)",
	"multicast":            ": multicast packets received",
	"collisions":           ": collisions on the medium",
	"rx_length_errors":     ": received frames with a bad length",
	"rx_over_errors":       ": receiver ring buffer overflows",
	"rx_crc_errors":        ": received frames with a CRC error",
	"rx_frame_errors":      ": received frames with an alignment error",
	"rx_fifo_errors":       ": receiver FIFO overruns",
	"rx_missed_errors":     ": packets the host missed for lack of buffers",
	"tx_aborted_errors":    ": transmissions aborted",
	"tx_carrier_errors":    ": transmissions lost to carrier errors",
	"tx_fifo_errors":       ": transmit FIFO underruns",
	"tx_heartbeat_errors":  ": SQE test (heartbeat) errors",
	"tx_window_errors":     ": late collisions",
	"rx_compressed":        ": compressed packets received (CSLIP, PPP)",
	"tx_compressed":        ": compressed packets transmitted",
	"rx_nohandler":         ": packets dropped for lack of a protocol handler (kernel 4.6+)",
	"rx_otherhost_dropped": ": packets dropped as not addressed to this host (kernel 5.19+)",
}
