package netlinkx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// NftRuleset is one consistent read of a namespace's nf_tables ruleset:
// every chain, rule and set with its elements, all under one generation ID.
type NftRuleset struct {
	Gen    uint32 // NFTA_GEN_ID the reads were made under
	Chains []NftChain
	Rules  []NftRule
	Sets   []NftSet
}

// nftReadTries bounds how often ReadNftRuleset reads when the ruleset's
// generation moved during a read.
const nftReadTries = 5

// ErrNftGenMoved is returned (wrapped) by ReadNftRuleset when the ruleset's
// generation moved during each of its nftReadTries reads: something rewrites
// the ruleset faster than it can be listed, and no consistent copy was had.
var ErrNftGenMoved = errors.New("the ruleset changed while it was read (NFT_MSG_GETGEN moved)")

// nftMidRead, when set (only by tests), is called in the middle of each
// read, after the chains are listed and before their rules are, with the
// read's number from 0: a test changes the ruleset there.
var nftMidRead func(try int)

// ErrNoNfTables is returned by ReadNftRuleset when the kernel has no
// nf_tables (the NETLINK_NETFILTER subsystem answers EPROTONOSUPPORT/ENOENT).
var ErrNoNfTables = errors.New("kernel has no nf_tables")

// ReadNftRuleset reads every table's chains, rules and sets in ns
// (NFT_MSG_GETCHAIN, NFT_MSG_GETRULE and NFT_MSG_GETSET dumps, decoded by
// DecodeNftChain, DecodeNftRule and DecodeNftSet) and each set's elements
// (NFT_MSG_GETSETELEM, with google/nftables), and reads
// again when the generation ID (NFT_MSG_GETGEN) moved while it read. After
// nftReadTries reads that each saw it move, it returns ErrNftGenMoved.
func ReadNftRuleset(ctx context.Context, ns NetNS) (*NftRuleset, error) {
	var err error
	for try := range nftReadTries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var before, after uint32
		before, err = nftGen(ns)
		if err != nil {
			return nil, err
		}
		var rs *NftRuleset
		rs, err = readNftOnce(ctx, ns, try)
		if err != nil {
			return nil, err
		}
		after, err = nftGen(ns)
		if err != nil {
			return nil, err
		}
		if before == after {
			rs.Gen = after
			return rs, nil
		}
	}
	return nil, fmt.Errorf("%w, %d times in a row", ErrNftGenMoved, nftReadTries)
}

func readNftOnce(ctx context.Context, ns NetNS, try int) (*NftRuleset, error) {
	rs := &NftRuleset{}
	var err error
	rs.Chains, err = dumpNft(ctx, ns, unix.NFT_MSG_GETCHAIN, unix.NFT_MSG_NEWCHAIN, "chains", DecodeNftChain)
	if err != nil {
		return nil, err
	}
	if nftMidRead != nil {
		nftMidRead(try)
	}
	// One NFT_MSG_GETRULE dump lists every rule of every chain: no table or
	// chain is named.
	rs.Rules, err = dumpNft(ctx, ns, unix.NFT_MSG_GETRULE, unix.NFT_MSG_NEWRULE, "rules", DecodeNftRule)
	if err != nil {
		return nil, err
	}
	rs.Sets, err = dumpNft(ctx, ns, unix.NFT_MSG_GETSET, unix.NFT_MSG_NEWSET, "sets", DecodeNftSet)
	if err != nil {
		return nil, err
	}
	if len(rs.Sets) == 0 {
		return rs, nil
	}
	c, err := nftables.New(nftables.AsLasting(), nftables.WithNetNSFd(int(ns)))
	if err != nil {
		return nil, fmt.Errorf("nftables conn: %w", err)
	}
	defer c.CloseLasting()
	for i := range rs.Sets {
		s := &rs.Sets[i]
		set := &nftables.Set{Table: &nftables.Table{Family: nftables.TableFamily(s.Family), Name: s.Table}, Name: s.Name}
		s.Elements, err = nftSetElements(c, set)
		if err != nil {
			return nil, fmt.Errorf("list elements of set %s %s: %w", s.Table, s.Name, err)
		}
	}
	return rs, nil
}

// dumpNft lists every object of one kind (what: "chains", "rules", "sets")
// of every table in ns: an NLM_F_DUMP of nf_tables message get for every
// family, whose replies of type reply are decoded by decode.
func dumpNft[T any](ctx context.Context, ns NetNS, get, reply uint16, what string, decode func([]byte) (T, error)) ([]T, error) {
	var out []T
	err := Dump(ctx, DumpRequest{
		Protocol: unix.NETLINK_NETFILTER,
		NetNS:    ns,
		Type:     unix.NFNL_SUBSYS_NFTABLES<<8 | get,
		Flags:    unix.NLM_F_DUMP,
		Data:     []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0}, // struct nfgenmsg: every family
	}, func(h netlink.Header, b []byte) error {
		if h.Type != netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8|reply) {
			return nil
		}
		v, err := decode(b)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dump nf_tables %s: %w", what, err)
	}
	return out, nil
}

// nftMsg is an nf_tables message being decoded (NftChain, NftRule, NftSet):
// decodeAttr stores the attribute ad is at, and id names the object in an
// error (its table and name, quoted).
type nftMsg interface {
	decodeAttr(ad *netlink.AttributeDecoder)
	id() string
}

// decodeNft decodes one nf_tables message payload into m: the struct
// nfgenmsg's family into *family (before the attributes, which may depend on
// it, and also when they are malformed), then each attribute after it,
// big-endian as nf_tables sends them. what ("chain", "rule", "set") names
// the message in errors.
func decodeNft(b []byte, what string, family *uint8, m nftMsg) error {
	if len(b) < sizeofNfgenmsg {
		return fmt.Errorf("nfgenmsg: %d bytes, want at least %d", len(b), sizeofNfgenmsg)
	}
	*family = b[0]
	ad, err := netlink.NewAttributeDecoder(b[sizeofNfgenmsg:])
	if err != nil {
		return fmt.Errorf("nf_tables %s attributes: %w", what, err)
	}
	ad.ByteOrder = binary.BigEndian
	for ad.Next() {
		m.decodeAttr(ad)
	}
	if err := ad.Err(); err != nil {
		return fmt.Errorf("nf_tables %s %s: %w", what, m.id(), err)
	}
	return nil
}

// nftSetElements lists a set's elements with google/nftables, whose element
// decoder panics on some malformed input (a short NFTA_SET_ELEM_USERDATA TLV):
// that is an error here, not a crash.
func nftSetElements(c *nftables.Conn, set *nftables.Set) (els []nftables.SetElement, err error) {
	defer func() {
		if p := recover(); p != nil {
			els, err = nil, fmt.Errorf("google/nftables decoding elements: %v", p)
		}
	}()
	return c.GetSetElements(set)
}

// nftGen asks NFT_MSG_GETGEN for the ruleset's generation ID (NFTA_GEN_ID).
func nftGen(ns NetNS) (uint32, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: int(ns)})
	if errors.Is(err, unix.EPROTONOSUPPORT) {
		return 0, ErrNoNfTables // no nfnetlink at all
	}
	if err != nil {
		return 0, fmt.Errorf("dial netfilter netlink: %w", err)
	}
	defer c.Close()
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETGEN),
			Flags: netlink.Request,
		},
		Data: []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0}, // struct nfgenmsg
	})
	if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EOPNOTSUPP) {
		return 0, ErrNoNfTables
	}
	if err != nil {
		return 0, fmt.Errorf("nf_tables getgen: %w", err)
	}
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[4:])
		if err != nil {
			return 0, fmt.Errorf("nf_tables gen attributes: %w", err)
		}
		ad.ByteOrder = binary.BigEndian
		var id uint32
		for ad.Next() {
			if ad.Type() == unix.NFTA_GEN_ID {
				id = ad.Uint32()
			}
		}
		if err := ad.Err(); err != nil {
			return 0, fmt.Errorf("nf_tables gen: %w", err)
		}
		return id, nil
	}
	return 0, errors.New("nf_tables getgen: no reply")
}
