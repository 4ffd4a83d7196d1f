package nstest

// NatRuleset is an nf_tables table with one DNAT, one SNAT and one
// masquerade rule in base chains on the NAT hooks: netlinkx's rule decoder
// tests and the nftables tables' tests load it beside their own tables.
const NatRuleset = `table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8080 dnat to 10.1.0.5:80
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr 10.2.0.0/16 snat to 10.3.0.1
		oifname "eth9" masquerade
	}
}
`
