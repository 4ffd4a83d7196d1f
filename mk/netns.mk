# Network namespaces and socket owners (netlinkx/netns*.go, procfd*.go,
# tables/namespace*.go; root). bench-netns: listing namespaces against
# `lsns -t net` (x_lsns), a table read in another namespace against
# `nsenter ss -Htan` (x_ss), and the /proc fd walk that fills pid, fd and
# process_name on 1,000 and 5,000 connections against `ss -Htanp` (x_ss).
# fuzz-netns: the RTM_NEWNSID decoder, $(FUZZTIME).
BENCH_netns := -bench '^(BenchmarkScanNetNS|BenchmarkSocketOwners|BenchmarkNamespaceRun)$$' ./netlinkx ./tables
FUZZ_netns := FuzzDecodeNSID
bench: bench-netns
fuzz: fuzz-netns
