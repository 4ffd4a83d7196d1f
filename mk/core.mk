# Fuzz targets of the shared netlink reply walker.
FUZZTIME ?= 30s
.PHONY: fuzz-core
fuzz: fuzz-core
fuzz-core:
	$(GO) test -run '^$$' -fuzz '^FuzzDumpDatagram$$' -fuzztime $(FUZZTIME) ./netlinkx/
