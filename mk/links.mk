# netlink_links, link_stats64, netlink_addresses, link_settings
# (tables/netlink_links_linux.go, ...) and their decoders (netlinkx/link*.go, addr*.go).
# bench-links builds 1,000 veth links in a namespace (root) and reports x_ip:
# our table's time over `ip -s -j link show`'s in the same run.
BENCH_links := -bench '^BenchmarkLinks$$' -benchtime 2s ./tables
FUZZ_links := FuzzLinkMessage FuzzAddrMessage
bench: bench-links
fuzz: fuzz-links
