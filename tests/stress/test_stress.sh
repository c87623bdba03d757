#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The stress suite's short version (meson suite "stress"): every attack of
# scripts/stress.sh for 3 s at small counts and rates, asserting the
# invariants (established flows kept, no healthy real changes state, lbd
# answers and does not spin, nothing resurrected), never the timings.
#
# Usage: test_stress.sh LBD LBCTL KEEL_ECHO KEEL_XDP RS_AGENT REPORT_SEND
#                       KEEL_FLOOD CONN_FIND [ATTACKS]
# Needs root (exits 77, skipped, otherwise).
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 8 ] || { echo "usage: $0 LBD LBCTL KEEL_ECHO KEEL_XDP RS_AGENT REPORT_SEND KEEL_FLOOD CONN_FIND [ATTACKS]" >&2; exit 2; }
export LBD=$1 LBCTL=$2 KEEL_ECHO=$3 KEEL_XDP=$4 RS_AGENT=$5 REPORT_SEND=$6 \
	KEEL_FLOOD=$7 CONN_FIND=$8
exec "$here/../../scripts/stress.sh" --quick ${9:+--attacks "$9"}
