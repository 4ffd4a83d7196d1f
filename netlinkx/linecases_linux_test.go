package netlinkx_test

import (
	"bytes"
	"context"
	"encoding"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file holds how the tests of the decoders whose result they render as
// one line (addresses, neighbours, routes, qdiscs, conntrack entries, ...)
// build that line, check cases and fuzz, and how they compare lines with
// what a tool printed.

// line builds the line a decoded message renders to: printf-style pieces,
// each optional one added only when the message carries its field.
type line struct{ strings.Builder }

// add appends a piece.
func (l *line) add(format string, args ...any) { fmt.Fprintf(&l.Builder, format, args...) }

// opt appends a piece when has is true.
func (l *line) opt(has bool, format string, args ...any) {
	if has {
		l.add(format, args...)
	}
}

// addrOrDash is an address on a decoded line, "-" when not sent.
func addrOrDash(a netip.Addr) string {
	if !a.IsValid() {
		return "-"
	}
	return a.String()
}

// lineMsg is a decoder of one message.
type lineMsg[M any] interface {
	*M
	UnmarshalBinary([]byte) error
}

// viewCase is one case of a decoder's table: the bytes, and what the
// decoded value views as (W) or the error.
type viewCase[W any] struct {
	name    string
	b       []byte
	want    W
	wantErr string // a part of the error (decoded)
}

// checkViewCases decodes each case's bytes and compares what view makes
// of the result with want, or the error with wantErr.
func checkViewCases[T, W any](t *testing.T, decode func([]byte) (T, error), view func(*testing.T, T) W, cases []viewCase[W]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decode(tt.b)
			if !decoded(t, err, tt.wantErr) {
				return
			}
			checkDiff(t, "(-want +got)", tt.want, view(t, v))
		})
	}
}

// lineCase is one case of a line decoder's table: want is the line.
type lineCase = viewCase[string]

// checkLineCases decodes each case into a fresh message and compares the
// line it renders to with want, or the error with wantErr.
func checkLineCases[M any, P lineMsg[M]](t *testing.T, line func(P) string, cases []lineCase) {
	t.Helper()
	checkViewCases(t, func(b []byte) (P, error) {
		m := P(new(M))
		return m, m.UnmarshalBinary(b)
	}, func(_ *testing.T, m P) string { return line(m) }, cases)
}

// checkRecordedLines decodes each case recorded in testdata/<dir> (at least
// least of them) and compares the line it renders to with the one the
// recorder decoded, after "# decoded" in the .txt.
func checkRecordedLines[M any, P lineMsg[M]](t *testing.T, dir string, least int, line func(P) string) {
	t.Helper()
	eachRecording(t, dir, least, func(t *testing.T, bin []byte, txt string) {
		m := P(new(M))
		if err := m.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		checkDiff(t, "(-recorded +decoded)", strings.TrimSpace(section(t, txt, "# decoded\n")), line(m))
	})
}

// fuzzLine is the fuzz target of such a decoder, seeded from testdata/<dir>:
// decoding must not panic, and depends on nothing but the bytes (a copy
// decodes to the same line, in a fresh message and in each that used
// returns, one that held another decode).
func fuzzLine[M any, P lineMsg[M]](f *testing.F, dir string, line func(P) string, used ...func() P) {
	fuzzFiles(f, dir)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := P(new(M))
		if m.UnmarshalBinary(b) != nil {
			return
		}
		for _, m2 := range append([]func() P{func() P { return P(new(M)) }}, used...) {
			m2 := m2()
			if err := m2.UnmarshalBinary(bytes.Clone(b)); err != nil {
				t.Fatalf("copy fails: %v", err)
			}
			if l1, l2 := line(m), line(m2); l1 != l2 {
				t.Fatalf("copy decodes %q, original %q", l2, l1)
			}
		}
	})
}

// checkLines sorts got and compares it with want (sorted already): what a
// tool (ss, nft, conntrack) printed, or what a test expects; what names the
// comparison.
func checkLines(t *testing.T, what string, want, got []string) {
	t.Helper()
	slices.Sort(got)
	checkDiff(t, what+" (-want +got)", want, got)
}

// checkDiff reports how got differs from want (cmp.Diff), after what: what
// is compared and the sense of the diff, as in "groups (-want +got)".
func checkDiff(t *testing.T, what string, want, got any) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s:\n%s", what, diff)
	}
}

// decoded checks a decoder's error in a table of cases: with wantErr set,
// the error must contain it and the case ends (false); otherwise there must
// be none, and the case goes on to check what was decoded (true).
func decoded(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err %v, want %q", err, wantErr)
		}
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// recordLines writes each of msgs, the payloads of a dump in a namespace
// built with cmds, to testdata/<dir>/<name>.bin, where name and what a
// tool shows of it come from about. The .txt says how it was recorded,
// then shown, then, after "# decoded", the line it decodes to, which
// checkRecordedLines compares with. A message about does not keep is left out.
func recordLines[M any, P lineMsg[M]](t *testing.T, dir string, cmds []string, msgs [][]byte, line func(P) string,
	about func(P) (name, shown string, keep bool)) {
	t.Helper()
	header := fmt.Sprintf("recorded by `go test ./netlinkx -run %s -record` in a namespace built with:\n  %s\n", t.Name(), strings.Join(cmds, "\n  "))
	seen := map[string]int{}
	for _, b := range msgs {
		m := P(new(M))
		if err := m.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		name, shown, keep := about(m)
		if !keep {
			continue
		}
		name = strings.NewReplacer(":", "_", ".", "_", "/", "_").Replace(name)
		if seen[name]++; seen[name] > 1 {
			name += fmt.Sprintf("_%d", seen[name])
		}
		writeRecording(t, filepath.Join(dir, name), b, header+"\n"+shown+"\n# decoded\n"+line(m)+"\n")
	}
}

// checkReused decodes held and then b into one message, and b into a fresh
// one: the reused message must render as the fresh one, keeping nothing of
// held (the dumps reuse one message). It returns the reused message.
func checkReused[M any, P lineMsg[M]](t *testing.T, line func(P) string, held, b []byte) P {
	t.Helper()
	m, fresh := P(new(M)), P(new(M))
	for _, err := range []error{m.UnmarshalBinary(held), m.UnmarshalBinary(b), fresh.UnmarshalBinary(b)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkDiff(t, "(-fresh +reused)", line(fresh), line(m))
	return m
}

// decodeBoth decodes b with jsimonetti/rtnetlink's decoder into theirs,
// skipping the case when it fails (why says what that means), and with ours
// into ours, which must not fail.
func decodeBoth(t *testing.T, b []byte, theirs, ours encoding.BinaryUnmarshaler, why string) {
	t.Helper()
	if err := theirs.UnmarshalBinary(b); err != nil {
		t.Skipf("rtnetlink cannot decode it (%v)%s", err, why)
	}
	if err := ours.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
}

// dumped runs dump (DumpRoutes, DumpRules, DumpNeigh, DumpNexthops, DumpInet) for req
// and returns what view makes of each message keep keeps (nil: every one):
// its line, or the field a test compares.
func dumped[R, M, V any](t *testing.T, dump func(context.Context, R, func(*M) error) error, req R, view func(*M) V, keep func(*M) bool) []V {
	t.Helper()
	var out []V
	err := dump(t.Context(), req, func(m *M) error {
		if keep == nil || keep(m) {
			out = append(out, view(m))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
