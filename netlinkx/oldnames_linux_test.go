package netlinkx_test

import (
	"os"
	"strings"
	"testing"
)

// The names the route, rule, nexthop and nft tests call the shared helpers
// by (they came in while the helpers were merged); each is the helper it
// names, so that those files can move to the new names on their own time.

func lkMust[T any](v T, err error) T { return must(v, err) }

func must1[T any](v T, err error) T { return must(v, err) }

func lkNLA(typ uint16, data []byte) []byte { return attr(typ, data...) }

func lkU32(v uint32) []byte { return u32(v) }

// lkWriteCase writes base.bin and base.txt as given: txt carries its own
// `uname -r` line.
func lkWriteCase(base string, b []byte, txt string) error {
	if err := os.WriteFile(base+".bin", b, 0o644); err != nil {
		return err
	}
	return os.WriteFile(base+".txt", []byte(txt), 0o644)
}

// decodedLine is the line after "# decoded" in the .txt beside the
// recorded file bin.
func decodedLine(t *testing.T, bin string) string {
	t.Helper()
	txt := must(os.ReadFile(strings.TrimSuffix(bin, ".bin") + ".txt"))
	return strings.TrimSpace(section(t, string(txt), "# decoded\n"))
}
