#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# run-fuzz.sh TARGET CORPUS SECONDS [libFuzzer options...]
#
# A bounded libFuzzer run that never writes into the committed corpus:
# libFuzzer adds new inputs to the FIRST corpus directory it is given, so
# that one is a scratch directory, removed on exit; CORPUS is only read.
# Crash, leak and timeout inputs are kept in $FUZZ_ARTIFACT_DIR (default:
# the current directory) so that a failure can be reproduced.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 TARGET CORPUS SECONDS [libFuzzer options...]" >&2
	exit 2
fi
target=$1
corpus=$2
secs=$3
shift 3
artifacts=${FUZZ_ARTIFACT_DIR:-.}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/keel-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

status=0
"$target" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" \
	"$@" "$scratch" "$corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "$0: $(basename "$target") failed ($status); reproduce with:" >&2
	echo "  $target $artifacts/<crash-|leak-|timeout-file>" >&2
	# libFuzzer's findings exit with 77, which meson reads as "skipped":
	# any failure must fail the test.
	exit 1
fi
exit 0
