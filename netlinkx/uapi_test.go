package netlinkx

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// notPlain has a field Go aligns differently from the packed binary layout,
// so decodeUAPI must take the binary.Decode path for it.
type notPlain struct {
	A uint8  `kernel:"a"`
	B uint32 `kernel:"b"`
}

// TestDecodeUAPIPaths checks that the plain-copy path and the binary.Decode
// path give the same values, for full, short and long input.
func TestDecodeUAPIPaths(t *testing.T) {
	if !uapiLayoutOf[TCPInfo]().plain {
		t.Fatal("TCPInfo is not plain: decodeUAPI would fall back to binary.Decode")
	}
	if uapiLayoutOf[notPlain]().plain {
		t.Fatal("notPlain taken as plain")
	}
	src := make([]byte, SizeofTCPInfo+16)
	for i := range src {
		src[i] = byte(i*7 + 3)
	}
	for _, n := range []int{0, 1, 100, 232, SizeofTCPInfo, len(src)} {
		var fast, slow TCPInfo
		sent, err := decodeUAPI(src[:n], &fast)
		if err != nil {
			t.Fatal(err)
		}
		padded := make([]byte, SizeofTCPInfo)
		copy(padded, src[:n])
		if _, err := binary.Decode(padded, binary.NativeEndian, &slow); err != nil {
			t.Fatal(err)
		}
		if want := min(n, SizeofTCPInfo); sent != want {
			t.Errorf("%d bytes: sent %d, want %d", n, sent, want)
		}
		if diff := cmp.Diff(slow, fast, cmp.AllowUnexported(TCPInfo{})); diff != "" {
			t.Errorf("%d bytes: (-binary.Decode +decodeUAPI):\n%s", n, diff)
		}
	}
	var np notPlain
	if sent, err := decodeUAPI([]byte{1, 2, 0, 0, 0}, &np); err != nil || sent != 5 || np != (notPlain{1, 2}) {
		t.Errorf("notPlain: %+v, %d, %v", np, sent, err)
	}
}
