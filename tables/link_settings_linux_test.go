package tables

import (
	"strings"
	"testing"

	"github.com/netlinkq/netlinkq/netlinkx/nstest"
)

// ethtoolFields runs `ethtool DEV` and `ethtool -i DEV` in ns and returns
// what they print as our columns; a part the driver refuses is missing.
func ethtoolFields(t *testing.T, ns *nstest.NS, dev string) map[string]string {
	t.Helper()
	out := map[string]string{}
	kv := func(args ...string) map[string]string {
		b, err := ns.Command(args...).Output()
		m := map[string]string{}
		if err != nil {
			return m // the driver refuses: EOPNOTSUPP
		}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if ok {
				m[k] = strings.TrimSpace(v)
			}
		}
		return m
	}
	s := kv("ethtool", dev)
	if v, ok := s["Speed"]; ok {
		if v == "Unknown!" {
			out["speed"] = "0"
		} else {
			out["speed"] = strings.TrimSuffix(v, "Mb/s")
		}
	}
	if v, ok := s["Duplex"]; ok {
		out["duplex"] = map[string]string{"Full": "full", "Half": "half"}[v]
		if out["duplex"] == "" {
			out["duplex"] = "unknown"
		}
	}
	if v, ok := s["Auto-negotiation"]; ok {
		out["autoneg"] = map[string]string{"on": "1", "off": "0"}[v]
	}
	if v, ok := s["Port"]; ok {
		out["port"] = map[string]string{"Twisted Pair": "TP", "AUI": "AUI", "MII": "MII", "FIBRE": "FIBRE", "BNC": "BNC",
			"Direct Attach Copper": "DA", "None": "NONE", "Other": "OTHER"}[v]
	}
	if v, ok := s["Link detected"]; ok {
		out["link"] = map[string]string{"yes": "1", "no": "0"}[v]
	}
	d := kv("ethtool", "-i", dev)
	for col, key := range map[string]string{"driver": "driver", "driver_version": "version", "firmware_version": "firmware-version", "bus_info": "bus-info"} {
		if v, ok := d[key]; ok {
			out[col] = v
		}
	}
	return out
}

func TestLinkSettingsMatchesEthtool(t *testing.T) {
	nstest.NeedTool(t, "ethtool")
	lab := newLinkLab(t)
	rows := tableRows(t, linkSettings, lab.fd, nil, nil)
	ip := ipLinks(t, lab.ns)
	if len(rows) != len(ip) {
		t.Errorf("%d rows, ip shows %d links", len(rows), len(ip))
	}
	for _, r := range rows {
		want := ethtoolFields(t, lab.ns, r["interface"])
		got := map[string]string{}
		for _, col := range []string{"speed", "duplex", "autoneg", "port", "link", "driver", "driver_version", "firmware_version", "bus_info"} {
			if _, ok := want[col]; ok {
				got[col] = r[col]
			} else if r[col] != "<null>" {
				got[col] = r[col] // we have a value ethtool did not print
			}
		}
		l := ip[r["interface"]]
		want["mtu"], got["mtu"] = jsonText(l["mtu"]), r["mtu"]
		flags := "," + jsonText(l["flags"]) + ","
		want["isup"] = jsonText(strings.Contains(flags, ",UP,") && !strings.Contains(flags, "NO-CARRIER"))
		got["isup"] = r["isup"]
		checkSame(t, want, got, "%s (-ethtool +link_settings)", r["interface"])
	}
	byName := map[string]map[string]string{}
	for _, r := range rows {
		byName[r["interface"]] = r
	}
	if v := byName["veth0"]; v["driver"] != "veth" || v["speed"] != "10000" || v["duplex"] != "full" {
		t.Errorf("veth0: %v", v)
	}
	if v := byName["lo"]; v["speed"] != "<null>" || v["driver"] != "<null>" {
		t.Errorf("lo has no link modes or driver info, got %v", v)
	}
}

// TestLinkSettingsNeeds checks that a query without ethtool columns makes no
// ethtool request: its cells stay NULL even for a driver that answers.
func TestLinkSettingsNeeds(t *testing.T) {
	lab := newLinkLab(t)
	rows := tableRows(t, linkSettings, lab.fd, eq("interface", "veth0"), []string{"interface", "mtu", "speed"})
	if len(rows) != 1 || rows[0]["speed"] != "10000" {
		t.Errorf("speed asked: %v", rows)
	}
	for _, tt := range []struct {
		used []string
		want Need[settingsRow]
	}{
		{[]string{"interface", "mtu", "isup"}, 0},
		{[]string{"interface", "speed", "duplex"}, needEthtoolModes},
		{[]string{"port", "link", "bus_info"}, needEthtoolInfo | needEthtoolState | needEthtoolDrv},
	} {
		q := NewQuery(linkSettings.Spec(), eq("interface", "veth0"), tt.used)
		q.NetNS = lab.fd
		if err := linkSettings.Run(t.Context(), q, func([]Value) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if Need[settingsRow](q.Needs) != tt.want {
			t.Errorf("columns %v: Needs %b, want %b", tt.used, q.Needs, tt.want)
		}
	}
}
