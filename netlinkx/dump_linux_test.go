package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// nlmsg builds one netlink message as the kernel lays it out.
func nlmsg(typ uint16, flags uint16, seq uint32, payload []byte) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN, nlmsgAlign(unix.NLMSG_HDRLEN+len(payload)))
	binary.NativeEndian.PutUint32(b[0:4], uint32(unix.NLMSG_HDRLEN+len(payload)))
	binary.NativeEndian.PutUint16(b[4:6], typ)
	binary.NativeEndian.PutUint16(b[6:8], flags)
	binary.NativeEndian.PutUint32(b[8:12], seq)
	b = append(b, payload...)
	return b[:cap(b)]
}

func errPayload(errno unix.Errno) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(-int32(errno)))
	return b
}

func keyPayload(k uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, k)
	return b
}

func join(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, m...)
	}
	return b
}

// TestDumpDatagram feeds crafted datagrams to the reply walker: the kernel
// behaviours a dump must survive without a socket to provoke them.
func TestDumpDatagram(t *testing.T) {
	const seq = 7
	const multi = unix.NLM_F_MULTI
	const intr = unix.NLM_F_MULTI | unix.NLM_F_DUMP_INTR
	key := func(p []byte) (uint64, bool) { return uint64(binary.NativeEndian.Uint32(p)), len(p) >= 4 }
	tests := []struct {
		name      string
		dump      bool
		withKey   bool
		seen      []uint64
		datagrams [][]byte
		wantKeys  []uint32
		wantDone  bool
		wantErr   error
	}{
		{name: "dump to done", dump: true, datagrams: [][]byte{
			join(nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(1)), nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(2))),
			nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(0)),
		}, wantKeys: []uint32{1, 2}, wantDone: true},
		{name: "error in done", dump: true, datagrams: [][]byte{
			nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(unix.EOPNOTSUPP)),
		}, wantDone: true, wantErr: unix.EOPNOTSUPP},
		{name: "nlmsgerr", dump: true, datagrams: [][]byte{
			nlmsg(unix.NLMSG_ERROR, 0, seq, errPayload(unix.ENOENT)),
		}, wantDone: true, wantErr: unix.ENOENT},
		{name: "other sequence skipped", dump: true, datagrams: [][]byte{
			join(nlmsg(unix.RTM_NEWLINK, multi, seq+1, keyPayload(9)), nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(1))),
			nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(0)),
		}, wantKeys: []uint32{1}, wantDone: true},
		{name: "interrupted without key reads on", dump: true, datagrams: [][]byte{
			nlmsg(unix.RTM_NEWLINK, intr, seq, keyPayload(1)),
			nlmsg(unix.NLMSG_DONE, intr, seq, errPayload(0)),
		}, wantKeys: []uint32{1}, wantDone: true},
		{name: "interrupted with key asks for a retry", dump: true, withKey: true, datagrams: [][]byte{
			nlmsg(unix.RTM_NEWLINK, intr, seq, keyPayload(1)),
			nlmsg(unix.NLMSG_DONE, intr, seq, errPayload(0)),
		}, wantKeys: []uint32{1}, wantDone: true, wantErr: errRetry},
		{name: "retry skips keys already handed out", dump: true, withKey: true, seen: []uint64{1}, datagrams: [][]byte{
			join(nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(1)), nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(2))),
			nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(0)),
		}, wantKeys: []uint32{2}, wantDone: true},
		{name: "message without NLM_F_MULTI inside a dump (sctp_diag's associations)", dump: true, datagrams: [][]byte{
			join(nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(1)), nlmsg(unix.RTM_NEWLINK, 0, seq, keyPayload(2))),
			join(nlmsg(unix.RTM_NEWLINK, 0, seq, keyPayload(3)), nlmsg(unix.NLMSG_DONE, multi, seq, errPayload(0))),
		}, wantKeys: []uint32{1, 2, 3}, wantDone: true},
		{name: "single reply to a get", datagrams: [][]byte{
			nlmsg(unix.RTM_NEWLINK, 0, seq, keyPayload(5)),
		}, wantKeys: []uint32{5}, wantDone: true},
		{name: "bad length", dump: true, datagrams: [][]byte{
			func() []byte { b := nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(1)); b[0] = 0xff; return b }(),
		}, wantDone: true, wantErr: errAny},
		{name: "short trailing bytes ignored", dump: true, datagrams: [][]byte{
			append(nlmsg(unix.RTM_NEWLINK, multi, seq, keyPayload(3)), 1, 2, 3),
		}, wantKeys: []uint32{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := DumpRequest{}
			if tt.dump {
				req.Flags = unix.NLM_F_DUMP
			}
			var seen map[uint64]struct{}
			if tt.withKey {
				req.Key = key
				seen = map[uint64]struct{}{}
				for _, k := range tt.seen {
					seen[k] = struct{}{}
				}
			}
			var got []uint32
			st := dumpState{req: req, seq: seq, seen: seen, fn: func(h netlink.Header, p []byte) error {
				got = append(got, binary.NativeEndian.Uint32(p))
				return nil
			}}
			var done bool
			var err error
			for _, d := range tt.datagrams {
				if done, err = st.datagram(d); done || err != nil {
					break
				}
			}
			if diff := cmp.Diff(tt.wantKeys, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if done != tt.wantDone {
				t.Errorf("done = %v, want %v", done, tt.wantDone)
			}
			switch {
			case tt.wantErr == errAny && err == nil, tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestDumpOverflow: ENOBUFS reruns a dump only when that cannot hand out a
// message twice.
func TestDumpOverflow(t *testing.T) {
	tests := []struct {
		name  string
		st    dumpState // emitted: messages handed out; seen: the keys of a keyed dump
		retry bool
	}{
		{"nothing read yet", dumpState{}, true},
		{"keyed dump", dumpState{emitted: 5, seen: map[uint64]struct{}{}}, true},
		{"rows already out, no key", dumpState{emitted: 5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.st.overflow(unix.ENOBUFS)
			if got := errors.Is(err, errRetry); got != tt.retry {
				t.Errorf("retry = %v (%v), want %v", got, err, tt.retry)
			}
			if !tt.retry && !errors.Is(err, unix.ENOBUFS) {
				t.Errorf("err = %v, want it to wrap ENOBUFS", err)
			}
		})
	}
}

// errAny stands for "some error" in TestDumpDatagram.
var errAny = errors.New("any error")

func TestDumpRetriesAreBounded(t *testing.T) {
	tests := []struct {
		name     string
		retries  int
		wantRuns int
		wantErr  error
	}{
		{"no retry", 0, 1, nil},
		{"two interruptions", 2, 3, nil},
		{"interrupted every time", 100, maxDumpRetries + 1, ErrDumpInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			once := func(ctx context.Context, req DumpRequest, seen map[uint64]struct{}, fn func(netlink.Header, []byte) error) error {
				runs++
				if seen == nil {
					t.Fatal("no seen set for a request with a Key")
				}
				if runs <= tt.retries {
					return errRetry
				}
				return nil
			}
			req := DumpRequest{Key: func([]byte) (uint64, bool) { return 0, false }}
			err := dumpRetrying(t.Context(), req, once, nil)
			if runs != tt.wantRuns || !errors.Is(err, tt.wantErr) {
				t.Errorf("runs = %d, err = %v; want %d, %v", runs, err, tt.wantRuns, tt.wantErr)
			}
		})
	}
}

// silentRequest is an NLMSG_NOOP without NLM_F_ACK: the kernel answers
// nothing, so the read blocks as on a netlink socket that never replies.
var silentRequest = DumpRequest{Protocol: unix.NETLINK_ROUTE, Type: unix.NLMSG_NOOP}

// TestDumpHonoursContext: a dump whose reply never comes ends when its
// context does, by deadline or by cancellation (which wakes the read of a
// context without a deadline), not never.
func TestDumpHonoursContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 100*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- Dump(ctx, silentRequest, func(netlink.Header, []byte) error { return nil }) }()
			select {
			case err := <-errc:
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("Dump did not return after its context's %s", tt.name)
			}
		})
	}
}

// TestDumpLinksOwnNamespace reads a real dump: every namespace has lo.
func TestDumpLinksOwnNamespace(t *testing.T) {
	var names []string
	err := DumpLinks(t.Context(), LinkRequest{}, func(m *LinkMessage) error {
		names = append(names, m.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || n == "lo"
	}
	if !found {
		t.Errorf("links %v have no lo", names)
	}
}

// FuzzDumpDatagram: no datagram makes the reply walker panic.
func FuzzDumpDatagram(f *testing.F) {
	f.Add(join(nlmsg(unix.RTM_NEWLINK, unix.NLM_F_MULTI, 1, keyPayload(1)), nlmsg(unix.NLMSG_DONE, unix.NLM_F_MULTI, 1, errPayload(0))))
	f.Add(nlmsg(unix.NLMSG_ERROR, 0, 1, errPayload(unix.EPERM)))
	f.Add(nlmsg(unix.NLMSG_DONE, unix.NLM_F_DUMP_INTR, 1, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		st := dumpState{
			req:  DumpRequest{Flags: unix.NLM_F_DUMP, Key: func(p []byte) (uint64, bool) { return uint64(len(p)), true }},
			seq:  1,
			seen: map[uint64]struct{}{},
			fn:   func(netlink.Header, []byte) error { return nil },
		}
		_, _ = st.datagram(b)
	})
}
