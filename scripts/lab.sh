#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A keel site lab in network namespaces (topology: scripts/lib/topology.sh).
#
#   scripts/lab.sh up        (re)build the lab; cleans a previous one first
#   scripts/lab.sh demo      up, then real TCP traffic from the client, the
#                            LB's status and the per-real distribution
#   scripts/lab.sh status    what is running, the LB's status and counters
#   scripts/lab.sh client [ARGS]   keel-echo client against the VIP
#                            (e.g. --count 100; see keel-echo client --help)
#   scripts/lab.sh down      remove everything (namespaces, pins, servers)
#
# Environment: KEEL_BUILDDIR (default build/), LAB_LBS (LBs, default 1;
# 2 gives an ECMP route over both), LAB_CONNS (demo connections, 300).
# Run as root; build first (scripts/run-lab.sh does both).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILDDIR:-$root/build}
KEEL_XDP=${KEEL_XDP:-$build/lb-dataplane/keel-xdp}
KEEL_ECHO=${KEEL_ECHO:-$build/tests/tools/keel-echo}
TOPO_PREFIX=keel-lab-
TOPO_INSTANCE=lab
TOPO_DIR=/run/keel-lab
TOPO_LBS=${LAB_LBS:-1}
# shellcheck source-path=SCRIPTDIR source=lib/topology.sh
. "$root/scripts/lib/topology.sh"

usage() {
	sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

need_root() {
	[ "$(id -u)" = 0 ] || { echo "lab.sh: run as root" >&2; exit 1; }
}

lab_lbs() { topo_list_ns | grep -c "^${TOPO_PREFIX}lb[0-9]*\$" || true; }

lab_up() {
	local t0 n
	t0=$(date +%s%3N)
	if ! topo_up; then
		echo "lab.sh: building the lab failed; cleaning up" >&2
		topo_down || true
		exit 1
	fi
	echo "lab up in $(($(date +%s%3N) - t0)) ms:"
	echo "  client  ${TOPO_PREFIX}cl  $TOPO_CL_NET.2  (eth0: tx checksum offload off)"
	echo "  router  ${TOPO_PREFIX}rt  $TOPO_CL_NET.1 / $TOPO_SEG_NET.1, route $TOPO_VIP/32 via the LB(s)"
	echo "  switch  ${TOPO_PREFIX}sw  bridge br0 (XDP_PASS on the ports facing LBs)"
	for ((n = 1; n <= TOPO_LBS; n++)); do
		echo "  lb$n     ${TOPO_PREFIX}lb$n $(topo_lb_addr "$n")  keel XDP on seg0, instance $(topo_instance "$n")"
	done
	for ((n = 1; n <= TOPO_REALS; n++)); do
		echo "  rs$n     ${TOPO_PREFIX}rs$n $(topo_rs_addr "$n")  VIP $TOPO_VIP on lo, keel-echo on :$TOPO_PORT"
	done
	echo "  service $(topo_svc)"
}

lab_status() {
	local n nlb ns
	if [ -z "$(topo_list_ns)" ]; then
		echo "lab is down"
		return 1
	fi
	echo "namespaces:"
	for ns in $(topo_list_ns | sort); do
		echo "  $ns  processes: $(ip netns pids "$ns" | tr '\n' ' ')"
	done
	nlb=$(lab_lbs)
	for ((n = 1; n <= nlb; n++)); do
		echo
		echo "lb$n: keel-xdp -i $(topo_instance "$n") status"
		topo_xdp "$n" status
		echo "lb$n: counters (non-zero)"
		topo_xdp "$n" stats | awk '$2 != 0 { print "  " $0 }'
	done
}

lab_demo() {
	local conns=${LAB_CONNS:-300} out
	lab_up
	out=$(mktemp)
	echo
	echo "client: $conns TCP connections to $TOPO_VIP:$TOPO_PORT, one line each"
	if ! topo_client --count "$conns" --timeout-ms 3000 >"$out"; then
		cat "$out"
		rm -f "$out"
		echo "lab.sh: the demo traffic failed (the lab is left up: scripts/lab.sh status)" >&2
		exit 1
	fi
	grep '^round' "$out" | sed 's/^/  /'
	echo
	echo "which real answered (as seen by the client):"
	awk -v n="$conns" '$1 == "server" {
		bar = ""; for (i = 0; i < 50 * $4 / n; i++) bar = bar "#"
		printf "  %-4s %5d  %5.1f%%  %s\n", $3, $4, 100 * $4 / n, bar }' "$out" |
		sort
	rm -f "$out"
	echo
	lab_status
	cat <<EOF

The lab is still running. Try:
  scripts/lab.sh client --count 50
  nsenter --net=/run/netns/${TOPO_PREFIX}lb1 $KEEL_XDP -i $(topo_instance 1) real set $(topo_svc) $(topo_rs_addr 1) --state drain
  scripts/lab.sh status
Tear it down with:
  scripts/lab.sh down
EOF
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up)
	need_root
	lab_up
	;;
demo)
	need_root
	lab_demo
	;;
status)
	need_root
	lab_status
	;;
client)
	need_root
	[ -n "$(topo_list_ns)" ] || { echo "lab is down: scripts/lab.sh up" >&2; exit 1; }
	topo_client "$@"
	;;
down)
	need_root
	if topo_down; then
		rm -rf -- "$TOPO_DIR"
		echo "lab down"
	else
		echo "lab.sh: could not remove everything (ip netns list; ls /sys/fs/bpf/keel)" >&2
		exit 1
	fi
	;;
*)
	usage
	;;
esac
