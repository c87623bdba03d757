#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# End-to-end VS/DR through the XDP program, in network namespaces:
# client -> router -> LB (keel XDP, MAC rewrite, XDP_TX) -> bridge -> reals
# (VIP on lo) -> straight back to the client.  See scripts/lib/topology.sh.
#
#   1. N connections from the client all succeed and spread over rs1..rs3,
#      each real within 20% of N/3.  They stay open.
#   2. rs4 is added to the service.
#   3. New connections succeed and some reach rs4.
#   4. Every connection opened in 1 still talks to the real it started on
#      (zero moved, zero failed).
#   5. The LB's counters agree: conn_hit > 0, drop_malformed == 0, one
#      flow recorded per connection (on its first ACK; the SYNs record
#      nothing), per-real new flows == what the client saw, and the conn
#      table's occupancy estimate == its walked count == the connections.
#
# Usage: test_dr_basic.sh KEEL_XDP KEEL_ECHO  (meson passes the built ones;
# or set KEEL_XDP / KEEL_ECHO; or KEEL_BIN_DIR, a directory holding both,
# which wins: tests/pkg/test_packages.sh runs this on the packages' files).  Needs root; exits 77 (skip) without it.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

KEEL_XDP=$(keel_bin keel-xdp "${1:-${KEEL_XDP:-}}")
KEEL_ECHO=$(keel_bin keel-echo "${2:-${KEEL_ECHO:-}}")
need_root "dr_basic needs root (network namespaces, XDP)"

# N = 900: each real's share is Binomial(900, 1/3), sd 14.1, so the
# +-20% band (240..360) is 4.2 sd wide on each side: a false failure about
# once in 10^4 runs.  With N = 300 (sd 8.2, band 2.4 sd) it would be ~4%.
N=${E2E_CONNS:-900}
NEW=${E2E_NEW_CONNS:-300}
TOPO_PREFIX="keel-e2e-$$-"
TOPO_INSTANCE="e2e-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e-$$.XXXXXX")
TOPO_REALS=3
TOPO_LBS=1
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"

client_pid=

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$client_pid" ]; then
		kill "$client_pid" 2>/dev/null
		wait "$client_pid" 2>/dev/null
	fi
	if ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null # reap the servers topo_down stopped
	[ "$rc" = 0 ] || dump_logs '*.out' '*.err' '*.log'
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

ms() { date +%s%3N; }

# count FILE ROUND NAME: connections that NAME answered in ROUND.
count() {
	awk -v r="$2" -v n="$3" '$1 == "server" && $2 == r && $3 == n { c = $4 }
		END { print c + 0 }' "$1"
}

# field FILE ROUND KEY: a figure of the "round R total T ok K ..." line.
field() {
	awk -v r="$2" -v k="$3" '$1 == "round" && $2 == r {
		for (i = 3; i < NF; i += 2) if ($i == k) v = $(i + 1) }
		END { print (v == "" ? -1 : v) }' "$1"
}

# The names that answered in ROUND, one line each.
names() { awk -v r="$2" '$1 == "server" && $2 == r { print $3 }' "$1" | sort | tr '\n' ' '; }

# lb_stat NAME: a global counter of the LB.
lb_stat() { awk -v k="$1" '$1 == k { print $2 }' "$TOPO_DIR/stats.out"; }

# lb_new_flows ADDR: new_flows of the real ADDR in keel-xdp status.
lb_new_flows() {
	awk -v a="$1" '$1 == "real" { cur = $2 }
		$1 == "packets" && cur == a { print $6; cur = "" }' "$TOPO_DIR/status.out"
}

between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
both_eq() { [ "$1" = "$3" ] && [ "$2" = "$3" ]; }

# --- 1. the site ----------------------------------------------------------
t=$(ms)
if ! topo_up; then
	echo "FAIL - building the topology"
	exit 1
fi
t_up=$(($(ms) - t))
echo "# topology up in ${t_up} ms (prefix $TOPO_PREFIX, instance $(topo_instance 1))"

# --- 2. N held connections ----------------------------------------------------
c1="$TOPO_DIR/client1.out"
# nsenter execs keel-echo: $! is the client itself (a backgrounded shell
# function would leave it behind a subshell).
nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client \
	--connect "$TOPO_VIP" --port "$TOPO_PORT" --count "$N" --parallel 64 \
	--timeout-ms 5000 --hold --wait-file "$TOPO_DIR/go" --wait-timeout 120 \
	>"$c1" 2>"$TOPO_DIR/client1.err" &
client_pid=$!
topo_wait_file "$c1" '^holding' 90 || {
	echo "FAIL - the first client did not reach 'holding' in 90 s"
	exit 1
}
lo=$(((8 * N + 29) / 30)) # ceil(0.8 N / 3)
hi=$((12 * N / 30))       # floor(1.2 N / 3)
r1_ok=$(field "$c1" 1 ok)
echo "# round 1: $(grep '^round 1' "$c1")"
for s in rs1 rs2 rs3; do echo "#   $s $(count "$c1" 1 $s)"; done
check "round 1: all $N connections answered ($r1_ok ok)" [ "$r1_ok" = "$N" ]
check "round 1: no failure" [ "$(field "$c1" 1 failed)" = 0 ]
check "round 1: answered by rs1 rs2 rs3 only" [ "$(names "$c1" 1)" = "rs1 rs2 rs3 " ]
for s in rs1 rs2 rs3; do
	check "round 1: $s has $(count "$c1" 1 $s), within $lo..$hi" \
		between "$(count "$c1" 1 $s)" "$lo" "$hi"
done

# --- 3. add rs4 while they are held --------------------------------------
t=$(ms)
check "rs4 added to the running service" topo_real_add 4
echo "# rs4 started and added in $(($(ms) - t)) ms"

c2="$TOPO_DIR/client2.out"
topo_client --count "$NEW" --parallel 64 --timeout-ms 5000 \
	>"$c2" 2>"$TOPO_DIR/client2.err"
c2_rc=$?
echo "# new connections: $(grep '^round 1' "$c2")"
for s in rs1 rs2 rs3 rs4; do echo "#   $s $(count "$c2" 1 $s)"; done
check "new connections: client exit status 0 (got $c2_rc)" [ "$c2_rc" = 0 ]
check "new connections: all $NEW answered" [ "$(field "$c2" 1 ok)" = "$NEW" ]
# Expected share NEW/4 (sd 7.5 for 300); asked for: at least one.
check "new connections: rs4 answered some ($(count "$c2" 1 rs4))" \
	[ "$(count "$c2" 1 rs4)" -ge 1 ]

# --- 4. the held connections, after the change -------------------------------
: >"$TOPO_DIR/go"
wait "$client_pid"
c1_rc=$?
client_pid=
echo "# round 2: $(grep '^round 2' "$c1")"
check "held connections: client exit status 0 (got $c1_rc)" [ "$c1_rc" = 0 ]
check "held connections: all $N still answered" [ "$(field "$c1" 2 ok)" = "$N" ]
check "held connections: zero failed" [ "$(field "$c1" 2 failed)" = 0 ]
check "held connections: zero moved to another real" [ "$(field "$c1" 2 moved)" = 0 ]
for s in rs1 rs2 rs3; do
	check "held connections: $s still has its $(count "$c1" 1 $s)" \
		[ "$(count "$c1" 2 $s)" = "$(count "$c1" 1 $s)" ]
done

# --- 5. the LB's view ----------------------------------------------------
topo_xdp 1 stats >"$TOPO_DIR/stats.out" 2>&1
topo_xdp 1 status >"$TOPO_DIR/status.out" 2>&1
topo_xdp 1 conn count >"$TOPO_DIR/conns.out" 2>&1
echo "# LB counters: $(grep -E '^(verdict_tx|conn_hit|syn_unrecorded|flow_recorded|miss_unrecorded|conn_rechosen|conn_inserts|drop_malformed|drop_no_real|pass_not_our_mac) ' \
	"$TOPO_DIR/stats.out" | awk '{printf "%s=%s ", $1, $2}')"
echo "# $(cat "$TOPO_DIR/conns.out")"
hit=$(lb_stat conn_hit)
check "LB: conn_hit > 0 ($hit)" [ "${hit:-0}" -gt 0 ]
check "LB: drop_malformed == 0 ($(lb_stat drop_malformed))" [ "$(lb_stat drop_malformed)" = 0 ]
check "LB: one flow recorded per connection ($(lb_stat flow_recorded) == $((N + NEW)))" \
	[ "$(lb_stat flow_recorded)" = $((N + NEW)) ]
check "LB: every SYN left the table alone ($(lb_stat syn_unrecorded) >= $((N + NEW)))" \
	[ "$(lb_stat syn_unrecorded)" -ge $((N + NEW)) ]
walked=$(awk '{ print $2 }' "$TOPO_DIR/conns.out")
est=$(awk '{ print $5 }' "$TOPO_DIR/conns.out")
check "LB: conn table walked ($walked) == occupancy estimate ($est) == $((N + NEW))" \
	both_eq "$walked" "$est" $((N + NEW))
for i in 1 2 3 4; do
	seen=$(($(count "$c1" 1 rs$i) + $(count "$c2" 1 rs$i)))
	got=$(lb_new_flows "$(topo_rs_addr $i)")
	check "LB: new_flows of rs$i ($got) == connections the client saw there ($seen)" \
		[ "${got:-x}" = "$seen" ]
done

# --- 6. the servers stop cleanly (also: no sanitizer report) -----------------
for i in 1 2 3 4; do
	pid=$(cat "$TOPO_DIR/rs$i.pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	check "rs$i's keel-echo exits 0 on SIGTERM (got $st)" [ "$st" = 0 ]
done

echo "dr_basic: $passed passed, $failed failed"
[ "$failed" = 0 ]
