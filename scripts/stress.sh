#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# keel on the bad day: every attack of issue 10 against the real daemons,
# in network namespaces this script creates and always removes, one figure
# line per attack (docs/RELIABILITY.md; tests/stress/README.md).
#
#   scripts/stress.sh [--duration S] [--attacks LIST] [--build DIR]
#                     [--quick] [--flood-mode live|packet|ring]
#                     [--flood-threads N] [--keep]
#
# Root.  Bounded in time: every attack lasts --duration seconds (default
# 30) and the whole run is stopped after a limit that follows from it.
# Needs a build with tests (default build-rel: meson setup build-rel
# --buildtype=release -Dtests=enabled && ninja -C build-rel).
set -u -o pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
ALL="syn-flood udp-flood control-crowd metrics-crowd replay report-junk state-file syn-flood-small ack-flood ack-flood-cap"

usage() {
	cat <<EOF
Usage: scripts/stress.sh [OPTIONS]   (root)

  --duration S       seconds each attack lasts (default 30; --quick: 2)
  --attacks LIST     comma-separated, default all, in this order:
                     ${ALL// /,}
  --build DIR        the build to run (default build-rel; binaries may also
                     be given as LBD=... LBCTL=... KEEL_ECHO=... KEEL_XDP=...
                     RS_AGENT=... REPORT_SEND=... KEEL_FLOOD=... CONN_FIND=...)
  --quick            the short version (tests/stress/test_stress.sh): small
                     counts and rates; the invariants decide the exit status
  --flood-mode M     keel-flood's sender: live (XDP live frames, default),
                     packet (AF_PACKET sendmmsg), ring (PACKET_TX_RING)
  --flood-threads N  sender threads, one per CPU (default 1)
  --rate PPS         packet flood rate (default 0: as fast as this machine
                     goes; --quick: 100000)
  --keep             keep the run's directory (logs) under /tmp
EOF
}

DUR= ATTACKS=$ALL BUILD=$root/build-rel QUICK=0 KEEP=0 RATE=
ST_FLOOD_MODE=live ST_FLOOD_THREADS=1
while [ $# -gt 0 ]; do
	case $1 in
	--duration) DUR=$2; shift ;;
	--attacks) ATTACKS=${2//,/ }; shift ;;
	--build) BUILD=$(realpath -e "$2") || exit 2; shift ;;
	--quick) QUICK=1 ;;
	--flood-mode) ST_FLOOD_MODE=$2; shift ;;
	--flood-threads) ST_FLOOD_THREADS=$2; shift ;;
	--rate) RATE=$2; shift ;;
	--keep) KEEP=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
for a in $ATTACKS; do
	[[ " $ALL " == *" $a "* ]] || { echo "stress.sh: unknown attack '$a' (known: $ALL)" >&2; exit 2; }
done
[[ $DUR =~ ^[0-9]*$ ]] && [[ ${RATE:-0} =~ ^[0-9]+$ ]] &&
	[[ $ST_FLOOD_THREADS =~ ^[1-8]$ ]] || { usage >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: stress.sh needs root (network namespaces, XDP)"
	exit 77
fi

# shellcheck source=../tests/e2e/e2e_lib.sh
. "$root/tests/e2e/e2e_lib.sh"

LBD=$(path_arg "${LBD:-$BUILD/lb-dataplane/lbd/lbd}")
LBCTL=$(path_arg "${LBCTL:-$BUILD/ctl/lbctl}")
KEEL_ECHO=$(path_arg "${KEEL_ECHO:-$BUILD/tests/tools/keel-echo}")
KEEL_XDP=$(path_arg "${KEEL_XDP:-$BUILD/lb-dataplane/keel-xdp/keel-xdp}")
RS_AGENT=$(path_arg "${RS_AGENT:-$BUILD/rs-agent/rs-agent}")
REPORT_SEND=$(path_arg "${REPORT_SEND:-$BUILD/tests/tools/keel-report-send}")
KEEL_FLOOD=$(path_arg "${KEEL_FLOOD:-$BUILD/tests/stress/keel-flood}")
CONN_FIND=$(path_arg "${CONN_FIND:-$BUILD/tests/stress/keel-conn-find}")
ST_TOOL=$root/tests/stress/stress_tool.py
for t in "$LBD" "$LBCTL" "$KEEL_ECHO" "$KEEL_XDP" "$RS_AGENT" "$REPORT_SEND" \
	"$KEEL_FLOOD" "$CONN_FIND"; do
	[ -x "$t" ] || { echo "stress.sh: not built: $t (meson setup with -Dtests=enabled, then ninja)" >&2; exit 1; }
done
for t in jq python3 ss prlimit taskset; do
	command -v "$t" >/dev/null || { echo "stress.sh: missing tool $t (scripts/deps.sh)" >&2; exit 1; }
done

# The sizes of the attacks (issue 10's), and the short version's.
if [ "$QUICK" = 1 ]; then
	# One table size (no restart between the floods); a dead agent's
	# real is DOWN 1.3 s after its last report, not 5.3 s.
	: "${DUR:=2}" "${RATE:=100000}"
	ST_EST=1000 ST_UDP_EST=200 ST_JUNK_RATE=20000 ST_REPLAY_RATE=100 ST_NEW=200
	ST_BIG_TABLE=65536 ST_SMALL_TABLE=65536 ST_KEEP_FLOWS=1s
else
	: "${DUR:=30}" "${RATE:=0}"
	ST_EST=10000 ST_UDP_EST=2000 ST_JUNK_RATE=200000 ST_REPLAY_RATE=200 ST_NEW=1000
	ST_BIG_TABLE=1048576 ST_SMALL_TABLE=65536 ST_KEEP_FLOWS=5s
fi
ST_CROWD_CTL=2000 ST_CROWD_MET=1100
ST_JUNK_SENDERS=$((QUICK ? 1 : 2))
ST_DUR=$DUR ST_RATE=$RATE ST_QUICK=$QUICK

TOPO_PREFIX="keel-st-$$-"
TOPO_INSTANCE="st-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-stress-$$.XXXXXX")
TOPO_LBS=1
TOPO_REALS=3
TOPO_LBD=1
TOPO_LBD_START=0
TOPO_RS_NET=agent
TOPO_VIPS="203.0.113.10 203.0.113.20 203.0.113.30"
TOPO_ECHO_ARGS="--udp-port 5353"
# shellcheck source=lib/topology.sh
. "$root/scripts/lib/topology.sh"
# shellcheck source=../tests/stress/stress_lib.sh
. "$root/tests/stress/stress_lib.sh"

targets_met=0
targets_missed=0
# st_target DESCRIPTION TEST...: a target of issue 10 for the long runs
# (printed, never an exit status: the timings depend on the machine).
st_target() {
	if "${@:2}"; then
		echo "target met    - $1"
		targets_met=$((targets_met + 1))
	else
		echo "target MISSED - $1"
		targets_missed=$((targets_missed + 1))
	fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && a + 0 <= b + 0) }'; }

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "${watchdog:-}" ]; then
		kill "$watchdog" "$(cat "$TOPO_DIR/watchdog.pid" 2>/dev/null)" 2>/dev/null
	fi
	if ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null
	if [ "$KEEP" = 1 ] || { [ "$rc" != 0 ] && [ "$QUICK" = 1 ]; }; then
		[ "$rc" != 0 ] && dump_logs '*.log' '*.err'
		echo "# logs kept in $TOPO_DIR"
	else
		rm -rf -- "$TOPO_DIR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# The whole run is bounded: site, per attack its duration and set-up.
n_att=$(wc -w <<<"$ATTACKS")
limit=$((180 + n_att * (DUR * 3 + 150)))
(trap 'exit 0' TERM
	sleep "$limit" &
	echo $! >"$TOPO_DIR/watchdog.pid"
	wait $!
	echo "stress.sh: time limit ($limit s) reached" >&2
	kill -TERM $$) &
watchdog=$!

echo "# keel stress: $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "# binaries: $(dirname "$(dirname "$LBD")") ($(grep -m1 -o "buildtype=[a-z]*" "$(dirname "$(dirname "$LBD")")/meson-info/intro-buildoptions.json" 2>/dev/null ||
	jq -r '.[] | select(.name == "buildtype") | "buildtype=" + .value' "$(dirname "$(dirname "$LBD")")/meson-info/intro-buildoptions.json" 2>/dev/null))"
echo "# attacks: $ATTACKS; $DUR s each; floods: keel-flood --mode $ST_FLOOD_MODE, $ST_FLOOD_THREADS thread(s), rate ${RATE/#0/as fast as it goes}"
echo "# lbd: soft descriptor limit 1024 (systemd's default), caps at their defaults (64)"

if ! st_site_up "$ST_BIG_TABLE"; then
	echo "FAIL - building the site"
	exit 1
fi

for a in $ATTACKS; do
	fn=attack_${a//-/_}
	t=$(st_ms)
	n0=$((passed + failed))
	if ! "$fn"; then
		check "$a: the attack ran to its end" false
	elif [ $((passed + failed)) = "$n0" ]; then
		check "$a: the attack checked something" false
	fi
	echo "# $a took $((($(st_ms) - t) / 1000)) s"
	[ "$QUICK" = 1 ] && continue
	# The targets of issue 10, on the long runs.
	case $a in
	syn-flood)
		st_target "syn-flood: established kept >= 99.9% ($ST_LAST_KEPT/$ST_LAST_N)" \
			test $((ST_LAST_KEPT * 1000)) -ge $((ST_LAST_N * 999))
		;;
	report-junk)
		st_target "report-junk: lbd cpu <= 25% of a core ($CPU%)" le "$CPU" 25
		;;
	esac
	[ "$a" = state-file ] ||
		st_target "$a: status p99 <= 100 ms ($P99 ms)" le "$P99" 100
	st_target "$a: no healthy real changed state ($CHANGED)" test "${CHANGED:-1}" = 0
done

echo "# ---- figures ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
for l in "${ST_SIGN_OFF[@]}"; do
	echo "$l"
done
[ "$QUICK" = 1 ] || echo "# targets: $targets_met met, $targets_missed missed"
echo "# checks: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
