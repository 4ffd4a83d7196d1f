package netlinkx

// Inet6StatsNamesBefore615 is inet6StatsNamesBefore615, the IPSTATS_MIB_*
// order before Linux 6.15: the tests lay out an older kernel's payload by it.
var Inet6StatsNamesBefore615 = inet6StatsNamesBefore615
