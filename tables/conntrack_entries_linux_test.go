package tables

import (
	"encoding/binary"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// ctRuleset makes the client namespace track connections (ct state) and
// rewrite some: TCP to port 7001 from 10.9.0.1 is SNATed to 10.9.0.2 with a
// new port, UDP from 10.9.0.1 is masqueraded to 10.9.0.2 (the address the
// route prefers), and TCP to 10.9.0.99:80 is DNATed to the server.
const ctRuleset = `
table inet filt {
	chain out {
		type filter hook output priority 0; policy accept;
		ct state established,related accept
	}
	chain in {
		type filter hook input priority 0; policy accept;
		ct state established,related accept
	}
}
table ip nat {
	chain out {
		type nat hook output priority -100;
		ip daddr 10.9.0.99 tcp dport 80 dnat to 10.9.0.9:7001
	}
	chain post {
		type nat hook postrouting priority 100;
		ip saddr 10.9.0.1 tcp dport 7001 snat to 10.9.0.2:41000-41010
		ip saddr 10.9.0.1 udp dport 7002 snat to 10.9.0.2
	}
}
`

// ctLab is a client namespace with the ruleset above and connections
// through it to a server namespace at 10.9.0.9 / fd09::9.
type ctLab struct {
	ns, peer *nstest.NS
	fd       netlinkx.NetNS
}

func newCTLab(t *testing.T) *ctLab {
	t.Helper()
	nstest.NeedTool(t, "nft", "conntrack")
	ns, peer := nstest.NewPair(t, noDAD...)
	lab := &ctLab{ns: ns, peer: peer}
	ns.Up("veth0", "10.9.0.1/24", "10.9.0.2/24", "fd09::1/64")
	peer.Up("veth1", "10.9.0.9/24", "fd09::9/64")
	loadRuleset(ns, ctRuleset)
	lab.fd = ns.Open()

	// One entry made while accounting is off: its counters are NULL. Two
	// more with a mark and a zone for the push-down tests.
	ns.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=0")
	ns.Run("conntrack", "-I", "-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.2", "--sport", "5000", "--dport", "53", "-t", "600")
	ns.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
	ns.Run("conntrack", "-I", "-p", "tcp", "-s", "192.0.2.1", "-d", "192.0.2.3", "--sport", "5001", "--dport", "443",
		"-t", "600", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-m", "7")
	ns.Run("conntrack", "-I", "-p", "udp", "-s", "192.0.2.1", "-d", "192.0.2.4", "--sport", "5002", "--dport", "123", "-t", "600", "-w", "3")

	peerFD := peer.Open()
	lab.serve(t, peerFD)
	lab.traffic(t)
	return lab
}

// serve runs a TCP and a UDP echo server on port 7001/7002 (IPv4 and IPv6)
// in the server namespace until the test ends.
func (lab *ctLab) serve(t *testing.T, peerFD netlinkx.NetNS) {
	t.Helper()
	var ln net.Listener
	var pc net.PacketConn
	err := peerFD.Do(func() error {
		var err error
		if ln, err = net.Listen("tcp", ":7001"); err != nil {
			return err
		}
		pc, err = net.ListenPacket("udp", ":7002")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); pc.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() {
				buf := make([]byte, 100)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					_, _ = c.Write(buf[:n])
				}
			}()
		}
	}()
	go func() {
		buf := make([]byte, 100)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(buf[:n], from)
		}
	}()
}

// traffic opens connections from the client namespace and keeps the TCP
// ones open (ESTABLISHED) until the test ends: TCP and UDP over IPv4
// (SNAT) and IPv6, TCP to a DNAT address, and an ICMP and ICMPv6 echo.
func (lab *ctLab) traffic(t *testing.T) {
	t.Helper()
	echo := func(c net.Conn) error {
		if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			return err
		}
		if _, err := c.Write([]byte("hello")); err != nil {
			return err
		}
		_, err := c.Read(make([]byte, 10))
		return err
	}
	dial := func(network, local, remote string) error {
		d := net.Dialer{Timeout: 5 * time.Second}
		if local != "" {
			var err error
			if network == "udp" {
				d.LocalAddr, err = net.ResolveUDPAddr(network, local)
			} else {
				d.LocalAddr, err = net.ResolveTCPAddr(network, local)
			}
			if err != nil {
				return err
			}
		}
		c, err := d.Dial(network, remote)
		if err != nil {
			return err
		}
		t.Cleanup(func() { c.Close() })
		return echo(c)
	}
	err := lab.fd.Do(func() error {
		for _, c := range [][3]string{
			{"tcp", "10.9.0.1:0", "10.9.0.9:7001"},
			{"tcp", "10.9.0.1:0", "10.9.0.99:80"},
			{"tcp", "", "[fd09::9]:7001"},
			{"udp", "10.9.0.1:0", "10.9.0.9:7002"},
			{"udp", "", "[fd09::9]:7002"},
		} {
			if err := dial(c[0], c[1], c[2]); err != nil {
				return err
			}
		}
		if err := ping(t, "ip4:icmp", "10.9.0.9", 8); err != nil {
			return err
		}
		return ping(t, "ip6:ipv6-icmp", "fd09::9", 128)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ping sends one echo request (ICMP type typ) to addr on a raw socket and
// waits for the reply. The kernel fills in the ICMPv6 checksum.
func ping(t *testing.T, network, addr string, typ byte) error {
	c, err := net.ListenPacket(network, "")
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{typ, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'}
	if typ == 8 {
		var sum uint32
		for i := 0; i < len(msg); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(msg[i:]))
		}
		sum = sum>>16 + sum&0xffff
		sum += sum >> 16
		binary.BigEndian.PutUint16(msg[2:], ^uint16(sum))
	}
	if _, err := c.WriteTo(msg, &net.IPAddr{IP: net.ParseIP(addr)}); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	buf := make([]byte, 200)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		if n > 0 && (buf[0] == 0 || buf[0] == 129) { // echo reply
			return nil
		}
	}
}

// conntrackLines is `conntrack -L -o extended,id` (IPv4 and IPv6) in ns,
// one line per entry, fields single-spaced, the timeout (5th field) dropped:
// it counts down between their read and ours.
func conntrackLines(t *testing.T, ns *nstest.NS) []string {
	var out []string
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, f := range toolRows(ns.Run("conntrack", "-L", "-f", fam, "-o", "extended,id"), 5) {
			out = append(out, strings.Join(slices.Delete(f, 4, 5), " "))
		}
	}
	return out
}

// conntrackLine renders a conntrack_entries row as conntrack -L -o
// extended,id prints it (libnetfilter_conntrack's snprintf_default.c),
// without the timeout.
func conntrackLine(r map[string]string) string {
	f := []string{map[string]string{"inet": "ipv4 2", "inet6": "ipv6 10"}[r["family"]], r["protocol"], r["protocol_number"]}
	if r["state"] != "<null>" {
		f = append(f, r["state"])
	}
	tuple := func(dir string) {
		f = append(f, "src="+r[dir+"_src"], "dst="+r[dir+"_dst"])
		if r[dir+"_sport"] != "<null>" {
			f = append(f, "sport="+r[dir+"_sport"], "dport="+r[dir+"_dport"])
		}
		if r[dir+"_icmp_type"] != "<null>" {
			f = append(f, "type="+r[dir+"_icmp_type"], "code="+r[dir+"_icmp_code"], "id="+r[dir+"_icmp_id"])
		}
		if r[dir+"_packets"] != "<null>" {
			f = append(f, "packets="+r[dir+"_packets"], "bytes="+r[dir+"_bytes"])
		}
	}
	status := strings.Split(r["status"], ",")
	tuple("orig")
	if !slices.Contains(status, "SEEN_REPLY") {
		f = append(f, "[UNREPLIED]")
	}
	tuple("reply")
	if slices.Contains(status, "ASSURED") {
		f = append(f, "[ASSURED]")
	}
	f = append(f, "mark="+r["mark"])
	if r["zone"] != "0" {
		f = append(f, "zone="+r["zone"])
	}
	if r["helper"] != "<null>" {
		f = append(f, "helper="+r["helper"])
	}
	f = append(f, "use="+r["use"], "id="+r["id"])
	return strings.Join(f, " ")
}

func TestConntrackEntriesMatchesConntrack(t *testing.T) {
	lab := newCTLab(t)
	rows := tableRows(t, conntrackEntries, lab.fd, nil, nil)
	var got []string
	for _, r := range rows {
		got = append(got, conntrackLine(r))
	}
	want := conntrackLines(t, lab.ns)
	checkLines(t, want, got, "(-conntrack -L -o extended,id +conntrack_entries)")

	// What conntrack -L does not spell out: NAT as the tuples' difference,
	// the status bits, and NULL counters for the entry made without acct.
	cols := []string{"protocol", "orig_src", "orig_dst", "orig_dport", "nat_src", "nat_dst", "nat_dport", "status"}
	var nat []string
	for _, r := range rows {
		var cells []string
		for _, c := range cols {
			cells = append(cells, r[c])
		}
		if r["nat_sport"] != "<null>" {
			if p := r["nat_sport"]; p < "41000" || p > "41010" {
				t.Errorf("nat_sport %s outside the snat range 41000-41010", p)
			}
		}
		nat = append(nat, strings.Join(cells, " "))
		if r["orig_dst"] == "192.0.2.2" && r["orig_packets"] != "<null>" {
			t.Errorf("entry made with nf_conntrack_acct=0 has orig_packets %s, want NULL", r["orig_packets"])
		}
	}
	for _, must := range []string{
		"tcp 10.9.0.1 10.9.0.9 7001 10.9.0.2 <null> <null> SEEN_REPLY,ASSURED,CONFIRMED,SRC_NAT,SRC_NAT_DONE,DST_NAT_DONE",
		"tcp 10.9.0.1 10.9.0.99 80 10.9.0.2 10.9.0.9 7001 SEEN_REPLY,ASSURED,CONFIRMED,SRC_NAT,DST_NAT,SRC_NAT_DONE,DST_NAT_DONE",
		"udp 10.9.0.1 10.9.0.9 7002 10.9.0.2 <null> <null> SEEN_REPLY,CONFIRMED,SRC_NAT,SRC_NAT_DONE,DST_NAT_DONE",
		"tcp fd09::1 fd09::9 7001 <null> <null> <null> SEEN_REPLY,ASSURED,CONFIRMED",
		"icmp 10.9.0.1 10.9.0.9 <null> <null> <null> <null> SEEN_REPLY,CONFIRMED,SRC_NAT_DONE,DST_NAT_DONE",
		"icmpv6 fd09::1 fd09::9 <null> <null> <null> <null> SEEN_REPLY,CONFIRMED", // no ip6 nat table: no NAT_DONE bits,
	} {
		if !slices.Contains(nat, must) {
			t.Errorf("no row %q (columns %v) in:\n%s", must, cols, strings.Join(nat, "\n"))
		}
	}
}

// TestConntrackEntriesPushDown checks that family, mark and zone reach the
// kernel: the rows Generate returns already match, before SQLite's check.
func TestConntrackEntriesPushDown(t *testing.T) {
	lab := newCTLab(t)
	all := len(tableRows(t, conntrackEntries, lab.fd, nil, []string{"id"}))
	tests := []struct {
		name string
		cons map[string][]Constraint
		want int // rows, or -1 for "some, all matching"
	}{
		{"inet6", eq("family", "inet6"), 3},
		{"inet and inet6", eq("family", "inet", "inet6"), all},
		{"mark 7", eq("mark", "7"), 1},
		{"zone 3", eq("zone", "3"), 1},
		{"no family", eq("family", "ipx"), 0},
		{"mark out of range", eq("mark", "-1"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := tableRows(t, conntrackEntries, lab.fd, tt.cons, []string{"family", "mark", "zone"})
			for _, r := range rows {
				if !matches(r, tt.cons) {
					t.Errorf("row %v does not match %v: the kernel should have skipped it", r, tt.cons)
				}
			}
			if len(rows) != tt.want {
				t.Errorf("%d rows, want %d", len(rows), tt.want)
			}
		})
	}
}

func TestIPConntrackStat(t *testing.T) {
	lab := newCTLab(t)
	rows := tableRows(t, ipConntrackStat, lab.fd, nil, nil)
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	want := strings.TrimSpace(lab.ns.Run("cat", "/proc/sys/net/netfilter/nf_conntrack_count"))
	for _, r := range rows {
		if r["count"] != want {
			t.Errorf("cpu %s: count %s, want %s (nf_conntrack_count)", r["cpu"], r["count"], want)
		}
	}
	// conntrack -S prints one line per CPU: cpu=N found=... invalid=...
	var cpus []string
	for l := range strings.SplitSeq(lab.ns.Run("conntrack", "-S"), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "cpu=") {
			cpus = append(cpus, strings.TrimPrefix(f[0], "cpu="))
		}
	}
	var got []string
	for _, r := range rows {
		got = append(got, r["cpu"])
	}
	checkLines(t, cpus, got, "cpus (-conntrack -S +ip_conntrack_stat)")
}
