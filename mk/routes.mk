# netlink_routes (tables/netlink_routes_linux.go) and its decoder (netlinkx/route*.go).
# bench-routes fills a namespace with 100,000 routes (root) and reports x_ip:
# our table's time over `ip -j route show table all`'s in the same run.
FUZZTIME ?= 30s

.PHONY: bench-routes fuzz-routes
bench: bench-routes
fuzz: fuzz-routes

bench-routes:
	$(GO) test -run '^$$' -bench '^BenchmarkRoutes$$' -benchtime 2s ./tables

fuzz-routes:
	$(GO) test -run '^$$' -fuzz '^FuzzRouteMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
