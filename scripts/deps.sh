#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Install what keel needs to build and test on Debian 12, with apt-get.
# Quick no-op when everything is already installed.  Run as root.
set -euo pipefail

pkgs=(
	# build
	gcc libc6-dev clang llvm meson ninja-build pkg-config
	libbpf-dev bpftool libelf-dev zlib1g-dev
	libmnl-dev libsodium-dev libevent-dev libjansson-dev libfyaml-dev
	# unit tests; fuzz targets (clang's libFuzzer and sanitizer runtimes)
	check libclang-rt-14-dev
	# network-namespace tests and the lab: ip, ethtool, nsenter/setsid,
	# ping, sysctl; jq reads lbctl --json
	iproute2 ethtool util-linux iputils-ping procps jq
	# bgp-announcer e2e: BIRD 2 and GoBGP as routers, python3 for the
	# malformed-input peer and the control-socket client
	bird2 gobgpd python3
	# the lint suite: clang-format (tests/lint/format.sh); clang-tidy and
	# cppcheck for the static-analysis checks that join it (PLAN-15 S29)
	clang-format clang-tidy cppcheck
	# the monitoring suite: promtool (Debian's prometheus package: 22.5 MB
	# download, 332 MB installed with its web assets, about 35 s) checks and
	# unit-tests monitoring/'s alerting rules; python3-yaml reads them
	prometheus python3-yaml
	# the Debian packages (debian/, tests/pkg): build, lint, and the
	# users their sysusers files make
	debhelper dpkg-dev fakeroot lintian systemd
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 \
		"${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "deps.sh: apt-get failed" >&2
	exit 1
fi
