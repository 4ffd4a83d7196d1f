# benchreport.awk turns the output of `make bench` (go test -bench lines)
# into a Markdown table: one row per benchmark, its time per operation and
# the ratios and figures it reports (x_ss, x_ip, x_hello, ...). Lines that
# are not benchmark results are skipped. Used by `make bench-report`.
/^Benchmark[^ \t]*[ \t]+[0-9]+[ \t]/ {
	name = $1
	sub(/-[0-9]+$/, "", name)
	cells = ""
	for (i = 3; i + 1 <= NF; i += 2) {
		v = $i; u = $(i + 1)
		if (u == "ns/op") { cells = sprintf("%.2f ms", v / 1e6) (cells == "" ? "" : "; " cells); continue }
		if (u == "B/op" || u == "allocs/op") continue
		cells = cells (cells == "" ? "" : "; ") u " " v
	}
	rows[++n] = "| `" name "` | " cells " |"
}
/^pkg: / { pkg = $2 }
END {
	print "| benchmark | time per op; figures (x_* are ours over the other tool's time in the same run) |"
	print "|---|---|"
	for (i = 1; i <= n; i++) print rows[i]
}
