# netlink_links, link_stats64, netlink_addresses, link_settings
# (tables/netlink_links_linux.go, ...) and their decoders (netlinkx/link*.go, addr*.go).
# bench-links builds 1,000 veth links in a namespace (root) and reports x_ip:
# our table's time over `ip -s -j link show`'s in the same run.
FUZZTIME ?= 30s

.PHONY: bench-links fuzz-links
bench: bench-links
fuzz: fuzz-links

bench-links:
	$(GO) test -run '^$$' -bench '^BenchmarkLinks$$' -benchtime 2s ./tables

fuzz-links:
	$(GO) test -run '^$$' -fuzz '^FuzzLinkMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzAddrMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
