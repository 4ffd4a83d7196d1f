package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"
	"github.com/ti-mo/conntrack"
	"golang.org/x/sys/unix"
)

// DumpConntrack dumps the conntrack table of req.NetNS (IPCTNL_MSG_CT_GET
// with NLM_F_DUMP) and calls emit with each entry as it is read. The entry
// is reused for the next one. Reading needs CAP_NET_ADMIN in the namespace's
// user namespace. A kernel without nfnetlink gives EPROTONOSUPPORT, one
// without ctnetlink EOPNOTSUPP (see IsConntrackUnavailable).
func DumpConntrack(ctx context.Context, req ConntrackRequest, emit func(*Conntrack) error) error {
	data := []byte{req.Family, NFNETLINK_V0, 0, 0}
	if req.Mark != nil {
		data = appendAttr(data, CTA_MARK, binary.BigEndian.AppendUint32(nil, *req.Mark))
		data = appendAttr(data, CTA_MARK_MASK, binary.BigEndian.AppendUint32(nil, 0xffffffff))
	}
	if req.Zone != nil {
		data = appendAttr(data, CTA_ZONE, binary.BigEndian.AppendUint16(nil, *req.Zone))
	}
	var c Conntrack
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_NETFILTER,
		NetNS:    req.NetNS,
		Type:     uint16(ctnetlinkType(IPCTNL_MSG_CT_GET)),
		Flags:    unix.NLM_F_DUMP,
		Data:     data,
	}, func(h netlink.Header, payload []byte) error {
		if err := c.UnmarshalBinary(payload); err != nil {
			return err
		}
		return emit(&c)
	})
	if err != nil {
		return fmt.Errorf("dump conntrack table: %w", err)
	}
	return nil
}

// IsConntrackUnavailable reports whether err says the kernel has no
// conntrack to dump: no nfnetlink (EPROTONOSUPPORT), no ctnetlink
// subsystem (EOPNOTSUPP), or no conntrack module (ENOENT).
func IsConntrackUnavailable(err error) bool {
	return errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOENT)
}

// ConntrackStats returns struct ip_conntrack_stat of each CPU
// (IPCTNL_MSG_CT_GET_STATS_CPU) in ns, through ti-mo/conntrack's Conn.Stats.
// Its socket takes no deadline: ctx is checked before the call only.
func ConntrackStats(ctx context.Context, ns NetNS) ([]ConntrackStat, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := conntrack.Dial(&netlink.Config{NetNS: int(ns)})
	if err != nil {
		return nil, fmt.Errorf("open ctnetlink socket: %w", err)
	}
	defer c.Close()
	st, err := c.Stats()
	if err != nil {
		return nil, fmt.Errorf("conntrack per-cpu stats: %w", err)
	}
	return st, nil
}

// ConntrackSysctl reads /proc/sys/net/netfilter/NAME (nf_conntrack_count,
// nf_conntrack_max, nf_conntrack_acct) as the namespace ns sees it. A file
// that is missing (no conntrack) gives an error matching os.ErrNotExist.
func ConntrackSysctl(ns NetNS, name string) (int64, error) {
	var v int64
	err := ns.Do(func() error {
		b, err := os.ReadFile("/proc/sys/net/netfilter/" + name)
		if err != nil {
			return err
		}
		v, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read sysctl net.netfilter.%s: %w", name, err)
	}
	return v, nil
}
