# netlink_neighbors, netlink_qdiscs, netlink_tclasses (tables/netlink_neighbors_linux.go,
# tables/netlink_qdiscs_linux.go) and their decoders (netlinkx/neigh*.go, netlinkx/tc*.go).
# bench-neigh fills a namespace with 1,000 then 10,000 permanent neighbours (root)
# and reports x_ip: our table's time over `ip -s -j neigh show`'s in the same run.
BENCH_neigh := -bench '^BenchmarkNeighbors$$' -benchtime 2s ./tables
FUZZ_neigh := FuzzNeighMessage FuzzTcMessage
bench: bench-neigh
fuzz: fuzz-neigh
