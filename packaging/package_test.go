package packaging

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The version the test packages are built with, as git describe would give
// it, and the package version pkgversion.sh makes of it.
const (
	testVersion    = "v1.2.3-4-gdeadbee"
	testPkgVersion = "1.2.3+4.gdeadbee"
	nextPkgVersion = "1.2.4" // a second .deb of the same binary, for upgrades
)

// built is what `make package` produced, once per test run.
type built struct {
	dir     string // the DIST directory
	bin     string // the binary packaged
	deb     string // netlinkq_1.2.3+4.gdeadbee_amd64.deb
	rpm     string // netlinkq-1.2.3+4.gdeadbee.x86_64.rpm
	nextDeb string // the same binary as version 1.2.4
	skip    string // why packages cannot be built here
	err     error
}

var (
	buildOnce sync.Once
	pkgs      built
)

// TestMain removes the packages built by the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if pkgs.dir != "" {
		os.RemoveAll(pkgs.dir)
	}
	os.Exit(code)
}

// rpmArch is the rpm spelling of GOARCH.
var rpmArch = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}

// packages builds the deb and rpm for the host's GOARCH with `make package`
// (the build CI and releases use), and a second deb at nextPkgVersion. It
// skips the test when make or `go tool nfpm` cannot run here.
func packages(t *testing.T) built {
	t.Helper()
	buildOnce.Do(func() {
		if _, ok := rpmArch[runtime.GOARCH]; !ok {
			pkgs.skip = "packages are built for amd64 and arm64, not " + runtime.GOARCH
			return
		}
		if _, err := exec.LookPath("make"); err != nil {
			pkgs.skip = "make not installed"
			return
		}
		if out, err := exec.Command("go", "tool", "nfpm", "--version").CombinedOutput(); err != nil {
			pkgs.skip = fmt.Sprintf("go tool nfpm cannot run (%v): %s", err, lastLine(out))
			return
		}
		dir, err := os.MkdirTemp("", "netlinkq-package-test-")
		if err != nil {
			pkgs.err = err
			return
		}
		pkgs.dir = dir
		if pkgs.err = makePackages(dir, runtime.GOARCH, testVersion); pkgs.err != nil {
			return
		}
		pkgs.bin = filepath.Join(dir, runtime.GOARCH, "netlinkq.ext")
		pkgs.deb = filepath.Join(dir, "netlinkq_"+testPkgVersion+"_"+runtime.GOARCH+".deb")
		pkgs.rpm = filepath.Join(dir, "netlinkq-"+testPkgVersion+"."+rpmArch[runtime.GOARCH]+".rpm")
		pkgs.nextDeb = filepath.Join(dir, "netlinkq_"+nextPkgVersion+"_"+runtime.GOARCH+".deb")
		nfpm := exec.Command("go", "tool", "nfpm", "package", "-f", "packaging/nfpm.yaml", "-p", "deb", "-t", pkgs.nextDeb)
		nfpm.Dir = ".."
		nfpm.Env = append(os.Environ(), "NETLINKQ_ARCH="+runtime.GOARCH, "NETLINKQ_PKG_VERSION="+nextPkgVersion, "NETLINKQ_BIN="+pkgs.bin)
		if out, err := nfpm.CombinedOutput(); err != nil {
			pkgs.err = fmt.Errorf("nfpm %s: %v\n%s", nextPkgVersion, err, out)
		}
	})
	if pkgs.skip != "" {
		t.Skip(pkgs.skip)
	}
	if pkgs.err != nil {
		t.Fatal(pkgs.err)
	}
	return pkgs
}

// makePackages builds the deb and rpm of version for arch into dir with
// `make package`, the build CI and releases use.
func makePackages(dir, arch, version string) error {
	if out, err := exec.Command("make", "-C", "..", "package", "VERSION="+version, "DIST="+dir, "ARCH="+arch).CombinedOutput(); err != nil {
		return fmt.Errorf("make package ARCH=%s: %v\n%s", arch, err, out)
	}
	return nil
}

// checkStaticELF checks that the binary at path (name in messages) is
// static, with no interpreter, dynamic section or needed library, and
// built for arch (a GOARCH).
func checkStaticELF(t *testing.T, path, name, arch string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP || prog.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %v program header: not a static binary", name, prog.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s needs shared libraries %q (%v)", name, libs, err)
	}
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	if f.Machine != want {
		t.Errorf("%s is for %v, want %v", name, f.Machine, want)
	}
}

// lastLine is the last non-empty line of out, for short messages.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// needTool skips the test when a packaging tool is missing.
func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed (apt-get install -y %s)", name, pkg)
	}
}

// run runs a command and returns its stdout, failing the test on error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

// readFile returns the file at path, failing the test if it cannot.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// entry is one file of a package as its tools list it.
type entry struct {
	mode, owner, target string
}

// docFiles are the generated table reference files the packages must carry.
func docFiles(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob("../docs/tables/*")
	if err != nil || len(m) == 0 {
		t.Fatalf("no docs/tables files (%v): run make docs", err)
	}
	var names []string
	for _, p := range m {
		names = append(names, "/usr/share/doc/netlinkq/tables/"+filepath.Base(p))
	}
	return names
}

// wantFiles are the package's paths with mode, owner and link target, as
// both dpkg-deb and rpm print them, the docs included.
func wantFiles(t *testing.T) map[string]entry {
	w := map[string]entry{
		"/usr/lib/netlinkq":                                        {"drwxr-xr-x", "root/root", ""},
		"/usr/lib/netlinkq/netlinkq.ext":                           {"-rwxr-xr-x", "root/root", ""},
		"/usr/bin/netlinkq":                                        {"l", "root/root", "../lib/netlinkq/netlinkq.ext"},
		"/etc/netlinkq/netlinkq.json":                              {"-rw-r--r--", "root/root", ""},
		"/usr/share/doc/netlinkq/README.md":                        {"-rw-r--r--", "root/root", ""},
		"/usr/share/doc/netlinkq/fleet.md":                         {"-rw-r--r--", "root/root", ""},
		"/usr/share/doc/netlinkq/examples/osquery.flags":           {"-rw-r--r--", "root/root", ""},
		"/usr/share/doc/netlinkq/examples/fleet-agent-options.yml": {"-rw-r--r--", "root/root", ""},
		"/usr/share/doc/netlinkq/examples/fleet-queries.yml":       {"-rw-r--r--", "root/root", ""},
	}
	for _, p := range docFiles(t) {
		w[p] = entry{"-rw-r--r--", "root/root", ""}
	}
	return w
}

// checkFiles compares a package's listing with wantFiles: every wanted path
// with its mode and owner, and no file or directory writable by others.
func checkFiles(t *testing.T, got map[string]entry) {
	t.Helper()
	want := wantFiles(t)
	for path, w := range want {
		g, ok := got[path]
		if !ok {
			t.Errorf("%s is not in the package", path)
			continue
		}
		if w.mode == "l" { // link permissions mean nothing; tools print them differently
			g.mode = g.mode[:1]
		}
		if diff := cmp.Diff(w, g, cmp.AllowUnexported(entry{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
	for path, g := range got {
		if g.owner != "root/root" {
			t.Errorf("%s is owned by %s, want root/root", path, g.owner)
		}
		if g.mode[0] != 'l' && (g.mode[5] == 'w' || g.mode[8] == 'w') {
			t.Errorf("%s is writable by group or others: %s", path, g.mode)
		}
		if _, ok := want[path]; !ok && !strings.HasPrefix(g.mode, "d") {
			t.Errorf("%s is in the package but not expected", path)
		}
	}
}

// debLine is one line of `dpkg-deb --contents`.
var debLine = regexp.MustCompile(`^(\S+) (\S+)\s+\d+ \S+ \S+ \.(\S*?)/?(?: -> (\S+))?$`)

// TestDeb inspects the .deb: control fields, file list with modes and
// owners, and maintainer scripts identical to packaging/scripts.
func TestDeb(t *testing.T) {
	needTool(t, "dpkg-deb", "dpkg")
	p := packages(t)

	fields := run(t, "dpkg-deb", "--showformat=${Package} ${Version} ${Architecture}", "--show", p.deb)
	if want := "netlinkq " + testPkgVersion + "-1 " + runtime.GOARCH; fields != want {
		t.Errorf("dpkg-deb --show = %q, want %q", fields, want)
	}
	info := run(t, "dpkg-deb", "--info", p.deb)
	for _, want := range []string{" postinst ", " prerm ", "Homepage: https://github.com/netlinkq/netlinkq", "Suggests: osquery"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb --info has no %q:\n%s", want, info)
		}
	}

	got := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(run(t, "dpkg-deb", "--contents", p.deb)), "\n") {
		m := debLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("cannot parse dpkg-deb --contents line %q", line)
		}
		if m[3] == "" {
			m[3] = "/"
		}
		got[m[3]] = entry{m[1], m[2], m[4]}
	}
	checkFiles(t, got)

	ctrl := t.TempDir()
	run(t, "dpkg-deb", "--control", p.deb, ctrl)
	for deb, ours := range map[string]string{"postinst": "postinstall", "prerm": "preremove"} {
		compareFiles(t, filepath.Join(ctrl, deb), filepath.Join("scripts", ours+".sh"))
		if fi, err := os.Stat(filepath.Join(ctrl, deb)); err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v, %v; want mode 0755", deb, fi.Mode(), err)
		}
	}
}

// compareFiles fails the test when the files differ.
func compareFiles(t *testing.T, got, want string) {
	t.Helper()
	if diff := cmp.Diff(readFile(t, want), readFile(t, got)); diff != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", got, want, diff)
	}
}

// TestRPM inspects the .rpm: header, file list with modes and owners, the
// scriptlets, and that it carries the same binary as the .deb.
func TestRPM(t *testing.T) {
	needTool(t, "rpm", "rpm")
	p := packages(t)

	hdr := run(t, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{OS}", p.rpm)
	if want := "netlinkq " + testPkgVersion + " 1 " + rpmArch[runtime.GOARCH] + " linux"; hdr != want {
		t.Errorf("rpm header = %q, want %q", hdr, want)
	}
	got := map[string]entry{}
	var binDigest string
	list := run(t, "rpm", "-qp", "--qf", `[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES} %{FILEDIGESTS} >%{FILELINKTOS}\n]`, p.rpm)
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			t.Fatalf("cannot parse rpm file line %q", line)
		}
		target := strings.TrimPrefix(f[len(f)-1], ">")
		got[f[2]] = entry{f[0], f[1], target}
		if f[2] == extPath {
			binDigest = f[3]
		}
	}
	checkFiles(t, got)

	if listed := run(t, "rpm", "-qpl", p.rpm); !strings.Contains(listed, extPath+"\n") {
		t.Errorf("rpm -qpl does not list %s:\n%s", extPath, listed)
	}
	scripts := run(t, "rpm", "-qp", "--scripts", p.rpm)
	for _, want := range []string{"postinstall scriptlet", "preuninstall scriptlet"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("rpm --scripts has no %s:\n%s", want, scripts)
		}
	}
	for tag, ours := range map[string]string{"POSTIN": "postinstall", "PREUN": "preremove"} {
		body := run(t, "rpm", "-qp", "--qf", "%{"+tag+"}", p.rpm)
		want := readFile(t, filepath.Join("scripts", ours+".sh"))
		if strings.TrimSpace(body) != strings.TrimSpace(want) {
			t.Errorf("rpm %s differs from scripts/%s.sh:\n%s", tag, ours, cmp.Diff(want, body))
		}
	}

	sum := sha256.Sum256([]byte(readFile(t, p.bin)))
	if binDigest != hex.EncodeToString(sum[:]) {
		t.Errorf("rpm digest of %s = %s, want the built binary's sha256 %x", extPath, binDigest, sum)
	}
}

// TestBinary checks the packaged binary: static (no interpreter, no
// DT_NEEDED libraries), built for the package's architecture, stamped with
// the version, and the same file in the .deb as was built.
func TestBinary(t *testing.T) {
	needTool(t, "dpkg-deb", "dpkg")
	p := packages(t)
	dir := t.TempDir()
	run(t, "dpkg-deb", "--extract", p.deb, dir)
	bin := filepath.Join(dir, extPath)
	compareBytes(t, bin, p.bin)
	checkStaticELF(t, bin, extPath, runtime.GOARCH)

	out := run(t, bin, "--version")
	if want := "netlinkq version " + testVersion + "\n"; out != want {
		t.Errorf("netlinkq --version = %q, want %q", out, want)
	}
	// The /usr/bin link resolves to the extension inside the extracted tree.
	if target, err := filepath.EvalSymlinks(filepath.Join(dir, "usr/bin/netlinkq")); err != nil || target != bin {
		t.Errorf("usr/bin/netlinkq resolves to %q (%v), want %q", target, err, bin)
	}
}

// compareBytes fails the test when two files differ.
func compareBytes(t *testing.T, a, b string) {
	t.Helper()
	if readFile(t, a) != readFile(t, b) {
		t.Errorf("%s and %s differ", a, b)
	}
}

// dpkgRoot is a scratch dpkg database and install root.
type dpkgRoot string

// newDpkgRoot makes an empty dpkg root. dpkg runs the maintainer scripts
// outside the root (--force-script-chrootless) with DPKG_ROOT set, which the
// scripts prefix to /etc.
func newDpkgRoot(t *testing.T) dpkgRoot {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dpkgRoot(root)
}

// dpkg runs dpkg on the root and returns its output; it fails the test on a non-zero exit.
func (r dpkgRoot) dpkg(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"--root=" + string(r), "--force-script-chrootless", "--force-not-root", "--log=/dev/null"}, args...)
	cmd := exec.Command("dpkg", args...)
	// The scripts read DPKG_ROOT; a NETLINKQ_ROOT from the environment must not win.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "NETLINKQ_ROOT=") })
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestDpkgRoot installs, reinstalls, upgrades and removes the real .deb with
// dpkg into a scratch root, and checks extensions.load and the installed
// files after each step.
func TestDpkgRoot(t *testing.T) {
	needTool(t, "dpkg", "dpkg")
	p := packages(t)
	ext := extPath + "\n"
	type action struct {
		name string
		args []string
	}
	install := action{"install", []string{"-i", p.deb}}
	upgrade := action{"upgrade", []string{"-i", p.nextDeb}}
	downgrade := action{"downgrade", []string{"--force-downgrade", "-i", p.deb}}
	remove := action{"remove", []string{"-r", "netlinkq"}}
	purge := action{"purge", []string{"-P", "netlinkq"}}
	tests := []struct {
		name      string
		before    string
		actions   []action
		want      string
		installed bool
	}{
		{"install", absent, []action{install}, ext, true},
		{"reinstall", absent, []action{install, install}, ext, true},
		{"upgrade", absent, []action{install, upgrade}, ext, true},
		{"downgrade", absent, []action{install, upgrade, downgrade}, ext, true},
		{"remove", absent, []action{install, remove}, "", false},
		{"purge", absent, []action{install, purge}, "", false},
		{"upgrade then remove", "/opt/a.ext", []action{install, upgrade, remove}, "/opt/a.ext\n", false},
		{"install keeps others", "/opt/a.ext\n# note\n", []action{install}, "/opt/a.ext\n# note\n" + ext, true},
		{"reinstall, remove, install", absent, []action{install, install, remove, install}, ext, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newDpkgRoot(t)
			writeLoad(t, string(root), tt.before)
			for _, a := range tt.actions {
				root.dpkg(t, a.args...)
			}
			if diff := cmp.Diff(tt.want, readLoad(t, string(root))); diff != "" {
				t.Errorf("extensions.load after %v (-want +got):\n%s", tt.actions, diff)
			}
			_, err := os.Stat(filepath.Join(string(root), extPath))
			if installed := err == nil; installed != tt.installed {
				t.Errorf("%s installed = %v, want %v", extPath, installed, tt.installed)
			}
		})
	}

	// Edited by hand, then deleted: removal still succeeds and creates nothing.
	t.Run("remove after load file deleted", func(t *testing.T) {
		root := newDpkgRoot(t)
		root.dpkg(t, install.args...)
		if err := os.Remove(filepath.Join(string(root), "etc/osquery/extensions.load")); err != nil {
			t.Fatal(err)
		}
		root.dpkg(t, remove.args...)
		if got := readLoad(t, string(root)); got != absent {
			t.Errorf("extensions.load after remove = %q, want no file", got)
		}
	})
	t.Run("remove after hand edit", func(t *testing.T) {
		root := newDpkgRoot(t)
		root.dpkg(t, install.args...)
		writeLoad(t, string(root), "/opt/a.ext\n  "+extPath+"\n/opt/b.ext")
		root.dpkg(t, remove.args...)
		if got, want := readLoad(t, string(root)), "/opt/a.ext\n/opt/b.ext"; got != want {
			t.Errorf("extensions.load after remove = %q, want %q", got, want)
		}
	})
}

// TestRPMScriptlets runs the scriptlets stored in the .rpm, with rpm's
// arguments, through install, upgrade and erase against a scratch root.
func TestRPMScriptlets(t *testing.T) {
	needTool(t, "rpm", "rpm")
	p := packages(t)
	dir := t.TempDir()
	scriptlet := map[string]string{}
	for tag, name := range map[string]string{"POSTIN": "post", "PREUN": "preun"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(run(t, "rpm", "-qp", "--qf", "%{"+tag+"}", p.rpm)), 0o755); err != nil {
			t.Fatal(err)
		}
		scriptlet[name] = path
	}
	root := t.TempDir()
	ext := extPath + "\n"
	for _, s := range []struct {
		name, arg, want string
	}{
		{"post", "1", ext},  // install
		{"post", "2", ext},  // upgrade: the new package's %post
		{"preun", "1", ext}, // upgrade: the old package's %preun
		{"preun", "0", ""},  // erase
		{"preun", "0", ""},  // erase again: nothing left to do
		{"post", "1", ext},  // install again
	} {
		runScriptFile(t, root, scriptlet[s.name], s.arg)
		if got := readLoad(t, root); got != s.want {
			t.Errorf("after %%%s %s: extensions.load = %q, want %q", s.name, s.arg, got, s.want)
		}
	}
}
