# netlink_routes (tables/netlink_routes_linux.go) and its decoder (netlinkx/route*.go).
# bench-routes fills a namespace with 100,000 routes (root) and reports x_ip:
# our table's time over `ip -j route show table all`'s in the same run.
BENCH_routes := -bench '^BenchmarkRoutes$$' -benchtime 2s ./tables
FUZZ_routes := FuzzRouteMessage
bench: bench-routes
fuzz: fuzz-routes
