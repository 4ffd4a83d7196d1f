package tables

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// nftLabRuleset has base chains on every inet hook with policies, a netdev
// chain on lo, a named interval set, a map, counters, ct state, NAT (dnat,
// snat, masquerade), dport sets, ranges, rule and chain comments, log, limit
// and reject; nftLab adds iptables-nft rules, the example among them.
const nftLabRuleset = `
table inet lab {
	set blocked {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 192.168.1.10-192.168.1.20, 172.16.5.5 }
	}
	set ports {
		type inet_service
		flags interval
		elements = { 1000-2000, 8080 }
	}
	map portmap {
		type inet_service : ipv4_addr
		elements = { 80 : 10.1.0.1, 443 : 10.1.0.2 }
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ct state established,related counter accept
		iifname "lo" counter accept
		tcp dport { 22, 80 } counter accept comment "ssh and web"
		ip saddr @blocked counter drop
		ip saddr 10.9.0.1-10.9.0.9 drop
		tcp dport @ports log prefix "ports: " accept
		udp dport 53 limit rate 10/second accept
		tcp dport 23 reject with tcp reset
		ip protocol icmp counter accept
		jump sub
	}
	chain sub {
		comment "jump target"
		udp dport 9999 drop
		return
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
		counter
	}
}
` + nstest.NatRuleset + `
table netdev nd {
	chain ing {
		type filter hook ingress device "lo" priority -5; policy accept;
		comment "ingress on lo"
	}
}
`

// nftKnownDiffs are rules whose text differs from `nft -a list ruleset`
// for a documented reason: our line → nft's line.
var nftKnownDiffs = map[string]string{
	// nft 1.0.6 without libxtables drops xt expressions from its text; we
	// show them (with -m comment's text) so that the rule is not misread.
	`ip filter INPUT 3 udp dport 5353 xt match "comment" "mdns" counter packets 0 bytes 0 drop`: "ip filter INPUT 3 udp dport 5353 counter packets 0 bytes 0 drop",
	// The example: iptables-nft -A INPUT -p tcp --dport 22 -m comment --comment x -j ACCEPT.
	`ip filter INPUT 4 tcp dport 22 xt match "comment" "x" counter packets 0 bytes 0 accept`: "ip filter INPUT 4 tcp dport 22 counter packets 0 bytes 0 accept",
}

func nftLab(t *testing.T) *nstest.NS {
	t.Helper()
	nstest.NeedTool(t, "nft")
	ns := nstest.New(t)
	ns.Run("ip", "link", "set", "lo", "up")
	loadRuleset(ns, nftLabRuleset)
	nstest.NeedTool(t, "iptables-nft")
	{
		ns.Run("iptables-nft", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "ACCEPT")
		ns.Run("iptables-nft", "-A", "INPUT", "-p", "udp", "--dport", "5353", "-m", "comment", "--comment", "mdns", "-j", "DROP")
		ns.Run("iptables-nft", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-m", "comment", "--comment", "x", "-j", "ACCEPT")
		ns.Run("iptables-nft", "-A", "OUTPUT", "-o", "lo", "-j", "ACCEPT")
	}
	ns.Run("ping", "-c", "3", "-i", "0.01", "-W", "2", "127.0.0.1")
	return ns
}

func TestNftablesRulesMatchNft(t *testing.T) {
	ns := nftLab(t)
	rows := tableRows(t, nftablesRules, ns.Open(), nil, nil)
	var got []string
	for _, r := range rows {
		line := r["family"] + " " + r["table"] + " " + r["chain"] + " " + r["handle"] + " " + r["rule"]
		if nft, ok := nftKnownDiffs[line]; ok {
			line = nft
		}
		got = append(got, line)
	}
	want := nftListLines(t, ns.Run("nft", "-a", "list", "ruleset"))
	sort.Strings(got)
	sort.Strings(want)
	checkSame(t, want, got, "rules (-want +got)")
}

var nftHandle = regexp.MustCompile(` # handle (\d+)$`)

// nftListLines turns `nft -a list ruleset` into "family table chain handle text" lines, counters as nft prints them.
func nftListLines(t *testing.T, out string) []string {
	var lines []string
	var fam, table, chain string
	for _, l := range strings.Split(out, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		switch {
		case strings.HasPrefix(l, "table "):
			f := strings.Fields(l)
			fam, table = f[1], f[2]
		case strings.HasPrefix(l, "chain "):
			chain = strings.Fields(l)[1]
		case strings.HasPrefix(l, "type ") || strings.HasPrefix(l, "set ") || strings.HasPrefix(l, "map ") || strings.HasPrefix(l, "flags ") || strings.HasPrefix(l, "elements ") || l == "}" || l == "":
		default:
			m := nftHandle.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			lines = append(lines, fam+" "+table+" "+chain+" "+m[1]+" "+strings.TrimSuffix(l, m[0]))
		}
	}
	return lines
}

// nftJSON is `nft -j list ruleset` decoded.
func nftJSON(t *testing.T, ns *nstest.NS) []map[string]map[string]any {
	t.Helper()
	var doc struct {
		Nftables []map[string]map[string]any `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(ns.Run("nft", "-j", "list", "ruleset")), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Nftables
}

func TestNftablesRuleCountersMatchNftJSON(t *testing.T) {
	ns := nftLab(t)
	rows := tableRows(t, nftablesRules, ns.Open(), nil, nil)
	var want, got []string
	for _, o := range nftJSON(t, ns) {
		r, ok := o["rule"]
		if !ok {
			continue
		}
		pk, by := "<null>", "<null>"
		for _, e := range r["expr"].([]any) {
			if c, ok := e.(map[string]any)["counter"].(map[string]any); ok {
				pk, by = jsonText(c["packets"]), jsonText(c["bytes"])
			}
		}
		want = append(want, strings.Join([]string{jsonText(r["family"]), jsonText(r["table"]), jsonText(r["chain"]), jsonText(r["handle"]), pk, by}, " "))
	}
	moved := false
	for _, r := range rows {
		got = append(got, strings.Join([]string{r["family"], r["table"], r["chain"], r["handle"], r["packets"], r["bytes"]}, " "))
		moved = moved || (r["packets"] != "<null>" && r["packets"] != "0")
	}
	sort.Strings(want)
	sort.Strings(got)
	checkSame(t, want, got, "rules and counters (-want +got)")
	if !moved {
		t.Errorf("no counter moved after ping")
	}
}

// nftChainText reads what `nft -a list ruleset` prints of each chain and
// `nft -j` (1.0.6) leaves out: its comment and device, by "family table chain".
func nftChainText(out string) map[string][2]string {
	got := map[string][2]string{}
	var fam, table, chain string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 2 && f[0] == "table":
			fam, table, chain = f[1], f[2], ""
		case len(f) > 1 && f[0] == "chain":
			chain = f[1]
			got[fam+" "+table+" "+chain] = [2]string{"<null>", "<null>"}
		case chain != "" && len(f) > 1 && f[0] == "comment":
			c := got[fam+" "+table+" "+chain]
			c[0] = strings.Trim(strings.Join(f[1:], " "), `"`)
			got[fam+" "+table+" "+chain] = c
		case chain != "" && len(f) > 0 && f[0] == "type":
			if i := slices.Index(f, "device"); i >= 0 && i+1 < len(f) {
				c := got[fam+" "+table+" "+chain]
				c[1] = strings.Trim(f[i+1], `"`)
				got[fam+" "+table+" "+chain] = c
			}
		}
	}
	return got
}

func TestNftablesChainsMatchNftJSON(t *testing.T) {
	ns := nftLab(t)
	rows := tableRows(t, nftablesChains, ns.Open(), nil, nil)
	text := nftChainText(ns.Run("nft", "-a", "list", "ruleset"))
	var want, got []string
	for _, o := range nftJSON(t, ns) {
		c, ok := o["chain"]
		if !ok {
			continue
		}
		cell := func(k string) string { return jsonCell(c, k) }
		flags := ""
		if _, ok := c["hook"]; ok {
			flags = "base"
		}
		extra := text[cell("family")+" "+cell("table")+" "+cell("name")]
		want = append(want, strings.Join([]string{cell("family"), cell("table"), cell("name"), cell("handle"), cell("hook"), cell("prio"),
			cell("type"), cell("policy"), flags, extra[0], extra[1]}, " "))
	}
	for _, r := range rows {
		got = append(got, strings.Join([]string{r["family"], r["table"], r["chain"], r["handle"], r["hook"], r["priority"],
			r["type"], r["policy"], r["flags"], r["comment"], r["device"]}, " "))
	}
	sort.Strings(want)
	sort.Strings(got)
	checkSame(t, want, got, "chains vs nft -j list ruleset and nft -a list ruleset (-want +got)")
	for _, w := range []string{"inet lab sub ", "netdev nd ing "} {
		if !slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, w) && !strings.HasSuffix(l, "<null> <null>") }) {
			t.Errorf("no comment or device on chain %q: %q", w, got)
		}
	}
}

// TestNftablesChainBinding: a chain bound to a rule (jump { ... }) is a
// chain of its own with flags binding, and its rules are listed under it.
func TestNftablesChainBinding(t *testing.T) {
	nstest.NeedTool(t, "nft")
	ns := nstest.New(t)
	ns.Run("sh", "-c", "nft -f - <<'EOF'\ntable inet b {\n\tchain in {\n\t\ttype filter hook input priority 0;\n\t\ttcp dport 99 jump {\n\t\t\tudp dport 5 drop\n\t\t}\n\t}\n}\nEOF")
	var chains, rules []string
	for _, r := range tableRows(t, nftablesChains, ns.Open(), nil, []string{"chain", "flags"}) {
		chains = append(chains, r["chain"]+" "+r["flags"])
	}
	for _, r := range tableRows(t, nftablesRules, ns.Open(), nil, []string{"chain", "rule"}) {
		rules = append(rules, r["chain"]+": "+r["rule"])
	}
	sort.Strings(chains)
	sort.Strings(rules)
	bound := "__chain"
	if len(chains) == 2 {
		bound = strings.Fields(chains[0])[0]
	}
	checkSame(t, []string{bound + " binding", "in base"}, chains, "chains (-want +got)")
	checkSame(t, []string{bound + ": udp dport 5 drop", "in: tcp dport 99 jump " + bound}, rules, "rules (-want +got)")
}

// jsonSetElem is a set element of `nft -j` as nftables_sets prints it: a
// value, a prefix {"prefix": {"addr", "len"}}, a range {"range": [a, b]},
// a verdict {"drop": null}, or a map's [key, value].
func jsonSetElem(v any) (key, data string) {
	switch v := v.(type) {
	case []any:
		k, _ := jsonSetElem(v[0])
		d, _ := jsonSetElem(v[1])
		return k, d
	case map[string]any:
		if p, ok := v["prefix"].(map[string]any); ok {
			return jsonText(p["addr"]) + "/" + jsonText(p["len"]), "<null>"
		}
		if r, ok := v["range"].([]any); ok {
			return jsonText(r[0]) + "-" + jsonText(r[1]), "<null>"
		}
		if c, ok := v["concat"].([]any); ok {
			var members []string
			for _, m := range c {
				k, _ := jsonSetElem(m)
				members = append(members, k)
			}
			return strings.Join(members, " . "), "<null>"
		}
		for k, x := range v { // a verdict: {"accept": null}, {"jump": {"target": "c"}}
			if m, ok := x.(map[string]any); ok {
				return k + " " + jsonText(m["target"]), "<null>"
			}
			return k, "<null>"
		}
	}
	return jsonText(v), "<null>"
}

func TestNftablesSetsMatchNft(t *testing.T) {
	ns := nftLab(t)
	ns.Run("nft", "add set inet lab empty { type ipv4_addr; }")
	ns.Run("nft", "add set inet lab pairs { type ipv4_addr . inet_service; elements = { 10.0.0.1 . 22, 10.0.0.2 . 80 } }")
	ns.Run("nft", "add set inet lab ranges { type ipv4_addr . inet_service; flags interval; elements = { 10.0.0.0/8 . 22-25, 192.168.1.1 . 53 } }")
	ns.Run("nft", "add map inet lab verdicts { type ipv4_addr : verdict; elements = { 1.2.3.4 : drop, 1.2.3.5 : jump sub } }")
	rows := tableRows(t, nftablesSets, ns.Open(), nil, nil)
	var got, want []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r["family"], r["table"], r["name"], r["type"], r["data_type"], r["flags"], r["element"], r["data"]}, " "))
	}
	for _, o := range nftJSON(t, ns) {
		s, ok := o["set"]
		if !ok {
			s, ok = o["map"]
		}
		if !ok {
			continue
		}
		var flags []string
		fl, _ := s["flags"].([]any)
		for _, f := range fl {
			flags = append(flags, jsonText(f))
		}
		dataType := "<null>"
		if m, ok := s["map"]; ok {
			dataType = jsonText(m)
			flags = append(flags, "map")
		}
		typ := jsonText(s["type"])
		if l, ok := s["type"].([]any); ok { // a concatenation
			var names []string
			for _, n := range l {
				names = append(names, jsonText(n))
			}
			typ = strings.Join(names, " . ")
		}
		head := strings.Join([]string{jsonText(s["family"]), jsonText(s["table"]), jsonText(s["name"]), typ, dataType, strings.Join(flags, ",")}, " ")
		elems, _ := s["elem"].([]any)
		if len(elems) == 0 {
			want = append(want, head+" <null> <null>")
		}
		for _, e := range elems {
			k, d := jsonSetElem(e)
			if pair, ok := e.([]any); ok {
				k, _ = jsonSetElem(pair[0])
				d, _ = jsonSetElem(pair[1])
			}
			want = append(want, head+" "+k+" "+d)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	checkSame(t, want, got, "set elements vs nft -j list ruleset (-want +got)")
	// The interval set's ranges are merged back as nft prints them.
	for _, e := range []string{"10.0.0.0/8", "192.168.1.10-192.168.1.20", "1000-2000"} {
		if !slices.ContainsFunc(got, func(l string) bool { return strings.Contains(l, " interval "+e+" ") }) {
			t.Errorf("no interval element %s in %q", e, got)
		}
	}
}
