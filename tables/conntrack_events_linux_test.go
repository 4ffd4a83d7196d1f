package tables

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// TestConntrackEvents makes conntrack track a namespace's traffic with an
// nft `ct state` rule, opens a TCP connection on loopback, deletes its
// entry with `conntrack -D`, and finds its NEW and DESTROY events (DESTROY
// with counters, accounting on) in conntrack_events.
func TestConntrackEvents(t *testing.T) {
	nstest.NeedTool(t, "nft", "conntrack")
	n := nstest.New(t)
	n.Run("sysctl", "-qw", "net.netfilter.nf_conntrack_acct=1")
	n.Run("nft", "add table inet nlq; add chain inet nlq out { type filter hook output priority 0; }; add rule inet nlq out ct state new,established accept")
	ns := n.Open()
	last := subscribed(t, conntrackEvents, ns)
	client, server := exchange(t, ns, "tcp4", "127.0.0.1:0", 100, 200)
	n.Run("conntrack", "-D", "-p", "tcp", "--sport", strconv.Itoa(client), "--dport", strconv.Itoa(server))
	flow := map[string]string{"protocol": "tcp", "family": "inet", "src": "127.0.0.1", "dst": "127.0.0.1",
		"sport": strconv.Itoa(client), "dport": strconv.Itoa(server),
		"reply_src": "127.0.0.1", "reply_sport": strconv.Itoa(server), "reply_dport": strconv.Itoa(client)}
	for _, typ := range []string{"NEW", "DESTROY"} {
		t.Run(typ, func(t *testing.T) {
			want := map[string]string{"type": typ}
			for k, v := range flow {
				want[k] = v
			}
			var got []map[string]string
			nstest.Eventually(t, func() error {
				got = matching(eventRows(t, conntrackEvents, ns, after(last)), want)
				if len(got) != 1 {
					return fmt.Errorf("%d %s rows for %v, want 1:\n%s", len(got), typ, want, describe(got))
				}
				return nil
			})
			t.Logf("%s: %v", typ, got[0])
			if typ == "DESTROY" && (got[0]["orig_packets"] == "" || got[0]["orig_packets"] == "0") {
				t.Errorf("DESTROY without counters: %v", got[0])
			}
		})
	}
}
