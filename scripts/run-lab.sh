#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Install what is missing (bird2 among it), build in build/ (when needed;
# lbd, lbctl, rs-agent, bgp-announcer, keel-echo), then start the lab and
# show the VIP's BGP route on its router, keel balancing real TCP traffic
# and the two LBs synced as a pair (scripts/lab.sh demo).
# Run as root.  The lab stays up: scripts/lab.sh status | down.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "run-lab.sh: run as root (network namespaces, XDP)" >&2
	exit 1
fi
say() { echo "run-lab.sh: $*"; }
t0=$SECONDS
say "installing what is missing (scripts/deps.sh; apt-get the first time)"
scripts/deps.sh
# The lab's programs only, not the test suite (a few minutes on 2 cores
# the first time, seconds afterwards).
targets=(lb-dataplane/lbd/lbd lb-dataplane/keel-xdp/keel-xdp ctl/lbctl
	rs-agent/rs-agent bgp-announcer/bgp-announcer tests/tools/keel-echo)
if [ ! -f build/build.ninja ]; then
	say "configuring build/ (meson)"
	meson setup build -Dtests=enabled >/dev/null
elif ! meson configure build | grep -qE '^ *tests +enabled'; then
	# build/ was configured without the tests: the lab needs keel-echo.
	meson configure build -Dtests=enabled
fi
say "building the lab's programs in build/: ${targets[*]}"
ninja -C build "${targets[@]}"
say "built in $((SECONDS - t0)) s; starting the lab (scripts/lab.sh demo)"
exec scripts/lab.sh demo
