# IFLA_AF_SPEC and RTM_GETNETCONF decoders (netlinkx/afspec*.go, netconf*.go):
# fuzz-afspec runs each target for $(FUZZTIME); bench-afspec times inet6_devconf.
FUZZ_afspec := FuzzDecodeAFSpec FuzzDecodeNetconf
BENCH_afspec := -bench '^BenchmarkInet6Devconf$$' ./tables
fuzz: fuzz-afspec
bench: bench-afspec
