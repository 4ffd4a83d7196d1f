package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netlinkq/netlinkq/extension/internal/testbin"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// runTimed runs args to completion, output discarded, and returns its wall
// time.
func runTimed(b *testing.B, args ...string) time.Duration {
	b.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return d
}

// peakRSS runs args once under GNU time and returns the command's peak RSS
// in KiB. The rusage of a child we start ourselves cannot serve: Go starts
// it with vfork, and exec records the parent's (the test binary's) RSS high
// water mark as the child's ru_maxrss; /usr/bin/time is a small process.
func peakRSS(b *testing.B, args ...string) int64 {
	b.Helper()
	f := filepath.Join(b.TempDir(), "rss")
	runTimed(b, append([]string{"/usr/bin/time", "-f", "%M", "-o", f}, args...)...)
	out, err := os.ReadFile(f)
	if err != nil {
		b.Fatal(err)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		b.Fatalf("/usr/bin/time: %q", out)
	}
	return kb
}

// BenchmarkCommand times whole commands on n established TCP sockets held
// in a namespace, in one run: the built binary (netlinkq --netns NS --json
// SQL >/dev/null) without and with the process columns and SELECT * FROM
// tcp_info, against ss -Htan, ss -Htanp and ss -Htani run in the same
// namespace (from a thread switched into it, so that no `ip netns exec` is
// timed for ss while ours opens the namespace itself). Metrics: x_ss (ours
// / ss -Htan, tcp_info: ss -Htani), x_ssp (ours / ss -Htanp), peak_rss_kB.
// Run with make bench-cmd (NLQ_BENCH_SOCKETS=10000,100000).
func BenchmarkCommand(b *testing.B) {
	nstest.NeedTool(b, "ss", "python3")
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		b.Skip("needs GNU time (/usr/bin/time): apt-get install -y time")
	}
	bin := testbin.Path(b)
	nstest.EachHeldSize(b, func(b *testing.B, nsx *nstest.NS, n int) { benchCommand(b, bin, nsx, n) })
}

func benchCommand(b *testing.B, bin string, nsx *nstest.NS, n int) {
	ns := nsx.Open()

	// A row count check, outside the timing: the command sees every socket.
	cnt, err := exec.Command(bin, "--netns", nsx.Name, "--csv", "--noheader",
		"SELECT count(*) FROM netlink_sockets WHERE protocol = 'tcp'").Output()
	if err != nil {
		b.Fatal(err)
	}
	if got, _ := strconv.Atoi(strings.TrimSpace(string(cnt))); got < n {
		b.Fatalf("netlinkq counts %d tcp sockets, want at least %d", got, n)
	}

	ssTime := map[string]time.Duration{}
	for _, ss := range []struct{ name, flags string }{{"ss_tan", "-Htan"}, {"ss_tani", "-Htani"}, {"ss_tanp", "-Htanp"}} {
		b.Run(ss.name, func(b *testing.B) {
			var ds []float64
			for b.Loop() {
				_ = ns.Do(func() error {
					ds = append(ds, float64(runTimed(b, "ss", ss.flags)))
					return nil
				})
			}
			ssTime[ss.name] = time.Duration(median(ds))
			var rss int64
			_ = ns.Do(func() error {
				rss = peakRSS(b, "ss", ss.flags)
				return nil
			})
			b.ReportMetric(median(ds)/1e6, "median_ms")
			b.ReportMetric(float64(rss), "peak_rss_kB")
		})
	}

	const tan = "family, protocol, local_address, local_port, remote_address, remote_port, state, rx_queue, tx_queue, inode"
	for _, v := range []struct {
		name, sql, ss, flags string
		sqliteOnly           bool
	}{
		{"netlinkq", "SELECT " + tan + " FROM netlink_sockets WHERE protocol = 'tcp'", "ss_tan", "-Htan", false},
		// The same statement through SQLite's virtual table (no direct scan).
		{"netlinkq_sqlite", "SELECT " + tan + " FROM netlink_sockets WHERE protocol = 'tcp'", "ss_tan", "-Htan", true},
		{"netlinkq_pid", "SELECT " + tan + ", pid, process_name FROM netlink_sockets WHERE protocol = 'tcp'", "ss_tanp", "-Htanp", false},
		{"netlinkq_all", "SELECT * FROM netlink_sockets WHERE protocol = 'tcp'", "ss_tanp", "-Htanp", false},
		{"netlinkq_tcp_info", "SELECT * FROM tcp_info", "ss_tani", "-Htani", false},
	} {
		b.Run(v.name, func(b *testing.B) {
			args := []string{bin, "--netns", nsx.Name, "--json", v.sql}
			if v.sqliteOnly {
				args = slices.Insert(args, 1, "--sqlite-only")
			}
			// Each run is paired with a run of the ss form it compares with,
			// untimed, so that both see the same load on a shared machine;
			// x_ss is the median of the pairs' ratios.
			var ds, xs []float64
			for b.Loop() {
				b.StopTimer()
				var ref time.Duration
				_ = ns.Do(func() error {
					ref = runTimed(b, "ss", v.flags)
					return nil
				})
				b.StartTimer()
				d := runTimed(b, args...)
				ds = append(ds, float64(d))
				xs = append(xs, float64(d)/float64(ref))
			}
			b.StopTimer()
			rss := peakRSS(b, args...)
			x := median(xs)
			b.ReportMetric(median(ds)/1e6, "median_ms")
			b.ReportMetric(x, "x_ss")
			b.ReportMetric(x*float64(ssTime[v.ss])/float64(ssTime["ss_tanp"]), "x_ssp")
			b.ReportMetric(float64(rss), "peak_rss_kB")
		})
	}
}

// median is the median of xs (xs is sorted).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// BenchmarkShellInProcess runs the embedded host's whole command in the test
// process (run with --netns and --json, output discarded) on n TCP sockets,
// for profiling: go test -bench ShellInProcess -cpuprofile cpu.out.
func BenchmarkShellInProcess(b *testing.B) {
	nstest.EachHeldSize(b, func(b *testing.B, nsx *nstest.NS, _ int) {
		const tan = "family, protocol, local_address, local_port, remote_address, remote_port, state, rx_queue, tx_queue, inode"
		for _, v := range []struct{ name, flag, sql string }{
			{"netlinkq", "--json", "SELECT " + tan + " FROM netlink_sockets WHERE protocol = 'tcp'"},
			{"netlinkq_sqlite", "--sqlite-only", "SELECT " + tan + " FROM netlink_sockets WHERE protocol = 'tcp'"},
			{"netlinkq_pid", "--json", "SELECT " + tan + ", pid, process_name FROM netlink_sockets WHERE protocol = 'tcp'"},
			{"netlinkq_tcp_info", "--json", "SELECT * FROM tcp_info"},
		} {
			b.Run(v.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if st := run([]string{"--netns", nsx.Name, "--json", v.flag, v.sql}, strings.NewReader(""), io.Discard, os.Stderr); st != 0 {
						b.Fatalf("exit status %d", st)
					}
				}
			})
		}
	})
}

// BenchmarkStartup times `netlinkq --version` against a Go hello-world
// built the same way (go build -trimpath, CGO_ENABLED=0) on the same
// machine, each run paired with one of the other: the fixed cost every
// command pays before its first kernel request. Metrics: x_hello (ours /
// hello-world), delta_ms (ours - hello-world, medians).
func BenchmarkStartup(b *testing.B) {
	bin := testbin.Path(b)
	dir := b.TempDir()
	src := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Fprintln(os.Stdout, \"hello\") }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.26\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	hello := filepath.Join(dir, "hello")
	build := exec.Command("go", "build", "-trimpath", "-o", hello, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build hello-world: %v\n%s", err, out)
	}
	var ours, ref, xs []float64
	for b.Loop() {
		b.StopTimer()
		h := runTimed(b, hello)
		b.StartTimer()
		d := runTimed(b, bin, "--version")
		ours, ref = append(ours, float64(d)), append(ref, float64(h))
		xs = append(xs, float64(d)/float64(h))
	}
	b.StopTimer()
	b.ReportMetric(median(xs), "x_hello")
	b.ReportMetric((median(ours)-median(ref))/1e6, "delta_ms")
	b.ReportMetric(median(ref)/1e6, "hello_ms")
}
