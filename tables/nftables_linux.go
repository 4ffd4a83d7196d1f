package tables

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/google/nftables/expr"
	"github.com/netlinkq/netlinkq/netlinkx"
	"golang.org/x/sys/unix"
)

// readNft reads the query namespace's ruleset; a kernel without nf_tables,
// and a caller without CAP_NET_ADMIN (nf_tables lists rules to no one
// else), give nil and a warning, not an error.
func readNft(ctx context.Context, q *Query) (*netlinkx.NftRuleset, error) {
	rs, err := netlinkx.ReadNftRuleset(ctx, q.NetNS)
	if errors.Is(err, netlinkx.ErrNoNfTables) {
		q.logf("nftables: kernel has no nf_tables; no rows")
		return nil, nil
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, os.ErrPermission) {
		q.logf("nftables: reading the ruleset needs CAP_NET_ADMIN; no rows")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read nf_tables ruleset: %w", err)
	}
	return rs, nil
}

// nftFamilies are the table families as nft spells them, by NFPROTO_* value.
var nftFamilies = [...]string{
	unix.NFPROTO_INET:   "inet",
	unix.NFPROTO_IPV4:   "ip",
	unix.NFPROTO_IPV6:   "ip6",
	unix.NFPROTO_ARP:    "arp",
	unix.NFPROTO_NETDEV: "netdev",
	unix.NFPROTO_BRIDGE: "bridge",
}

// nftHooks are the hooks as nft names them, by NF_INET_* value, and
// nftNetdevHooks those of the netdev family, which shares their numbers.
var (
	nftHooks = [...]string{
		unix.NF_INET_PRE_ROUTING:  "prerouting",
		unix.NF_INET_LOCAL_IN:     "input",
		unix.NF_INET_FORWARD:      "forward",
		unix.NF_INET_LOCAL_OUT:    "output",
		unix.NF_INET_POST_ROUTING: "postrouting",
	}
	nftNetdevHooks = [...]string{
		unix.NF_NETDEV_INGRESS: "ingress",
		unix.NF_NETDEV_EGRESS:  "egress",
	}
)

// nameAt is names[v], ok false where names has no name for v.
func nameAt[V uint8 | uint32](names []string, v V) (string, bool) {
	if uint64(v) < uint64(len(names)) && names[v] != "" {
		return names[v], true
	}
	return "", false
}

// nftFamily is a table family as nft spells it.
func nftFamily(f uint8) string {
	if n, ok := nameAt(nftFamilies[:], f); ok {
		return n
	}
	return fmt.Sprint(f)
}

// nftHookName names a hook as nft does.
func nftHookName(family uint8, h uint32) string {
	if n, ok := nameAt(nftNetdevHooks[:], h); ok && family == unix.NFPROTO_NETDEV {
		return n
	}
	if n, ok := nameAt(nftHooks[:], h); ok {
		return n
	}
	return fmt.Sprint(h)
}

// nftTableCols are the family and table columns of a row in table(r).
func nftTableCols[T any](table func(*T) (family uint8, name string)) []Column[T] {
	return []Column[T]{
		Text("family", "nfgenmsg.nfgen_family of the table, as nft names it (ip, ip6, inet, arp, bridge, netdev)", func(r *T) string {
			f, _ := table(r)
			return nftFamily(f)
		}),
		Text("table", "NFTA_TABLE_NAME: the nf_tables table", func(r *T) string {
			_, n := table(r)
			return n
		}),
	}
}

// nftablesChains is nftables_chains: one row per chain (NFT_MSG_GETCHAIN).
var nftablesChains = lazy("nftables_chains", func() *Table[netlinkx.NftChain] {
	return &Table[netlinkx.NftChain]{
		Columns: append(nftTableCols(func(c *netlinkx.NftChain) (uint8, string) { return c.Family, c.Table }),
			Text("chain", "NFTA_CHAIN_NAME: the chain", func(c *netlinkx.NftChain) string { return c.Name }),
			BigInt("handle", "NFTA_CHAIN_HANDLE: the chain's handle (what `nft -a` prints as # handle N), unique within its table", func(c *netlinkx.NftChain) int64 { return int64(c.Handle) }),
			Col("hook", TypeText, "NFTA_HOOK_HOOKNUM as nft names it (prerouting, input, forward, output, postrouting, ingress, egress); NULL for a regular chain", func(c *netlinkx.NftChain) Value {
				if c.Hook == nil {
					return Null
				}
				return TextValue(nftHookName(c.Family, c.Hook.Num))
			}),
			Col("priority", TypeInteger, "NFTA_HOOK_PRIORITY: the base chain's priority, a number (nft prints some as names: filter = 0, dstnat = -100, srcnat = 100); NULL for a regular chain", func(c *netlinkx.NftChain) Value {
				if c.Hook == nil {
					return Null
				}
				return IntValue(int64(c.Hook.Priority))
			}),
			Col("type", TypeText, "NFTA_CHAIN_TYPE: filter, nat or route; NULL for a regular chain", func(c *netlinkx.NftChain) Value {
				return optText(c.Type)
			}),
			Col("policy", TypeText, "NFTA_CHAIN_POLICY: accept or drop (NF_ACCEPT, NF_DROP); NULL for a regular chain", func(c *netlinkx.NftChain) Value {
				if c.Policy == nil {
					return Null
				}
				switch *c.Policy {
				case netlinkx.NF_DROP:
					return TextValue("drop")
				case netlinkx.NF_ACCEPT:
					return TextValue("accept")
				}
				return TextValue(fmt.Sprint(*c.Policy))
			}),
			Col("device", TypeText, "NFTA_HOOK_DEV (or NFTA_HOOK_DEVS): the devices of a netdev chain, comma-separated; NULL otherwise", func(c *netlinkx.NftChain) Value {
				if c.Hook == nil || len(c.Hook.Devices) == 0 {
					return Null
				}
				return TextValue(strings.Join(c.Hook.Devices, ","))
			}),
			Text("flags", "NFTA_CHAIN_FLAGS: NFT_CHAIN_* without the prefix, comma-separated (base, hw_offload, binding); empty when none or before Linux 5.7", (*netlinkx.NftChain).FlagNames),
			Col("comment", TypeText, "NFTA_CHAIN_USERDATA NFTNL_UDATA_CHAIN_COMMENT: the chain's comment (nft 1.0.6+, Linux 5.10+); NULL when none", func(c *netlinkx.NftChain) Value {
				if s, ok := c.Comment(); ok {
					return TextValue(s)
				}
				return Null
			}),
		),
		Generate: func(ctx context.Context, q *Query, emit func(*netlinkx.NftChain) error) error {
			rs, err := readNft(ctx, q)
			if err != nil || rs == nil {
				return err
			}
			for i := range rs.Chains {
				if err := emit(&rs.Chains[i]); err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// nftRuleRow is one rule with its rendered text.
type nftRuleRow struct {
	r          *netlinkx.NftRule
	text       string
	counter    expr.Counter // the rule's counter expression's, when hasCounter
	hasCounter bool
}

// nftablesRules is nftables_rules: one row per rule (NFT_MSG_GETRULE).
var nftablesRules = lazy("nftables_rules", func() *Table[nftRuleRow] {
	return &Table[nftRuleRow]{
		Columns: append(nftTableCols(func(r *nftRuleRow) (uint8, string) { return r.r.Family, r.r.Table }),
			Text("chain", "NFTA_RULE_CHAIN: the chain holding the rule", func(r *nftRuleRow) string { return r.r.Chain }),
			BigInt("handle", "NFTA_RULE_HANDLE: the rule's handle (what `nft -a` prints as # handle N)", func(r *nftRuleRow) int64 { return int64(r.r.Handle) }),
			Text("rule", "NFTA_RULE_EXPRESSIONS rendered as nft list ruleset prints the rule (see the table doc for what differs)", func(r *nftRuleRow) string { return r.text }),
			Col("comment", TypeText, "NFTA_RULE_USERDATA NFTNL_UDATA_RULE_COMMENT: the rule's comment; NULL when none", func(r *nftRuleRow) Value {
				if c, ok := netlinkx.NftUserdataString(r.r.UserData, netlinkx.NFTNL_UDATA_RULE_COMMENT); ok {
					return TextValue(c)
				}
				return Null
			}),
			Col("packets", TypeBigInt, "the counter expression's NFTA_COUNTER_PACKETS: packets that reached it; NULL without a counter", func(r *nftRuleRow) Value {
				return optUint64(r.counter.Packets, r.hasCounter)
			}),
			Col("bytes", TypeBigInt, "the counter expression's NFTA_COUNTER_BYTES: bytes that reached it; NULL without a counter", func(r *nftRuleRow) Value {
				return optUint64(r.counter.Bytes, r.hasCounter)
			}),
		),
		Generate: func(ctx context.Context, q *Query, emit func(*nftRuleRow) error) error {
			rs, err := readNft(ctx, q)
			if err != nil || rs == nil {
				return err
			}
			// Anonymous sets' elements, by table and set name, for the rules that use them.
			type tableKey struct {
				family uint8
				name   string
			}
			anon := map[tableKey]map[string]string{}
			for i := range rs.Sets {
				s := &rs.Sets[i]
				if s.Flags&unix.NFT_SET_ANONYMOUS == 0 {
					continue
				}
				var keys []string
				for _, e := range netlinkx.RenderNftSetElements(s) {
					k := e.Key
					if e.Data != "" {
						k += " : " + e.Data
					}
					keys = append(keys, k)
				}
				t := tableKey{s.Family, s.Table}
				if anon[t] == nil {
					anon[t] = map[string]string{}
				}
				anon[t][s.Name] = "{ " + strings.Join(keys, ", ") + " }"
			}
			for i := range rs.Rules {
				r := &rs.Rules[i]
				row := &nftRuleRow{r: r, text: netlinkx.RenderNftExprs(r.Exprs, anon[tableKey{r.Family, r.Table}])}
				for _, e := range r.Exprs {
					if c, ok := e.Expr.(*expr.Counter); ok {
						row.counter, row.hasCounter = *c, true
					}
				}
				if c, ok := netlinkx.NftUserdataString(r.UserData, netlinkx.NFTNL_UDATA_RULE_COMMENT); ok {
					row.text += fmt.Sprintf(" comment %q", c)
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		},
	}
})

// nftSetRow is one element of a set.
type nftSetRow struct {
	s *netlinkx.NftSet
	e *netlinkx.NftElement
}

// nftElemText is a text column of the row's element; NULL for an empty
// set's row, and where the element has no such text.
func nftElemText(name, doc string, get func(*netlinkx.NftElement) string) Column[nftSetRow] {
	return Col(name, TypeText, doc, func(r *nftSetRow) Value {
		if r.e == nil {
			return Null
		}
		return optText(get(r.e))
	})
}

// nftSetFlags are the NFTA_SET_FLAGS bits the flags column names, as nft does.
var nftSetFlags = []struct {
	bit  uint32
	name string
}{{unix.NFT_SET_CONSTANT, "constant"}, {unix.NFT_SET_INTERVAL, "interval"}, {unix.NFT_SET_TIMEOUT, "timeout"},
	{unix.NFT_SET_EVAL, "dynamic"}, {unix.NFT_SET_MAP, "map"}}

// nftablesSets is nftables_sets: one row per named set or map element (NFT_MSG_GETSET, NFT_MSG_GETSETELEM).
var nftablesSets = lazy("nftables_sets", func() *Table[nftSetRow] {
	return &Table[nftSetRow]{
		Columns: append(nftTableCols(func(r *nftSetRow) (uint8, string) { return r.s.Family, r.s.Table }),
			Text("name", "NFTA_SET_NAME: the set or map", func(r *nftSetRow) string { return r.s.Name }),
			Text("type", "NFTA_SET_KEY_TYPE as nft names it (ipv4_addr, inet_service, ipv4_addr . inet_service, ...)", func(r *nftSetRow) string { return r.s.KeyTypeName() }),
			Col("data_type", TypeText, "NFTA_SET_DATA_TYPE of a map (verdict, ipv4_addr, ...); NULL for a set", func(r *nftSetRow) Value {
				return optText(r.s.DataTypeName())
			}),
			Text("flags", "NFTA_SET_FLAGS as nft names them, comma-separated (constant, interval, timeout, dynamic, map)", func(r *nftSetRow) string {
				var f []string
				for _, b := range nftSetFlags {
					if r.s.Flags&b.bit != 0 {
						f = append(f, b.name)
					}
				}
				return strings.Join(f, ",")
			}),
			Col("element", TypeText, "NFTA_SET_ELEM_KEY (with the interval's end): the element as nft prints it; NULL for an empty set", func(r *nftSetRow) Value {
				if r.e == nil {
					return Null
				}
				return TextValue(r.e.Key)
			}),
			nftElemText("data", "NFTA_SET_ELEM_DATA: a map element's value or verdict; NULL for a set", func(e *netlinkx.NftElement) string { return e.Data }),
			nftElemText("comment", "the element's NFTA_SET_ELEM_USERDATA comment; NULL when none", func(e *netlinkx.NftElement) string { return e.Comment }),
		),
		Generate: func(ctx context.Context, q *Query, emit func(*nftSetRow) error) error {
			rs, err := readNft(ctx, q)
			if err != nil || rs == nil {
				return err
			}
			for i := range rs.Sets {
				s := &rs.Sets[i]
				if s.Flags&unix.NFT_SET_ANONYMOUS != 0 {
					continue
				}
				els := netlinkx.RenderNftSetElements(s)
				if len(els) == 0 {
					if err := emit(&nftSetRow{s: s}); err != nil {
						return err
					}
				}
				for i := range els {
					if err := emit(&nftSetRow{s: s, e: &els[i]}); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
})
