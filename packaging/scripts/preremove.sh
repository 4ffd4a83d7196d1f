#!/bin/sh
# netlinkq preremove (deb prerm, rpm %preun): on real removal, take the
# extension's line out of osquery's autoload file; on upgrade keep it. Other
# lines are kept byte for byte (a missing final newline too), osqueryd is
# never restarted. A missing autoload file is left missing.
#
#   deb prerm:  remove → remove the line; upgrade, deconfigure, failed-upgrade → keep
#   rpm %preun: $1 = 0 (erase) → remove the line; $1 >= 1 (upgrade) → keep
#
# NETLINKQ_ROOT (tests) or DPKG_ROOT (dpkg --root --force-script-chrootless)
# prefix the /etc paths.
set -e

ext=/usr/lib/netlinkq/netlinkq.ext
re='/usr/lib/netlinkq/netlinkq\.ext' # ext as a regular expression
root=${NETLINKQ_ROOT-${DPKG_ROOT-}}
load=$root/etc/osquery/extensions.load

case "${1-}" in
remove | purge | 0) ;;
*) exit 0 ;;
esac

if [ ! -f "$load" ]; then
	exit 0
fi
if ! grep -Eq "^[[:space:]]*${re}[[:space:]]*\$" "$load"; then
	echo "netlinkq: $ext was not in $load"
	exit 0
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# GNU and busybox sed keep a missing final newline on the lines they keep.
sed -E "\\#^[[:space:]]*${re}[[:space:]]*\$#d" "$load" >"$tmp"
# Write in place: the file keeps its inode, owner, mode (and stays a symlink's target).
cat "$tmp" >"$load"
echo "netlinkq: removed $ext from $load"
echo "netlinkq: osqueryd stops serving its tables at its next start: systemctl restart osqueryd"
echo "netlinkq: first remove --extensions_require=netlinkq from its flags (osquery.flags,"
echo "netlinkq: or Fleet's command_line_flags), or osqueryd will not start without netlinkq"
exit 0
