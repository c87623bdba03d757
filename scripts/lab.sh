#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A keel site lab in network namespaces (topology: scripts/lib/topology.sh):
# a client, a router with an ECMP route to the VIPs through two LBs on one
# L2 segment, both running lbd from generated configs, three reals running
# keel-echo and rs-agent (which puts the VIP on lo, sets the ARP sysctls,
# checks keel-echo and reports health and connections to both LBs every
# 100 ms; lbd takes each real's state from its agent).
#
#   scripts/lab.sh up        (re)build the lab; cleans a previous one first
#   scripts/lab.sh demo      up, then real TCP traffic from the client, the
#                            per-real distribution and both LBs' status
#   scripts/lab.sh status    what is running, each LB's lbctl status and
#                            non-zero counters
#   scripts/lab.sh client [ARGS]   keel-echo client against the VIP
#                            (e.g. --count 100; see keel-echo client --help)
#   scripts/lab.sh lbctl N ARGS    lbctl against LB N's lbd
#                            (e.g. lbctl 1 real drain 203.0.113.10:80/tcp 10.20.0.11)
#   scripts/lab.sh agent N ARGS    rs-agent against real N's agent
#                            (e.g. agent 1 drain --wait; agent 1 undrain)
#   scripts/lab.sh down      remove everything (lbd, namespaces, pins, servers)
#
# Environment: KEEL_BUILDDIR (default build/), LAB_LBS (LBs, default 2),
# LAB_CONNS (demo connections, 600).
# Run as root; build first (scripts/run-lab.sh does both).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILDDIR:-$root/build}
KEEL_XDP=${KEEL_XDP:-$build/lb-dataplane/keel-xdp}
KEEL_ECHO=${KEEL_ECHO:-$build/tests/tools/keel-echo}
LBD=${LBD:-$build/lb-dataplane/lbd}
LBCTL=${LBCTL:-$build/ctl/lbctl}
RS_AGENT=${RS_AGENT:-$build/rs-agent/rs-agent}
TOPO_PREFIX=keel-lab-
TOPO_INSTANCE=lab
TOPO_DIR=/run/keel-lab
TOPO_LBS=${LAB_LBS:-2}
TOPO_LBD=1
TOPO_RS_NET=agent
# shellcheck source-path=SCRIPTDIR source=lib/topology.sh
. "$root/scripts/lib/topology.sh"
TOPO_LBD_TOP="agents:
  listen: 0.0.0.0:9460
  key_file: $(topo_agent_key)
  interval: 100ms"
TOPO_LBD_SVC="    health: {type: agent}"

usage() {
	sed -n '4,28p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

need_root() {
	[ "$(id -u)" = 0 ] || { echo "lab.sh: run as root" >&2; exit 1; }
}

# Every real of every LB up (from its agent) and usable?
lab_all_up() {
	local n
	for ((n = 1; n <= TOPO_LBS; n++)); do
		topo_lbctl "$n" --json status 2>/dev/null | jq -e \
			'[.services[].reals[] | .state == "up" and .usable] | length > 0 and all' \
			>/dev/null || return 1
	done
}

lab_lbs() { topo_list_ns | grep -c "^${TOPO_PREFIX}lb[0-9]*\$" || true; }

lab_up() {
	local t0 n
	t0=$(date +%s%3N)
	# A fresh site: the previous lab's lbd, namespaces and pins, and its
	# configs and state files (a drain left there would come back).
	if ! topo_down; then
		echo "lab.sh: could not remove the previous lab" >&2
		exit 1
	fi
	rm -rf -- "$TOPO_DIR"
	mkdir -p "$TOPO_DIR"
	topo_agent_keygen
	if ! topo_up; then
		echo "lab.sh: building the lab failed; cleaning up" >&2
		topo_down || true
		exit 1
	fi
	for ((n = 1; n <= TOPO_REALS; n++)); do
		if ! topo_agent_start "$n"; then
			echo "lab.sh: rs-agent on rs$n did not start; cleaning up" >&2
			topo_down || true
			exit 1
		fi
	done
	# Every LB sees every real up from its agent (5 s at most).
	for ((n = 0; n < 50; n++)); do
		lab_all_up && break
		sleep 0.1
	done
	echo "lab up in $(($(date +%s%3N) - t0)) ms:"
	echo "  client  ${TOPO_PREFIX}cl  $TOPO_CL_NET.2  (eth0: tx checksum offload off)"
	echo "  router  ${TOPO_PREFIX}rt  $TOPO_CL_NET.1 / $TOPO_SEG_NET.1, route $TOPO_VIP/32 via $(
		[ "$TOPO_LBS" -gt 1 ] && echo "ECMP over the $TOPO_LBS LBs" || echo "lb1")"
	echo "  switch  ${TOPO_PREFIX}sw  bridge br0 (XDP_PASS on the ports facing LBs)"
	for ((n = 1; n <= TOPO_LBS; n++)); do
		echo "  lb$n     ${TOPO_PREFIX}lb$n $(topo_lb_addr "$n")  lbd (pid $(topo_lbd_pid "$n")), instance $(topo_instance "$n"), XDP on seg0"
		echo "          config $(topo_lbd_conf "$n"), socket $(topo_lbd_sock "$n"), log $(topo_lbd_log "$n")"
	done
	for ((n = 1; n <= TOPO_REALS; n++)); do
		echo "  rs$n     ${TOPO_PREFIX}rs$n $(topo_rs_addr "$n")  keel-echo on :$TOPO_PORT; rs-agent (pid $(topo_agent_pid "$n")): VIP $TOPO_VIP on lo, reports to every LB"
		echo "          config $(topo_agent_conf "$n"), socket $(topo_agent_sock "$n"), log $(topo_agent_log "$n")"
	done
	echo "  service $(topo_svc): rs1..rs$TOPO_REALS, weight 1, health from the agents, on every LB"
	lab_all_up || echo "  (not every real is up on every LB yet: scripts/lab.sh status)"
}

# lab_lbctl N ARGS...: lbctl against LB N; says so when lbd is not there.
lab_lbctl() {
	local n=$1
	shift
	if ! topo_lbctl "$n" "$@"; then
		echo "  (lbctl on lb$n failed: is its lbd running? see $(topo_lbd_log "$n"))"
		return 1
	fi
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
		echo "lb$n: lbctl --socket $(topo_lbd_sock "$n") status"
		lab_lbctl "$n" status | sed 's/^/  /' || true
		echo "lb$n: counters (non-zero)"
		lab_lbctl "$n" stats | awk '$2 != 0 { print "  " $0 }' || true
	done
}

# lab_new_flows N: "REAL COUNT" per real of the service, from LB N's
# metrics (127.0.0.1:9450 inside its namespace).
lab_new_flows() {
	topo_nsx "lb$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9450 &&
		printf "GET /metrics HTTP/1.0\r\nHost: lb\r\n\r\n" >&3 && cat <&3' 2>/dev/null |
		awk -v s="$(topo_svc)" -F'[{}]' '$1 == "keel_real_new_flows_total" &&
			index($2, "service=\"" s "\"") {
			r = $2; sub(/.*real="/, "", r); sub(/".*/, "", r)
			n = $3; sub(/^ /, "", n); print r, n }'
}

lab_demo() {
	local conns=${LAB_CONNS:-600} out n i trickle
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
	echo "new flows per real on each LB (the router spreads connections over the LBs by ECMP;"
	echo "both LBs build the same Maglev table, so a flow maps to the same real on either):"
	printf '  %-12s' real
	for ((n = 1; n <= TOPO_LBS; n++)); do printf '  %6s' "lb$n"; done
	printf '  %6s\n' total
	for ((n = 1; n <= TOPO_LBS; n++)); do
		lab_new_flows "$n" | sed "s/^/$n /"
	done | awk -v nlb="$TOPO_LBS" '{ c[$2, $1] = $3; reals[$2] = 1; t[$1] += $3 }
		END {
			for (r in reals) {
				s = 0
				printf "  %-12s", r
				for (i = 1; i <= nlb; i++) { printf "  %6d", c[r, i]; s += c[r, i] }
				printf "  %6d\n", s
			}
			s = 0
			printf "  %-12s", "~total"
			for (i = 1; i <= nlb; i++) { printf "  %6d", t[i]; s += t[i] }
			printf "  %6d\n", s
		}' | LC_ALL=C sort | sed 's/~total/total /'
	# Status while some traffic flows, so that its per-second rates show.
	echo
	echo "(a trickle of new connections runs while the status is taken: about 150/s for 3.5 s)"
	for ((i = 0; i < 35; i++)); do
		topo_client --count 20 --parallel 4 --timeout-ms 3000 >/dev/null 2>&1 || true
		sleep 0.1
	done &
	trickle=$!
	sleep 2.2
	lab_status
	wait "$trickle" || true
	cat <<EOF

The lab is still running. Try:
  scripts/lab.sh client --count 50
  scripts/lab.sh status
Drain rs1 for an upgrade: its agent tells every LB (no new connections,
established ones stay) and the command returns once its clients are gone:
  scripts/lab.sh agent 1 drain --wait --timeout 60
  scripts/lab.sh agent 1 undrain
Stop rs2's service and watch both LBs take it out within a fraction of a second:
  kill \$(cat $TOPO_DIR/rs2.pid); scripts/lab.sh lbctl 1 status
An operator's drain on every LB (the same on each, so that ECMP can move a
flow between them) works without the agent too:
EOF
	for ((i = 1; i <= TOPO_LBS; i++)); do
		echo "  $LBCTL --socket $(topo_lbd_sock "$i") real drain $(topo_svc) $(topo_rs_addr 1)"
	done
	cat <<EOF
  (or: scripts/lab.sh lbctl N real drain $(topo_svc) $(topo_rs_addr 1); undrain the same way)
Change $(topo_lbd_conf 1) and reload: scripts/lab.sh lbctl 1 reload
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
lbctl)
	need_root
	[[ ${1:-} =~ ^[0-9]+$ ]] || usage
	n=$1
	shift
	topo_lbctl "$n" "$@"
	;;
agent)
	need_root
	[[ ${1:-} =~ ^[0-9]+$ ]] || usage
	n=$1
	shift
	[ $# -gt 0 ] || usage
	topo_agent "$n" "$@"
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
