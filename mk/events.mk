# netlink_socket_events, conntrack_events, netlink_events and netlinkq_status
# (tables/*event*.go, tables/eventbuf.go, tables/netlinkq_status.go), the
# subscription sockets (netlinkx/events) and their decoders (netlinkx/*events*.go).
# bench-events frees TCP sockets in a namespace as fast as one goroutine can
# for a second per receive buffer size (root) and reports sockets/s, lost_pct
# (dropped by the kernel, counted), buffer_MiB, heap_MiB and query_ms_max
# (the slowest scheduled-style query during the storm).
BENCH_events := -bench '^BenchmarkEventStorm$$' -benchtime 1x ./tables
FUZZ_events := FuzzDecodeRtEvent FuzzDecodeCTEvent netlinkx/events/FuzzSplit
bench: bench-events
fuzz: fuzz-events
