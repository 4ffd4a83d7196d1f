package netlinkx

// KernelVersion reads major and minor from a uname(2) release such as
// "6.18.44-fc-v669"; both are -1 when the release does not start with them.
// Some kernel answers differ by version (the IPSTATS_MIB_* order, whether
// inet_diag reads INET_DIAG_REQ_PROTOCOL).
func KernelVersion(release string) (major, minor int) {
	major, rest := leadingInt(release)
	minor = -1
	if len(rest) > 0 && rest[0] == '.' {
		minor, _ = leadingInt(rest[1:])
	}
	return major, minor
}

// versionAtLeast reports whether release is major.minor or newer; a release
// that cannot be read counts as new (the behaviour of current kernels).
func versionAtLeast(release string, major, minor int) bool {
	ma, mi := KernelVersion(release)
	if ma < 0 {
		return true
	}
	return ma > major || ma == major && mi >= minor
}

// leadingInt parses the decimal digits at the start of s; -1 when there are none.
func leadingInt(s string) (int, string) {
	n, i := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 0 {
		return -1, s
	}
	return n, s[i:]
}
