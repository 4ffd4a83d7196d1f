package tables

import (
	"unsafe"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// StructColumns returns one column per `kernel`-tagged field of the uapi
// mirror struct S (see netlinkx.UAPIFields), named by the tag, in struct
// order. get returns the struct of a row and how many bytes of it the kernel
// sent; a cell is NULL when get returns nil or the field lies past what was
// sent (an older kernel). 64-bit unsigned fields are UNSIGNED BIGINT, the
// rest BIGINT. Every column Needs need, and doc gives its description.
func StructColumns[T, S any](need Need[T], doc func(f netlinkx.UAPIField) string, get func(*T) (*S, int)) []Column[T] {
	fields := netlinkx.UAPIFields[S]()
	cols := make([]Column[T], 0, len(fields))
	for _, f := range fields {
		typ := TypeBigInt
		if f.Size == 8 && !f.Signed {
			typ = TypeUnsignedBigInt
		}
		read := uapiReader(f)
		cols = append(cols, Col(f.Name, typ, doc(f), func(t *T) Value {
			s, sent := get(t)
			if s == nil || !f.Sent(sent) {
				return Null
			}
			return read(unsafe.Pointer(s))
		}).Needs(need))
	}
	return cols
}

// uapiReader returns a function that reads field f of a mirror struct at p.
func uapiReader(f netlinkx.UAPIField) func(p unsafe.Pointer) Value {
	off := f.GoOffset
	switch {
	case f.Size == 8 && f.Signed:
		return func(p unsafe.Pointer) Value { return IntValue(*(*int64)(unsafe.Add(p, off))) }
	case f.Size == 8:
		return func(p unsafe.Pointer) Value { return UintValue(*(*uint64)(unsafe.Add(p, off))) }
	case f.Size == 4 && f.Signed:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*int32)(unsafe.Add(p, off)))) }
	case f.Size == 4:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*uint32)(unsafe.Add(p, off)))) }
	case f.Size == 2 && f.Signed:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*int16)(unsafe.Add(p, off)))) }
	case f.Size == 2:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*uint16)(unsafe.Add(p, off)))) }
	case f.Signed:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*int8)(unsafe.Add(p, off)))) }
	default:
		return func(p unsafe.Pointer) Value { return IntValue(int64(*(*uint8)(unsafe.Add(p, off)))) }
	}
}
