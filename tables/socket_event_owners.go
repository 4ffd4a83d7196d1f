package tables

import (
	"sync"
	"time"
)

// Socket owners for netlink_socket_events. A destroy notification carries
// no inode and no process, and by the time it arrives the socket's file is
// gone from /proc. What can be known is what an earlier read of
// netlink_sockets saw: which process held the socket then. NoteSocketOwner
// keeps that by cookie (unique for the boot), and the socket's destroy
// event takes it when it arrives. A socket no query saw, or seen only
// before the map turned over, has no owner: NULL, never a guess.

// maxSocketOwners bounds the cookie → owner map: two generations of at
// most half of it each (about 40 bytes an entry: 2.6 MB at most).
const maxSocketOwners = 1 << 16

// socketOwner is the process a read of netlink_sockets saw holding a socket.
type socketOwner struct {
	pid  int64
	seen time.Time
}

// socketOwners maps cookies to owners in two generations: when the new one
// is full it becomes the old one, and the old one is dropped.
var socketOwners struct {
	mu       sync.Mutex
	cur, old map[uint64]socketOwner
}

// NoteSocketOwner records that process pid held the socket with this cookie
// (idiag_cookie, SO_COOKIE) at seen. netlink_sockets calls it for each row
// whose pid it resolved, so that netlink_socket_events can name the owner
// of the socket when it is freed. It costs a map insert; the map is bounded.
func NoteSocketOwner(cookie uint64, pid int64, seen time.Time) {
	if cookie == 0 {
		return
	}
	socketOwners.mu.Lock()
	defer socketOwners.mu.Unlock()
	if socketOwners.cur == nil || len(socketOwners.cur) >= maxSocketOwners/2 {
		socketOwners.old, socketOwners.cur = socketOwners.cur, make(map[uint64]socketOwner)
	}
	socketOwners.cur[cookie] = socketOwner{pid: pid, seen: seen}
}

// takeSocketOwner returns and forgets the owner noted for cookie.
func takeSocketOwner(cookie uint64) (socketOwner, bool) {
	socketOwners.mu.Lock()
	defer socketOwners.mu.Unlock()
	for _, m := range []map[uint64]socketOwner{socketOwners.cur, socketOwners.old} {
		if o, ok := m[cookie]; ok {
			delete(m, cookie)
			return o, true
		}
	}
	return socketOwner{}, false
}
