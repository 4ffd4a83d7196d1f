package tables

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// familiesHolder holds a bound NETLINK_ROUTE raw socket, a NETLINK_GENERIC
// dgram socket, and two packet sockets (SOCK_RAW ETH_P_ALL, SOCK_DGRAM ETH_P_IP).
const familiesHolder = `
import socket, sys, time
a = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); a.bind((0, 0))
b = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 16); b.bind((0, 0))
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
d = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x800))
print("ready", flush=True)
time.sleep(600)
`

// TestNetlinkSocketsNetlinkAndPacketMatchSS compares the netlink and packet
// rows of netlink_sockets with `ss -A netlink -aHn` and `ss -0 -aHne` in a
// namespace the test made: the same sockets (protocol and port id; packet
// inode), the same queues, and the holder's pid on its own sockets.
func TestNetlinkSocketsNetlinkAndPacketMatchSS(t *testing.T) {
	nstest.NeedTool(t, "ss", "python3")
	n := nstest.New(t)
	holder := strconv.Itoa(n.StartReady("python3", "-c", familiesHolder))
	ns := n.Open()

	// netlink: "UNCONN RQ WQ PROTO:PORTID *"; the dumping sockets of ss and of
	// this test (sock_diag with a port id) differ between the two and are left out.
	type nlSock struct{ RQ, WQ string }
	theirs := map[string]nlSock{}
	for line := range strings.Lines(n.Run("ss", "-A", "netlink", "-aHn")) {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		proto, port, _ := strings.Cut(f[3], ":")
		pn, err := strconv.Atoi(proto)
		if err != nil {
			t.Fatalf("ss line %q", line)
		}
		name := netlinkx.NetlinkProtocolName(uint8(pn))
		if name == "sock_diag" && port != "0" {
			continue
		}
		theirs[name+":"+port] = nlSock{f[1], f[2]}
	}
	ours := map[string]nlSock{}
	var holderRows []string
	for _, r := range tableRows(t, netlinkSockets, ns, eq("family", "netlink", "packet"), nil) {
		if r["pid"] == holder {
			holderRows = append(holderRows, r["family"]+"/"+r["protocol"]+"/"+r["type"])
		}
		if r["family"] != "netlink" || ownDiagSocket(r) {
			continue
		}
		ours[r["protocol"]+":"+r["local_port"]] = nlSock{r["rx_queue"], r["tx_queue"]}
	}
	if len(theirs) < 3 {
		t.Fatalf("ss lists only %d netlink sockets", len(theirs))
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("netlink sockets vs ss -A netlink -aHn (-ss +ours):\n%s", diff)
	}
	want := []string{"netlink/route/raw", "netlink/generic/dgram", "packet/all/raw", "packet/ip/dgram"}
	if diff := cmp.Diff(want, holderRows, cmpSorted); diff != "" {
		t.Errorf("the holder's sockets by pid (-want +got):\n%s", diff)
	}

	// packet: "p_raw UNCONN RQ WQ LOCAL * ino:INODE sk:..."
	type pktSock struct{ Type, RQ, WQ string }
	theirPkts := map[string]pktSock{}
	for line := range strings.Lines(n.Run("ss", "-0", "-aHne")) {
		f := strings.Fields(line)
		if len(f) < 7 || !strings.HasPrefix(f[6], "ino:") {
			continue
		}
		typ := map[string]string{"p_raw": "raw", "p_dgr": "dgram"}[f[0]]
		theirPkts[strings.TrimPrefix(f[6], "ino:")] = pktSock{typ, f[2], f[3]}
	}
	ourPkts := map[string]pktSock{}
	for _, r := range tableRows(t, netlinkSockets, ns, eq("family", "packet"), nil) {
		ourPkts[r["inode"]] = pktSock{r["type"], r["rx_queue"], r["tx_queue"]}
	}
	if len(theirPkts) != 2 {
		t.Errorf("ss -0 lists %d packet sockets, want the holder's 2", len(theirPkts))
	}
	if diff := cmp.Diff(theirPkts, ourPkts); diff != "" {
		t.Errorf("packet sockets vs ss -0 -aHne by inode (-ss +ours):\n%s", diff)
	}
}
