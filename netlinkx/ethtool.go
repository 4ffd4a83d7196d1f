package netlinkx

// EthtoolLink names one link for ReadEthtool.
type EthtoolLink struct {
	Index int32  // ifindex
	Name  string // IFLA_IFNAME: the ioctls address links by name
}

// EthtoolRequest says which links ReadEthtool reads, and what of each: each
// part costs a genetlink dump (or one request per link) or an ioctl per link,
// so a caller asks only for what it shows.
type EthtoolRequest struct {
	// NetNS is the namespace of the links. ethtool has no namespace option:
	// the work runs on a thread switched into it (NetNS.Do).
	NetNS NetNS
	// Links are the links to read.
	Links []EthtoolLink
	// All says Links is every link of the namespace: the genetlink parts are
	// then read with one dump each rather than one request per link.
	All bool
	// Modes asks for speed, duplex and autoneg (ETHTOOL_MSG_LINKMODES_GET).
	Modes bool
	// Info asks for the port (ETHTOOL_MSG_LINKINFO_GET).
	Info bool
	// State asks for the link state (ETHTOOL_MSG_LINKSTATE_GET).
	State bool
	// DrvInfo asks for driver, versions and bus (the ETHTOOL_GDRVINFO ioctl).
	DrvInfo bool
}

// EthtoolSettings is what ethtool told of one link. A part the driver
// refused (EOPNOTSUPP: lo has no ethtool operations) is left out, with its
// Has flag false.
type EthtoolSettings struct {
	// Gone is set when the link disappeared while it was read (ENODEV).
	Gone bool

	// HasModes is set when Speed, Duplex and Autoneg were read: from
	// ETHTOOL_MSG_LINKMODES_GET over genetlink, or from the ETHTOOL_GSET ioctl
	// on kernels without the ethtool genetlink family (before 5.6).
	HasModes bool
	// ModesFromIoctl is set when they came from ETHTOOL_GSET.
	ModesFromIoctl bool
	// Speed is ETHTOOL_A_LINKMODES_SPEED in Mb/s, SPEED_UNKNOWN32 when unknown.
	Speed uint32
	// Duplex is ETHTOOL_A_LINKMODES_DUPLEX: DUPLEX_HALF, DUPLEX_FULL or DUPLEX_UNKNOWN.
	Duplex uint8
	// Autoneg is ETHTOOL_A_LINKMODES_AUTONEG: AUTONEG_DISABLE or AUTONEG_ENABLE.
	Autoneg uint8

	// HasPort is set when Port was read (ETHTOOL_MSG_LINKINFO_GET, or ETHTOOL_GSET).
	HasPort bool
	// Port is ETHTOOL_A_LINKINFO_PORT: PORT_TP, PORT_FIBRE, ...
	Port uint8

	// HasLink is set when Link was read (ETHTOOL_MSG_LINKSTATE_GET, or ETHTOOL_GLINK).
	HasLink bool
	// Link is ETHTOOL_A_LINKSTATE_LINK: the driver reports the link up ("Link detected").
	Link bool

	// HasDrvInfo is set when the ETHTOOL_GDRVINFO ioctl answered.
	HasDrvInfo bool
	// Driver, Version, FirmwareVersion and BusInfo are struct ethtool_drvinfo's
	// driver, version, fw_version and bus_info (`ethtool -i`).
	Driver, Version, FirmwareVersion, BusInfo string
}
