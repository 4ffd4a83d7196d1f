# netlink_neighbors, netlink_qdiscs, netlink_tclasses (tables/netlink_neighbors_linux.go,
# tables/netlink_qdiscs_linux.go) and their decoders (netlinkx/neigh*.go, netlinkx/tc*.go).
# bench-neigh fills a namespace with 1,000 then 10,000 permanent neighbours (root)
# and reports x_ip: our table's time over `ip -s -j neigh show`'s in the same run.
FUZZTIME ?= 30s

.PHONY: bench-neigh fuzz-neigh
bench: bench-neigh
fuzz: fuzz-neigh

bench-neigh:
	$(GO) test -run '^$$' -bench '^BenchmarkNeighbors$$' -benchtime 2s ./tables

fuzz-neigh:
	$(GO) test -run '^$$' -fuzz '^FuzzNeighMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzTcMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
