#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Two LBs on a segment that floods every unicast frame (a bridge with
# ageing_time 0: a switch whose MAC table has aged out).  Each LB then
# sees the frames the router sends to the other LB and the frames the
# other LB forwards to the reals, all with the VIP as destination.  The
# destination-MAC guard makes each LB balance only the frames addressed
# to itself; without it the two LBs forward each other's frames for ever
# (DR leaves the TTL alone: one request became 372,000 packets in a
# second, issue 11).
#
#   1. Two LBs (keel-xdp), ECMP from the router, two reals; the bridge
#      floods.
#   2. C connections from the client, each an echo: all answered.
#   3. Packets the LBs forwarded == packets the client sent (no frame
#      forwarded twice, no loop), within the client's own ARP/ND noise;
#      both LBs forwarded some and both passed frames not addressed to
#      them (pass_not_our_mac), so the flood really reached them.
#   4. Still no forwarding a second later: nothing circulates.
#
# Usage: test_flood.sh KEEL_XDP KEEL_ECHO (meson passes the built ones).
# Needs root; exits 77 (skip) without it.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

KEEL_XDP=$(path_arg "${1:-${KEEL_XDP:-}}")
KEEL_ECHO=$(path_arg "${2:-${KEEL_ECHO:-}}")
need_root "flood needs root (network namespaces, XDP)"

C=${E2E_CONNS:-200}
TOPO_PREFIX="keel-fl-$$-"
TOPO_INSTANCE="fl-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-flood-$$.XXXXXX")
TOPO_REALS=2
TOPO_LBS=2
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"

cleanup() {
	local rc=$?
	trap - EXIT
	if ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null
	[ "$rc" = 0 ] || dump_logs '*.out' '*.err' '*.log'
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# lb_cnt N NAME: a global counter of LB N.
lb_cnt() { topo_xdp "$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }
# forwarded N: frames LB N sent out (XDP_TX or redirect).
forwarded() { echo $(($(lb_cnt "$1" verdict_tx) + $(lb_cnt "$1" verdict_redirect))); }
# tx_packets NS IFACE: the interface's transmitted packets (/proc/net/dev
# is the namespace's own; /sys is not remounted by nsenter).
tx_packets() {
	topo_nsx "$1" cat /proc/net/dev |
		awk -v i="$2:" '$1 == i { print $11 }'
}
field() {
	awk -v r="$2" -v k="$3" '$1 == "round" && $2 == r {
		for (i = 3; i < NF; i += 2) if ($i == k) v = $(i + 1) }
		END { print (v == "" ? -1 : v) }' "$1"
}
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# --- 1. the segment floods ------------------------------------------------
if ! topo_up; then
	echo "FAIL - building the topology"
	exit 1
fi
topo_nsx sw ip link set br0 type bridge ageing_time 0
check "the bridge floods (ageing_time 0)" \
	[ "$(ip -n "$(topo_ns sw)" -d link show br0 | grep -o 'ageing_time [0-9]*')" = "ageing_time 0" ]

# --- 2. traffic -----------------------------------------------------------
sent0=$(tx_packets cl eth0)
f1_0=$(forwarded 1)
f2_0=$(forwarded 2)
n1_0=$(lb_cnt 1 pass_not_our_mac)
n2_0=$(lb_cnt 2 pass_not_our_mac)
out="$TOPO_DIR/client.out"
topo_client --count "$C" --parallel 32 --timeout-ms 5000 \
	>"$out" 2>"$TOPO_DIR/client.err"
rc=$?
echo "# $(grep '^round 1' "$out")"
check "client exit status 0 (got $rc)" [ "$rc" = 0 ]
check "all $C connections answered" [ "$(field "$out" 1 ok)" = "$C" ]

# --- 3. forwarded once each ------------------------------------------------
sent=$(($(tx_packets cl eth0) - sent0))
f1=$(($(forwarded 1) - f1_0))
f2=$(($(forwarded 2) - f2_0))
n1=$(($(lb_cnt 1 pass_not_our_mac) - n1_0))
n2=$(($(lb_cnt 2 pass_not_our_mac) - n2_0))
echo "# flood: client sent $sent packets; LBs forwarded $((f1 + f2)) ($f1 + $f2); passed as another host's $((n1 + n2)) ($n1 + $n2)"
# The client's packets besides those to the VIP: ARP/ND, a handful.
check "forwarded $((f1 + f2)) of $sent sent: each once, none looped" \
	within $((f1 + f2)) $((sent - 10)) "$sent"
check "both LBs forwarded some ($f1, $f2)" [ "$((f1 > 0 && f2 > 0))" = 1 ]
check "both LBs saw the other's frames and passed them ($n1, $n2)" \
	[ "$((n1 > 0 && n2 > 0))" = 1 ]

# --- 4. nothing circulates ------------------------------------------------
a=$(($(forwarded 1) + $(forwarded 2)))
sleep 1
b=$(($(forwarded 1) + $(forwarded 2)))
check "no frame forwarded in the second after the traffic ($((b - a)))" \
	[ "$b" = "$a" ]

echo "flood: $passed passed, $failed failed"
[ "$failed" = 0 ]
