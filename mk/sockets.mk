# netlink_sockets and tcp_info (tables/netlink_sockets.go, tcp_info.go) and
# the inet_diag decoder (netlinkx/inet_diag*.go).
# bench-sockets holds NLQ_BENCH_SOCKETS established loopback TCP sockets in a
# namespace (root; python3) and reports x_ss (ours / ss in the same run) and
# x_dump (ours / the bare sock_diag dump).
FUZZTIME ?= 30s
NLQ_BENCH_SOCKETS ?= 10000,100000

.PHONY: bench-sockets fuzz-inet
bench: bench-sockets
fuzz: fuzz-inet

bench-sockets:
	NLQ_BENCH_SOCKETS=$(NLQ_BENCH_SOCKETS) $(GO) test -run '^$$' -bench '^BenchmarkSockets$$' -benchtime 10x -timeout 30m ./tables

fuzz-inet:
	$(GO) test -run '^$$' -fuzz '^FuzzInetDiagMsg$$' -fuzztime $(FUZZTIME) ./netlinkx
