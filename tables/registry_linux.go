package tables

// registry is the one list of tables that both hosts serve. Adding a table
// is adding its variable here and its doc/NAME.md; nothing else has to change.
var registry = []Interface{
	ifMap,
	netlinkLinks,
	linkStats64,
	netlinkAddresses,
	linkSettings,
	netlinkSockets,
	tcpInfo,
	netlinkNamespaces,
	netlinkNeighbors, netlinkQdiscs, netlinkTclasses,
	netlinkRoutes, netlinkRules, netlinkNexthops,
	conntrackEntries, ipConntrackStat,
	inet6Devconf, inetDevconf, inet6Stats, icmp6Stats, inet6Interfaces,
	netlinkSocketEvents, conntrackEvents, netlinkEvents, netlinkqStatus,
	nftablesChains, nftablesRules, nftablesSets,
}
