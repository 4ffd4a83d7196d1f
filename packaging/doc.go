// Package packaging holds the tests of what describes an install of
// netlinkq: the nfpm configuration (nfpm.yaml), the maintainer scripts that
// list the extension in osquery's extensions.load (scripts/), the package
// version mapping (pkgversion.sh), the osquery flags example and the FleetDM
// examples (fleet/). `make package` (package.mk) builds the packages; the
// tests build them too, inspect them with dpkg-deb and rpm, and install them
// into scratch roots.
package packaging
