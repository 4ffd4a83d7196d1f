# bench-report runs every benchmark (`make bench`, root; up to an hour at the
# default sizes) once, keeps its output in bench.out, and writes the figures
# of that one run into README.md between the bench-report markers, with the
# date, kernel and CPU: the README's figures always come from a single run.
.PHONY: bench-report
bench-report:
	$(MAKE) --no-print-directory bench 2>&1 | tee bench.out
	{ echo "Run of $$(date -u +%Y-%m-%d), kernel $$(uname -r), $$(nproc) CPUs ($$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')):"; \
	  echo; awk -f mk/benchreport.awk bench.out; } > bench.md
	awk 'BEGIN { while ((getline l < "bench.md") > 0) t = t l "\n" } \
		/<!-- bench-report:end -->/ { skip = 0 } \
		!skip { print } \
		/<!-- bench-report:begin -->/ { printf "%s", t; skip = 1 }' README.md > README.md.new
	mv README.md.new README.md
