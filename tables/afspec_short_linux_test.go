package tables

import (
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx"
)

// TestInet6InterfacesShortCacheinfo: a kernel that sends only the first 8
// bytes of struct ifla_cacheinfo gives max_reasm_len and tstamp, and NULL for
// the fields it did not send (not zero).
func TestInet6InterfacesShortCacheinfo(t *testing.T) {
	row := afRow{name: "x0", index: 2}
	row.af.Inet6.Present = true
	row.af.Inet6.CacheInfo = &netlinkx.IflaCacheinfo{MaxReasmLen: 65535, Tstamp: 7}
	row.af.Inet6.CacheInfoSent = 8
	got := map[string]string{}
	for _, c := range inet6Interfaces.table().Columns {
		switch c.Name {
		case "max_reasm_len", "tstamp", "reachable_time", "retrans_time":
			v := c.Get(&row)
			if v.Kind == KindNull {
				got[c.Name] = "<null>"
			} else {
				got[c.Name] = v.String()
			}
		}
	}
	want := map[string]string{"max_reasm_len": "65535", "tstamp": "7", "reachable_time": "<null>", "retrans_time": "<null>"}
	checkSame(t, want, got, "(-want +got)")
}
