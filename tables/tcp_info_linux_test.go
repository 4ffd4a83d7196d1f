package tables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// parseSSInfo reads `ss -tuanieomOH` lines into the fields tcp_info shares
// with ss, keyed by cookie in decimal. ss leaves out counters that are 0.
func parseSSInfo(out string) map[string]map[string]string {
	rows := map[string]map[string]string{}
	skmem := []string{"r", "rmem_alloc", "rb", "rcvbuf", "t", "wmem_alloc", "tb", "sndbuf", "f", "fwd_alloc", "w", "wmem_queued", "o", "optmem", "bl", "backlog", "d", "drops"}
	for _, l := range ssInetLines(out) {
		if l.Fields[0] != "tcp" || l.Fields[1] == "TIME-WAIT" {
			continue
		}
		r := map[string]string{"bytes_acked": "0", "bytes_received": "0", "segs_out": "0", "segs_in": "0"}
		for k, v := range l.Opts {
			switch k {
			case "mss":
				r["snd_mss"] = v
			case "rcvmss":
				r["rcv_mss"] = v
			case "cwnd":
				r["snd_cwnd"] = v
			case "advmss", "pmtu", "bytes_acked", "bytes_received", "segs_out", "segs_in":
				r[k] = v
			case "skmem":
				for _, e := range strings.Split(strings.Trim(v, "()"), ",") {
					for i := 0; i < len(skmem); i += 2 {
						if n, ok := strings.CutPrefix(e, skmem[i]); ok && n != "" && n[0] >= '0' && n[0] <= '9' {
							r[skmem[i+1]] = n
						}
					}
				}
			}
		}
		for _, cc := range []string{"cubic", "bbr", "reno"} {
			if v, ok := l.Opts[cc]; ok && v == "" {
				r["congestion"] = cc
			}
		}
		rows[l.Cookie()] = r
	}
	return rows
}

func TestTCPInfoMatchesSS(t *testing.T) {
	nstest.NeedTool(t, "ss")
	ns, _ := startSocketHolder(t)
	cols := []string{"cookie", "state", "snd_mss", "rcv_mss", "snd_cwnd", "advmss", "pmtu", "bytes_acked", "bytes_received", "segs_out", "segs_in",
		"congestion", "rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc", "wmem_queued", "optmem", "backlog", "drops", "rtt_us", "shutdown"}
	rows := tableRows(t, tcpInfo, ns.Open(), nil, cols)
	theirs := parseSSInfo(ns.Run("ss", "-tuanieomOH"))
	ours := map[string]map[string]string{}
	for _, r := range rows {
		if r["state"] == "TIME_WAIT" {
			if r["rtt_us"] != "<null>" || r["congestion"] != "<null>" {
				t.Errorf("TIME_WAIT row has tcp_info: %v", r)
			}
			continue
		}
		if r["state"] == "FIN_WAIT2" && r["shutdown"] != "wr" || r["state"] == "CLOSE_WAIT" && r["shutdown"] != "rd" {
			t.Errorf("%s: shutdown %q", r["state"], r["shutdown"])
		}
		c := r["cookie"]
		for _, k := range []string{"cookie", "state", "rtt_us", "shutdown"} {
			delete(r, k)
		}
		ours[c] = r
	}
	// ss prints no mss, rcvmss, advmss or pmtu for a listener; compare only what it printed.
	for c, tr := range theirs {
		if or, ok := ours[c]; ok {
			for k := range or {
				if _, ok := tr[k]; !ok {
					delete(or, k)
				}
			}
		}
	}
	checkSS(t, "tcp_info vs ss -tuanieomOH, TCP sockets by cookie", 15, theirs, ours)
}

// TestTCPInfoExtensions checks that each column asks for its attribute only.
func TestTCPInfoExtensions(t *testing.T) {
	ns := nstest.New(t).Open()
	ext := func(used ...string) uint8 {
		var got uint8
		inetDumpHook = func(r netlinkx.InetDiagReq) { got |= r.Ext }
		defer func() { inetDumpHook = nil }()
		tableRows(t, tcpInfo, ns, nil, used)
		return got
	}
	bit := netlinkx.ExtBit
	tests := []struct {
		used []string
		want uint8
	}{
		{[]string{"cookie", "state"}, 0},
		{[]string{"rtt_us"}, bit(netlinkx.INET_DIAG_INFO)},
		{[]string{"congestion", "drops"}, bit(netlinkx.INET_DIAG_CONG) | bit(netlinkx.INET_DIAG_SKMEMINFO)},
		{[]string{"shutdown", "tos", "tclass", "mark", "cgroup_id"}, bit(netlinkx.INET_DIAG_SHUTDOWN) | bit(netlinkx.INET_DIAG_TOS) | bit(netlinkx.INET_DIAG_TCLASS)},
	}
	for _, tt := range tests {
		if got := ext(tt.used...); got != tt.want {
			t.Errorf("columns %v: idiag_ext %#x, want %#x", tt.used, got, tt.want)
		}
	}
}

// TestTCPInfoEveryValue is TestNetlinkSocketsEveryValue for tcp_info, whose
// dumps the same plan narrows.
func TestTCPInfoEveryValue(t *testing.T) {
	ns, _ := startMoreSockets(t)
	nsfd := ns.Open()
	used := []string{"cookie", "family", "local_address", "local_port", "remote_address", "remote_port", "state", "inode"}
	all, rowsFor := socketRows(t, tcpInfo, nsfd, used)
	if len(all) < 20 {
		t.Fatalf("only %d tcp_info rows", len(all))
	}
	seen := map[string]bool{}
	for _, r := range all {
		for _, cons := range []map[string][]Constraint{
			eq("family", r["family"]), eq("state", r["state"]), eq("local_port", r["local_port"]), eq("remote_port", r["remote_port"]),
			and(eq("state", r["state"]), eq("family", r["family"]), eq("local_port", r["local_port"]), eq("remote_port", r["remote_port"])),
		} {
			if k := fmt.Sprint(cons); !seen[k] {
				seen[k] = true
				checkKeeps(t, rowsFor(cons), tableRows(t, tcpInfo, nsfd, cons, used), cons, rowText)
			}
		}
	}
}
