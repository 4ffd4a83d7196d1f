# sock_diag decoders for unix, netlink and packet sockets (netlinkx): run
# each fuzz target for $(FUZZTIME). Crashers land in netlinkx/testdata/fuzz/.
FUZZTIME ?= 30s
SOCKDIAG_FUZZ := FuzzUnixDiagMsg FuzzNetlinkDiagMsg FuzzPacketDiagMsg

.PHONY: fuzz-sockdiag
fuzz: fuzz-sockdiag
fuzz-sockdiag:
	@for t in $(SOCKDIAG_FUZZ); do \
		echo "$$t ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) ./netlinkx/ || exit 1; \
	done
