# nftables_chains, nftables_rules, nftables_sets (tables/nftables_linux.go) and
# the nft text renderer (netlinkx/nft_render.go, nft_set.go).
# bench-nft loads 1,000 and 10,000 rules in a namespace (root) and reports x_nft:
# our table's time over `nft -j list ruleset`'s in the same run.
BENCH_nft := -bench '^BenchmarkNftablesRules$$' -benchtime 2x ./tables
bench: bench-nft
