package nstest

import (
	"encoding/binary"
	"testing"
)

// LittleEndian reports whether the recorded testdata, a little-endian
// host's native-endian netlink bytes, replays on this host.
func LittleEndian() bool { return binary.NativeEndian.Uint16([]byte{1, 0}) == 1 }

// NeedLittleEndian skips a test of recorded testdata on a big-endian host,
// naming why.
func NeedLittleEndian(t testing.TB) {
	t.Helper()
	if !LittleEndian() {
		t.Skip("testdata was recorded on a little-endian host")
	}
}
