# netlink_rules and netlink_nexthops (tables/netlink_rules_linux.go,
# tables/netlink_nexthops_linux.go) and their decoders (netlinkx/rule*.go,
# netlinkx/nexthop*.go).
FUZZTIME ?= 30s

.PHONY: fuzz-rules
fuzz: fuzz-rules

fuzz-rules:
	$(GO) test -run '^$$' -fuzz '^FuzzRuleMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzNexthopMessage$$' -fuzztime $(FUZZTIME) ./netlinkx
