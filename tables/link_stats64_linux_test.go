package tables

import (
	"strconv"
	"testing"
)

// TestLinkStats64MatchesIP reads ip, then link_stats64, then ip again: every
// counter of ours must lie between ip's two readings (the kernel may send
// IPv6 neighbour traffic meanwhile), and the ping must show.
func TestLinkStats64MatchesIP(t *testing.T) {
	lab := newLinkLab(t)
	before := ipLinks(t, lab.ns)
	rows := tableRows(t, linkStats64, lab.fd, nil, nil)
	after := ipLinks(t, lab.ns)
	// ip's stats64 keys, by direction, for our columns.
	keys := map[string][2]string{
		"rx_bytes": {"rx", "bytes"}, "rx_packets": {"rx", "packets"}, "rx_errors": {"rx", "errors"},
		"rx_dropped": {"rx", "dropped"}, "rx_over_errors": {"rx", "over_errors"}, "multicast": {"rx", "multicast"},
		"rx_length_errors": {"rx", "length_errors"}, "rx_crc_errors": {"rx", "crc_errors"},
		"rx_frame_errors": {"rx", "frame_errors"}, "rx_fifo_errors": {"rx", "fifo_errors"},
		"rx_missed_errors": {"rx", "missed_errors"}, "rx_compressed": {"rx", "compressed"}, "rx_nohandler": {"rx", "nohandler"},
		"tx_bytes": {"tx", "bytes"}, "tx_packets": {"tx", "packets"}, "tx_errors": {"tx", "errors"},
		"tx_dropped": {"tx", "dropped"}, "tx_carrier_errors": {"tx", "carrier_errors"}, "collisions": {"tx", "collisions"},
		"tx_aborted_errors": {"tx", "aborted_errors"}, "tx_fifo_errors": {"tx", "fifo_errors"},
		"tx_window_errors": {"tx", "window_errors"}, "tx_heartbeat_errors": {"tx", "heartbeat_errors"},
		"tx_compressed": {"tx", "compressed"},
	}
	stat := func(l map[string]any, dir, key string) (uint64, bool) {
		s, ok := l["stats64"].(map[string]any)
		if !ok {
			return 0, false
		}
		v, ok := s[dir].(map[string]any)[key].(float64)
		return uint64(v), ok
	}
	for _, r := range rows {
		name := r["interface"]
		for col, k := range keys {
			got, err := strconv.ParseUint(r[col], 10, 64)
			if err != nil {
				t.Errorf("%s %s = %q", name, col, r[col])
				continue
			}
			lo, ok1 := stat(before[name], k[0], k[1])
			hi, ok2 := stat(after[name], k[0], k[1])
			if !ok1 || !ok2 {
				// ip prints compressed and nohandler only when non-zero.
				if got != 0 && (k[1] == "compressed" || k[1] == "nohandler") {
					t.Errorf("%s %s = %d, ip prints none", name, col, got)
				}
				continue
			}
			if got < lo || got > hi {
				t.Errorf("%s %s = %d, ip read %d then %d", name, col, got, lo, hi)
			}
		}
		if r["rx_otherhost_dropped"] == "<null>" {
			t.Errorf("%s: rx_otherhost_dropped NULL on a %s kernel", name, "5.19+")
		}
	}
	var veth map[string]string
	for _, r := range rows {
		if r["interface"] == "veth0" {
			veth = r
		}
	}
	if n, _ := strconv.Atoi(veth["tx_packets"]); n < 3 {
		t.Errorf("veth0 tx_packets %s after 3 pings", veth["tx_packets"])
	}
}
