#!/bin/sh
# pkgversion.sh VERSION: the deb/rpm package version for a `git describe
# --tags --always --dirty` string. Both formats need a version that starts
# with a digit and has no '-' (rpm forbids it; deb reserves it for the
# revision), and newer commits must sort higher:
#   v1.2.3                  → 1.2.3
#   v1.2.3-4-gdeadbee       → 1.2.3+4.gdeadbee        (4 commits after the tag)
#   v1.2.3-4-gdeadbee-dirty → 1.2.3+4.gdeadbee.dirty
#   v1.2.3-rc1              → 1.2.3~rc1               (sorts before 1.2.3)
#   deadbee[-dirty], dev    → 0.0.0+git.deadbee[.dirty] (no tag yet)
#   7c8743f                 → 0.0.0+git.7c8743f       (a hash, even with a leading digit)
# A tag is a version when it starts with 'v' and a digit, or with a digit and
# is not a bare abbreviated hash (git describe --always without any tag).
set -e
v=$1
dirty=
case "$v" in *-dirty) v=${v%-dirty} dirty=.dirty ;; esac
untagged() {
	printf '0.0.0+git.%s%s\n' "$1" "$dirty" | tr -- '-' '.'
	exit 0
}
case "$v" in
v[0-9]*) v=${v#v} ;;
[0-9]*)
	if printf '%s' "$v" | grep -Eqx '[0-9a-f]{7,64}'; then
		untagged "$v"
	fi
	;;
*) untagged "${v:-dev}" ;;
esac
# Split "TAG-N-gHASH" (git describe past a tag) from the tag itself.
post=$(printf '%s' "$v" | sed -nE 's/^.*-([0-9]+)-(g[0-9a-f]+)$/\1.\2/p')
if [ -n "$post" ]; then
	v=$(printf '%s' "$v" | sed -E 's/-[0-9]+-g[0-9a-f]+$//')
fi
# A pre-release tag (1.2.3-rc1) sorts before the release with '~'.
v=$(printf '%s' "$v" | sed -E 's/-/~/; s/-/./g')
if [ -n "$post" ]; then
	v=$v+$post
fi
printf '%s%s\n' "$v" "$dirty"
