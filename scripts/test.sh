#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Build everything from scratch with AddressSanitizer and UBSan in
# build-test/ and run every test (unit, XDP, namespace end-to-end).
# First, the builds the docs show must build cleanly with -Werror: the
# default one (`meson setup build`) and the release one (-O3 raises
# warnings -O2 does not); they go to build-ci-default/ and build-ci-release/.
# Installs what is missing first (scripts/deps.sh).  Run as root: the XDP
# and end-to-end tests need it.  Exit status: meson test's.
#
#   scripts/test.sh [MESON-TEST-ARGS...]   e.g. --suite e2e, or a test name
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${KEEL_TEST_BUILDDIR:-build-test}

scripts/deps.sh
if [ "$(id -u)" = 0 ] && ! mount | grep -q ' /sys/fs/bpf type bpf '; then
	mount -t bpf bpf /sys/fs/bpf
fi

# A clean build every time: no stale objects or options.
for bt in default release; do
	d=build-ci-$bt
	rm -rf -- "$d"
	if [ "$bt" = default ]; then
		meson setup "$d" -Dtests=enabled
	else
		meson setup "$d" --buildtype=release -Dtests=enabled
	fi
	ninja -C "$d"
	rm -rf -- "$d"
done
rm -rf -- "$builddir"
meson setup "$builddir" -Db_sanitize=address,undefined -Dtests=enabled
ninja -C "$builddir"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
meson test -C "$builddir" --print-errorlogs "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line that any runner reader understands.
awk '$1 == "Ok:" { ok = $2 } $1 == "Fail:" || $1 == "Timeout:" { bad += $2 }
	$1 == "Unexpected" && $2 == "Pass:" { bad += $3 }
	$1 == "Skipped:" { sk = $2 }
	END { printf "meson-test: %d passed, %d failed, %d skipped\n", ok, bad, sk }' "$log"
exit "$rc"
