# Packaging targets, included by the top Makefile (which defines GO and VERSION).
#
#   make package              netlinkq_PKGVERSION_amd64.deb and netlinkq-PKGVERSION.x86_64.rpm in dist/
#   make package ARCH=arm64   the same for arm64 (netlinkq_..._arm64.deb, netlinkq-....aarch64.rpm)
#   make package-all          both architectures
#   make docs                 regenerate docs/tables from the table registry
#
# The binary is static (CGO_ENABLED=0), built with -trimpath, and stamped with
# VERSION (`netlinkq --version`). PKG_VERSION is VERSION made valid for deb and
# rpm by packaging/pkgversion.sh (v1.2.3-4-gabc → 1.2.3+4.gabc).

ARCH        ?= $(shell $(GO) env GOARCH)
DIST        ?= dist
PKG_VERSION ?= $(shell sh packaging/pkgversion.sh '$(VERSION)')

# nfpm takes GOARCH names; rpm file names use the kernel's.
RPM_ARCH_amd64 := x86_64
RPM_ARCH_arm64 := aarch64

PKG_BIN = $(DIST)/$(ARCH)/netlinkq.ext
PKG_DEB = $(DIST)/netlinkq_$(PKG_VERSION)_$(ARCH).deb
PKG_RPM = $(DIST)/netlinkq-$(PKG_VERSION).$(RPM_ARCH_$(ARCH)).rpm
PKG_ENV = NETLINKQ_ARCH=$(ARCH) NETLINKQ_PKG_VERSION=$(PKG_VERSION) NETLINKQ_BIN=$(PKG_BIN)

.PHONY: package package-all package-bin docs

package: package-bin
	$(PKG_ENV) $(GO) tool nfpm package -f packaging/nfpm.yaml -p deb -t $(PKG_DEB)
	$(PKG_ENV) $(GO) tool nfpm package -f packaging/nfpm.yaml -p rpm -t $(PKG_RPM)

package-bin:
	@test -n "$(RPM_ARCH_$(ARCH))" || { echo "ARCH=$(ARCH): packages are built for amd64 and arm64" >&2; exit 1; }
	@mkdir -p $(DIST)/$(ARCH)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(ARCH) $(GO) build -trimpath -ldflags '-s -w -X main.version=$(VERSION)' -o $(PKG_BIN) ./extension

package-all:
	$(MAKE) package ARCH=amd64
	$(MAKE) package ARCH=arm64

docs:
	$(GO) run ./packaging/gendocs
