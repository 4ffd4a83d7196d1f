# The osquery extension host (extension/osqueryhost) and its robustness tests.
# soak-osquery: 10,000 generate calls per table through the real Thrift path
# against the osqueryd stand-in (extension/internal/fakeosqueryd), for the
# built binary (fds, VmRSS) and in-process (fds, goroutines, live heap), plus
# one 100,000-row answer; plain `go test` runs the same tests with 300 calls.
# fuzz-context: the query-context JSON parser, $(FUZZTIME).
SOAK_CALLS ?= 10000
FUZZ_context := extension/osqueryhost/FuzzQueryContext

.PHONY: soak-osquery
soak: soak-osquery
fuzz: fuzz-context

soak-osquery:
	$(GO) test -count=1 -timeout 60m -v -run '^(TestSoakBinary|TestSoakInProcess|TestLargeAnswer)$$' ./extension/osqueryhost -soak.calls=$(SOAK_CALLS)

# bench-planner: issue 13's queries planned as osqueryd plans them (the
# osqueryplan test layer) against the built extension holding 1,000 and
# 10,000 sockets: generate calls, kernel dumps and wall time over one scan
# of the same table (x_scan) per query.
.PHONY: bench-planner
bench: bench-planner

bench-planner:
	NLQ_BENCH_SOCKETS=1000,10000 $(GO) test -run '^$$' -bench '^BenchmarkPlanner$$' -benchtime 3x -timeout 30m ./extension/internal/osqueryplan
