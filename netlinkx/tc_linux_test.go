package netlinkx_test

import (
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// tcLine is a decoded RTM_NEWQDISC or RTM_NEWTCLASS on one line.
func tcLine(m *netlinkx.TcMessage) string {
	var l line
	l.add("if=%d kind=%s handle=%s qdisc=%s parent=%s info=%d", m.Ifindex, m.Kind, netlinkx.TcHandle(m.Handle),
		netlinkx.QdiscHandle(m.Handle), netlinkx.TcHandle(m.Parent), m.Info)
	l.opt(m.HasBasic, " bytes=%d packets=%d", m.Basic.Bytes, m.Basic.Packets)
	q := m.Queue
	l.opt(m.HasQueue, " qlen=%d backlog=%d drops=%d requeues=%d overlimits=%d", q.Qlen, q.Backlog, q.Drops, q.Requeues, q.Overlimits)
	l.opt(m.Rate != 0 || m.Ceil != 0, " rate=%d ceil=%d", m.Rate, m.Ceil)
	l.opt(m.HasLimit, " limit=%d", m.Limit)
	return l.String()
}

// TestTcMessageTestdata decodes each recorded qdisc and class and compares
// it with the line decoded at recording time (the .txt keeps tc's output).
func TestTcMessageTestdata(t *testing.T) {
	checkRecordedLines(t, "tc", 4, tcLine)
}

// tcmsg builds an RTM_NEWQDISC payload.
func tcmsg(index int32, handle, parent uint32, attrs ...[]byte) []byte {
	return withAttrs(cat(make([]byte, 4), u32(uint32(index), handle, parent, 1)), attrs...)
}

func TestTcMessageUnmarshal(t *testing.T) {
	basic := append(u64(1000), u32(10)...)
	basic = append(basic, 0, 0, 0, 0) // the kernel pads gnet_stats_basic to 16
	queue := cat(u32(1), u32(100), u32(2), u32(3), u32(4))
	old := cat(u64(5000), u32(50), u32(5), u32(6), u32(0), u32(0), u32(7), u32(700), u32(0))
	ratespec := func(rate uint32) []byte { return append(make([]byte, 8), u32(rate)...) }
	htbOpt := cat(ratespec(625000), ratespec(1250000), make([]byte, 20))
	tbfOpt := cat(ratespec(125000), ratespec(0), u32(30000), u32(0), u32(0))
	checkLineCases(t, tcLine, []lineCase{
		{name: "short", b: make([]byte, 19), wantErr: "tcmsg: 19 bytes"},
		{name: "short basic", b: tcmsg(2, 1<<16, netlinkx.TC_H_ROOT, attr(unix.TCA_STATS2, attr(netlinkx.TCA_STATS_BASIC, basic[:8]...)...)), wantErr: "TCA_STATS_BASIC: 8 bytes"},
		{name: "short queue", b: tcmsg(2, 1<<16, netlinkx.TC_H_ROOT, attr(unix.TCA_STATS2, attr(netlinkx.TCA_STATS_QUEUE, queue[:16]...)...)), wantErr: "TCA_STATS_QUEUE: 16 bytes"},
		{name: "short old stats", b: tcmsg(2, 1<<16, netlinkx.TC_H_ROOT, attr(unix.TCA_STATS, old[:20]...)), wantErr: "TCA_STATS: 20 bytes"},
		{name: "short htb opt", b: tcmsg(2, 1<<16|10, 1<<16|1, attr(unix.TCA_KIND, []byte("htb\x00")...), attr(unix.TCA_OPTIONS, attr(netlinkx.TCA_HTB_PARMS, htbOpt[:30]...)...)), wantErr: "tc_htb_opt: 30 bytes"},
		{name: "short fifo opt", b: tcmsg(2, 1<<16, netlinkx.TC_H_ROOT, attr(unix.TCA_KIND, []byte("pfifo\x00")...), attr(unix.TCA_OPTIONS, []byte{}...)), wantErr: "tc_fifo_qopt: 0 bytes, want 4"},
		{name: "stats2 wins over stats, pkt64 over packets", b: tcmsg(2, 1<<16, netlinkx.TC_H_ROOT, attr(unix.TCA_KIND, []byte("pfifo\x00")...),
			attr(unix.TCA_OPTIONS, u32(50)...),
			attr(unix.TCA_STATS2, cat(attr(netlinkx.TCA_STATS_BASIC, basic...), attr(netlinkx.TCA_STATS_QUEUE, queue...), attr(netlinkx.TCA_STATS_PKT64, u64(1<<33)...))...),
			attr(unix.TCA_STATS, old...)),
			want: "if=2 kind=pfifo handle=1: qdisc=1: parent=root info=1 bytes=1000 packets=8589934592 qlen=1 backlog=100 drops=2 requeues=3 overlimits=4 limit=50"},
		{name: "old stats only", b: tcmsg(3, 0xFFFF<<16, netlinkx.TC_H_INGRESS, attr(unix.TCA_KIND, []byte("ingress\x00")...), attr(unix.TCA_STATS, old...)),
			want: "if=3 kind=ingress handle=ffff: qdisc=ffff: parent=ffff:fff1 info=1 bytes=5000 packets=50 qlen=7 backlog=700 drops=5 requeues=0 overlimits=6"},
		{name: "htb class with 64-bit rate", b: tcmsg(2, 1<<16|0x10, 1<<16|1, attr(unix.TCA_KIND, []byte("htb\x00")...),
			attr(unix.TCA_OPTIONS, cat(attr(netlinkx.TCA_HTB_PARMS, htbOpt...), attr(netlinkx.TCA_HTB_RATE64, u64(1<<34)...))...)),
			want: "if=2 kind=htb handle=1:10 qdisc=1: parent=1:1 info=1 rate=17179869184 ceil=1250000"},
		{name: "tbf", b: tcmsg(2, 0x20<<16, 1<<16|0x20, attr(unix.TCA_KIND, []byte("tbf\x00")...), attr(unix.TCA_OPTIONS, attr(netlinkx.TCA_TBF_PARMS, tbfOpt...)...)),
			want: "if=2 kind=tbf handle=20: qdisc=20: parent=1:20 info=1 rate=125000 ceil=0 limit=30000"},
		{name: "noqueue", b: tcmsg(1, 0, netlinkx.TC_H_ROOT, attr(unix.TCA_KIND, []byte("noqueue\x00")...)),
			want: "if=1 kind=noqueue handle=none qdisc=0: parent=root info=1"},
		{name: "minor only", b: tcmsg(1, 5, 0, attr(unix.TCA_KIND, []byte("mq\x00")...)),
			want: "if=1 kind=mq handle=:5 qdisc=0: parent=none info=1"},
	})
}

func FuzzTcMessage(f *testing.F) {
	fuzzLine[netlinkx.TcMessage](f, "tc", tcLine)
}
