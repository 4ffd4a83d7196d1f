package netlinkx

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// UAPIField is one field of a Go mirror of a fixed-layout uapi struct
// (rtnl_link_stats64, tcp_info, ...) that carries a `kernel:"name"` tag: the
// name of the column it becomes, where it lies in the kernel's struct, and
// where it lies in the Go struct.
type UAPIField struct {
	// Name is the `kernel` tag: the kernel's field name without the struct prefix.
	Name string
	// Offset is the field's byte offset in the kernel's struct (the sum of
	// binary.Size of the fields before it, padding fields included).
	Offset int
	// Size is the field's size in bytes: 1, 2, 4 or 8.
	Size int
	// GoOffset is the field's offset in the Go struct (reflect.StructField.Offset).
	GoOffset uintptr
	// Signed is true for intN fields.
	Signed bool
}

// Sent reports whether a struct of which the kernel sent sent bytes holds f.
func (f UAPIField) Sent(sent int) bool { return f.Offset+f.Size <= sent }

var uapiFieldsCache sync.Map // reflect.Type → []UAPIField

// UAPIFields lists the `kernel`-tagged fields of the mirror struct S in
// struct order. S must hold only fixed-size integer fields and byte-array
// padding (named _ or untagged); it panics otherwise, at the first call,
// which a test of each mirror catches.
func UAPIFields[S any]() []UAPIField {
	t := reflect.TypeFor[S]()
	if v, ok := uapiFieldsCache.Load(t); ok {
		return v.([]UAPIField)
	}
	var out []UAPIField
	off := 0
	for i := range t.NumField() {
		f := t.Field(i)
		size := binary.Size(reflect.Zero(f.Type).Interface())
		if size < 0 {
			panic(fmt.Sprintf("netlinkx: %s.%s has no fixed size", t, f.Name))
		}
		if name, ok := f.Tag.Lookup("kernel"); ok {
			var signed bool
			switch f.Type.Kind() {
			case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				signed = true
			default:
				panic(fmt.Sprintf("netlinkx: %s.%s: a tagged field must be an integer", t, f.Name))
			}
			out = append(out, UAPIField{Name: name, Offset: off, Size: size, GoOffset: f.Offset, Signed: signed})
		}
		off += size
	}
	v, _ := uapiFieldsCache.LoadOrStore(t, out)
	return v.([]UAPIField)
}

// decodeUAPI fills the mirror struct v from the kernel's bytes b (native
// endian) and returns how many bytes of the struct the kernel sent. A short
// b from an older kernel is zero-padded in a copy (b is never written), and
// UAPIField.Sent tells the missing fields from real zeros; a longer b from a
// newer kernel has its tail ignored.
func decodeUAPI[S any](b []byte, v *S) (sent int, err error) {
	l := uapiLayoutOf[S]()
	if l.size < 0 {
		return 0, fmt.Errorf("%T has no fixed size", v)
	}
	if l.plain {
		// The Go struct is laid out as the kernel's: copy the bytes in.
		dst := unsafe.Slice((*byte)(unsafe.Pointer(v)), l.size)
		n := copy(dst, b)
		clear(dst[n:])
		return n, nil
	}
	if len(b) >= l.size {
		if _, err := binary.Decode(b[:l.size], binary.NativeEndian, v); err != nil {
			return 0, fmt.Errorf("decode %T: %w", v, err)
		}
		return l.size, nil
	}
	var stack [512]byte
	var padded []byte
	if l.size <= len(stack) {
		padded = stack[:l.size]
	} else {
		padded = make([]byte, l.size)
	}
	copy(padded, b)
	if _, err := binary.Decode(padded, binary.NativeEndian, v); err != nil {
		return 0, fmt.Errorf("decode %T: %w", v, err)
	}
	return len(b), nil
}

// uapiLayout is what decodeUAPI needs to know of a mirror struct's type.
type uapiLayout struct {
	size  int  // binary.Size: the kernel struct's size, -1 if not fixed
	plain bool // the Go layout is the kernel's: same size, every field at its binary offset
}

var uapiLayouts sync.Map // reflect.Type → uapiLayout

// uapiLayoutOf computes S's layout once.
func uapiLayoutOf[S any]() uapiLayout {
	t := reflect.TypeFor[S]()
	if l, ok := uapiLayouts.Load(t); ok {
		return l.(uapiLayout)
	}
	l := uapiLayout{size: binary.Size(reflect.Zero(t).Interface())}
	l.plain = l.size >= 0 && uintptr(l.size) == t.Size()
	off := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if uintptr(off) != f.Offset {
			l.plain = false
		}
		off += binary.Size(reflect.Zero(f.Type).Interface())
	}
	uapiLayouts.Store(t, l)
	return l
}
