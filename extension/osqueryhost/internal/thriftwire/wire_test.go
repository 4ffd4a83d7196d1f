package thriftwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/go-cmp/cmp"
	gen "github.com/osquery/osquery-go/gen/osquery"
)

// These tests hold our codec against the Thrift library and osquery-go's
// generated code, which osqueryd's C++ side matches on the wire.

// theirs returns the message write puts out through the Thrift library's
// binary protocol (strict writes, its default): header, struct, end.
func theirs(t testing.TB, name string, typ thrift.TMessageType, seq int32, s thrift.TStruct) []byte {
	t.Helper()
	buf := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(buf, nil)
	ctx := context.Background()
	if err := p.WriteMessageBegin(ctx, name, typ, seq); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteMessageEnd(ctx); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// header is a message header as the Thrift library reads it.
type header struct {
	Name string
	Type thrift.TMessageType
	Seq  int32
}

// readTheirs reads the message in b with the Thrift library into s.
func readTheirs(b []byte, s thrift.TStruct) (header, error) {
	p := thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportR(bytes.NewReader(b)), nil)
	ctx := context.Background()
	var h header
	var err error
	if h.Name, h.Type, h.Seq, err = p.ReadMessageBegin(ctx); err != nil {
		return h, err
	}
	return h, s.Read(ctx, p)
}

// decoderOf returns our decoder of b.
func decoderOf(b []byte) *decoder { return newDecoder(bufio.NewReader(bytes.NewReader(b))) }

// callReply is WriteCallReply's bytes.
func callReply(t testing.TB, seq int32, resp *ExtensionResponse, rows *Rows) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteCallReply(&b, seq, resp, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rowsOf encodes maps as Rows, keys in order.
func rowsOf(maps ...map[string]string) *Rows {
	r := NewRows(0)
	for _, m := range maps {
		r.BeginRow(len(m))
		for _, k := range sortedKeys(m) {
			r.Pair(k, m[k])
		}
	}
	return r
}

var (
	registry = ExtensionRegistry{
		"table":       {"if_map": {{"id": "column", "name": "interface", "type": "TEXT", "op": "0"}, {"id": "column", "name": "irq", "type": "INTEGER", "op": "0"}}, "t2": {{"name": "x"}}},
		"logger":      {},
		"config":      {},
		"distributed": {},
	}
	genRegistry = gen.ExtensionRegistry{
		"table":       {"if_map": {{"id": "column", "name": "interface", "type": "TEXT", "op": "0"}, {"id": "column", "name": "irq", "type": "INTEGER", "op": "0"}}, "t2": {{"name": "x"}}},
		"logger":      {},
		"config":      {},
		"distributed": {},
	}
	rows3     = []map[string]string{{"name": "one", "num": "1"}, {}, {"name": "three, with \"quotes\"\n", "num": "-3", "x": ""}}
	bigString = string(bytes.Repeat([]byte("é"), 70000)) // longer than a read buffer
)

// TestEncodeMatchesThrift checks every message we write against the same
// message written by the Thrift library and osquery-go's generated code:
// byte for byte where no map has more than one key (the library writes
// maps in Go's random order), else decoded by the library into the same
// values.
func TestEncodeMatchesThrift(t *testing.T) {
	tests := []struct {
		name   string
		ours   []byte
		theirs []byte
		// decoded is the generated struct to read ours into and want what
		// it must hold, for messages whose bytes cannot be compared.
		decoded, want thrift.TStruct
		header        header
	}{
		{name: "ping call", ours: appendPingCall(nil, 1),
			theirs: theirs(t, "ping", thrift.CALL, 1, &gen.ExtensionPingArgs{})},
		{name: "deregisterExtension call", ours: appendDeregisterExtensionCall(nil, 7, 4243),
			theirs: theirs(t, "deregisterExtension", thrift.CALL, 7, &gen.ExtensionManagerDeregisterExtensionArgs{UUID: 4243})},
		{name: "registerExtension call, one table of one column",
			ours: appendRegisterExtensionCall(nil, 2, &InternalExtensionInfo{Name: "netlinkq", Version: "v1"},
				ExtensionRegistry{"table": {"if_map": {{"name": "irq"}}}}),
			theirs: theirs(t, "registerExtension", thrift.CALL, 2, &gen.ExtensionManagerRegisterExtensionArgs{
				Info: &gen.InternalExtensionInfo{Name: "netlinkq", Version: "v1"}, Registry: gen.ExtensionRegistry{"table": {"if_map": {{"name": "irq"}}}}})},
		{name: "registerExtension call, every field",
			ours:    appendRegisterExtensionCall(nil, 3, &InternalExtensionInfo{Name: "n", Version: "v", SDKVersion: "s", MinSDKVersion: "m"}, registry),
			decoded: &gen.ExtensionManagerRegisterExtensionArgs{},
			want: &gen.ExtensionManagerRegisterExtensionArgs{
				Info: &gen.InternalExtensionInfo{Name: "n", Version: "v", SdkVersion: "s", MinSdkVersion: "m"}, Registry: genRegistry},
			header: header{"registerExtension", thrift.CALL, 3}},
		{name: "ping reply", ours: appendPingReply(nil, -5, &ExtensionStatus{Code: 0, Message: "OK"}),
			theirs: theirs(t, "ping", thrift.REPLY, -5, &gen.ExtensionPingResult{Success: &gen.ExtensionStatus{Message: "OK"}})},
		{name: "shutdown reply", ours: appendShutdownReply(nil, 9),
			theirs: theirs(t, "shutdown", thrift.REPLY, 9, &gen.ExtensionShutdownResult{})},
		{name: "call reply, failure",
			ours: callReply(t, 4, &ExtensionResponse{Status: &ExtensionStatus{Code: 1, Message: "Unknown registry: x"}}, nil),
			theirs: theirs(t, "call", thrift.REPLY, 4, &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{
				Status: &gen.ExtensionStatus{Code: 1, Message: "Unknown registry: x"}}})},
		{name: "call reply, no status",
			ours:   callReply(t, 4, &ExtensionResponse{Response: []map[string]string{{"a": "b"}}}, nil),
			theirs: theirs(t, "call", thrift.REPLY, 4, &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{Response: gen.ExtensionPluginResponse{{"a": "b"}}}})},
		{name: "call reply, rows of one column",
			ours: callReply(t, 5, &ExtensionResponse{Status: &ExtensionStatus{Message: "OK"}}, rowsOf(map[string]string{"a": "1"}, map[string]string{}, map[string]string{"a": bigString})),
			theirs: theirs(t, "call", thrift.REPLY, 5, &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{
				Status: &gen.ExtensionStatus{Message: "OK"}, Response: gen.ExtensionPluginResponse{{"a": "1"}, {}, {"a": bigString}}}})},
		{name: "call reply, no rows",
			ours: callReply(t, 5, &ExtensionResponse{Status: &ExtensionStatus{Message: "OK"}}, NewRows(0)),
			theirs: theirs(t, "call", thrift.REPLY, 5, &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{
				Status: &gen.ExtensionStatus{Message: "OK"}, Response: gen.ExtensionPluginResponse{}}})},
		{name: "call reply, rows",
			ours:    callReply(t, 6, &ExtensionResponse{Status: &ExtensionStatus{Message: "OK"}}, rowsOf(rows3...)),
			decoded: &gen.ExtensionCallResult{},
			want:    &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{Status: &gen.ExtensionStatus{Message: "OK"}, Response: rows3}},
			header:  header{"call", thrift.REPLY, 6}},
		{name: "call reply, maps",
			ours:    callReply(t, 6, &ExtensionResponse{Status: &ExtensionStatus{Message: "OK"}, Response: rows3}, nil),
			decoded: &gen.ExtensionCallResult{},
			want:    &gen.ExtensionCallResult{Success: &gen.ExtensionResponse{Status: &gen.ExtensionStatus{Message: "OK"}, Response: rows3}},
			header:  header{"call", thrift.REPLY, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.theirs != nil {
				if !bytes.Equal(tt.ours, tt.theirs) {
					t.Fatalf("ours:\n% x\ntheirs:\n% x", tt.ours, tt.theirs)
				}
				return
			}
			h, err := readTheirs(tt.ours, tt.decoded)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.header, h); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, tt.decoded); diff != "" {
				t.Errorf("decoded by the Thrift library (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExceptionMatchesThrift checks our exceptions against the library's.
func TestExceptionMatchesThrift(t *testing.T) {
	for _, tt := range []struct {
		name string
		typ  int32
		msg  string
	}{
		{"unknown method", UnknownMethod, "Unknown function extensions"},
		{"protocol error", ProtocolError, "thrift: negative string length -1"},
		{"shutdown failed", InternalError, "Internal error processing shutdown: deregistering extension: EOF"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ours := appendException(nil, "m", 3, tt.typ, tt.msg)
			want := theirs(t, "m", thrift.EXCEPTION, 3, thrift.NewTApplicationException(tt.typ, tt.msg))
			if !bytes.Equal(ours, want) {
				t.Fatalf("ours:\n% x\ntheirs:\n% x", ours, want)
			}
		})
	}
}

// TestDecodeThrift reads what the Thrift library writes: osqueryd's
// requests to us and its replies to our calls.
func TestDecodeThrift(t *testing.T) {
	nonStrict := thrift.NewTMemoryBuffer()
	p := thrift.NewTBinaryProtocolConf(nonStrict, &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(false)})
	p.WriteMessageBegin(context.Background(), "call", thrift.CALL, 8)
	(&gen.ExtensionCallArgs{Registry: "table", Item: "t", Request: gen.ExtensionPluginRequest{"action": "columns"}}).Write(context.Background(), p)

	type request struct {
		Name string
		Type MessageType
		Seq  int32
		Args *callArgs
	}
	readRequest := func(b []byte) (request, error) {
		d := decoderOf(b)
		var r request
		r.Name, r.Type, r.Seq = d.messageBegin()
		if r.Name == "call" {
			r.Args = d.readCallArgs()
		} else {
			d.skip(TypeStruct)
		}
		if d.err == nil {
			if _, err := d.r.ReadByte(); err != io.EOF {
				return r, errors.New("bytes left after the message")
			}
		}
		return r, d.err
	}
	for _, tt := range []struct {
		name string
		in   []byte
		want request
	}{
		{"ping", theirs(t, "ping", thrift.CALL, 1, &gen.ExtensionPingArgs{}), request{Name: "ping", Type: Call, Seq: 1}},
		{"shutdown", theirs(t, "shutdown", thrift.CALL, 2, &gen.ExtensionShutdownArgs{}), request{Name: "shutdown", Type: Call, Seq: 2}},
		{"call", theirs(t, "call", thrift.CALL, 3, &gen.ExtensionCallArgs{Registry: "table", Item: "if_map",
			Request: gen.ExtensionPluginRequest{"action": "generate", "context": bigString, "": ""}}),
			request{Name: "call", Type: Call, Seq: 3, Args: &callArgs{Registry: "table", Item: "if_map",
				Request: map[string]string{"action": "generate", "context": bigString, "": ""}}}},
		{"call without request", theirs(t, "call", thrift.CALL, 3, &gen.ExtensionCallArgs{Registry: "table"}),
			request{Name: "call", Type: Call, Seq: 3, Args: &callArgs{Registry: "table", Request: map[string]string{}}}},
		{"unknown method with arguments", theirs(t, "registerExtension", thrift.CALL, 4, &gen.ExtensionManagerRegisterExtensionArgs{
			Info: &gen.InternalExtensionInfo{Name: "x"}, Registry: genRegistry}), request{Name: "registerExtension", Type: Call, Seq: 4}},
		{"header without version", nonStrict.Bytes(), request{Name: "call", Type: Call, Seq: 8,
			Args: &callArgs{Registry: "table", Item: "t", Request: map[string]string{"action": "columns"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readRequest(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}

	for _, tt := range []struct {
		name    string
		in      []byte
		want    *ExtensionStatus
		wantErr error
	}{
		{"status", theirs(t, "registerExtension", thrift.REPLY, 1, &gen.ExtensionManagerRegisterExtensionResult{
			Success: &gen.ExtensionStatus{Code: 0, Message: "OK", UUID: 4243}}), &ExtensionStatus{Message: "OK", UUID: 4243}, nil},
		{"failed status", theirs(t, "registerExtension", thrift.REPLY, 1, &gen.ExtensionManagerRegisterExtensionResult{
			Success: &gen.ExtensionStatus{Code: 1, Message: "Duplicate extension registered"}}), &ExtensionStatus{Code: 1, Message: "Duplicate extension registered"}, nil},
		{"no result", theirs(t, "registerExtension", thrift.REPLY, 1, &gen.ExtensionManagerRegisterExtensionResult{}),
			nil, &ApplicationError{Type: MissingResult, Message: "registerExtension failed: unknown result"}},
		{"exception", theirs(t, "registerExtension", thrift.EXCEPTION, 1, thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "boom")),
			nil, &ApplicationError{Type: InternalError, Message: "boom"}},
		{"wrong method", theirs(t, "ping", thrift.REPLY, 1, &gen.ExtensionPingResult{Success: &gen.ExtensionStatus{}}),
			nil, &ApplicationError{Type: WrongMethodName, Message: "registerExtension: wrong method name"}},
		{"wrong sequence id", theirs(t, "registerExtension", thrift.REPLY, 2, &gen.ExtensionManagerRegisterExtensionResult{Success: &gen.ExtensionStatus{}}),
			nil, &ApplicationError{Type: BadSequenceID, Message: "registerExtension: out of order sequence response"}},
		{"a call, not a reply", theirs(t, "registerExtension", thrift.CALL, 1, &gen.ExtensionManagerRegisterExtensionResult{Success: &gen.ExtensionStatus{}}),
			nil, &ApplicationError{Type: InvalidMessageType, Message: "registerExtension: invalid message type"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readStatusReply(decoderOf(tt.in), "registerExtension", 1)
			if diff := cmp.Diff(tt.wantErr, err, cmp.Comparer(func(a, b error) bool { return a.Error() == b.Error() })); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeBounded feeds short messages announcing huge lengths and deep
// nesting: each must fail without allocating for what was announced.
func TestDecodeBounded(t *testing.T) {
	call := appendMessageBegin(nil, "call", Call, 1)
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"string of 2 GiB", appendI32(appendField(call, TypeString, 1), 1<<31-1)},
		{"string of 50 MiB, 3 bytes sent", append(appendI32(appendField(call, TypeString, 1), 50<<20), "abc"...)},
		{"map of 10M entries, 1 sent", append(appendMapBegin(appendField(call, TypeMap, 3), TypeString, TypeString, 10<<20), appendString(appendString(nil, "k"), "v")...)},
		{"list of 50M bools skipped, 3 sent", append(appendListBegin(appendField(call, TypeList, 9), TypeBool, 50<<20), 1, 0, 1)},
		{"negative string", appendI32(appendField(call, TypeString, 1), -1)},
		{"map of 2^31 entries", appendMapBegin(appendField(call, TypeMap, 3), TypeString, TypeString, 1<<31-1)},
		{"map of 2^31 structs skipped", appendMapBegin(appendField(call, TypeMap, 9), TypeStruct, TypeStruct, 1<<31-1)},
		{"list of 2^31 skipped", appendListBegin(appendField(call, TypeList, 9), TypeBool, 1<<31-1)},
		{"map of unknown types", appendMapBegin(appendField(call, TypeMap, 9), 99, TypeString, 1<<31-1)},
		{"name of 2 GiB", appendI32(appendI32(nil, -0x7fff0000+1), 1<<31-1)},
		{"name of 2 GiB, no version", appendI32(nil, 1<<31-1)},
		{"bad version", appendI32(nil, -0x7ffe0000+1)},
		{"nested 100 deep", append(call, bytes.Repeat([]byte{byte(TypeStruct), 0, 1}, 100)...)},
		{"cut short", call[:len(call)-1]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			d := decoderOf(tt.in)
			if name, _, _ := d.messageBegin(); name == "call" {
				d.readCallArgs()
			}
			runtime.ReadMemStats(&after)
			if d.err == nil {
				t.Fatal("no error")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Errorf("allocated %d bytes (error %v)", n, d.err)
			}
			t.Logf("%v", d.err)
		})
	}
}
