# IFLA_AF_SPEC and RTM_GETNETCONF decoders (netlinkx/afspec*.go, netconf*.go):
# one fuzz run per target, $(FUZZTIME) each.
FUZZTIME ?= 30s

.PHONY: fuzz-afspec bench-afspec
fuzz: fuzz-afspec
bench: bench-afspec

fuzz-afspec:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeAFSpec$$' -fuzztime $(FUZZTIME) ./netlinkx
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeNetconf$$' -fuzztime $(FUZZTIME) ./netlinkx

bench-afspec:
	$(GO) test -run '^$$' -bench '^BenchmarkInet6Devconf$$' ./tables
