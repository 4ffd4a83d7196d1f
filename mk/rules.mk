# netlink_rules and netlink_nexthops (tables/netlink_rules_linux.go,
# tables/netlink_nexthops_linux.go) and their decoders (netlinkx/rule*.go,
# netlinkx/nexthop*.go).
# bench-rules fills a namespace with 100, 1,000 and 10,000 rules, then with
# 1,000 and 10,000 nexthops (root), and reports x_ip: our table's time over
# `ip -j rule show`'s and `ip -j nexthop show`'s in the same run.
BENCH_rules := -bench '^Benchmark(Rules|Nexthops)$$' -benchtime 2s ./tables
FUZZ_rules := FuzzRuleMessage FuzzNexthopMessage
bench: bench-rules
fuzz: fuzz-rules
