package netlinkx_test

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/netlinkq/netlinkq/netlinkx"
)

// checkMirror checks T, the mirror of a kernel struct: binary.Size(T) must
// be size (the struct's sizeof), and each field of want at its offset in the
// kernel's header. It returns T's fields.
func checkMirror[T any](t *testing.T, size int, want map[string]int) []netlinkx.UAPIField {
	t.Helper()
	var v T
	if got := binary.Size(v); got != size {
		t.Errorf("binary.Size(%T) = %d, want %d", v, got, size)
	}
	fields := netlinkx.UAPIFields[T]()
	offsets := map[string]int{}
	for _, f := range fields {
		offsets[f.Name] = f.Offset
	}
	for name, off := range want {
		if offsets[name] != off {
			t.Errorf("%s at offset %d, want %d", name, offsets[name], off)
		}
	}
	return fields
}

// TestTCPInfoSize checks the mirror against sizeof(struct tcp_info) of
// kernel 6.18 and offsets in its linux/tcp.h (checked against gcc below
// when it is installed).
func TestTCPInfoSize(t *testing.T) {
	checkMirror[netlinkx.TCPInfo](t, netlinkx.SizeofTCPInfo, map[string]int{"rto_us": 8, "rtt_us": 68, "total_retrans": 100,
		"pacing_rate": 104, "bytes_sent": 200, "bytes_retrans": 208, "snd_wnd": 228, "rcv_wnd": 232, "total_rto": 240,
		"received_ce": 248, "received_ce_bytes": 272})
}

// TestTCPInfoOffsetsC compiles C programs against this machine's
// linux/tcp.h and compares sizeof and the offset of every field the header
// has (a build machine's header may be older than the mirror).
func TestTCPInfoOffsetsC(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("needs cc and linux-libc-dev to compare with linux/tcp.h")
	}
	exe := filepath.Join(t.TempDir(), "p")
	run := func(body string) []int {
		t.Helper()
		compile := exec.Command(cc, "-x", "c", "-o", exe, "-")
		compile.Stdin = strings.NewReader("#include <stdio.h>\n#include <stddef.h>\n#include <linux/tcp.h>\nint main(void){" + body + "return 0;}\n")
		if out, err := compile.CombinedOutput(); err != nil {
			t.Fatalf("cc: %v: %s", err, out)
		}
		out, err := exec.Command(exe).Output()
		if err != nil {
			t.Fatal(err)
		}
		var vals []int
		for _, f := range strings.Fields(string(out)) {
			v, _ := strconv.Atoi(f)
			vals = append(vals, v)
		}
		return vals
	}
	size := run(`printf("%zu\n", sizeof(struct tcp_info));`)[0]
	if size > netlinkx.SizeofTCPInfo {
		t.Errorf("sizeof(struct tcp_info) in linux/tcp.h is %d, the mirror only %d", size, netlinkx.SizeofTCPInfo)
	}
	var body strings.Builder
	var fields []netlinkx.UAPIField
	for _, f := range netlinkx.UAPIFields[netlinkx.TCPInfo]() {
		if f.Offset+f.Size > size {
			continue // newer than this header
		}
		n := f.Name
		if n != "tcpi_state" {
			n = "tcpi_" + strings.TrimSuffix(strings.TrimSuffix(n, "_us"), "_ms")
		}
		fmt.Fprintf(&body, `printf("%%zu\n", offsetof(struct tcp_info, %s));`, n)
		fields = append(fields, f)
	}
	offs := run(body.String())
	for i, f := range fields {
		if offs[i] != f.Offset {
			t.Errorf("%s: Go offset %d, C offset %d", f.Name, f.Offset, offs[i])
		}
	}
	t.Logf("linux/tcp.h: sizeof(struct tcp_info) = %d, %d fields compared", size, len(fields))
}

// tcpInfoField reads field f of ti as the kernel laid it out.
func tcpInfoField(ti *netlinkx.TCPInfo, f netlinkx.UAPIField) uint64 {
	return uintOf(unsafe.Slice((*byte)(unsafe.Pointer(ti)), unsafe.Sizeof(*ti))[f.GoOffset:], f.Size)
}

// uintOf reads the host-order unsigned integer of size bytes (1, 2, 4 or
// 8) at the start of b.
func uintOf(b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.NativeEndian.Uint16(b))
	case 4:
		return uint64(binary.NativeEndian.Uint32(b))
	}
	return binary.NativeEndian.Uint64(b)
}

func TestDecodeTCPInfoShort(t *testing.T) {
	full := make([]byte, netlinkx.SizeofTCPInfo+8) // a newer kernel's extra tail is ignored
	for i := range full {
		full[i] = byte(i)
	}
	tests := []struct {
		name     string
		b        []byte
		wantSent int
	}{
		{"6.1 (232 bytes)", full[:232], 232},
		{"4.9 (192 bytes)", full[:192], 192},
		{"empty", nil, 0},
		{"newer", full, netlinkx.SizeofTCPInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := append([]byte(nil), tt.b...)
			var ti netlinkx.TCPInfo
			sent, err := netlinkx.DecodeTCPInfo(tt.b, &ti)
			if err != nil {
				t.Fatal(err)
			}
			if sent != tt.wantSent {
				t.Errorf("sent %d, want %d", sent, tt.wantSent)
			}
			if diff := cmp.Diff(orig, tt.b); diff != "" {
				t.Errorf("input changed (-was +now):\n%s", diff)
			}
			for _, f := range netlinkx.UAPIFields[netlinkx.TCPInfo]() {
				v := tcpInfoField(&ti, f)
				if !f.Sent(sent) {
					if v != 0 {
						t.Errorf("%s not sent but %d", f.Name, v)
					}
					continue
				}
				if want := uintOf(tt.b[f.Offset:], f.Size); v != want {
					t.Errorf("%s = %#x, want %#x", f.Name, v, want)
				}
			}
		})
	}
}
