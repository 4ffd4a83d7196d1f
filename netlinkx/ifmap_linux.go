package netlinkx

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ifreqIfmap is struct ifreq with its union read as struct ifmap (linux/if.h),
// as SIOCGIFMAP fills it: unsigned long mem_start, mem_end; unsigned short
// base_addr; unsigned char irq, dma, port; 3 bytes spare. 64-bit layout.
type ifreqIfmap struct {
	Name [unix.IFNAMSIZ]byte
	Map  [24]byte
}

// IoctlIfMap reads a link's struct ifmap with the SIOCGIFMAP ioctl, in the
// calling thread's namespace (run it under NetNS.Do for another). It is the
// fallback for kernels that leave IFLA_MAP out of RTM_NEWLINK.
func IoctlIfMap(name string) (*IfMap, error) {
	if len(name) >= unix.IFNAMSIZ {
		return nil, fmt.Errorf("SIOCGIFMAP %s: name longer than IFNAMSIZ-1", name)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("SIOCGIFMAP %s: socket: %w", name, err)
	}
	defer unix.Close(fd)
	var req ifreqIfmap
	copy(req.Name[:], name)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFMAP, uintptr(unsafe.Pointer(&req))); e != 0 {
		return nil, fmt.Errorf("SIOCGIFMAP %s: %w", name, e)
	}
	p := req.Map[:]
	return &IfMap{
		MemStart: binary.NativeEndian.Uint64(p[0:8]),
		MemEnd:   binary.NativeEndian.Uint64(p[8:16]),
		BaseAddr: uint64(binary.NativeEndian.Uint16(p[16:18])),
		IRQ:      uint16(p[18]),
		DMA:      p[19],
		Port:     p[20],
	}, nil
}
