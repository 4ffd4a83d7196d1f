package netlinkx

import (
	"bytes"
	"encoding/binary"
	"unsafe"
)

// UnixDiagReq is one unix_diag dump: struct unix_diag_req (linux/unix_diag.h)
// for every AF_UNIX socket of a namespace.
type UnixDiagReq struct {
	// NetNS is the namespace to read.
	NetNS NetNS
	// States is udiag_states, a mask of 1<<TCP_* (unix sockets use
	// TCP_ESTABLISHED, TCP_LISTEN and TCP_CLOSE). Zero asks for every state.
	States uint32
	// Show is udiag_show, the UDIAG_SHOW_* bits: which attributes the kernel
	// adds. Each costs the kernel work per socket; ask only for what is read.
	// UNIX_DIAG_SHUTDOWN comes with every message.
	Show uint32
}

// UnixDiagMsg is one SOCK_DIAG_BY_FAMILY reply for an AF_UNIX socket: struct
// unix_diag_msg and the UNIX_DIAG_* attributes after it. Decoding allocates
// nothing: the byte-slice fields alias the dump buffer, and Has tells which
// attributes the kernel sent.
type UnixDiagMsg struct {
	Family uint8  // udiag_family, AF_UNIX
	Type   uint8  // udiag_type: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
	State  uint8  // udiag_state: TCP_LISTEN, TCP_ESTABLISHED (connected) or TCP_CLOSE
	Inode  uint32 // udiag_ino, the socket's inode (socket:[ino] in /proc/PID/fd)
	// Cookie is udiag_cookie[0] | udiag_cookie[1]<<32, the kernel's socket
	// cookie: unique for the boot.
	Cookie uint64

	// Name is UNIX_DIAG_NAME (UDIAG_SHOW_NAME): the bound sun_path as the
	// kernel keeps it, a leading NUL for an abstract name and possibly a
	// trailing NUL for a path. Nil for an unnamed socket. See Path.
	Name []byte
	// VFSInode and VFSDev are UNIX_DIAG_VFS (UDIAG_SHOW_VFS), struct
	// unix_diag_vfs: udiag_vfs_ino and udiag_vfs_dev of the socket file a
	// path-bound socket created (the kernel's dev_t encoding).
	VFSInode, VFSDev uint32
	// Peer is UNIX_DIAG_PEER (UDIAG_SHOW_PEER): the inode of the connected
	// peer, 0 when there is none.
	Peer uint32
	// Icons is UNIX_DIAG_ICONS (UDIAG_SHOW_ICONS) of a listener: the inodes of
	// connections waiting in its accept queue, native-endian __u32 each. See IconInodes.
	Icons []byte
	// RQueue and WQueue are UNIX_DIAG_RQLEN (UDIAG_SHOW_RQLEN), struct
	// unix_diag_rqlen: udiag_rqueue and udiag_wqueue. For a listener they are
	// the accept queue's length and the backlog limit; otherwise the bytes (stream)
	// or datagrams queued to read and the bytes not yet read by the peer, as
	// ss shows them in Recv-Q and Send-Q.
	RQueue, WQueue uint32
	// SKMemInfo is UNIX_DIAG_MEMINFO (UDIAG_SHOW_MEMINFO): __u32 values
	// indexed by SK_MEMINFO_*. See SKMemInfoValue.
	SKMemInfo []byte
	// Shutdown is UNIX_DIAG_SHUTDOWN: sk_shutdown, bit 0 RCV_SHUTDOWN, bit 1 SEND_SHUTDOWN.
	Shutdown uint8
	// UID is UNIX_DIAG_UID (UDIAG_SHOW_UID, kernel 5.3+): the owner's uid
	// in the reader's user namespace.
	UID uint32

	attrs uint32 // bit t set when attribute type t was present
}

// sizeofUnixDiagReq is sizeof(struct unix_diag_req).
const sizeofUnixDiagReq = 24

// sizeofUnixDiagMsg is sizeof(struct unix_diag_msg).
const sizeofUnixDiagMsg = 16

// Has reports whether the message carried attribute typ (UNIX_DIAG_*).
func (m *UnixDiagMsg) Has(typ uint16) bool { return typ < 32 && m.attrs&(1<<typ) != 0 }

// Path is the socket's address as ss prints it: the path of a
// filesystem socket, "@" and the name for an abstract one (each NUL in it
// shown as '@'), and "" for an unnamed socket or when the name was not asked for.
func (m *UnixDiagMsg) Path() string {
	n := m.Name
	if len(n) == 0 {
		return ""
	}
	if n[0] != 0 {
		if i := bytes.IndexByte(n, 0); i >= 0 {
			n = n[:i]
		}
		return string(n)
	}
	b := make([]byte, len(n)) // a copy: the name aliases the dump buffer
	for i, c := range n {
		if c == 0 {
			c = '@'
		}
		b[i] = c
	}
	return unsafe.String(&b[0], len(b)) // b is not touched again
}

// Abstract reports whether the socket is bound to an abstract name
// (sun_path starting with NUL; Linux only, no file in the filesystem).
func (m *UnixDiagMsg) Abstract() bool { return len(m.Name) > 0 && m.Name[0] == 0 }

// TypeName is udiag_type's name: "stream", "dgram" or "seqpacket".
func (m *UnixDiagMsg) TypeName() string { return SockTypeName(m.Type) }

// StateName is udiag_state in psutil's vocabulary: "LISTEN", "ESTABLISHED"
// for a connected socket of any type, and "NONE" for an unconnected one
// (TCP_CLOSE, which ss shows as UNCONN).
func (m *UnixDiagMsg) StateName() string { return sockStateName(m.State) }

// IconInodes decodes Icons: the inodes of the connections waiting to be
// accepted, in the kernel's order. It allocates; nil when there are none.
func (m *UnixDiagMsg) IconInodes() []uint32 {
	if len(m.Icons) < 4 {
		return nil
	}
	out := make([]uint32, 0, len(m.Icons)/4)
	for b := m.Icons; len(b) >= 4; b = b[4:] {
		out = append(out, binary.NativeEndian.Uint32(b))
	}
	return out
}

// SKMemInfoValue returns UNIX_DIAG_MEMINFO's value at index i (an
// SK_MEMINFO_* constant); ok is false when the kernel did not send it.
func (m *UnixDiagMsg) SKMemInfoValue(i int) (v uint32, ok bool) { return memInfoAt(m.SKMemInfo, i) }

// memInfoAt reads index i of an SK_MEMINFO_* array (sock_diag_put_meminfo);
// shorter arrays come from older kernels.
func memInfoAt(b []byte, i int) (uint32, bool) {
	if i < 0 || (i+1)*4 > len(b) {
		return 0, false
	}
	return binary.NativeEndian.Uint32(b[i*4:]), true
}

// SockTypeName names a Linux socket type (SOCK_* of linux/net.h, without
// flags): "stream", "dgram", "raw", "rdm", "seqpacket", "dccp", "packet",
// and the number for anything else.
func SockTypeName(t uint8) string { return indexName(sockTypeNames[:], t) }

// sockTypeNames are indexed by the Linux SOCK_* values, spelt here so that
// this file builds on every OS (a test checks them against x/sys/unix).
var sockTypeNames = [...]string{
	1:  "stream",    // SOCK_STREAM
	2:  "dgram",     // SOCK_DGRAM
	3:  "raw",       // SOCK_RAW
	4:  "rdm",       // SOCK_RDM
	5:  "seqpacket", // SOCK_SEQPACKET
	6:  "dccp",      // SOCK_DCCP
	10: "packet",    // SOCK_PACKET
}

// sockStateName is a unix socket's TCP_* state in psutil's names, with
// TCP_CLOSE (7, an unconnected socket) as "NONE".
func sockStateName(state uint8) string {
	if state == 7 { // TCP_CLOSE
		return "NONE"
	}
	return TCPStateName(state)
}
