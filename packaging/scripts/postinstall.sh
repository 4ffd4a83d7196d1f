#!/bin/sh
# netlinkq postinstall (deb postinst, rpm %post): list the extension in
# osquery's autoload file, once. Other lines are never touched, osqueryd is
# never restarted. Every invocation (deb configure / abort-*, rpm $1 = 1 or 2)
# just makes sure the line is there, so installing twice or upgrading is safe.
#
# NETLINKQ_ROOT (tests) or DPKG_ROOT (dpkg --root --force-script-chrootless)
# prefix the /etc paths.
set -e

ext=/usr/lib/netlinkq/netlinkq.ext
re='/usr/lib/netlinkq/netlinkq\.ext' # ext as a regular expression
root=${NETLINKQ_ROOT-${DPKG_ROOT-}}
dir=$root/etc/osquery
load=$dir/extensions.load

umask 022
if [ ! -d "$dir" ]; then
	mkdir -p -m 0755 "$dir"
	if [ "$(id -u)" = 0 ]; then chown 0:0 "$dir"; fi
fi
if [ ! -e "$load" ]; then
	: >"$load"
	chmod 0644 "$load"
	if [ "$(id -u)" = 0 ]; then chown 0:0 "$load"; fi
fi

# The line may carry stray blanks when edited by hand; it is ours all the same.
if grep -Eq "^[[:space:]]*${re}[[:space:]]*\$" "$load"; then
	echo "netlinkq: $ext is already in $load"
else
	# A last line without its newline must not get our path glued to it.
	if [ -s "$load" ] && [ -n "$(tail -c 1 "$load")" ]; then
		echo >>"$load"
	fi
	echo "$ext" >>"$load"
	echo "netlinkq: added $ext to $load"
fi
echo "netlinkq: osqueryd loads it at its next start: systemctl restart osqueryd"
echo "netlinkq: (osqueryd reads $load through --extensions_autoload, its default;"
echo "netlinkq:  under fleetd: systemctl restart orbit)"
# fleetd (orbit) passes its own --extensions_autoload after the flagfile as
# soon as it manages an extension through agent_options.extensions; osqueryd
# then never reads /etc/osquery/extensions.load.
orbit=$root/opt/orbit/extensions.load
if [ -s "$orbit" ]; then
	echo "netlinkq: warning: fleetd manages extensions here ($orbit):"
	echo "netlinkq: its osqueryd ignores $load; deliver netlinkq through agent_options.extensions"
fi
exit 0
