package tables

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

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
						err := netlinkSocketEvents.Run(context.Background(), q, func(cells []Value) error {
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
