# netlink_socket_events, conntrack_events, netlink_events and netlinkq_status
# (tables/*event*.go, tables/eventbuf.go, tables/netlinkq_status.go), the
# subscription sockets (netlinkx/events) and their decoders (netlinkx/*events*.go).
# bench-events frees TCP sockets in a namespace as fast as one goroutine can
# for a second per receive buffer size (root) and reports sockets/s, lost_pct
# (dropped by the kernel, counted), buffer_MiB, heap_MiB and query_ms_max
# (the slowest scheduled-style query during the storm).
FUZZTIME ?= 30s

.PHONY: bench-events fuzz-events
bench: bench-events
fuzz: fuzz-events

bench-events:
	$(GO) test -run '^$$' -bench '^BenchmarkEventStorm$$' -benchtime 1x ./tables

fuzz-events:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRtEvent$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCTEvent$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzSplit$$' -fuzztime $(FUZZTIME) ./netlinkx/events
