# netlink_sockets and tcp_info (tables/netlink_sockets_linux.go, tcp_info_linux.go) and
# the inet_diag decoder (netlinkx/inet_diag*.go).
# bench-sockets holds NLQ_BENCH_SOCKETS established loopback TCP sockets in a
# namespace (root; python3, ss) and times, in one run, each table alone
# against the bare sock_diag dump and ss: x_floor (ours / dump), x_ss
# (ours / ss -Htan), x_ssp (ours / ss -Htanp), allocs/row. Results:
# tables/BENCHMARKS.md.
NLQ_BENCH_SOCKETS ?= 10000,100000
BENCHTIME ?= 5x
FUZZ_inet := FuzzInetDiagMsg

.PHONY: bench-sockets
bench: bench-sockets
fuzz: fuzz-inet

bench-sockets:
	NLQ_BENCH_SOCKETS=$(NLQ_BENCH_SOCKETS) $(GO) test -run '^$$' -bench '^BenchmarkSockets$$' -benchtime $(BENCHTIME) -timeout 30m ./tables
