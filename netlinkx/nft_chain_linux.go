package netlinkx

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// NftChain is one NFT_MSG_NEWCHAIN message of an NFT_MSG_GETCHAIN dump:
// struct nfgenmsg and the NFTA_CHAIN_* attributes. It is decoded here rather
// than with google/nftables v0.3.0, whose Chain leaves out NFTA_CHAIN_HANDLE,
// NFTA_CHAIN_FLAGS, NFTA_CHAIN_USERDATA (the comment) and NFTA_HOOK_DEV.
type NftChain struct {
	// Family is nfgenmsg.nfgen_family: NFPROTO_INET, NFPROTO_IPV4, NFPROTO_NETDEV, ...
	Family uint8
	// Table is NFTA_CHAIN_TABLE: the table's name.
	Table string
	// Name is NFTA_CHAIN_NAME.
	Name string
	// Handle is NFTA_CHAIN_HANDLE, what `nft -a` prints as # handle N.
	Handle uint64
	// Hook is NFTA_CHAIN_HOOK; nil for a regular chain.
	Hook *NftHook
	// Policy is NFTA_CHAIN_POLICY, NF_DROP or NF_ACCEPT; nil for a regular chain.
	Policy *uint32
	// Type is NFTA_CHAIN_TYPE: filter, nat or route; "" for a regular chain.
	Type string
	// Flags is NFTA_CHAIN_FLAGS: NFT_CHAIN_BASE, NFT_CHAIN_HW_OFFLOAD, NFT_CHAIN_BINDING.
	// Kernels before 5.7 do not send it.
	Flags uint32
	// UserData is NFTA_CHAIN_USERDATA: libnftnl's TLVs, where nft keeps the
	// chain's comment (NFTNL_UDATA_CHAIN_COMMENT). Kernels before 5.10 keep none.
	UserData []byte
}

// NftHook is the NFTA_CHAIN_HOOK nest of a base chain.
type NftHook struct {
	// Num is NFTA_HOOK_HOOKNUM: NF_INET_* (NF_NETDEV_* in a netdev table).
	Num uint32
	// Priority is NFTA_HOOK_PRIORITY.
	Priority int32
	// Devices are a netdev chain's devices: NFTA_HOOK_DEVS' NFTA_DEVICE_NAMEs
	// (an NFTA_DEVICE_PREFIX as nft prints it, "eth*"), or NFTA_HOOK_DEV where
	// the kernel sends no NFTA_HOOK_DEVS (it sends both for one device).
	Devices []string
}

// DecodeNftChain decodes one NFT_MSG_NEWCHAIN payload (nfgenmsg and
// attributes). Integers are big-endian. Unknown attributes are skipped; a
// known one of the wrong size is an error. The result shares no memory with b.
func DecodeNftChain(b []byte) (NftChain, error) {
	var c NftChain
	err := decodeNft(b, "chain", &c.Family, &c)
	return c, err
}

// id and decodeAttr make NftChain an nftMsg for decodeNft.
func (c *NftChain) id() string { return fmt.Sprintf("%q %q", c.Table, c.Name) }

func (c *NftChain) decodeAttr(ad *netlink.AttributeDecoder) {
	switch ad.Type() {
	case unix.NFTA_CHAIN_TABLE:
		c.Table = ad.String()
	case unix.NFTA_CHAIN_NAME:
		c.Name = ad.String()
	case unix.NFTA_CHAIN_HANDLE:
		c.Handle = ad.Uint64()
	case unix.NFTA_CHAIN_HOOK:
		c.Hook = new(NftHook)
		ad.Nested(c.Hook.decode)
	case unix.NFTA_CHAIN_POLICY:
		p := ad.Uint32()
		c.Policy = &p
	case unix.NFTA_CHAIN_TYPE:
		c.Type = ad.String()
	case NFTA_CHAIN_FLAGS:
		c.Flags = ad.Uint32()
	case NFTA_CHAIN_USERDATA:
		c.UserData = ad.Bytes()
	}
}

func (h *NftHook) decode(ad *netlink.AttributeDecoder) error {
	dev := ""
	for ad.Next() {
		switch ad.Type() {
		case unix.NFTA_HOOK_HOOKNUM:
			h.Num = ad.Uint32()
		case unix.NFTA_HOOK_PRIORITY:
			h.Priority = ad.Int32()
		case unix.NFTA_HOOK_DEV:
			dev = ad.String()
		case NFTA_HOOK_DEVS:
			ad.Nested(func(ad *netlink.AttributeDecoder) error {
				for ad.Next() {
					switch ad.Type() {
					case NFTA_DEVICE_NAME:
						h.Devices = append(h.Devices, ad.String())
					case NFTA_DEVICE_PREFIX:
						h.Devices = append(h.Devices, ad.String()+"*")
					}
				}
				return nil
			})
		}
	}
	if h.Devices == nil && dev != "" {
		h.Devices = []string{dev}
	}
	return nil
}

// Comment is the chain's comment (NFTNL_UDATA_CHAIN_COMMENT in
// NFTA_CHAIN_USERDATA); ok is false when it has none.
func (c *NftChain) Comment() (string, bool) {
	return NftUserdataString(c.UserData, NFTNL_UDATA_CHAIN_COMMENT)
}

// nftChainFlags names the NFT_CHAIN_* bits without their prefix, in bit order.
var nftChainFlags = []struct {
	bit  uint32
	name string
}{{NFT_CHAIN_BASE, "base"}, {NFT_CHAIN_HW_OFFLOAD, "hw_offload"}, {NFT_CHAIN_BINDING, "binding"}}

// FlagNames lists the NFTA_CHAIN_FLAGS bits set, comma-separated, as
// NFT_CHAIN_* names without the prefix in lower case ("base,hw_offload");
// an unknown bit prints as its hex value.
func (c *NftChain) FlagNames() string {
	var names []string
	rest := c.Flags
	for _, f := range nftChainFlags {
		if c.Flags&f.bit != 0 {
			names = append(names, f.name)
			rest &^= f.bit
		}
	}
	for bit := uint32(1); rest != 0; bit <<= 1 {
		if rest&bit != 0 {
			names = append(names, fmt.Sprintf("0x%x", bit))
			rest &^= bit
		}
	}
	return strings.Join(names, ",")
}

// NftUserdataString finds TLV typ in libnftnl userdata (NFTA_CHAIN_USERDATA,
// NFTA_RULE_USERDATA: a u8 type, a u8 length, then the value) and returns it
// as a string without its terminating NUL. ok is false when typ is missing or
// the TLVs are malformed: the kernel stores these bytes as any program wrote
// them, so they are checked here (google/nftables' userdata.Get indexes past
// a short value).
func NftUserdataString(udata []byte, typ byte) (string, bool) {
	for len(udata) >= 2 {
		t, n := udata[0], int(udata[1])
		if len(udata) < 2+n {
			return "", false
		}
		if t == typ {
			v, _ := bytes.CutSuffix(udata[2:2+n], []byte{0})
			return string(v), true
		}
		udata = udata[2+n:]
	}
	return "", false
}
