package tables

import (
	"testing"
	"time"
)

func TestSocketOwners(t *testing.T) {
	now := time.Now()
	NoteSocketOwner(7, 42, now)
	NoteSocketOwner(0, 43, now) // no cookie: not kept
	if o, ok := takeSocketOwner(7); !ok || o.pid != 42 {
		t.Errorf("cookie 7: %v %v, want pid 42", o, ok)
	}
	if _, ok := takeSocketOwner(7); ok {
		t.Error("cookie 7 taken twice")
	}
	// The map is bounded: after a full generation and more, the first
	// cookie noted is gone and the last is there.
	for c := uint64(1000); c < 1000+maxSocketOwners+10; c++ {
		NoteSocketOwner(c, 1, now)
	}
	if _, ok := takeSocketOwner(1000); ok {
		t.Error("the oldest cookie survived two generations")
	}
	if _, ok := takeSocketOwner(1000 + maxSocketOwners + 9); !ok {
		t.Error("the newest cookie is missing")
	}
	socketOwners.mu.Lock()
	n := len(socketOwners.cur) + len(socketOwners.old)
	socketOwners.mu.Unlock()
	if n > maxSocketOwners {
		t.Errorf("%d owners kept, bound %d", n, maxSocketOwners)
	}
}
