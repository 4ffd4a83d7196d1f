# sock_diag decoders for unix, netlink and packet sockets (netlinkx): run
# each fuzz target for $(FUZZTIME). Crashers land in netlinkx/testdata/fuzz/.
FUZZ_sockdiag := FuzzUnixDiagMsg FuzzNetlinkDiagMsg FuzzPacketDiagMsg
fuzz: fuzz-sockdiag
