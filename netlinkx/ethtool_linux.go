package netlinkx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"unsafe"

	"github.com/mdlayher/ethtool"
	"golang.org/x/sys/unix"
)

// ReadEthtool reads the ethtool settings req asks for, for each link of
// req.Links, inside req.NetNS, and returns them by ifindex. Speed, duplex,
// autoneg, port and link state come from the ethtool genetlink family
// (mdlayher/ethtool), or from the ETHTOOL_GSET and ETHTOOL_GLINK ioctls where
// the kernel has no such family; driver, versions and bus come from the
// ETHTOOL_GDRVINFO ioctl, which genetlink does not offer. A driver that
// refuses a request leaves that part out; a link that disappears is marked
// Gone. Other errors are returned.
func ReadEthtool(ctx context.Context, req EthtoolRequest) (map[int32]*EthtoolSettings, error) {
	out := make(map[int32]*EthtoolSettings, len(req.Links))
	for _, l := range req.Links {
		out[l.Index] = &EthtoolSettings{}
	}
	err := req.NetNS.Do(func() error {
		if req.Modes || req.Info || req.State {
			if err := readEthtoolGenl(ctx, req, out); err != nil {
				return err
			}
		}
		if req.DrvInfo {
			if err := readDrvInfo(ctx, req, out); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// forceEthtoolIoctl makes readEthtoolGenl use the ioctls, for tests.
var forceEthtoolIoctl bool

func readEthtoolGenl(ctx context.Context, req EthtoolRequest, out map[int32]*EthtoolSettings) error {
	c, err := ethtool.New()
	if forceEthtoolIoctl || errors.Is(err, os.ErrNotExist) {
		if c != nil {
			c.Close()
		}
		return readEthtoolIoctl(ctx, req, out)
	}
	if err != nil {
		return fmt.Errorf("ethtool genetlink: %w", err)
	}
	defer c.Close()
	if req.Modes {
		err := ethtoolGet(ctx, req, out, "link modes", c.LinkModes, c.LinkMode, func(s *EthtoolSettings, lm *ethtool.LinkMode) {
			s.HasModes, s.Speed, s.Duplex, s.Autoneg = true, uint32(lm.SpeedMegabits), uint8(lm.Duplex), uint8(lm.Autoneg)
		}, func(lm *ethtool.LinkMode) int { return lm.Interface.Index })
		if err != nil {
			return err
		}
	}
	if req.Info {
		err := ethtoolGet(ctx, req, out, "link info", c.LinkInfos, c.LinkInfo, func(s *EthtoolSettings, li *ethtool.LinkInfo) {
			s.HasPort, s.Port = true, uint8(li.Port)
		}, func(li *ethtool.LinkInfo) int { return li.Interface.Index })
		if err != nil {
			return err
		}
	}
	if req.State {
		err := ethtoolGet(ctx, req, out, "link state", c.LinkStates, c.LinkState, func(s *EthtoolSettings, ls *ethtool.LinkState) {
			s.HasLink, s.Link = true, ls.Link
		}, func(ls *ethtool.LinkState) int { return ls.Interface.Index })
		if err != nil {
			return err
		}
	}
	return nil
}

// ethtoolGet reads one kind of ethtool reply (link modes, info or state):
// a dump of every link when req.All, else one request per link of req.Links.
// set copies a reply into the settings of its link (index names it). A link
// that vanished (ENODEV) is marked Gone; one whose driver does not answer
// (EOPNOTSUPP) or fails the request with another errno (EIO, EBUSY while
// firmware flashes, ...) keeps NULL cells, so that one driver cannot fail
// every link. The kernel ends a dump at the first driver that fails with
// other than EOPNOTSUPP: the links it did not answer are then asked one by one.
func ethtoolGet[R any](ctx context.Context, req EthtoolRequest, out map[int32]*EthtoolSettings, what string,
	dump func() ([]*R, error), one func(ethtool.Interface) (*R, error), set func(*EthtoolSettings, *R), index func(*R) int) error {
	put := func(r *R) {
		if s := out[int32(index(r))]; s != nil {
			set(s, r)
		}
	}
	links := req.Links
	if req.All {
		rs, err := dump()
		answered := make(map[int32]bool, len(rs))
		for _, r := range rs {
			put(r)
			answered[int32(index(r))] = true
		}
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !driverFailed(err) {
			return fmt.Errorf("ethtool %s dump: %w", what, err)
		}
		links = nil
		for _, l := range req.Links {
			if !answered[l.Index] {
				links = append(links, l)
			}
		}
	}
	for _, l := range links {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := one(ethtool.Interface{Index: int(l.Index)})
		switch {
		case errors.Is(err, unix.ENODEV):
			out[l.Index].Gone = true
		case err == nil:
			put(r)
		case errors.Is(err, os.ErrNotExist), driverFailed(err):
		default:
			return fmt.Errorf("ethtool %s %s: %w", what, l.Name, err)
		}
	}
	return nil
}

// driverFailed reports an error the kernel answered a request for one link
// with (an errno in its netlink error message, or from the ioctl): that
// link's driver failed, not the query.
func driverFailed(err error) bool {
	var errno unix.Errno
	return errors.As(err, &errno)
}

// ifreqData is struct ifreq with its union read as ifr_data, a pointer to
// the ethtool command (linux/if.h, 64-bit layout: 16 + 24 bytes).
type ifreqData struct {
	Name [unix.IFNAMSIZ]byte
	Data unsafe.Pointer
	_    [16]byte
}

// ethtoolCmd is struct ethtool_cmd (linux/ethtool.h), for ETHTOOL_GSET.
type ethtoolCmd struct {
	Cmd           uint32 // cmd
	Supported     uint32 // supported
	Advertising   uint32 // advertising
	Speed         uint16 // speed: low 16 bits of the speed in Mb/s
	Duplex        uint8  // duplex
	Port          uint8  // port
	PhyAddress    uint8  // phy_address
	Transceiver   uint8  // transceiver
	Autoneg       uint8  // autoneg
	MdioSupport   uint8  // mdio_support
	Maxtxpkt      uint32 // maxtxpkt
	Maxrxpkt      uint32 // maxrxpkt
	SpeedHi       uint16 // speed_hi: high 16 bits of the speed
	EthTpMdix     uint8  // eth_tp_mdix
	EthTpMdixCtrl uint8  // eth_tp_mdix_ctrl
	LpAdvertising uint32 // lp_advertising
	Reserved      [2]uint32
}

// ethtoolValue is struct ethtool_value, for ETHTOOL_GLINK.
type ethtoolValue struct {
	Cmd  uint32
	Data uint32
}

// siocethtool runs SIOCETHTOOL on the link name with the command at data.
func siocethtool(fd int, name string, data unsafe.Pointer) error {
	if len(name) >= unix.IFNAMSIZ {
		return unix.ENODEV
	}
	ifr := ifreqData{Data: data}
	copy(ifr.Name[:], name)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); e != 0 {
		return e
	}
	return nil
}

// refused reports an ioctl error that is the driver's answer for this link
// ("does not do that": EOPNOTSUPP, EINVAL; or a failure: EIO, EBUSY, ...),
// which leaves the link's cells NULL, rather than a fault in the call itself
// (EBADF, EFAULT, ENOTTY), which fails the query. ENODEV is checked first.
func refused(err error) bool {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case unix.EBADF, unix.EFAULT, unix.ENOTTY:
		return false
	}
	return true
}

// forEachLinkIoctl calls fn with an ioctl socket for each link of req and
// its settings in out, stopping at fn's first error or when ctx ends.
func forEachLinkIoctl(ctx context.Context, req EthtoolRequest, out map[int32]*EthtoolSettings, fn func(fd int, l EthtoolLink, s *EthtoolSettings) error) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("ethtool ioctl socket: %w", err)
	}
	defer unix.Close(fd)
	for _, l := range req.Links {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(fd, l, out[l.Index]); err != nil {
			return err
		}
	}
	return nil
}

func readEthtoolIoctl(ctx context.Context, req EthtoolRequest, out map[int32]*EthtoolSettings) error {
	return forEachLinkIoctl(ctx, req, out, func(fd int, l EthtoolLink, s *EthtoolSettings) error {
		if req.Modes || req.Info {
			cmd := ethtoolCmd{Cmd: unix.ETHTOOL_GSET}
			err := siocethtool(fd, l.Name, unsafe.Pointer(&cmd))
			switch {
			case errors.Is(err, unix.ENODEV):
				s.Gone = true
				return nil
			case err == nil:
				s.HasModes, s.ModesFromIoctl = true, true
				s.Speed = uint32(cmd.SpeedHi)<<16 | uint32(cmd.Speed)
				if s.Speed == 0xFFFF_FFFF || cmd.Speed == 0xFFFF && cmd.SpeedHi == 0xFFFF {
					s.Speed = SPEED_UNKNOWN32
				}
				s.Duplex, s.Autoneg = cmd.Duplex, cmd.Autoneg
				s.HasPort, s.Port = true, cmd.Port
			case !refused(err):
				return fmt.Errorf("ETHTOOL_GSET %s: %w", l.Name, err)
			}
		}
		if req.State {
			v := ethtoolValue{Cmd: unix.ETHTOOL_GLINK}
			err := siocethtool(fd, l.Name, unsafe.Pointer(&v))
			switch {
			case errors.Is(err, unix.ENODEV):
				s.Gone = true
			case err == nil:
				s.HasLink, s.Link = true, v.Data != 0
			case !refused(err):
				return fmt.Errorf("ETHTOOL_GLINK %s: %w", l.Name, err)
			}
		}
		return nil
	})
}

func readDrvInfo(ctx context.Context, req EthtoolRequest, out map[int32]*EthtoolSettings) error {
	return forEachLinkIoctl(ctx, req, out, func(fd int, l EthtoolLink, s *EthtoolSettings) error {
		if s.Gone {
			return nil
		}
		if len(l.Name) >= unix.IFNAMSIZ {
			s.Gone = true
			return nil
		}
		di, err := unix.IoctlGetEthtoolDrvinfo(fd, l.Name)
		switch {
		case errors.Is(err, unix.ENODEV):
			s.Gone = true
		case err == nil:
			s.HasDrvInfo = true
			s.Driver = string(cstr(di.Driver[:]))
			s.Version = string(cstr(di.Version[:]))
			s.FirmwareVersion = string(cstr(di.Fw_version[:]))
			s.BusInfo = string(cstr(di.Bus_info[:]))
		case !refused(err):
			return fmt.Errorf("ETHTOOL_GDRVINFO %s: %w", l.Name, err)
		}
		return nil
	})
}

// DuplexName is a duplex value without its DUPLEX_ prefix, in lower case as
// psutil and the issue spell it: full, half, unknown.
func DuplexName(d uint8) string {
	switch d {
	case DUPLEX_FULL:
		return "full"
	case DUPLEX_HALF:
		return "half"
	}
	return "unknown"
}

// PortName is a port value without its PORT_ prefix: TP, AUI, MII, FIBRE,
// BNC, DA, NONE, OTHER; a decimal number for one this code does not know.
func PortName(p uint8) string {
	switch p {
	case PORT_TP:
		return "TP"
	case PORT_AUI:
		return "AUI"
	case PORT_MII:
		return "MII"
	case PORT_FIBRE:
		return "FIBRE"
	case PORT_BNC:
		return "BNC"
	case PORT_DA:
		return "DA"
	case PORT_NONE:
		return "NONE"
	case PORT_OTHER:
		return "OTHER"
	}
	return fmt.Sprint(p)
}
