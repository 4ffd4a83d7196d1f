package tables

import (
	"math"
	"strconv"
)

// Type is an osquery column type, spelt as osquery's column.h prints it.
type Type string

// The osquery column types. osqueryd stores INTEGER in 32 bits: counters,
// inodes and anything else that can pass 2^31 are BIGINT or UNSIGNED BIGINT.
const (
	TypeText           Type = "TEXT"
	TypeInteger        Type = "INTEGER"
	TypeBigInt         Type = "BIGINT"
	TypeUnsignedBigInt Type = "UNSIGNED BIGINT"
	TypeDouble         Type = "DOUBLE"
)

// Kind says which field of a Value holds the cell.
type Kind uint8

// The kinds of cell. KindNull is the zero value: a cell the kernel sent nothing for.
const (
	KindNull Kind = iota
	KindInt
	KindUint
	KindFloat
	KindText
)

// Value is one cell of a row. It is a plain struct, not an interface, so
// building a row boxes nothing; the hosts convert it to what they speak.
type Value struct {
	Kind Kind
	// Int holds KindInt, and KindUint as its bit pattern.
	Int int64
	// Float holds KindFloat.
	Float float64
	// Text holds KindText.
	Text string
}

// Null is the empty cell: the kernel did not send the value.
var Null = Value{}

// IntValue is an integer cell.
func IntValue(i int64) Value { return Value{Kind: KindInt, Int: i} }

// UintValue is an unsigned cell (UNSIGNED BIGINT).
func UintValue(u uint64) Value { return Value{Kind: KindUint, Int: int64(u)} }

// FloatValue is a DOUBLE cell.
func FloatValue(f float64) Value { return Value{Kind: KindFloat, Float: f} }

// TextValue is a TEXT cell.
func TextValue(s string) Value { return Value{Kind: KindText, Text: s} }

// BoolValue is an INTEGER cell holding 1 or 0, as osquery spells booleans.
func BoolValue(b bool) Value {
	if b {
		return IntValue(1)
	}
	return IntValue(0)
}

// String is the cell as osquery's row maps carry it: decimal numbers, text
// as is, and "" for NULL.
func (v Value) String() string {
	switch v.Kind {
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindUint:
		return strconv.FormatUint(uint64(v.Int), 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float, 'f', -1, 64)
	case KindText:
		return v.Text
	}
	return ""
}

// SQL is the cell as a database/sql driver value (nil, int64, float64 or
// string). SQLite has no unsigned integers: a uint64 above MaxInt64 becomes
// its decimal text rather than a negative number.
func (v Value) SQL() any {
	switch v.Kind {
	case KindInt:
		return v.Int
	case KindUint:
		if uint64(v.Int) > math.MaxInt64 {
			return strconv.FormatUint(uint64(v.Int), 10)
		}
		return v.Int
	case KindFloat:
		return v.Float
	case KindText:
		return v.Text
	}
	return nil
}
