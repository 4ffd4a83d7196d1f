# What the mk/*.mk areas share. An area names its fuzz targets in
# FUZZ_<area> (FuzzX in ./netlinkx, or path/FuzzX in ./path) and the go test
# arguments of its benchmarks in BENCH_<area>: `make fuzz-<area>` runs each
# fuzz target for $(FUZZTIME), `make bench-<area>` the benchmarks. The area
# adds fuzz-<area> and bench-<area> to `make fuzz` and `make bench`.
# (Pattern rules: these targets are not .PHONY, which would skip them.)
FUZZTIME ?= 30s

fuzz-%:
	$(if $(FUZZ_$*),,$(error no fuzz targets for $*: FUZZ_$* is empty))
	@for t in $(FUZZ_$*); do \
		pkg=./netlinkx; case $$t in */*) pkg=./$${t%/*}; t=$${t##*/};; esac; \
		echo "$$t in $$pkg ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

bench-%:
	$(if $(BENCH_$*),,$(error no benchmarks for $*: BENCH_$* is empty))
	$(GO) test -run '^$$' $(BENCH_$*)

# The shared netlink reply walker.
FUZZ_core := FuzzDumpDatagram
fuzz: fuzz-core
