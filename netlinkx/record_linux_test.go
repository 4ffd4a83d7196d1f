package netlinkx_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/netlinkq/netlinkq/netlinkx"
	"github.com/netlinkq/netlinkq/netlinkx/nstest"
	"golang.org/x/sys/unix"
)

// This file holds what the tests share to record testdata from the kernel
// and to read it back: each case is testdata/<dir>/<name>.bin, the bytes,
// and beside it a .txt that starts with `uname -r` and the date, and says
// how it was made.

// record is the -record flag: `go test -run TestRecord -record` re-records
// the testdata from the running kernel, as root, in a namespace.
var record = flag.Bool("record", false, "re-record testdata from the running kernel (root)")

// needRecord skips a TestRecord* test unless -record was given.
func needRecord(t *testing.T) {
	t.Helper()
	if !*record {
		t.Skip("re-records testdata: go test ./netlinkx -run TestRecord -record (root)")
	}
}

// writeRecording writes testdata/<base>.bin and, beside it, the .txt: the
// lines "uname -r: <release>" and "recorded: <date, UTC>", then txt. It
// makes the directory.
func writeRecording(t testing.TB, base string, bin []byte, txt string) {
	t.Helper()
	path := filepath.Join("testdata", base)
	release := strings.TrimSpace(string(must(os.ReadFile("/proc/sys/kernel/osrelease"))))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".bin", bin, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".txt", []byte("uname -r: "+release+"\nrecorded: "+time.Now().UTC().Format(time.DateOnly)+"\n"+txt), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readRecording returns testdata/<base>.bin and the text of its .txt.
func readRecording(t testing.TB, base string) (bin []byte, txt string) {
	t.Helper()
	path := filepath.Join("testdata", base)
	bin, err := os.ReadFile(path + ".bin")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	return bin, string(b)
}

// recordingNames lists the cases recorded in testdata/<dir>, as
// "<dir>/<name>" for readRecording.
func recordingNames(dir string) []string {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.bin"))
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".bin"))
	}
	return names
}

// eachRecording runs fn as a subtest, named for the file, on each case
// recorded in testdata/<dir>: its .bin and the text of its .txt. It skips on
// big-endian hosts (the recordings are little-endian) and fails when there
// are fewer than least cases.
func eachRecording(t *testing.T, dir string, least int, fn func(t *testing.T, bin []byte, txt string)) {
	t.Helper()
	nstest.NeedLittleEndian(t)
	names := recordingNames(dir)
	if len(names) < least {
		t.Fatalf("%d cases in testdata/%s, want at least %d", len(names), dir, least)
	}
	for _, name := range names {
		t.Run(filepath.Base(name)+".bin", func(t *testing.T) {
			bin, txt := readRecording(t, name)
			fn(t, bin, txt)
		})
	}
}

// fuzzFiles adds each testdata/<dir>/*.bin, one message, to f's corpus.
func fuzzFiles(f *testing.F, dir string) {
	for _, name := range recordingNames(dir) {
		bin, _ := readRecording(f, name)
		f.Add(bin)
	}
}

// fuzzDecode is the fuzz target of a Decode* function, seeded from
// testdata/<dir>: check runs on what each input that decodes gives.
func fuzzDecode[T any](f *testing.F, dir string, decode func([]byte) (T, error), check func(t *testing.T, v T, b []byte)) {
	fuzzFiles(f, dir)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := decode(b); err == nil {
			check(t, v, b)
		}
	})
}

// section returns what follows the line marker in a recording's .txt,
// where the recorder put what it was compared with.
func section(t testing.TB, txt, marker string) string {
	t.Helper()
	_, after, ok := strings.Cut(txt, marker)
	if !ok {
		t.Fatalf("no %q section in the recording's .txt", strings.TrimSpace(marker))
	}
	return after
}

// ipJSON returns the JSON array that `ip -j` printed, in a recording's .txt.
func ipJSON(t *testing.T, txt string) []map[string]any {
	t.Helper()
	i := strings.Index(txt, "[{")
	if i < 0 {
		t.Fatalf("no ip JSON in testdata text")
	}
	var v []map[string]any
	if err := json.Unmarshal([]byte(txt[i:]), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonNum is a JSON number as a uint64, or 0.
func jsonNum(v any) uint64 {
	f, _ := v.(float64)
	return uint64(f)
}

// dumpMessages runs req and returns the replies, each payload copied out of
// the receive buffer.
func dumpMessages(t testing.TB, req netlinkx.DumpRequest) []netlink.Message {
	t.Helper()
	var msgs []netlink.Message
	err := netlinkx.Dump(t.Context(), req, func(h netlink.Header, b []byte) error {
		msgs = append(msgs, netlink.Message{Header: h, Data: bytes.Clone(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// dumpOne runs req, a request with one reply, and returns that reply's payload.
func dumpOne(t testing.TB, req netlinkx.DumpRequest) []byte {
	t.Helper()
	msgs := dumpMessages(t, req)
	if len(msgs) != 1 {
		t.Fatalf("request type %d: %d replies, want 1", req.Type, len(msgs))
	}
	return msgs[0].Data
}

// framed lays msgs out as the kernel sent them: each nlmsghdr (length,
// type, flags, sequence, port ID), its payload, and padding to 4 bytes.
func framed(msgs []netlink.Message) []byte {
	var bin []byte
	for _, m := range msgs {
		bin = binary.NativeEndian.AppendUint32(bin, uint32(unix.NLMSG_HDRLEN+len(m.Data)))
		bin = binary.NativeEndian.AppendUint16(bin, uint16(m.Header.Type))
		bin = binary.NativeEndian.AppendUint16(bin, uint16(m.Header.Flags))
		bin = binary.NativeEndian.AppendUint32(bin, m.Header.Sequence)
		bin = binary.NativeEndian.AppendUint32(bin, m.Header.PID)
		bin = pad4(append(bin, m.Data...))
	}
	return bin
}

// nlmsgPayloads splits what framed wrote back into the payloads.
func nlmsgPayloads(t testing.TB, bin []byte) (payloads [][]byte) {
	t.Helper()
	for b := bin; len(b) >= unix.NLMSG_HDRLEN; {
		l := int(binary.NativeEndian.Uint32(b[0:4]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			t.Fatalf("bad nlmsg_len %d at byte %d", l, len(bin)-len(b))
		}
		payloads = append(payloads, b[unix.NLMSG_HDRLEN:l])
		b = b[min((l+3)&^3, len(b)):]
	}
	return payloads
}

// attr encodes one netlink attribute, padded.
func attr(typ uint16, data ...byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, uint16(4+len(data)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	return pad4(append(b, data...))
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// u16, u32 and u64 encode each of vs in host order, as netlink's own
// headers and most attributes carry them; be16, be32 and be64 in network
// order, as netfilter's attributes and ports do.
func u16(vs ...uint16) []byte { return appendEach(binary.NativeEndian.AppendUint16, vs) }

func u32(vs ...uint32) []byte { return appendEach(binary.NativeEndian.AppendUint32, vs) }

func u64(vs ...uint64) []byte { return appendEach(binary.NativeEndian.AppendUint64, vs) }

func be16(vs ...uint16) []byte { return appendEach(binary.BigEndian.AppendUint16, vs) }

func be32(vs ...uint32) []byte { return appendEach(binary.BigEndian.AppendUint32, vs) }

func be64(vs ...uint64) []byte { return appendEach(binary.BigEndian.AppendUint64, vs) }

func appendEach[T any](put func([]byte, T) []byte, vs []T) []byte {
	var b []byte
	for _, v := range vs {
		b = put(b, v)
	}
	return b
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// withAttrs is a message's payload: its fixed header, then its attributes.
func withAttrs(hdr []byte, attrs ...[]byte) []byte { return cat(hdr, cat(attrs...)) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// create sends an rtnetlink request of type typ (RTM_NEW*) with payload
// data to the namespace ns, to make what ip has no syntax for, and returns
// the kernel's answer (nil: made).
func create(t testing.TB, ns netlinkx.NetNS, typ netlink.HeaderType, data []byte) error {
	t.Helper()
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: int(ns)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: typ, Flags: netlink.Request | netlink.Acknowledge | netlink.Create | netlink.Excl},
		Data:   data,
	})
	return err
}
