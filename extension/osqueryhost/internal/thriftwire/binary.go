package thriftwire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Type is a Thrift type (TType), one byte on the wire before a field and in
// a list or map header.
type Type byte

// The types of thrift/protocol/TType.h. Field 0 of type TypeStop ends a struct.
const (
	TypeStop   Type = 0
	TypeVoid   Type = 1
	TypeBool   Type = 2
	TypeByte   Type = 3
	TypeDouble Type = 4
	TypeI16    Type = 6
	TypeI32    Type = 8
	TypeI64    Type = 10
	TypeString Type = 11
	TypeStruct Type = 12
	TypeMap    Type = 13
	TypeSet    Type = 14
	TypeList   Type = 15
	TypeUUID   Type = 16
)

// MessageType is the kind of a message (TMessageType), the low byte of its
// header.
type MessageType byte

// The message types of thrift/protocol/TProtocol.h.
const (
	Call      MessageType = 1
	Reply     MessageType = 2
	Exception MessageType = 3
	Oneway    MessageType = 4
)

// version1 is the high half of a strict message header's first word
// (TBinaryProtocol's VERSION_1); the low byte is the MessageType.
const version1 = 0x80010000

// versionMask selects the version from a message header's first word.
const versionMask = 0xffff0000

// maxMessage bounds what one message may take to read, as Thrift's
// DEFAULT_MAX_MESSAGE_SIZE (100 MiB) does for each string, list and map of
// one: a length read from the peer is checked against what the message may
// still take before anything is allocated for it.
const maxMessage = 100 << 20

// maxDepth bounds the nesting of structs, lists and maps a decoder skips
// (Thrift's DEFAULT_RECURSION_DEPTH).
const maxDepth = 64

// ErrSizeLimit is the error for a message bigger than 100 MiB, or a length
// in it (string, list, map) larger than what the message may still take.
var ErrSizeLimit = errors.New("thrift: message exceeds 100 MiB")

// Appending: strict binary protocol, big-endian, as TBinaryProtocol writes
// with strict_write (every Thrift library's default).

func appendI16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func appendI32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func appendI64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

// appendString appends a string: its length as an i32, then its bytes.
func appendString(b []byte, s string) []byte {
	return append(appendI32(b, int32(len(s))), s...)
}

// appendMessageBegin appends a strict message header.
func appendMessageBegin(b []byte, name string, typ MessageType, seq int32) []byte {
	b = appendI32(b, int32(uint32(version1)|uint32(typ)))
	b = appendString(b, name)
	return appendI32(b, seq)
}

// appendField appends a field header: its type and id. A struct is its
// fields, each a header and a value, then appendStop.
func appendField(b []byte, t Type, id int16) []byte {
	return appendI16(append(b, byte(t)), id)
}

// appendStop ends a struct.
func appendStop(b []byte) []byte { return append(b, byte(TypeStop)) }

// appendMapBegin appends a map header: key type, value type, count; the
// count's keys and values follow, alternating.
func appendMapBegin(b []byte, k, v Type, n int) []byte {
	return appendI32(append(b, byte(k), byte(v)), int32(n))
}

// appendListBegin appends a list header: element type and count.
func appendListBegin(b []byte, elem Type, n int) []byte {
	return appendI32(append(b, byte(elem)), int32(n))
}

// decoder reads one message of the binary protocol from r. As netlink's
// AttributeDecoder does, it keeps the first error: every read after it
// returns a zero value, and err says what went wrong. Lengths from the peer
// are checked against budget, what the message may still take, and a
// string is built as its bytes arrive, so a length alone never allocates.
type decoder struct {
	r      *bufio.Reader
	budget int
	depth  int
	err    error
}

// newDecoder returns a decoder for one message from r.
func newDecoder(r *bufio.Reader) *decoder { return &decoder{r: r, budget: maxMessage} }

// fail records err if it is the first.
func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// take reads n bytes (at most 8) and returns them; they are valid until
// the next read.
func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > d.budget {
		d.fail(ErrSizeLimit)
		return nil
	}
	p, err := d.r.Peek(n)
	if err != nil {
		d.fail(eof(err))
		return nil
	}
	d.r.Discard(n)
	d.budget -= n
	return p
}

// eof turns the io.EOF of a message cut short into io.ErrUnexpectedEOF.
// The io.EOF before a message's first byte is the peer hanging up, and
// messageBegin keeps it.
func eof(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (d *decoder) byte() byte {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) i16() int16 {
	if p := d.take(2); p != nil {
		return int16(binary.BigEndian.Uint16(p))
	}
	return 0
}

func (d *decoder) i32() int32 {
	if p := d.take(4); p != nil {
		return int32(binary.BigEndian.Uint32(p))
	}
	return 0
}

func (d *decoder) i64() int64 {
	if p := d.take(8); p != nil {
		return int64(binary.BigEndian.Uint64(p))
	}
	return 0
}

// length reads a length or count of elements that take at least each
// bytes, and checks it against what the message may still take.
func (d *decoder) length(what string, each int) int {
	n := int(d.i32())
	switch {
	case d.err != nil:
		return 0
	case n < 0:
		d.fail(fmt.Errorf("thrift: negative %s length %d", what, n))
		return 0
	case each > 0 && n > d.budget/each:
		d.fail(fmt.Errorf("%w (%s of %d)", ErrSizeLimit, what, n))
		return 0
	}
	return n
}

// string reads a string.
func (d *decoder) string() string {
	return d.stringBody(d.length("string", 1))
}

// stringBody reads a string's n bytes, n already checked against the
// budget. They are copied from the reader's buffer as they arrive, so
// memory grows with what the peer sends, not with the length it announced.
func (d *decoder) stringBody(n int) string {
	if d.err != nil || n == 0 {
		return ""
	}
	var sb strings.Builder
	sb.Grow(min(n, d.r.Size()))
	for sb.Len() < n {
		p, err := d.r.Peek(min(n-sb.Len(), d.r.Size()))
		sb.Write(p)
		d.r.Discard(len(p))
		if err != nil {
			d.fail(eof(err))
			return ""
		}
	}
	d.budget -= n
	return sb.String()
}

// messageBegin reads a message header: strict (version, name, sequence
// id), or the old form without version (name, type byte, sequence id) that
// TBinaryProtocol also accepts unless told to read strictly. The io.EOF of
// a peer that hung up between messages is returned as is.
func (d *decoder) messageBegin() (name string, typ MessageType, seq int32) {
	if _, err := d.r.Peek(1); err != nil {
		d.fail(err)
		return "", 0, 0
	}
	w := d.i32()
	if d.err != nil {
		return "", 0, 0
	}
	if w < 0 {
		if uint32(w)&versionMask != version1 {
			d.fail(fmt.Errorf("thrift: bad version %#x in message header", uint32(w)&versionMask))
			return "", 0, 0
		}
		typ = MessageType(w & 0xff)
		name = d.string()
	} else {
		// The word just read is the name's length.
		if int(w) > d.budget {
			d.fail(fmt.Errorf("%w (method name of %d)", ErrSizeLimit, w))
			return "", 0, 0
		}
		name = d.stringBody(int(w))
		typ = MessageType(d.byte())
	}
	seq = d.i32()
	return name, typ, seq
}

// structFields reads a struct's fields until its stop, calling field with
// each field's id and type; field reads the value and returns true, or
// returns false to have it skipped. Unknown fields are skipped, as
// generated code does, so that a newer peer's additions are harmless.
func (d *decoder) structFields(field func(id int16, t Type) bool) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.fail(errors.New("thrift: depth limit exceeded"))
		return
	}
	for d.err == nil {
		t := Type(d.byte())
		if t == TypeStop || d.err != nil {
			return
		}
		id := d.i16()
		if d.err == nil && !field(id, t) {
			d.skip(t)
		}
	}
}

// fieldType is the Type of a field that readStruct and appendStruct take
// as a pointer to its value: *int32, *int64, *string, *map[string]string.
// It is TypeStop for nil, a field that is absent, and for any other.
func fieldType(f any) Type {
	switch f.(type) {
	case *int32:
		return TypeI32
	case *int64:
		return TypeI64
	case *string:
		return TypeString
	case *map[string]string:
		return TypeMap
	}
	return TypeStop
}

// readStruct reads a struct whose field i+1 goes where fields[i] points
// (fieldType), when it has that field's type. A field of another id or
// type is skipped, as structFields skips unknown fields.
func (d *decoder) readStruct(fields ...any) {
	d.structFields(func(id int16, t Type) bool {
		if id < 1 || int(id) > len(fields) || t != fieldType(fields[id-1]) {
			return false
		}
		switch p := fields[id-1].(type) {
		case *int32:
			*p = d.i32()
		case *int64:
			*p = d.i64()
		case *string:
			*p = d.string()
		case *map[string]string:
			*p = d.stringMap()
		}
		return true
	})
}

// appendStruct appends a struct whose field i+1 is the value fields[i]
// points to (fieldType), in order of id, then its stop; a nil entry is a
// field left out.
func appendStruct(b []byte, fields ...any) []byte {
	for i, f := range fields {
		if f == nil {
			continue
		}
		b = appendField(b, fieldType(f), int16(i+1))
		switch p := f.(type) {
		case *int32:
			b = appendI32(b, *p)
		case *int64:
			b = appendI64(b, *p)
		case *string:
			b = appendString(b, *p)
		case *map[string]string:
			b = appendStringMap(b, *p)
		default:
			panic("thriftwire: appendStruct: a field of no Thrift type")
		}
	}
	return appendStop(b)
}

// minSize is the fewest bytes a value of t takes, used to bound counts;
// 0 for a type that cannot be read.
func minSize(t Type) int {
	switch t {
	case TypeBool, TypeByte, TypeStruct:
		return 1
	case TypeI16:
		return 2
	case TypeI32, TypeString:
		return 4
	case TypeDouble, TypeI64:
		return 8
	case TypeMap:
		return 6
	case TypeSet, TypeList:
		return 5
	case TypeUUID:
		return 16
	}
	return 0
}

// skip reads a value of type t and drops it.
func (d *decoder) skip(t Type) {
	if d.err != nil {
		return
	}
	switch t {
	case TypeBool, TypeByte, TypeI16, TypeI32, TypeI64, TypeDouble, TypeUUID:
		for n := minSize(t); n > 0 && d.err == nil; n -= min(n, 8) {
			d.take(min(n, 8))
		}
	case TypeString:
		n := d.length("string", 1)
		if d.err == nil {
			if _, err := d.r.Discard(n); err != nil {
				d.fail(eof(err))
			}
			d.budget -= n
		}
	case TypeStruct:
		d.structFields(func(int16, Type) bool { return false })
	case TypeMap:
		k, v := Type(d.byte()), Type(d.byte())
		n := d.elements("map", k, v)
		d.skipElements(n, k, v)
	case TypeSet, TypeList:
		e := Type(d.byte())
		n := d.elements("list", e, TypeVoid)
		d.skipElements(n, e, TypeVoid)
	default:
		d.fail(fmt.Errorf("thrift: unknown type %d", t))
	}
}

// elements reads the count of a list (v is TypeVoid) or map and checks it
// against what its elements of type k (and v) would take.
func (d *decoder) elements(what string, k, v Type) int {
	size := minSize(k)
	if v != TypeVoid {
		size += minSize(v)
	}
	n := d.length(what, max(size, 1))
	if d.err == nil && n > 0 && (minSize(k) == 0 || v != TypeVoid && minSize(v) == 0) {
		d.fail(fmt.Errorf("thrift: %s of unknown type (%d, %d)", what, k, v))
		return 0
	}
	return n
}

// skipElements skips n elements of type k, or n pairs k, v when v is not
// TypeVoid.
func (d *decoder) skipElements(n int, k, v Type) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		d.fail(errors.New("thrift: depth limit exceeded"))
		return
	}
	for i := 0; i < n && d.err == nil; i++ {
		d.skip(k)
		if v != TypeVoid {
			d.skip(v)
		}
	}
}

// stringMap reads a map<string,string>. Its presized capacity is bounded
// by what is already buffered, not by the count the peer announced.
func (d *decoder) stringMap() map[string]string {
	k, v := Type(d.byte()), Type(d.byte())
	n := d.elements("map", k, v)
	if d.err != nil {
		return nil
	}
	if n > 0 && (k != TypeString || v != TypeString) {
		d.fail(fmt.Errorf("thrift: map<%d,%d>, want map<string,string>", k, v))
		return nil
	}
	m := make(map[string]string, min(n, d.r.Buffered()/8))
	for range n {
		key := d.string()
		m[key] = d.string()
		if d.err != nil {
			return nil
		}
	}
	return m
}

// errOr returns err, or else a new error from format and args.
func errOr(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("thrift: "+format, args...)
}
