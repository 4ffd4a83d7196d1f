# bench-cmd: whole commands on NLQ_BENCH_SOCKETS (default 1000,10000,100000)
# established TCP sockets held in a namespace (root; python3, ss, GNU time):
# the built binary (netlinkq --netns NS --json SQL) without and with the
# process columns and SELECT * FROM tcp_info, against ss -Htan, ss -Htani and
# ss -Htanp in the same run: x_ss, x_ssp and peak_rss_kB. Results:
# tables/BENCHMARKS.md.
NLQ_BENCH_SOCKETS ?= 1000,10000,100000
BENCHTIME ?= 5x

.PHONY: bench-cmd
bench: bench-cmd

bench-cmd:
	NLQ_BENCH_SOCKETS=$(NLQ_BENCH_SOCKETS) $(GO) test -run '^$$' -bench '^BenchmarkCommand$$' -benchtime $(BENCHTIME) -timeout 30m ./extension

# bench-thrift: netlink_sockets of NLQ_BENCH_SOCKETS sockets through the
# Thrift path in one generate call, with the peak heap (issue 9, large answers);
# then one call with a one-row answer (BenchmarkThriftCall, 2,000 calls): what
# osqueryd pays per outer row of a join it runs as one call per row (issue 13).
.PHONY: bench-thrift
bench: bench-thrift

bench-thrift:
	NLQ_BENCH_SOCKETS=$(NLQ_BENCH_SOCKETS) $(GO) test -run '^$$' -bench '^BenchmarkThriftSockets$$' -benchtime $(BENCHTIME) -timeout 30m ./extension/osqueryhost
	$(GO) test -run '^$$' -bench '^BenchmarkThriftCall$$' -benchtime 2000x ./extension/osqueryhost

# bench-startup: `netlinkq --version` against a Go hello-world built the
# same way, paired runs in one process: x_hello and delta_ms.
.PHONY: bench-startup
bench: bench-startup

bench-startup:
	$(GO) test -run '^$$' -bench '^BenchmarkStartup$$' -benchtime 100x ./extension
