package thriftwire

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	gen "github.com/osquery/osquery-go/gen/osquery"
)

// Every decoder has a fuzz target. Each checks that what we decode, the
// Thrift library decodes the same (we are the stricter one: what we
// refuse, it may read), and that it round-trips through our encoder.

// appendCallArgs appends call's arguments; osqueryd is the one that
// sends them, so only the tests need it.
func appendCallArgs(b []byte, a *callArgs) []byte {
	return appendStruct(b, &a.Registry, &a.Item, &a.Request)
}

// readResponse reads an ExtensionResponse struct. The reply to a call is
// osqueryd's to read, not ours: this is for tests and fuzzing of
// appendResponse.
func (d *decoder) readResponse() *ExtensionResponse {
	r := new(ExtensionResponse)
	d.structFields(func(id int16, t Type) bool {
		switch {
		case id == 1 && t == TypeStruct:
			r.Status = d.readStatus()
		case id == 2 && t == TypeList:
			r.Response = d.readMapList()
		default:
			return false
		}
		return true
	})
	return r
}

// readMapList reads a list<map<string,string>>.
func (d *decoder) readMapList() []map[string]string {
	e := Type(d.byte())
	n := d.elements("list", e, TypeVoid)
	if d.err != nil || n > 0 && e != TypeMap {
		d.fail(errOr(d.err, "list of type %d, want list<map>", e))
		return nil
	}
	out := make([]map[string]string, 0, min(n, d.r.Buffered()/6))
	for range n {
		m := d.stringMap()
		if d.err != nil {
			return nil
		}
		out = append(out, m)
	}
	return out
}

// readRequest reads a request as Server does, and checks nothing is left.
func readRequest(b []byte) (name string, typ MessageType, seq int32, args *callArgs, err error) {
	d := decoderOf(b)
	name, typ, seq = d.messageBegin()
	if name == "call" {
		args = d.readCallArgs()
	} else {
		d.skip(TypeStruct)
	}
	return name, typ, seq, args, d.err
}

func FuzzRequest(f *testing.F) {
	f.Add(theirs(f, "ping", thrift.CALL, 1, &gen.ExtensionPingArgs{}))
	f.Add(theirs(f, "call", thrift.CALL, 3, &gen.ExtensionCallArgs{Registry: "table", Item: "if_map",
		Request: gen.ExtensionPluginRequest{"action": "generate", "context": `{"colsUsed":["irq"]}`}}))
	f.Add(theirs(f, "registerExtension", thrift.CALL, 4, &gen.ExtensionManagerRegisterExtensionArgs{
		Info: &gen.InternalExtensionInfo{Name: "x"}, Registry: genRegistry}))
	f.Add(appendRegisterExtensionCall(nil, 1, &InternalExtensionInfo{Name: "n"}, registry))
	f.Fuzz(func(t *testing.T, b []byte) {
		name, typ, seq, args, err := readRequest(b)
		if err != nil || name != "call" {
			return
		}
		var want gen.ExtensionCallArgs
		h, err := readTheirs(b, &want)
		if err != nil {
			t.Fatalf("we read %+v, the Thrift library fails: %v", args, err)
		}
		if diff := cmp.Diff(header{name, thrift.TMessageType(typ), seq}, h); diff != "" {
			t.Fatalf("header (-ours +theirs):\n%s", diff)
		}
		if diff := cmp.Diff(&callArgs{want.Registry, want.Item, want.Request}, args); diff != "" {
			t.Fatalf("arguments (-theirs +ours):\n%s", diff)
		}
		_, _, _, again, err := readRequest(appendCallArgs(appendMessageBegin(nil, name, typ, seq), args))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(args, again, cmpopts.EquateEmpty()); diff != "" { // no request is written as an empty one
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzStatusReply(f *testing.F) {
	f.Add(theirs(f, "registerExtension", thrift.REPLY, 1, &gen.ExtensionManagerRegisterExtensionResult{
		Success: &gen.ExtensionStatus{Code: 0, Message: "OK", UUID: 4243}}))
	f.Add(theirs(f, "registerExtension", thrift.EXCEPTION, 1, thrift.NewTApplicationException(thrift.INTERNAL_ERROR, "boom")))
	f.Add(theirs(f, "registerExtension", thrift.REPLY, 1, &gen.ExtensionManagerRegisterExtensionResult{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := readStatusReply(decoderOf(b), "registerExtension", 1)
		if err != nil {
			return
		}
		var want gen.ExtensionManagerRegisterExtensionResult
		if _, err := readTheirs(b, &want); err != nil {
			t.Fatalf("we read %+v, the Thrift library fails: %v", st, err)
		}
		if diff := cmp.Diff(&ExtensionStatus{want.Success.Code, want.Success.Message, int64(want.Success.UUID)}, st); diff != "" {
			t.Fatalf("status (-theirs +ours):\n%s", diff)
		}
		reply := appendStop(appendStatus(appendField(appendMessageBegin(nil, "registerExtension", Reply, 1), TypeStruct, 0), st))
		again, err := readStatusReply(decoderOf(reply), "registerExtension", 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzResponse(f *testing.F) {
	for _, r := range []*ExtensionResponse{
		{Status: &ExtensionStatus{Message: "OK"}, Response: rows3},
		{Status: &ExtensionStatus{Code: 1, Message: "error generating table: x"}},
		{},
	} {
		f.Add(appendResponse(nil, r))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := decoderOf(b)
		r := d.readResponse()
		if d.err != nil {
			return
		}
		var want gen.ExtensionResponse
		p := thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportR(bytes.NewReader(b)), nil)
		if err := want.Read(context.Background(), p); err != nil {
			t.Fatalf("we read %+v, the Thrift library fails: %v", r, err)
		}
		var wantStatus *ExtensionStatus
		if want.Status != nil {
			wantStatus = &ExtensionStatus{want.Status.Code, want.Status.Message, int64(want.Status.UUID)}
		}
		if diff := cmp.Diff(&ExtensionResponse{wantStatus, want.Response}, r); diff != "" {
			t.Fatalf("response (-theirs +ours):\n%s", diff)
		}
		d = decoderOf(appendResponse(nil, r))
		again := d.readResponse()
		if d.err != nil {
			t.Fatal(d.err)
		}
		if r.Status == nil { // written as an empty struct
			r.Status = &ExtensionStatus{}
		}
		if r.Response == nil { // written as an empty list
			r.Response = []map[string]string{}
		}
		if diff := cmp.Diff(r, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
