package netlinkx

//lint:file-ignore ST1003 names follow the kernel's uapi headers

// linux/netfilter/nf_tables.h: enum nft_chain_attributes past NFTA_CHAIN_PAD,
// which x/sys/unix stops at. Values are big-endian.
const (
	NFTA_CHAIN_FLAGS    = 10 // NLA_U32: NFT_CHAIN_* (Linux 5.7)
	NFTA_CHAIN_ID       = 11 // NLA_U32: a chain's ID within a transaction, never dumped
	NFTA_CHAIN_USERDATA = 12 // NLA_BINARY: libnftnl's TLVs (Linux 5.10)
)

// linux/netfilter/nf_tables.h: enum nft_hook_attributes past NFTA_HOOK_DEV.
const (
	NFTA_HOOK_DEVS = 4 // NLA_NESTED: NFTA_DEVICE_* of a netdev chain with several devices (Linux 5.5)
)

// linux/netfilter/nf_tables.h: enum nft_devices_attributes, the members of NFTA_HOOK_DEVS.
const (
	NFTA_DEVICE_NAME   = 1 // NLA_STRING
	NFTA_DEVICE_PREFIX = 2 // NLA_STRING: a wildcard's prefix, nft's "eth*" (Linux 6.16)
)

// linux/netfilter/nf_tables.h: enum nft_chain_flags, the bits of NFTA_CHAIN_FLAGS.
const (
	NFT_CHAIN_BASE       = 1 << 0
	NFT_CHAIN_HW_OFFLOAD = 1 << 1
	NFT_CHAIN_BINDING    = 1 << 2
)

// libnftnl include/libnftnl/udata.h: the TLV types nft writes into
// NFTA_CHAIN_USERDATA and NFTA_RULE_USERDATA (not a kernel header: the kernel
// stores these bytes without reading them).
const (
	NFTNL_UDATA_CHAIN_COMMENT = 0
	NFTNL_UDATA_RULE_COMMENT  = 0
)

// linux/netfilter.h: the verdicts a base chain's NFTA_CHAIN_POLICY holds.
const (
	NF_DROP   = 0
	NF_ACCEPT = 1
)
