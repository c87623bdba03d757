#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The LB pair's sessions, end to end (docs/pair.md): two LBs running lbd
# with pair: over the LB segment (UDP 7600), in namespaces of this run.
#   1. both links up within 10 s (lbctl pair status on each), metrics say so;
#   2. the sync traffic cut both ways (a blackhole route to the peer on
#      each LB) -> down on both; restored -> up on both;
#   3. cut one way (lb1 hears nothing) -> lb2 shows one-way, lb1 down;
#      restored -> up;
#   4. hostile datagrams: from a real's address (not a peer) ->
#      unknown_source; claiming lb2's address with garbage -> malformed,
#      with a well-formed frame and a bad tag -> auth; lb2's HELLO captured
#      and replayed -> replay; the session stays up;
#   5. lbd keeps serving: TCP connections through the LBs all answered,
#      before and after; both lbd still running.
#   7. (run before 6) one admin truth: a drain made on lb1 shows on lb2,
#      an undrain on lb2 shows on lb1; a weight set on lb2 while the link
#      is cut reaches lb1 once it returns (anti-entropy); cleared on lb1,
#      cleared on lb2.
#   8. (run before 6) lb1 reloaded with a second peer, twice (peers kept
#      across a reload with more than one), then back to one: lbd keeps
#      running and the session with lb2 stays up.
#   6. flows synced: 500 connections held through both LBs (ECMP), each
#      LB's flow records merged by the other; rs1's weight changed on lb1,
#      replicated to lb2 (the tables now differ from when the flows
#      opened); lb1 then
#      fails (lbd SIGKILLed, link down, the route moved to lb2): every
#      connection survives, none moved ("pair failover: N/M connections
#      survived").
#
# Usage: test_pair.sh LBD LBCTL KEEL_ECHO KEEL_XDP (meson passes the built
# ones).  Needs root and python3; exits 77 (skip) without them.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

LBD=$(path_arg "${1:-${LBD:-}}")
LBCTL=$(path_arg "${2:-${LBCTL:-}}")
KEEL_ECHO=$(path_arg "${3:-${KEEL_ECHO:-}}")
KEEL_XDP=$(path_arg "${4:-${KEEL_XDP:-}}")
need_root "pair needs root (network namespaces, XDP)"
# The system's python3 first: a version manager's shim starts slowly.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || PY=
[ -n "$PY" ] || {
	echo "SKIP: pair needs python3 (its hostile datagrams)"
	exit 77
}
SEND="$here/pair_send.py"

TOPO_PREFIX="keel-e2e-$$-"
TOPO_INSTANCE="e2e-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e-$$.XXXXXX")
TOPO_LBS=2
TOPO_REALS=2
TOPO_LBD=1
TOPO_LBD_START=0
PORT=7600
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
	[ "$rc" = 0 ] || dump_logs '*.log' '*.err'
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

key="$TOPO_DIR/pair.key"

# pair_conf N [PEER-LINE]: LB N's pair: section, appended to its config;
# PEER-LINE, a second peer ("    - {name: ..., address: ...}").
pair_conf() {
	local n=$1 other=$((3 - $1)) extra=${2:-}
	cat >>"$(topo_lbd_conf "$n")" <<EOF
pair:
  node_id: $n
  listen: $(topo_lb_addr "$n"):$PORT
  peers:
    - {name: lb$other, address: $(topo_lb_addr "$other"):$PORT}
$extra
  key_file: $key
  hello_interval: 100ms
  dead_after: 500ms
EOF
}

# pstat N EXPR: a member of LB N's pair.status (python expression over p,
# the "pair" object, and q, its first peer).
pstat() {
	topo_lbctl "$1" --json --timeout 2 pair status 2>/dev/null |
		"$PY" -c 'import json, sys
p = json.load(sys.stdin)["pair"]
q = (p.get("peers") or [{}])[0]
print('"$2"')' 2>/dev/null
}

# jget N KEY: the first "KEY": value of LB N's pair.status (one peer here:
# the peer's own members are unique), without quotes.  grep, not python:
# it is polled.
jget() {
	topo_lbctl "$1" --json --timeout 2 pair status 2>/dev/null |
		grep -o "\"$2\":[^,}]*" | head -n 1 | cut -d: -f2- | tr -d '"'
}

# wait_link N STATE SECONDS: LB N shows STATE for its peer within SECONDS
# (polled every 0.1 s).
wait_link() {
	local i end=$((SECONDS + $3))
	for ((i = 0; i < 100 && SECONDS <= end; i++)); do
		[ "$(jget "$1" link)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "# lb$1: link $(jget "$1" link), wanted $2"
	return 1
}

# sever N on|off: LB N's datagrams to its peer go nowhere (a blackhole
# route to the peer's address: the peer is never on the data path), or
# again to the peer.
sever() {
	local ns other
	ns=$(topo_ns "lb$1")
	other=$(topo_lb_addr $((3 - $1)))
	if [ "$2" = on ]; then
		ip -n "$ns" route add blackhole "$other/32"
	else
		ip -n "$ns" route del blackhole "$other/32"
	fi
}

sever_both() { sever 1 "$1" && sever 2 "$1"; }

# in_ns NAME CMD...: CMD in namespace NAME.
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$(topo_ns "$ns")" -- "$@"
}

# wait_count N KEY MIN: jget N KEY reaches MIN within 3 s.
wait_count() {
	local i v end=$((SECONDS + 3))
	for ((i = 0; i < 30 && SECONDS <= end; i++)); do
		v=$(jget "$1" "$2")
		[ -n "$v" ] && [ "$v" -ge "$3" ] && return 0
		sleep 0.1
	done
	echo "# lb$1: $2 = $v, wanted at least $3"
	return 1
}

rejected() { jget "$1" "$2"; }

# --- the site and the pair ----------------------------------------------------
if ! topo_up; then
	echo "FAIL - building the topology"
	exit 1
fi
(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$key" &&
	echo >>"$key") && chown "$TOPO_USER" "$key"
for n in 1 2; do
	topo_lbd_config "$n" && pair_conf "$n"
done
t=$(ms)
for n in 1 2; do
	topo_lbd_start "$n" || {
		echo "FAIL - lbd of lb$n did not start"
		exit 1
	}
done

# --- 1. up -----------------------------------------------------------------
check "lb1: link to lb2 up within 10 s" wait_link 1 up 10
check "lb2: link to lb1 up within 10 s" wait_link 2 up 10
echo "# both up $(($(ms) - t)) ms after the first start"
echo "# lb1: $(topo_lbctl 1 pair status | head -3 | tail -1)"
echo "# lb1: $(pstat 1 'p["configured"], p["node_id"], p["listen"]')"
check "lb1: configured, node 1, listen $(topo_lb_addr 1):$PORT" \
	eq "$(pstat 1 'p["configured"], p["node_id"], p["listen"]')" \
	"True 1 $(topo_lb_addr 1):$PORT"
check "lb1: lb2 says it is node 2" eq "$(pstat 1 'q["peer"]["node_id"]')" 2
check "lb1: an RTT measured" eq "$(pstat 1 'q["rtt_ms"] is not None')" True
metrics=$(in_ns lb1 "$PY" -c 'import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:9450/metrics", timeout=5).read().decode())' 2>&1)
check "lb1: metrics keel_pair_peer_up{peer=\"lb2\"} 1" \
	grep -qx 'keel_pair_peer_up{peer="lb2"} 1' <<<"$metrics"
check "lb1: metrics keel_pair_datagrams_sent_total of HELLOs to lb2" \
	grep -q '^keel_pair_datagrams_sent_total{peer="lb2",type="hello"} [1-9]' <<<"$metrics"
check "TCP through the LBs before anything: 40 answered" burst calm "$TOPO_VIP" 40

# --- 2. cut both ways, then restored -----------------------------------------
check "cut: nothing gets through either way" sever_both on
check "cut: lb1 shows down within 3 s" wait_link 1 down 3
check "cut: lb2 shows down within 3 s" wait_link 2 down 3
check "restored: both ways" sever_both off
check "restored: lb1 up within 3 s" wait_link 1 up 3
check "restored: lb2 up within 3 s" wait_link 2 up 3

# --- 3. one way: lb1 hears nothing from lb2 -----------------------------------
check "one-way: lb2's datagrams go nowhere" sever 2 on
check "one-way: lb2 shows one-way within 3 s (lb1 does not hear it)" \
	wait_link 2 one-way 3
check "one-way: lb1 shows down within 3 s" wait_link 1 down 3
echo "# lb2: $(topo_lbctl 2 pair status | sed -n 3p)"
check "one-way restored" sever 2 off
check "one-way restored: lb1 up within 3 s" wait_link 1 up 3
check "one-way restored: lb2 up within 3 s" wait_link 2 up 3

# --- 4. hostile datagrams ------------------------------------------------------
lb1=$(topo_lb_addr 1)
lb2=$(topo_lb_addr 2)
rs1=$(topo_rs_addr 1)
u0=$(jget 1 unknown_source)
m0=$(rejected 1 malformed)
a0=$(rejected 1 auth)
r0=$(rejected 1 replay)
in_ns rs1 "$PY" "$SEND" garbage "$rs1" "$PORT" "$lb1" "$PORT"
in_ns rs1 "$PY" "$SEND" garbage "$rs1" 9999 "$lb1" "$PORT"
check "hostile: 2 from a real's address counted unknown_source" \
	wait_count 1 unknown_source $((u0 + 2))
in_ns rs1 "$PY" "$SEND" garbage "$lb2" "$PORT" "$lb1" "$PORT"
check "hostile: garbage claiming lb2's address counted malformed" \
	wait_count 1 malformed $((m0 + 1))
in_ns rs1 "$PY" "$SEND" badtag "$lb2" "$PORT" "$lb1" "$PORT"
check "hostile: a KSYN frame with a bad tag counted auth" \
	wait_count 1 auth $((a0 + 1))
check "hostile: lb2's datagram captured on lb1" \
	in_ns lb1 "$PY" "$SEND" capture seg0 "$lb2" "$PORT" "$TOPO_DIR/captured"
in_ns rs1 "$PY" "$SEND" replay "$TOPO_DIR/captured"
in_ns rs1 "$PY" "$SEND" replay "$TOPO_DIR/captured"
check "hostile: the captured datagram replayed twice counted replay" \
	wait_count 1 replay $((r0 + 2))
check "hostile: the session stayed up on lb1" wait_link 1 up 1
check "hostile: the session stayed up on lb2" wait_link 2 up 1
check "hostile: lb1's log names the source of the refusals" \
	grep -q "pair: datagram from $lb2:$PORT lb2 .* rejected, auth" \
	"$(topo_lbd_log 1)"

# --- 5. still serving ------------------------------------------------------------
check "TCP through the LBs after all that: 40 answered" burst after "$TOPO_VIP" 40
for n in 1 2; do
	check "lbd of lb$n still running" topo_pid_alive "$(topo_lbd_pid "$n")"
done

# --- 7. one admin truth: lbctl on either LB reaches the other --------------------
S="$TOPO_VIP:${TOPO_PORT:-80}/tcp"
RS2=$(topo_rs_addr 2)
# wait_rf N REAL JQ WANT SECONDS: LB N's status shows REAL's JQ = WANT on
# S (0.1 s polls).
wait_rf() {
	local i end=$((SECONDS + $5)) v
	for ((i = 0; i < 10 * $5 + 10 && SECONDS <= end; i++)); do
		LB=$1 status
		v=$(rf "$S" "$2" "$3")
		[ "$v" = "$4" ] && return 0
		sleep 0.1
	done
	echo "# lb$1: $2 $3 = $v, wanted $4"
	return 1
}
check "admin: lbctl real drain rs2 on lb1" topo_lbctl 1 real drain "$S" "$RS2"
t=$(ms)
check "admin: lb2 shows rs2 drained within 3 s" wait_rf 2 "$RS2" .admin.drain true 3
echo "# admin: lb1's drain seen on lb2 after $(($(ms) - t)) ms"
check "admin: lbctl real undrain rs2 on lb2" topo_lbctl 2 real undrain "$S" "$RS2"
check "admin: lb1 shows rs2 undrained within 3 s" wait_rf 1 "$RS2" .admin.drain false 3
check "admin, link cut: nothing gets through" sever_both on
check "admin, link cut: lb1 shows down within 3 s" wait_link 1 down 3
check "admin, link cut: rs2's weight 5 on lb2 alone" topo_lbctl 2 real weight "$S" "$RS2" 5
sleep 1
LB=1 status
check "admin, link cut: lb1 does not have it ($(rf "$S" "$RS2" .admin.weight))" \
	eq "$(rf "$S" "$RS2" .admin.weight)" null
check "admin, link cut: restored" sever_both off
t=$(ms)
check "admin, healed: lb1 has rs2's weight 5 within 10 s (anti-entropy)" \
	wait_rf 1 "$RS2" .admin.weight 5 10
echo "# admin: lb2's change made during the cut reached lb1 $(($(ms) - t)) ms after the link returned"
check "admin: weight cleared on lb1" topo_lbctl 1 real weight "$S" "$RS2" clear
check "admin: ... and on lb2 within 3 s" wait_rf 2 "$RS2" .admin.weight null 3

# --- 8. reloads with two peers (the second one never answers) ------------------
topo_lbd_config 1 && pair_conf 1 "    - {name: lb3, address: $(topo_rs_addr 1):$PORT}"
check "reload: lb1 with a second peer lb3" topo_lbctl 1 reload
check "reload: lb1 again, nothing changed (peers kept)" topo_lbctl 1 reload
check "reload: lbd of lb1 still running" topo_pid_alive "$(topo_lbd_pid 1)"
check "reload: lb1 lists lb2 and lb3 ($(pstat 1 '[x["name"] for x in p["peers"]]'))" \
	eq "$(pstat 1 '[x["name"] for x in p["peers"]]')" "['lb2', 'lb3']"
check "reload: the session with lb2 kept up" wait_link 1 up 1
topo_lbd_config 1 && pair_conf 1
check "reload: lb1 back to one peer" topo_lbctl 1 reload
check "reload: lb1 lists lb2 only" eq "$(pstat 1 '[x["name"] for x in p["peers"]]')" "['lb2']"

# --- 6. flows synced: LB1 fails, LB2 carries every connection --------------------
# Connections opened now spread over both LBs (ECMP on the router, the
# client's own rehash off: txrehash=0 in every test namespace); lb1 then
# dies (lbd SIGKILLed, its segment link down) and the router sends all
# to lb2, which must know lb1's flows from their records.
declare -A hold_pid=()
m1() { in_ns "lb$1" "$PY" -c 'import urllib.request
print(urllib.request.urlopen("http://127.0.0.1:9450/metrics", timeout=5).read().decode())' 2>/dev/null; }
mval() { m1 "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
N=500
check "flows: $N connections held through both LBs" hold_start f-held "$TOPO_VIP" "$N"
merged() { mval 2 'keel_pair_flow_merged_total{result="inserted"}'; }
want_merged() { [ "${1:-0}" -gt 0 ] 2>/dev/null; }
for ((i = 0; i < 50; i++)); do
	want_merged "$(merged)" && [ "$(mval 1 'keel_pair_flow_merged_total{result="inserted"}')" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
sent1=$(mval 1 'keel_pair_flow_records_out_total{result="sent"}')
in2=$(merged)
echo "# lb1 sent $sent1 flow records; lb2 merged $in2 of lb1's flows (inserted)"
check "flows: lb1's records reached lb2 and were merged ($in2)" want_merged "$in2"
check "flows: lb2's records reached lb1 and were merged" want_merged \
	"$(mval 1 'keel_pair_flow_merged_total{result="inserted"}')"
# The ordinary day: a weight changed on both LBs after the connections
# opened.  Their Maglev tables now send some of lb1's flows elsewhere:
# only lb1's records on lb2 keep them (without sync, about a quarter of
# lb1's connections would move and break).
check "flows: rs1's weight 3 on $S, set on lb1" topo_lbctl 1 real weight "$S" "$(topo_rs_addr 1)" 3
check "flows: ... and on lb2 within 3 s (one admin truth)" \
	wait_rf 2 "$(topo_rs_addr 1)" .admin.weight 3 3
topo_lbd_stop 1 --kill
ip -n "$(topo_ns lb1)" link set seg0 down
ip -n "$(topo_ns rt)" route replace "$TOPO_VIP/32" via "$(topo_lb_addr 2)"
hold_check f-held
ok=$(field "$TOPO_DIR/f-held.out" 2 ok)
echo "pair failover: $ok/$N connections survived (weight changed, then lb1 killed and cut)"
check "flows: every held connection survived lb1's failure ($ok/$N), none moved" held_ok f-held "$N"

echo "pair: $passed passed, $failed failed"
[ "$failed" = 0 ]
