# conntrack_entries and ip_conntrack_stat (tables/conntrack_entries*.go) and the
# ctnetlink decoder (netlinkx/conntrack*.go). bench-ct fills a namespace's
# conntrack table with NLQ_BENCH_CONNTRACK UDP entries (root; conntrack) and
# reports x_conntrack: our table's time (every column) over `conntrack -L`'s
# in the same run.
NLQ_BENCH_CONNTRACK ?= 5000,50000
FUZZ_ct := FuzzConntrack

.PHONY: bench-ct
bench: bench-ct
fuzz: fuzz-ct

bench-ct:
	NLQ_BENCH_CONNTRACK=$(NLQ_BENCH_CONNTRACK) $(GO) test -run '^$$' -bench '^BenchmarkConntrack$$' -benchtime 5x -timeout 10m ./tables
