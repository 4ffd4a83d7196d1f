package tables

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// clientPorts makes count TCP exchanges on 127.0.0.1 in ns and returns the
// clients' ports.
func clientPorts(t *testing.T, ns netlinkx.NetNS, count int) []string {
	var ports []string
	for range count {
		c, _ := exchange(t, ns, "tcp4", "127.0.0.1:0", 10, 10)
		ports = append(ports, strconv.Itoa(c))
	}
	return ports
}

// bufferedPorts makes count TCP exchanges on 127.0.0.1 in ns, where
// netlink_socket_events is subscribed, and waits until their rows are
// buffered after eid since; it returns the clients' ports.
func bufferedPorts(t *testing.T, ns netlinkx.NetNS, since uint64, count int) []string {
	t.Helper()
	ports := clientPorts(t, ns, count)
	waitPorts(t, ns, since, ports)
	return ports
}

// eventsNS is a new namespace with netlink_socket_events subscribed and
// count TCP exchanges buffered: it returns the namespace opened, the eid
// before them and the clients' ports.
func eventsNS(t *testing.T, count int) (ns netlinkx.NetNS, start uint64, ports []string) {
	t.Helper()
	ns = nstest.New(t).Open()
	start = subscribed(t, netlinkSocketEvents, ns)
	return ns, start, bufferedPorts(t, ns, start, count)
}

// checkOnce checks that rows hold one row for each client port of want and
// none for the other ports of all.
func checkOnce(t *testing.T, what string, rows []map[string]string, want, all []string) {
	t.Helper()
	checkSame(t, ones(want), portCounts(rows, all), "%s (-want +got)", what)
}

// clientRows counts rows by client port (local_port, remote_port 0 rows
// are the listeners and server sides, left out by the caller's ports).
func portCounts(rows []map[string]string, ports []string) map[string]int {
	want := map[string]bool{}
	for _, p := range ports {
		want[p] = true
	}
	got := map[string]int{}
	for _, r := range rows {
		if want[r["local_port"]] && r["protocol"] == "tcp" {
			got[r["local_port"]]++
		}
	}
	return got
}

func ones(ports []string) map[string]int {
	m := map[string]int{}
	for _, p := range ports {
		m[p] = 1
	}
	return m
}

// waitPorts waits until every client port of ports has its row after eid last.
func waitPorts(t *testing.T, ns netlinkx.NetNS, last uint64, ports []string) {
	t.Helper()
	nstest.Eventually(t, func() error {
		got := portCounts(eventRows(t, netlinkSocketEvents, ns, after(last)), ports)
		if len(got) != len(ports) {
			return fmt.Errorf("%d of %d client sockets buffered", len(got), len(ports))
		}
		return nil
	})
}

// TestEventsScheduledLoop runs two scheduled-style queries, the second
// with `eid > <the first's last eid>`: each socket is seen once.
func TestEventsScheduledLoop(t *testing.T) {
	ns, start, first := eventsNS(t, 3)
	rows1 := eventRows(t, netlinkSocketEvents, ns, after(start))
	last := lastEID(t, rows1)
	second := bufferedPorts(t, ns, last, 3)
	rows2 := eventRows(t, netlinkSocketEvents, ns, after(last))
	all := append(append([]string(nil), first...), second...)
	checkOnce(t, "first query", rows1, first, all)
	checkOnce(t, fmt.Sprintf("second query, eid > %d", last), rows2, second, all)
	for _, r := range rows2 {
		if eid, _ := strconv.ParseUint(r[colEID], 10, 64); eid <= last {
			t.Errorf("eid > %d returned eid %d", last, eid)
		}
	}
}

// TestEventsTimeConstraint: `time > N` returns only rows after second N,
// from Generate itself (no SQLite re-check at this level).
func TestEventsTimeConstraint(t *testing.T) {
	ns, start, before := eventsNS(t, 2)
	var secN int64
	for _, r := range eventRows(t, netlinkSocketEvents, ns, after(start)) {
		v, _ := strconv.ParseInt(r[colTime], 10, 64)
		secN = max(secN, v)
	}
	for time.Now().Unix() <= secN {
		time.Sleep(20 * time.Millisecond) // into the next second: not an assertion on time
	}
	later := bufferedPorts(t, ns, start, 2)
	rows := eventRows(t, netlinkSocketEvents, ns, map[string][]Constraint{colTime: {{Op: OpGreater, Expr: itoa(secN)}}})
	for _, r := range rows {
		if v, _ := strconv.ParseInt(r[colTime], 10, 64); v <= secN {
			t.Errorf("time > %d returned a row of time %d", secN, v)
		}
	}
	checkOnce(t, fmt.Sprintf("time > %d", secN), rows, later, append(append([]string(nil), before...), later...))
}

// TestFollow: Follow hands over what is buffered, then each new row as
// it comes, and returns nil when its context ends.
func TestFollow(t *testing.T) {
	ns, start, buffered := eventsNS(t, 1)

	spec := netlinkSocketEvents.Spec()
	q := NewQuery(spec, after(start), nil)
	q.NetNS = ns
	ctx, cancel := context.WithCancel(t.Context())
	rows := make(chan map[string]string, 100)
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, "netlink_socket_events", q, func(cells []Value) error {
			row := map[string]string{}
			for i, c := range spec.Columns {
				row[c.Name] = cells[i].String()
			}
			rows <- row
			return nil
		})
	}()
	seen := map[string]int{}
	expect := func(ports []string) {
		t.Helper()
		for {
			all := true
			for _, p := range ports {
				all = all && seen[p] > 0
			}
			if all {
				return
			}
			select {
			case r := <-rows:
				if r["protocol"] == "tcp" {
					seen[r["local_port"]]++
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("follow: no row for ports %v; seen %v", ports, seen)
			}
		}
	}
	expect(buffered)
	later := clientPorts(t, ns, 2)
	expect(later)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Follow: %v", err)
	}
	for _, p := range append(buffered, later...) {
		if seen[p] != 1 {
			t.Errorf("port %s followed %d times, want 1", p, seen[p])
		}
	}
}

// TestNetlinkqStatus: a subscribed namespace has its row, with the events seen.
func TestNetlinkqStatus(t *testing.T) {
	ns, _, _ := eventsNS(t, 1)
	ino, err := ns.Inode()
	if err != nil {
		t.Fatal(err)
	}
	got := matching(eventRows(t, netlinkqStatus, netlinkx.Own, nil), map[string]string{
		"kind": "events", "name": "netlink_socket_events", "ns_inode": utoa(ino), "running": "1"})
	if len(got) != 1 {
		t.Fatalf("%d status rows for the namespace, want 1", len(got))
	}
	if seen, _ := strconv.Atoi(got[0]["seen"]); seen < 1 {
		t.Errorf("seen %q, want at least 1: %v", got[0]["seen"], got[0])
	}
	if got[0]["memory_bytes"] == "0" || got[0]["lost"] != "0" {
		t.Errorf("memory_bytes %q lost %q: %v", got[0]["memory_bytes"], got[0]["lost"], got[0])
	}
}

// storm opens and closes (RST, no TIME_WAIT) TCP connections on
// 127.0.0.1 in ns for d and returns how many sockets it freed: every client
// socket, every socket accepted, and the listener. Clients use raw system
// calls, as Go's dialer may open a second socket for one Dial; a last
// connection from a known port, once accepted, shows that every earlier one
// was (the accept queue is in order), so none is freed unaccepted.
func storm(tb testing.TB, ns netlinkx.NetNS, d time.Duration) int {
	var clients, accepted int
	err := ns.Do(func() error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		var last atomic.Int64
		lastAccepted := make(chan int, 1)
		go func() {
			n := 0
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				n++
				port := c.RemoteAddr().(*net.TCPAddr).Port
				_ = c.(*net.TCPConn).SetLinger(0)
				c.Close()
				if int64(port) == last.Load() {
					lastAccepted <- n
					return
				}
			}
		}()
		linger := &unix.Linger{Onoff: 1, Linger: 0}
		sa := &unix.SockaddrInet4{Port: ln.Addr().(*net.TCPAddr).Port, Addr: [4]byte{127, 0, 0, 1}}
		connect := func(final bool) error {
			fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return err
			}
			clients++
			defer unix.Close(fd)
			_ = unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, linger)
			if final {
				if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
					return err
				}
				local, err := unix.Getsockname(fd)
				if err != nil {
					return err
				}
				last.Store(int64(local.(*unix.SockaddrInet4).Port))
				return unix.Connect(fd, sa)
			}
			_ = unix.Connect(fd, sa) // ECONNRESET, EADDRNOTAVAIL: the socket is freed all the same
			return nil
		}
		for end := time.Now().Add(d); time.Now().Before(end); {
			if err := connect(false); err != nil {
				return err
			}
		}
		if err := connect(true); err != nil {
			return err
		}
		accepted = <-lastAccepted
		return nil
	})
	if err != nil {
		tb.Fatalf("storm: %v", err)
	}
	return clients + accepted + 1
}

// warmUp makes Go's net package probe the IP stack (it opens and closes
// three sockets, once a process) before a subscription could count them.
func warmUp(tb testing.TB, ns netlinkx.NetNS) {
	err := ns.Do(func() error {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return err
		}
		return ln.Close()
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// stormStatus is the status row of the socket events of ns.
func stormStatus(tb testing.TB, ns netlinkx.NetNS) map[string]string {
	ino, err := ns.Inode()
	if err != nil {
		tb.Fatal(err)
	}
	got := matching(eventRows(tb, netlinkqStatus, netlinkx.Own, nil), map[string]string{
		"kind": "events", "name": "netlink_socket_events", "ns_inode": utoa(ino)})
	if len(got) != 1 {
		tb.Fatalf("%d status rows, want 1", len(got))
	}
	return got[0]
}

// smallBuffers configures small event buffers for the test's new
// subscriptions, and the defaults again after.
func smallBuffers(tb testing.TB, cfg EventsConfig) {
	if err := ConfigureEvents(cfg); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ConfigureEvents(DefaultEventsConfig()) })
}

// TestEventStorm frees sockets as fast as one goroutine can for a second
// into a subscription with a small receive buffer and a 1000-event ring:
// the buffer stays within its bounds, and every freed socket is either
// seen or counted lost (sk_drops), with the loss in a row of its own.
func TestEventStorm(t *testing.T) {
	n := nstest.New(t)
	cfg := DefaultEventsConfig()
	cfg.MaxEvents, cfg.MaxBytes, cfg.ReceiveBuffer = 1000, 1<<20, 64<<10
	smallBuffers(t, cfg)
	ns := n.Open()
	warmUp(t, ns)
	subscribed(t, netlinkSocketEvents, ns)
	// The kernel frees warmUp's sockets, and tells of it, a little later
	// (after an RCU grace period): what it reports by then is not the
	// storm's.
	time.Sleep(200 * time.Millisecond)
	counted := func(st map[string]string) int {
		seen, _ := strconv.Atoi(st["seen"])
		lost, _ := strconv.Atoi(st["lost"])
		return seen + lost
	}
	before := counted(stormStatus(t, ns))
	freed := storm(t, ns, time.Second)
	var st map[string]string
	nstest.Eventually(t, func() error {
		st = stormStatus(t, ns)
		if n := counted(st) - before; n != freed {
			return fmt.Errorf("seen %s + lost %s - %d before the storm = %d, want the %d sockets freed", st["seen"], st["lost"], before, n, freed)
		}
		return nil
	})
	t.Logf("%d sockets freed: %v", freed, st)
	if b, _ := strconv.Atoi(st["buffered"]); b > cfg.MaxEvents {
		t.Errorf("buffered %d > max_events %d", b, cfg.MaxEvents)
	}
	if m, _ := strconv.ParseInt(st["memory_bytes"], 10, 64); m > cfg.MaxBytes+int64(cfg.MaxEvents)*64 {
		t.Errorf("memory_bytes %d over the bound", m)
	}
	// Loss rows still buffered (the ring may have moved past them) add up
	// to no more than was lost.
	var dropped int
	for _, r := range eventRows(t, netlinkSocketEvents, ns, nil) {
		v, _ := strconv.Atoi(r["dropped"])
		dropped += v
	}
	if lost, _ := strconv.Atoi(st["lost"]); dropped > lost {
		t.Errorf("loss rows say %d dropped, status %d", dropped, lost)
	}
}

// TestEventsTwoNamespaces reads two namespaces' buffers in one query
// (netns IN (a, b)): each row comes from its own namespace's subscription.
func TestEventsTwoNamespaces(t *testing.T) {
	a, b := nstest.New(t), nstest.New(t)
	nsA, nsB := a.Open(), b.Open()
	start := min(subscribed(t, netlinkSocketEvents, nsA), subscribed(t, netlinkSocketEvents, nsB))
	portA, portB := clientPorts(t, nsA, 1), clientPorts(t, nsB, 1)
	waitPorts(t, nsA, start, portA)
	waitPorts(t, nsB, start, portB)
	cons := after(start)
	cons[colNetNS] = []Constraint{{Op: OpEquals, Expr: a.Name}, {Op: OpEquals, Expr: b.Name}}
	rows := eventRows(t, netlinkSocketEvents, netlinkx.Own, cons)
	got := map[string]string{}
	for _, r := range rows {
		if r["protocol"] == "tcp" && (r["local_port"] == portA[0] || r["local_port"] == portB[0]) {
			got[r["local_port"]] = r[colNetNS]
		}
	}
	want := map[string]string{portA[0]: a.Name, portB[0]: b.Name}
	if portA[0] == portB[0] {
		t.Skip("both namespaces picked the same port")
	}
	checkSame(t, want, got, "client port → netns (-want +got)")
}

// BenchmarkEventStorm frees TCP sockets in a namespace as fast as one
// goroutine can for a second while scheduled-style queries (`eid > last`)
// read netlink_socket_events, for three receive buffers. It reports the
// sockets freed per second, the share the kernel dropped (counted, in
// lost_pct), the buffer's estimated memory and the heap in use after a GC
// (the whole test process), and the slowest query during the storm (a
// Run reading the eid column of the new rows): the figures behind the documented
// memory bound (max_bytes per stream and namespace) and "no event table
// blocks a generate call".
func BenchmarkEventStorm(b *testing.B) {
	for _, rcvbuf := range []int{64 << 10, 256 << 10, 4 << 20} {
		b.Run(fmt.Sprintf("rcvbuf=%dKiB", rcvbuf>>10), func(b *testing.B) {
			cfg := DefaultEventsConfig()
			cfg.ReceiveBuffer = rcvbuf
			smallBuffers(b, cfg)
			var freed, seen, lost, memBytes int64
			var slowest time.Duration
			var heap uint64
			spec := netlinkSocketEvents.Spec()
			eidCol := spec.Index(colEID)
			for b.Loop() {
				n := nstest.New(b)
				ns := n.Open()
				warmUp(b, ns)
				last := subscribed(b, netlinkSocketEvents, ns)
				var stop atomic.Bool
				done := make(chan struct{})
				go func() {
					defer close(done)
					for !stop.Load() {
						t0 := time.Now()
						q := NewQuery(spec, after(last), []string{colEID})
						q.NetNS = ns
						err := netlinkSocketEvents.Run(b.Context(), q, func(cells []Value) error {
							last = max(last, uint64(cells[eidCol].Int))
							return nil
						})
						if err != nil {
							b.Error(err)
							return
						}
						slowest = max(slowest, time.Since(t0))
						time.Sleep(10 * time.Millisecond)
					}
				}()
				freed += int64(storm(b, ns, time.Second))
				stop.Store(true)
				<-done
				deadline := time.Now().Add(5 * time.Second)
				for {
					st := stormStatus(b, ns)
					s, _ := strconv.ParseInt(st["seen"], 10, 64)
					l, _ := strconv.ParseInt(st["lost"], 10, 64)
					m, _ := strconv.ParseInt(st["memory_bytes"], 10, 64)
					if s+l >= freed || time.Now().After(deadline) {
						seen, lost, memBytes = seen+s, lost+l, max(memBytes, m)
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				heap = max(heap, ms.HeapInuse)
			}
			b.ReportMetric(float64(freed)/float64(b.N), "sockets/s")
			b.ReportMetric(100*float64(lost)/float64(max(seen+lost, 1)), "lost_pct")
			b.ReportMetric(float64(memBytes)/(1<<20), "buffer_MiB")
			b.ReportMetric(float64(heap)/(1<<20), "heap_MiB")
			b.ReportMetric(float64(slowest.Microseconds())/1000, "query_ms_max")
		})
	}
}
