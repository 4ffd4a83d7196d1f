package thriftwire

import (
	"io"
	"slices"
)

// ExtensionStatus is osquery.thrift's ExtensionStatus, the outcome of a
// call: code 0 is success, anything else a failure that message explains.
type ExtensionStatus struct {
	// Code is code (1): 0 for success.
	Code int32
	// Message is message (2), the text osqueryd logs or shows.
	Message string
	// UUID is uuid (3), the ExtensionRouteUUID osqueryd assigns in its reply
	// to registerExtension.
	UUID int64
}

// ExtensionResponse is osquery.thrift's ExtensionResponse, the reply to a
// call: a status and the plugin's response (ExtensionPluginResponse).
type ExtensionResponse struct {
	// Status is status (1). osquery-go writes a nil one as an empty struct.
	Status *ExtensionStatus
	// Response is response (2): for a table, its columns or its rows.
	Response []map[string]string
}

// InternalExtensionInfo is osquery.thrift's InternalExtensionInfo, what an
// extension tells osqueryd about itself when it registers.
type InternalExtensionInfo struct {
	Name          string // name (1)
	Version       string // version (2)
	SDKVersion    string // sdk_version (3)
	MinSDKVersion string // min_sdk_version (4)
}

// ExtensionRegistry is osquery.thrift's ExtensionRegistry: by registry
// ("table", ...), the extension's items and each one's routes (for a
// table, one map per column).
type ExtensionRegistry map[string]map[string][]map[string]string

// ApplicationError is a TApplicationException: how a Thrift server says a
// call could not be served at all (an unknown method, unreadable arguments).
type ApplicationError struct {
	// Type is type (2): UnknownMethod, ProtocolError, ...
	Type int32
	// Message is message (1).
	Message string
}

// The TApplicationException types of thrift/TApplicationException.h that
// we send or may receive.
const (
	UnknownMethod      = 1
	InvalidMessageType = 2
	WrongMethodName    = 3
	BadSequenceID      = 4
	MissingResult      = 5
	InternalError      = 6
	ProtocolError      = 7
)

// Error returns the message, as the Thrift library's exception does.
func (e *ApplicationError) Error() string { return e.Message }

// Rows is the response list of a call (list<map<string,string>>) encoded
// row by row as a table emits them, so that a large answer costs its bytes
// on the wire (about 200 per row) and not a Go map per row. The bytes are
// kept in chunks, never copied to grow, and written to the socket as they
// are. A row is BeginRow(n) then exactly n calls of Pair.
type Rows struct {
	full  [][]byte // chunks filled
	cur   []byte   // the chunk being filled
	chunk int
	size  int // bytes in full
	n     int
}

// NewRows returns an empty list that allocates chunk bytes at a time.
func NewRows(chunk int) *Rows { return &Rows{chunk: max(chunk, 512)} }

// BeginRow starts a row of pairs columns.
func (r *Rows) BeginRow(pairs int) {
	r.grow(6)
	r.cur = appendMapBegin(r.cur, TypeString, TypeString, pairs)
	r.n++
}

// Pair adds one column of the current row: its name and its value as text.
func (r *Rows) Pair(key, value string) {
	r.grow(8 + len(key) + len(value))
	r.cur = appendString(appendString(r.cur, key), value)
}

// grow makes room for n more bytes in the current chunk, starting a new
// one if needed. Chunks start at 1 KiB and double up to the chunk size, so
// that the one-row answers of a join's per-row calls do not each allocate
// (and clear) a full chunk: BenchmarkThriftCall.
func (r *Rows) grow(n int) {
	if cap(r.cur)-len(r.cur) >= n {
		return
	}
	if len(r.cur) > 0 {
		r.full = append(r.full, r.cur)
		r.size += len(r.cur)
	}
	next := min(r.chunk, max(1<<10, 2*cap(r.cur)))
	r.cur = make([]byte, 0, max(n, next))
}

// Len is the number of rows.
func (r *Rows) Len() int { return r.n }

// Size is the number of bytes the rows take.
func (r *Rows) Size() int { return r.size + len(r.cur) }

// writeTo writes the rows' bytes to w.
func (r *Rows) writeTo(w io.Writer) error {
	for _, b := range r.full {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := w.Write(r.cur)
	return err
}

// appendStatus appends an ExtensionStatus struct; a nil one is empty, as
// generated code writes it.
func appendStatus(b []byte, s *ExtensionStatus) []byte {
	if s == nil {
		return appendStop(b)
	}
	return appendStruct(b, &s.Code, &s.Message, &s.UUID)
}

// readStatus reads an ExtensionStatus struct.
func (d *decoder) readStatus() *ExtensionStatus {
	s := new(ExtensionStatus)
	d.readStruct(&s.Code, &s.Message, &s.UUID)
	return s
}

// appendResponseHead appends an ExtensionResponse up to its response
// list's header, for n maps that follow; appendStop(appendStop(...)) ends
// it and the call result around it.
func appendResponseHead(b []byte, status *ExtensionStatus, n int) []byte {
	b = appendStatus(appendField(b, TypeStruct, 1), status)
	return appendListBegin(appendField(b, TypeList, 2), TypeMap, n)
}

// appendResponse appends an ExtensionResponse struct.
func appendResponse(b []byte, r *ExtensionResponse) []byte {
	b = appendResponseHead(b, r.Status, len(r.Response))
	for _, m := range r.Response {
		b = appendStringMap(b, m)
	}
	return appendStop(b)
}

// appendStringMap appends a map<string,string>, keys in order so that the
// same map is always the same bytes.
func appendStringMap(b []byte, m map[string]string) []byte {
	b = appendMapBegin(b, TypeString, TypeString, len(m))
	for _, k := range sortedKeys(m) {
		b = appendString(appendString(b, k), m[k])
	}
	return b
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendInfo appends an InternalExtensionInfo struct.
func appendInfo(b []byte, info *InternalExtensionInfo) []byte {
	return appendStruct(b, &info.Name, &info.Version, &info.SDKVersion, &info.MinSDKVersion)
}

// appendRegistry appends an ExtensionRegistry:
// map<string, map<string, list<map<string,string>>>>.
func appendRegistry(b []byte, reg ExtensionRegistry) []byte {
	b = appendMapBegin(b, TypeString, TypeMap, len(reg))
	for _, name := range sortedKeys(reg) {
		items := reg[name]
		b = appendMapBegin(appendString(b, name), TypeString, TypeList, len(items))
		for _, item := range sortedKeys(items) {
			routes := items[item]
			b = appendListBegin(appendString(b, item), TypeMap, len(routes))
			for _, r := range routes {
				b = appendStringMap(b, r)
			}
		}
	}
	return b
}

// appendApplicationError appends a TApplicationException struct as the
// Go library writes it: the message only when not empty.
func appendApplicationError(b []byte, e *ApplicationError) []byte {
	if e.Message == "" {
		return appendStruct(b, nil, &e.Type)
	}
	return appendStruct(b, &e.Message, &e.Type)
}

// readApplicationError reads a TApplicationException struct.
func (d *decoder) readApplicationError() *ApplicationError {
	e := new(ApplicationError)
	d.readStruct(&e.Message, &e.Type)
	return e
}

// callArgs are the arguments of the Extension service's call.
type callArgs struct {
	Registry string            // registry (1)
	Item     string            // item (2)
	Request  map[string]string // request (3): ExtensionPluginRequest
}

// readCallArgs reads call's arguments struct.
func (d *decoder) readCallArgs() *callArgs {
	a := new(callArgs)
	d.readStruct(&a.Registry, &a.Item, &a.Request)
	return a
}

// readResult reads the result struct of a call whose success (field 0) is
// a struct: read reads it. It reports whether success was there.
func (d *decoder) readResult(read func()) bool {
	found := false
	d.structFields(func(id int16, t Type) bool {
		if id != 0 || t != TypeStruct {
			return false
		}
		read()
		found = true
		return true
	})
	return found
}
