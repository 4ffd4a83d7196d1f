package tables

import (
	"context"
	"errors"
	"fmt"

	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// ifMap is if_map: each link's hardware resources (struct ifmap), what
// `ifconfig` printed as "Memory", "Base address", "Interrupt" and "DMA chan".
var ifMap = lazy("if_map", func() *Table[netlinkx.LinkMessage] {
	return &Table[netlinkx.LinkMessage]{
		Columns: []Column[netlinkx.LinkMessage]{
			linkNameColumn(func(m *netlinkx.LinkMessage) string { return m.Name }),
			linkIndexColumn(func(m *netlinkx.LinkMessage) int64 { return int64(m.Index) }),
			ifMapCol("mem_start", TypeUnsignedBigInt, "rtnl_link_ifmap.mem_start: start of shared memory", func(p *netlinkx.IfMap) uint64 { return p.MemStart }),
			ifMapCol("mem_end", TypeUnsignedBigInt, "rtnl_link_ifmap.mem_end: end of shared memory", func(p *netlinkx.IfMap) uint64 { return p.MemEnd }),
			ifMapCol("base_addr", TypeUnsignedBigInt, "rtnl_link_ifmap.base_addr: I/O base address", func(p *netlinkx.IfMap) uint64 { return p.BaseAddr }),
			ifMapCol("irq", TypeInteger, "rtnl_link_ifmap.irq: interrupt line", func(p *netlinkx.IfMap) uint64 { return uint64(p.IRQ) }),
			ifMapCol("dma", TypeInteger, "rtnl_link_ifmap.dma: DMA channel", func(p *netlinkx.IfMap) uint64 { return uint64(p.DMA) }),
			ifMapCol("port", TypeInteger, "rtnl_link_ifmap.port: media port (IF_PORT_*)", func(p *netlinkx.IfMap) uint64 { return uint64(p.Port) }),
		},
		Generate: func(ctx context.Context, q *Query, emit func(*netlinkx.LinkMessage) error) error {
			return ForEachLinkRequest(ctx, q, func(req netlinkx.LinkRequest) error {
				return netlinkx.DumpLinks(ctx, req, func(m *netlinkx.LinkMessage) error {
					if m.Map == nil {
						err := q.NetNS.Do(func() (err error) { m.Map, err = netlinkx.IoctlIfMap(m.Name); return err })
						if errors.Is(err, unix.ENODEV) {
							return nil // gone since the dump
						}
						if err != nil {
							return fmt.Errorf("ioctl SIOCGIFMAP %s: %w", m.Name, err)
						}
					}
					return emit(m)
				})
			})
		},
	}
})

// ifMapCol is a column read from IFLA_MAP; NULL when the link has none.
func ifMapCol(name string, typ Type, doc string, get func(*netlinkx.IfMap) uint64) Column[netlinkx.LinkMessage] {
	return Col(name, typ, doc, func(m *netlinkx.LinkMessage) Value {
		if m.Map == nil {
			return Null
		}
		return UintValue(get(m.Map))
	})
}
