# netlink_rules and netlink_nexthops (tables/netlink_rules_linux.go,
# tables/netlink_nexthops_linux.go) and their decoders (netlinkx/rule*.go,
# netlinkx/nexthop*.go).
# bench-rules fills a namespace with 100, 1,000 and 10,000 rules, then with
# 1,000 and 10,000 nexthops (root), and reports x_ip: our table's time over
# `ip -j rule show`'s and `ip -j nexthop show`'s in the same run.
FUZZTIME ?= 30s

.PHONY: bench-rules fuzz-rules
bench: bench-rules
fuzz: fuzz-rules

bench-rules:
	$(GO) test -run '^$$' -bench '^Benchmark(Rules|Nexthops)$$' -benchtime 2s ./tables

fuzz-rules:
	$(GO) test -run '^$$' -fuzz '^FuzzRuleMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzNexthopMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
