package netlinkx

// ForceEthtoolIoctl makes ReadEthtool use the ETHTOOL_GSET/GLINK ioctls, as
// on a kernel without the ethtool genetlink family.
var ForceEthtoolIoctl = &forceEthtoolIoctl
