package netlinkx_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// sockDiagCase is one recorded dump, asked with the struct *_diag_req req:
// testdata/<dir>/<name>.bin holds the reply messages (nlmsghdr and payload, as the kernel sent them) and
// <name>.txt the kernel release, how it was recorded and what ss printed at
// the same moment after a line "ss:".
type sockDiagCase struct {
	dir, name string
	ssArgs    []string
	req       []byte // the struct *_diag_req
}

var sockDiagCases = []sockDiagCase{
	{"unix_diag", "sockets", []string{"ss", "-xaH"}, diagReq(unix.AF_UNIX, 0, 24, 12, 0x7f, ^uint32(0))},
	{"netlink_diag", "sockets", []string{"ss", "-A", "netlink", "-aHn"},
		diagReq(unix.AF_NETLINK, netlinkx.NDIAG_PROTO_ALL, 20, 8, netlinkx.NDIAG_SHOW_MEMINFO|netlinkx.NDIAG_SHOW_GROUPS|netlinkx.NDIAG_SHOW_FLAGS, 0)},
	{"packet_diag", "sockets", []string{"ss", "-0", "-aH"}, diagReq(unix.AF_PACKET, 0, 20, 8, 0x3f, 0)},
}

// TestRecordSockDiag re-records testdata/{unix,netlink,packet}_diag with -record.
func TestRecordSockDiag(t *testing.T) {
	needRecord(t)
	nstest.NeedTool(t, "ss")
	ns, _ := startSockHelper(t)
	nsfd := ns.Open()
	for _, c := range sockDiagCases {
		bin := framed(dumpMessages(t, netlinkx.DumpRequest{Protocol: unix.NETLINK_SOCK_DIAG, NetNS: nsfd, Type: unix.SOCK_DIAG_BY_FAMILY,
			Flags: unix.NLM_F_DUMP, Data: c.req}))
		out := ns.Run(c.ssArgs...)
		txt := fmt.Sprintf("recorded by: go test -run TestRecordSockDiag -record (netlinkx/unix_diag_linux_test.go),\n"+
			"a SOCK_DIAG_BY_FAMILY dump in a fresh namespace where TestSockDiagHelper holds its sockets\n"+
			"(paths under a temporary directory), then `%s` there:\nss:\n%s", strings.Join(c.ssArgs, " "), out)
		writeRecording(t, c.dir+"/"+c.name, bin, txt)
	}
}

// diagReq builds a struct *_diag_req of size bytes: sdiag_family,
// sdiag_protocol, the show bits at showOff and, for unix_diag, udiag_states.
func diagReq(family, protocol uint8, size, showOff int, show, states uint32) []byte {
	b := make([]byte, size)
	b[0], b[1] = family, protocol
	copy(b[showOff:], u32(show))
	if family == unix.AF_UNIX {
		copy(b[4:8], u32(states))
	}
	return b
}

// recorded returns the payloads of the messages in testdata/<dir>/<name>.bin
// and the ss lines of its .txt. It skips on big-endian hosts: the recordings
// are little-endian.
func recorded(t testing.TB, dir, name string) (payloads [][]byte, ssLines []string) {
	t.Helper()
	nstest.NeedLittleEndian(t)
	bin, txt := readRecording(t, dir+"/"+name)
	return nlmsgPayloads(t, bin), ssLines0(section(t, txt, "\nss:\n"))
}

// ssLines0 splits ss output into lines of single-space-separated fields, sorted.
func ssLines0(out string) []string {
	var lines []string
	for l := range strings.SplitSeq(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	slices.Sort(lines)
	return lines
}

// ssUnixLine renders m as `ss -xaH` prints it.
func ssUnixLine(m *netlinkx.UnixDiagMsg) string {
	netid := map[uint8]string{unix.SOCK_STREAM: "u_str", unix.SOCK_DGRAM: "u_dgr", unix.SOCK_SEQPACKET: "u_seq"}[m.Type]
	state := map[uint8]string{1: "ESTAB", 7: "UNCONN", 10: "LISTEN"}[m.State]
	local := m.Path()
	if local == "" {
		local = "*"
	}
	return fmt.Sprintf("%s %s %d %d %s %d * %d", netid, state, m.RQueue, m.WQueue, local, m.Inode, m.Peer)
}

// normalizeUnixPaths keeps only the base name of socket paths, which lie in
// a temporary directory that differs between runs.
func normalizeUnixPaths(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 4 && strings.HasPrefix(f[4], "/") {
			f[4] = filepath.Base(f[4])
		}
		out[i] = strings.Join(f, " ")
	}
	slices.Sort(out)
	return out
}

func TestUnixDiagRecorded(t *testing.T) {
	got, want := decodeRecordedSockets(t, "unix_diag", ssUnixLine)
	checkLines(t, "decoded recording vs ss -xaH", want, got)
}

func TestUnixDiagLive(t *testing.T) {
	nsfd, want := helperSockets(t, "ss", "-xaH")
	var got []string
	names := map[string]bool{}
	err := netlinkx.DumpUnix(t.Context(), netlinkx.UnixDiagReq{NetNS: nsfd, Show: netlinkx.UDIAG_SHOW_NAME | netlinkx.UDIAG_SHOW_PEER | netlinkx.UDIAG_SHOW_RQLEN}, func(m *netlinkx.UnixDiagMsg) error {
		got = append(got, ssUnixLine(m))
		names[m.StateName()+" "+m.TypeName()+" "+filepath.Base(m.Path())] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, "netlinkx.DumpUnix vs ss -xaH", normalizeUnixPaths(want), normalizeUnixPaths(got))
	for _, n := range []string{"LISTEN stream stream.sock", "LISTEN stream @nlq-abstract@x", "LISTEN seqpacket seq.sock",
		"NONE dgram dgram.sock", "ESTABLISHED stream .", "ESTABLISHED dgram .", "ESTABLISHED seqpacket ."} {
		if !names[n] {
			t.Errorf("no socket %q among %v", n, names)
		}
	}

	// Only the states asked for come back.
	err = netlinkx.DumpUnix(t.Context(), netlinkx.UnixDiagReq{NetNS: nsfd, States: 1 << 10}, func(m *netlinkx.UnixDiagMsg) error {
		if m.StateName() != "LISTEN" || m.Has(netlinkx.UNIX_DIAG_NAME) {
			t.Errorf("States LISTEN, no show bits: got %s with name %q", m.StateName(), m.Name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUnixDiagUnmarshal(t *testing.T) {
	hdr := []byte{unix.AF_UNIX, unix.SOCK_STREAM, 10, 0, 0x39, 0x30, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0} // ino 12345, cookie 1 | 2<<32
	base := netlinkx.UnixDiagMsg{Family: unix.AF_UNIX, Type: unix.SOCK_STREAM, State: 10, Inode: 12345, Cookie: 1 | 2<<32}
	with := func(f func(m *netlinkx.UnixDiagMsg)) netlinkx.UnixDiagMsg { m := base; f(&m); return m }
	tests := []struct {
		name    string
		b       []byte
		want    netlinkx.UnixDiagMsg
		has     []uint16 // attributes Has reports
		path    string
		wantErr string
	}{
		{name: "header only", b: hdr, want: base},
		{name: "short", b: hdr[:15], wantErr: "unix_diag_msg: 15 bytes, want at least 16"},
		{name: "path", b: cat(hdr, attr(netlinkx.UNIX_DIAG_NAME, []byte("/run/x.sock\x00")...)),
			want: with(func(m *netlinkx.UnixDiagMsg) { m.Name = []byte("/run/x.sock\x00") }),
			has:  []uint16{netlinkx.UNIX_DIAG_NAME}, path: "/run/x.sock"},
		{name: "abstract", b: cat(hdr, attr(netlinkx.UNIX_DIAG_NAME, []byte("\x00a\x00b")...)),
			want: with(func(m *netlinkx.UnixDiagMsg) { m.Name = []byte("\x00a\x00b") }),
			has:  []uint16{netlinkx.UNIX_DIAG_NAME}, path: "@a@b"},
		{name: "rqlen peer uid shutdown vfs",
			b: cat(hdr, attr(netlinkx.UNIX_DIAG_RQLEN, cat(u32(3), u32(128))...), attr(netlinkx.UNIX_DIAG_PEER, u32(99)...),
				attr(netlinkx.UNIX_DIAG_UID, u32(1000)...), attr(netlinkx.UNIX_DIAG_SHUTDOWN, 3), attr(netlinkx.UNIX_DIAG_VFS, cat(u32(7), u32(0x801))...)),
			want: with(func(m *netlinkx.UnixDiagMsg) {
				m.RQueue, m.WQueue, m.Peer, m.UID, m.Shutdown, m.VFSInode, m.VFSDev = 3, 128, 99, 1000, 3, 7, 0x801
			}),
			has: []uint16{netlinkx.UNIX_DIAG_VFS, netlinkx.UNIX_DIAG_PEER, netlinkx.UNIX_DIAG_RQLEN, netlinkx.UNIX_DIAG_SHUTDOWN, netlinkx.UNIX_DIAG_UID}},
		{name: "unknown attribute skipped", b: cat(hdr, attr(200, 1, 2, 3), attr(netlinkx.UNIX_DIAG_PEER, u32(5)...)),
			want: with(func(m *netlinkx.UnixDiagMsg) { m.Peer = 5 }), has: []uint16{netlinkx.UNIX_DIAG_PEER}},
		{name: "longer struct from a newer kernel", b: cat(hdr, attr(netlinkx.UNIX_DIAG_RQLEN, cat(u32(1), u32(2), u32(3))...)),
			want: with(func(m *netlinkx.UnixDiagMsg) { m.RQueue, m.WQueue = 1, 2 }), has: []uint16{netlinkx.UNIX_DIAG_RQLEN}},
		{name: "icons and meminfo",
			b: cat(hdr, attr(netlinkx.UNIX_DIAG_ICONS, cat(u32(1), u32(2))...), attr(netlinkx.UNIX_DIAG_MEMINFO, cat(u32(10), u32(20))...)),
			want: with(func(m *netlinkx.UnixDiagMsg) {
				m.Icons, m.SKMemInfo = cat(u32(1), u32(2)), cat(u32(10), u32(20))
			}),
			has: []uint16{netlinkx.UNIX_DIAG_ICONS, netlinkx.UNIX_DIAG_MEMINFO}},
		{name: "peer too short", b: cat(hdr, attr(netlinkx.UNIX_DIAG_PEER, 1, 2)), wantErr: "unix_diag_msg inode 12345: attribute 2: 2 bytes, want 4"},
		{name: "rqlen too short", b: cat(hdr, attr(netlinkx.UNIX_DIAG_RQLEN, u32(1)...)), wantErr: "unix_diag_msg inode 12345: attribute 4: 4 bytes, want at least 8"},
		{name: "meminfo ragged", b: cat(hdr, attr(netlinkx.UNIX_DIAG_MEMINFO, 1, 2, 3, 4, 5)), wantErr: "unix_diag_msg inode 12345: attribute 5: 5 bytes, not a multiple of 4"},
		{name: "attribute overruns", b: cat(hdr, []byte{40, 0, 2, 0, 1, 0, 0, 0}), wantErr: "unix_diag_msg inode 12345: attribute 2: length 40 with 8 bytes left"},
		{name: "trailing bytes", b: cat(hdr, []byte{1, 2}), wantErr: "unix_diag_msg inode 12345: 2 trailing bytes after the last attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := checkDecode(t, tt.b, tt.want, tt.has, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got := m.Path(); got != tt.path {
				t.Errorf("Path() = %q, want %q", got, tt.path)
			}
		})
	}
	m := netlinkx.UnixDiagMsg{Icons: cat(u32(4), u32(5)), SKMemInfo: cat(u32(1), u32(2))}
	checkDiff(t, "IconInodes (-want +got)", []uint32{4, 5}, m.IconInodes())
	if v, ok := m.SKMemInfoValue(unix.SK_MEMINFO_RCVBUF); v != 2 || !ok {
		t.Errorf("SKMemInfoValue(RCVBUF) = %d, %v", v, ok)
	}
	if _, ok := m.SKMemInfoValue(unix.SK_MEMINFO_SNDBUF); ok {
		t.Errorf("SKMemInfoValue(SNDBUF) ok with 2 values")
	}
}

// decodeRecordedSockets decodes every message recorded in testdata/dir and
// returns line's rendering of each (an empty line is left out) and the ss
// lines recorded beside them.
func decodeRecordedSockets[M any, P sockDiagMsg[M]](t *testing.T, dir string, line func(P) string) (got, ssLines []string) {
	t.Helper()
	payloads, ssLines := recorded(t, dir, "sockets")
	m := P(new(M))
	for _, p := range payloads {
		if err := m.UnmarshalBinary(p); err != nil {
			t.Fatal(err)
		}
		if l := line(m); l != "" {
			got = append(got, l)
		}
	}
	return got, ssLines
}

// sockDiagMsg is a sock_diag message decoder as the case tables test it.
type sockDiagMsg[M any] interface {
	*M
	UnmarshalBinary([]byte) error
	Has(uint16) bool
}

// checkDecode decodes b into a fresh message and checks the error (when
// wantErr is set), else the fields (unexported ones ignored) and the
// attributes Has reports; it returns the message for further checks.
func checkDecode[M any, P sockDiagMsg[M]](t *testing.T, b []byte, want M, has []uint16, wantErr string) *M {
	t.Helper()
	m := P(new(M))
	err := m.UnmarshalBinary(b)
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("error %v, want %q", err, wantErr)
		}
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, *m, cmpopts.IgnoreUnexported(want)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	checkDiff(t, "Has (-want +got)", has, hasList(m.Has))
	return m
}

// decodeCase is one case of a sock_diag decoder's table: the bytes, and the
// message and attributes they decode to, or the error.
type decodeCase[M any] struct {
	name    string
	b       []byte
	want    M
	has     []uint16
	wantErr string
}

// checkDecodeCases runs checkDecode on each case.
func checkDecodeCases[M any, P sockDiagMsg[M]](t *testing.T, cases []decodeCase[M]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			checkDecode[M, P](t, tt.b, tt.want, tt.has, tt.wantErr)
		})
	}
}

// hasList lists the attribute types below 32 that has reports, or nil.
func hasList(has func(uint16) bool) []uint16 {
	var out []uint16
	for typ := range uint16(32) {
		if has(typ) {
			out = append(out, typ)
		}
	}
	return out
}

// TestSockNames checks the name tables spelt out for other OSes against x/sys/unix.
func TestSockNames(t *testing.T) {
	for typ, want := range map[int]string{unix.SOCK_STREAM: "stream", unix.SOCK_DGRAM: "dgram", unix.SOCK_RAW: "raw",
		unix.SOCK_RDM: "rdm", unix.SOCK_SEQPACKET: "seqpacket", unix.SOCK_DCCP: "dccp", unix.SOCK_PACKET: "packet", 42: "42"} {
		if got := netlinkx.SockTypeName(uint8(typ)); got != want {
			t.Errorf("netlinkx.SockTypeName(%d) = %q, want %q", typ, got, want)
		}
	}
	for state, want := range map[uint8]string{unix.BPF_TCP_ESTABLISHED: "ESTABLISHED", unix.BPF_TCP_LISTEN: "LISTEN", unix.BPF_TCP_CLOSE: "NONE"} {
		m := netlinkx.UnixDiagMsg{State: state}
		if got := m.StateName(); got != want {
			t.Errorf("unix StateName(%d) = %q, want %q", state, got, want)
		}
	}
}

// fuzzDiagMsg is the fuzz target of a sock_diag decoder, seeded from
// testdata/<dir>: decoding must not panic, nor must read on what it
// decoded, and decoding the same bytes into a message dirty has filled gives
// the same message (decoding is deterministic and keeps nothing of the last one).
func fuzzDiagMsg[M any, P sockDiagMsg[M]](f *testing.F, dir string, read, dirty func(P)) {
	fuzzSeeds(f, dir)
	f.Fuzz(func(t *testing.T, b []byte) {
		m := P(new(M))
		if err := m.UnmarshalBinary(b); err != nil {
			return
		}
		read(m)
		again := P(new(M))
		dirty(again)
		if err := again.UnmarshalBinary(b); err != nil {
			t.Fatalf("second decode: %v", err)
		}
		if diff := cmp.Diff(*m, *again, cmp.AllowUnexported(*m)); diff != "" {
			t.Fatalf("decode not repeatable (-first +second):\n%s", diff)
		}
	})
}

// fuzzSeeds adds the recorded messages of testdata/<dir> to f's corpus.
func fuzzSeeds(f *testing.F, dir string) {
	payloads, _ := recorded(f, dir, "sockets")
	for _, p := range payloads {
		f.Add(p)
	}
}

func FuzzUnixDiagMsg(f *testing.F) {
	fuzzDiagMsg(f, "unix_diag", func(m *netlinkx.UnixDiagMsg) {
		_, _, _ = m.Path(), m.TypeName(), m.StateName()
		_ = m.IconInodes()
		_, _ = m.SKMemInfoValue(unix.SK_MEMINFO_DROPS)
	}, func(m *netlinkx.UnixDiagMsg) { m.Peer = 42 })
}
