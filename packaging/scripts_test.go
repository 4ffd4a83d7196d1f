package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// extPath is the line the scripts own in extensions.load.
const extPath = "/usr/lib/netlinkq/netlinkq.ext"

// absent marks an extensions.load that does not exist.
const absent = "\x00absent"

// step is one maintainer script run: which script, with which arguments.
type step struct {
	script string // "postinstall" or "preremove"
	args   []string
}

var (
	debInstall    = step{"postinstall", []string{"configure", ""}}
	debReconfig   = step{"postinstall", []string{"configure", "1.2.3-1"}}
	debRemove     = step{"preremove", []string{"remove"}}
	debUpgradeOld = step{"preremove", []string{"upgrade", "1.2.4-1"}} // the old package's prerm
	rpmInstall    = step{"postinstall", []string{"1"}}
	rpmUpgradeNew = step{"postinstall", []string{"2"}} // the new package's %post
	rpmUpgradeOld = step{"preremove", []string{"1"}}   // the old package's %preun
	rpmErase      = step{"preremove", []string{"0"}}
)

// runScript runs packaging/scripts/NAME.sh with /bin/sh against root, as
// dpkg or rpm would, and returns its output; it fails the test on a non-zero exit.
func runScript(t *testing.T, root, script string, args ...string) string {
	t.Helper()
	return runScriptFile(t, root, filepath.Join("scripts", script+".sh"), args...)
}

// runScriptFile runs the script at path; see runScript.
func runScriptFile(t *testing.T, root, path string, args ...string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{path}, args...)...)
	cmd.Env = append(os.Environ(), "NETLINKQ_ROOT="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh %s %q: %v\n%s", path, args, err, out)
	}
	return string(out)
}

// readLoad returns root's extensions.load, or absent.
func readLoad(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "etc/osquery/extensions.load"))
	if os.IsNotExist(err) {
		return absent
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadDir makes root's /etc/osquery, where extensions.load goes, and
// returns its path.
func loadDir(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(root, "etc/osquery")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeLoad sets root's extensions.load to content (absent: no file, no /etc/osquery).
func writeLoad(t *testing.T, root, content string) {
	t.Helper()
	if content == absent {
		return
	}
	if err := os.WriteFile(filepath.Join(loadDir(t, root), "extensions.load"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScripts runs install, reinstall, upgrade and remove sequences of the
// maintainer scripts, with deb's and rpm's arguments, against a scratch
// root, and checks extensions.load after them: every step exits 0, the line
// is there exactly once after an install or upgrade, gone after a removal,
// and every other byte of the file is kept.
func TestScripts(t *testing.T) {
	ext := extPath + "\n"
	tests := []struct {
		name   string
		before string
		steps  []step
		want   string
	}{
		{"deb install, no /etc/osquery", absent, []step{debInstall}, ext},
		{"rpm install, no /etc/osquery", absent, []step{rpmInstall}, ext},
		{"install into empty file", "", []step{debInstall}, ext},
		{"install twice", absent, []step{debInstall, debInstall}, ext},
		{"reinstall over hand-added line", "  " + extPath + " \t\n", []step{debInstall}, "  " + extPath + " \t\n"},
		{"install keeps other lines", "/opt/a.ext\n# comment\n", []step{debInstall}, "/opt/a.ext\n# comment\n" + ext},
		{"install after last line without newline", "/opt/a.ext", []step{debInstall}, "/opt/a.ext\n" + ext},
		{"install with commented-out line", "# " + extPath + "\n", []step{rpmInstall}, "# " + extPath + "\n" + ext},
		{"install does not take a longer path", extPath + ".old\n", []step{rpmInstall}, extPath + ".old\n" + ext},
		{"deb upgrade", absent, []step{debInstall, debUpgradeOld, debReconfig}, ext},
		{"rpm upgrade", absent, []step{rpmInstall, rpmUpgradeNew, rpmUpgradeOld}, ext},
		{"deb upgrade keeps others", "/opt/a.ext\n", []step{debInstall, debUpgradeOld, debReconfig}, "/opt/a.ext\n" + ext},
		{"deb remove", absent, []step{debInstall, debRemove}, ""},
		{"rpm erase", absent, []step{rpmInstall, rpmErase}, ""},
		{"deb purge argument", ext, []step{{"preremove", []string{"purge"}}}, ""},
		{"remove keeps others", "/opt/a.ext\n" + ext + "/opt/b.ext\n", []step{debRemove}, "/opt/a.ext\n/opt/b.ext\n"},
		{"remove keeps missing final newline", "/opt/a.ext\n" + ext + "/opt/b.ext", []step{rpmErase}, "/opt/a.ext\n/opt/b.ext"},
		{"remove our last line without newline", "/opt/a.ext\n" + extPath, []step{debRemove}, "/opt/a.ext\n"},
		{"remove hand-edited duplicates and blanks", ext + "/opt/a.ext\n\t" + extPath + "  \n", []step{debRemove}, "/opt/a.ext\n"},
		{"remove keeps comment and longer path", "# " + ext + extPath + ".old\n" + ext, []step{debRemove}, "# " + ext + extPath + ".old\n"},
		{"remove keeps CRLF lines", "/opt/a.ext\r\n" + extPath + "\r\n", []step{rpmErase}, "/opt/a.ext\r\n"},
		{"remove when file deleted", absent, []step{debRemove}, absent},
		{"erase when file deleted", absent, []step{rpmErase}, absent},
		{"remove when line deleted by hand", "/opt/a.ext\n", []step{debRemove}, "/opt/a.ext\n"},
		{"remove twice", ext, []step{debRemove, debRemove}, ""},
		{"deb upgrade prerm keeps line", ext, []step{debUpgradeOld}, ext},
		{"deb deconfigure keeps line", ext, []step{{"preremove", []string{"deconfigure", "in-favour", "x", "1"}}}, ext},
		{"deb failed-upgrade keeps line", ext, []step{{"preremove", []string{"failed-upgrade", "1.2.3-1"}}}, ext},
		{"rpm upgrade preun keeps line", ext, []step{rpmUpgradeOld}, ext},
		{"no arguments keep line", ext, []step{{"preremove", nil}}, ext},
		{"install, remove, install", absent, []step{debInstall, debRemove, rpmInstall}, ext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeLoad(t, root, tt.before)
			for _, s := range tt.steps {
				runScript(t, root, s.script, s.args...)
			}
			if diff := cmp.Diff(tt.want, readLoad(t, root)); diff != "" {
				t.Errorf("extensions.load after %v (-want +got):\n%s", tt.steps, diff)
			}
		})
	}
}

// TestScriptsCreateSafely checks the modes of a created /etc/osquery and
// extensions.load, whatever the umask of the installer.
func TestScriptsCreateSafely(t *testing.T) {
	root := t.TempDir()
	cmd := exec.Command("/bin/sh", "-c", "umask 077; exec /bin/sh scripts/postinstall.sh configure ''")
	cmd.Env = append(os.Environ(), "NETLINKQ_ROOT="+root)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("postinstall: %v\n%s", err, out)
	}
	for path, want := range map[string]os.FileMode{
		"etc/osquery":                 os.ModeDir | 0o755,
		"etc/osquery/extensions.load": 0o644,
	} {
		fi, err := os.Stat(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
}

// TestScriptsKeepFile checks that removal edits extensions.load in place: a
// symlink stays a symlink and the file keeps its mode.
func TestScriptsKeepFile(t *testing.T) {
	root := t.TempDir()
	dir := loadDir(t, root)
	target := filepath.Join(root, "managed.load")
	if err := os.WriteFile(target, []byte("/opt/a.ext\n"+extPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, "extensions.load")); err != nil {
		t.Fatal(err)
	}
	runScript(t, root, "preremove", "remove")
	fi, err := os.Lstat(filepath.Join(dir, "extensions.load"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("extensions.load is no longer a symlink: %v", fi.Mode())
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode() != 0o600 {
		t.Errorf("target: %v, %v; want mode 0600", fi.Mode(), err)
	}
	if got := readLoad(t, root); got != "/opt/a.ext\n" {
		t.Errorf("after remove: %q, want %q", got, "/opt/a.ext\n")
	}
}

// TestScriptsSayHow checks that both scripts tell the admin how to make
// osqueryd pick the change up, since neither restarts it.
func TestScriptsSayHow(t *testing.T) {
	root := t.TempDir()
	for _, s := range []step{debInstall, debRemove} {
		out := runScript(t, root, s.script, s.args...)
		if !strings.Contains(out, "systemctl restart osqueryd") {
			t.Errorf("%s %q prints no restart hint:\n%s", s.script, s.args, out)
		}
	}
	for _, name := range []string{"postinstall", "preremove"} {
		for _, line := range strings.Split(readFile(t, filepath.Join("scripts", name+".sh")), "\n") {
			if code, _, _ := strings.Cut(line, "#"); strings.Contains(code, "systemctl") && !strings.Contains(code, "echo") {
				t.Errorf("%s.sh runs systemctl: %q", name, line)
			}
		}
	}
}

// TestPkgVersion checks the git describe → package version mapping, and
// that the versions it makes sort as releases do, for dpkg.
func TestPkgVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"1.2.3", "1.2.3"},
		{"v1.2.3-4-gdeadbee", "1.2.3+4.gdeadbee"},
		{"v1.2.3-4-gdeadbee-dirty", "1.2.3+4.gdeadbee.dirty"},
		{"v1.2.3-rc1", "1.2.3~rc1"},
		{"v1.2.3-rc.1-2-gabc123", "1.2.3~rc.1+2.gabc123"},
		{"deadbee", "0.0.0+git.deadbee"},
		{"deadbee-dirty", "0.0.0+git.deadbee.dirty"},
		{"7c8743f", "0.0.0+git.7c8743f"},
		{"1234567-dirty", "0.0.0+git.1234567.dirty"},
		{"v1234567", "1234567"},
		{"v2", "2"},
		{"2.0", "2.0"},
		{"dev", "0.0.0+git.dev"},
	}
	for _, tt := range tests {
		out, err := exec.Command("/bin/sh", "pkgversion.sh", tt.in).Output()
		if err != nil {
			t.Fatalf("pkgversion.sh %s: %v", tt.in, err)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("pkgversion.sh %s = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed: cannot check version order")
	}
	order := []string{"0.0.0+git.deadbee", "1.2.3~rc1", "1.2.3~rc1+2.gabc", "1.2.3", "1.2.3+4.gdeadbee", "1.2.3+4.gdeadbee.dirty", "1.2.3+10.gabc", "1.2.4"}
	for i := 1; i < len(order); i++ {
		if err := exec.Command("dpkg", "--compare-versions", order[i-1], "lt", order[i]).Run(); err != nil {
			t.Errorf("dpkg: %s is not older than %s", order[i-1], order[i])
		}
	}
}

// TestScriptsWarn checks the two warnings a fleet operator needs: removal
// names --extensions_require (osqueryd will not start while it requires a
// removed extension), and an install on a host where fleetd manages
// extensions says that its osqueryd ignores /etc/osquery/extensions.load,
// while a plain host gets no such warning.
func TestScriptsWarn(t *testing.T) {
	root := t.TempDir()
	if out := runScript(t, root, debInstall.script, debInstall.args...); strings.Contains(out, "fleetd manages extensions") {
		t.Errorf("install without fleetd warns about fleetd:\n%s", out)
	}
	orbit := filepath.Join(root, "opt/orbit")
	if err := os.MkdirAll(orbit, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orbit, "extensions.load"), []byte("/opt/orbit/bin/extensions/x/linux/stable/x.ext\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range []step{debInstall, rpmInstall} {
		if out := runScript(t, root, s.script, s.args...); !strings.Contains(out, "agent_options.extensions") {
			t.Errorf("%s %q under fleetd: no warning that osqueryd ignores extensions.load:\n%s", s.script, s.args, out)
		}
	}
	for _, s := range []step{debRemove, rpmErase} {
		runScript(t, root, debInstall.script, debInstall.args...)
		if out := runScript(t, root, s.script, s.args...); !strings.Contains(out, "--extensions_require=netlinkq") {
			t.Errorf("%s %q does not warn about --extensions_require:\n%s", s.script, s.args, out)
		}
	}
}
