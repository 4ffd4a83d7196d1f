package tables

// registry is the one list of tables that both hosts serve. Adding a table
// is adding its variable here; nothing else has to change.
var registry = []Interface{
	ifMap,
	netlinkLinks,
	linkStats64,
	netlinkAddresses,
	linkSettings,
	netlinkSockets,
	tcpInfo,
	netlinkNamespaces,
	inet6Devconf, inetDevconf, inet6Stats, icmp6Stats, inet6Interfaces,
}

// All returns every table, in registry order.
func All() []Interface { return registry }

// Lookup returns the table called name, or nil.
func Lookup(name string) Interface {
	for _, t := range registry {
		if t.Spec().Name == name {
			return t
		}
	}
	return nil
}
