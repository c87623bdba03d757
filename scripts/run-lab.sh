#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Install what is missing (bird2 among it), build in build/ (when needed;
# lbd, lbctl, rs-agent, bgp-announcer, keel-echo), then start the lab and
# show the VIP's BGP route on its router and keel balancing real TCP
# traffic (scripts/lab.sh demo).
# Run as root.  The lab stays up: scripts/lab.sh status | down.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "run-lab.sh: run as root (network namespaces, XDP)" >&2
	exit 1
fi
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
if [ ! -x build/tests/tools/keel-echo ]; then
	# build/ was configured without the tests: the lab needs keel-echo.
	meson configure build -Dtests=enabled
	ninja -C build
fi
exec scripts/lab.sh demo
