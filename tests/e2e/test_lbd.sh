#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# End-to-end lbd and lbctl, in network namespaces (scripts/lib/topology.sh,
# lbd mode): client -> router -> LB (lbd from a generated config) -> reals
# rs1..rs3 running keel-echo, two services on them:
#   S1 = 203.0.113.10:80/tcp and S2 = 203.0.113.20:80/tcp, reals rs1..rs3.
# One topology, one phase after another; every check is on real TCP
# traffic or on what lbd/lbctl answer, and each phase prints its figures.
#
#   a. start: the LB has no neighbour entry for the reals; lbd starts and
#      resolves every real's MAC itself; status shows them usable with the
#      reals' MACs; metrics agree.
#   b. reload under traffic: 200 connections held through S2 and new
#      connections running while S1 is changed (rs3 removed, rs2 weight 2)
#      with `lbctl reload`, then changed back with SIGHUP: the reload's
#      change counts are exact, S2's ring is untouched, and every held
#      connection still talks to its real (0 failed, 0 moved).
#   c. drain under traffic: 100 connections held on S1; rs1 drained: none
#      of 100 new connections lands on rs1, the held ones (rs1's too) keep
#      working; undrain: rs1 gets new connections again; a drain is in the
#      state file and survives an lbd restart.
#   d. lbd restart under traffic (SIGTERM, then SIGKILL): connections held
#      across the stop are checked while no lbd runs (forwarding goes on,
#      new connections too) and others after lbd is back: zero lost, zero
#      moved; every real keeps its id, state, MAC and ring share.
#   e. run-time add and remove: rs4 (a new namespace) added with lbctl gets
#      new connections, survives a reload (overlay), is removed with lbctl
#      and then gets none.
#   f. a bad config on reload (lbctl and SIGHUP) is refused with
#      FILE:LINE: KEY and exit code 1; status and held connections are
#      untouched.
#   g. lbctl against a stopped daemon (socket gone after SIGTERM, socket
#      left behind by SIGKILL): exit code 3 and "cannot reach lbd at PATH".
#      (Run during d's gaps.)
#   h. neighbour change: rs2 changes its MAC and announces it (arp_notify:
#      the kernel's gratuitous ARP); lbctl status shows the new MAC within
#      1 s (measured), held and new connections to rs2 work.
#   i. weight override, down/up, services deleted and added at run time.
#   o. a sorry server: rs3 made S1's sorry server by a reload holds no ring
#      entry while rs1/rs2 can take flows; with both drained (and again with
#      both down) every new connection goes to rs3; rs2 undrained takes
#      every new one again while those already on rs3 stay there.
#   j. site drain: `lbctl site drain --reason test` -> status and
#      `lbctl --json site status` show it with its reason and time, the
#      state file has it, metrics say keel_site_drained 1, the data plane
#      is untouched (same model, new connections served); it survives an
#      lbd restart; `lbctl site undrain` clears it everywhere.  Status
#      tells when the program is not attached (detached by hand: false
#      within one status call; a reload attaches it again).
#   k. a damaged state file: with rs3 admin-DOWN on S1 and 100 connections
#      held, lbd is stopped and its state file truncated; lbd refuses to
#      start (exit 3, a message naming the file, what is wrong and
#      --reset-state), leaves the file as it was and creates nothing
#      beside it, never detaches nor unpins: held and new connections
#      are served meanwhile and none reaches rs3.  `lbd --reset-state`
#      then starts, keeps the bad file as STATE.bad-TIME and runs from
#      the config alone (rs3 up: the reset is what loses the down).
#   m. conn_insert_limit: a reload that only adds it sets the program's
#      per-CPU insert cap (read back with keel-xdp limit) and bumps the
#      generation; status, `lbctl status` and metrics show it; a value
#      set by hand is replaced by lbd's own at a restart; removing the key
#      and reloading turns the cap off.
#   n. the LB's interface changes its MAC (ip link set seg0 address, with
#      arp_notify so that the router learns it): lbd logs it and counts it,
#      the MAC guard's map and the reals' source MAC (the data plane's
#      neighbour entries) hold the new one, 100 held connections and 300
#      new ones are served, and the counters say the VIP's frames were
#      balanced (verdict_tx grew) and none were passed as not ours.
#   Last: `lbctl shutdown --unload` detaches and removes the pins.
#
# Usage: test_lbd.sh LBD LBCTL KEEL_ECHO KEEL_XDP (meson passes the built
# ones; keel-xdp puts the XDP_PASS program on the switch ports).  Needs
# root (exits 77, skipped, otherwise) and jq.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

LBD=$(path_arg "${1:-${LBD:-}}")
LBCTL=$(path_arg "${2:-${LBCTL:-}}")
KEEL_ECHO=$(path_arg "${3:-${KEEL_ECHO:-}}")
KEEL_XDP=$(path_arg "${4:-${KEEL_XDP:-}}")
need_root "lbd e2e needs root (network namespaces, XDP)"
if ! command -v jq >/dev/null; then
	echo "FAIL - jq is missing (it reads lbctl --json; scripts/deps.sh installs it)"
	exit 1
fi

TOPO_PREFIX="keel-e2e-$$-"
TOPO_INSTANCE="e2e-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e-lbd-$$.XXXXXX")
TOPO_REALS=3
TOPO_LBS=1
TOPO_LBD=1
TOPO_LBD_START=0 # phase a starts it, to watch it resolve the reals
TOPO_VIPS="203.0.113.10 203.0.113.20"
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"

VIP1=203.0.113.10
VIP2=203.0.113.20
S1="$VIP1:80/tcp"
S2="$VIP2:80/tcp"
RS1=$(topo_rs_addr 1)
RS2=$(topo_rs_addr 2)
RS3=$(topo_rs_addr 3)
RS4=$(topo_rs_addr 4)
INST=$(topo_instance 1)
PIN="$TOPO_BPFFS/keel/$INST"
CFG=$(topo_lbd_conf 1)
SOCK=$(topo_lbd_sock 1)
STATE=$(topo_lbd_state 1)
LOG=$(topo_lbd_log 1)

declare -A hold_pid=()
bg_pids=()

cleanup() {
	local rc=$? p
	trap - EXIT
	for p in "${hold_pid[@]}" "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	# lbd: `lbctl shutdown --unload`, SIGTERM/SIGKILL if it does not
	# answer; then the pins are removed whatever is left of them.
	if ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null
	[ "$rc" = 0 ] || dump_logs '*.err' '*.log'
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# The view of the model, without counters and rates (for before/after).
model_view() {
	jq -c '[.services[] | {service, ring_size, reals: [.reals[] |
		{real, id, weight, effective_weight, state, admin, mac, usable,
		 ring_entries}]}]' "$TOPO_DIR/status.json"
}
rs_mac() { ip -n "$(topo_ns "rs$1")" link show eth0 | awk '/link\/ether/ { print $2 }'; }

lbd_pid() { topo_lbd_pid 1; }
attached() { ip -n "$(topo_ns lb1)" link show seg0 | grep -q ' xdp'; }
not_attached() { ! attached; }

# ================================================================================
t=$(ms)
if ! topo_up; then
	echo "FAIL - building the topology"
	exit 1
fi
# Many short connections from one address: room for them all.
topo_nsx cl sysctl -qw net.ipv4.ip_local_port_range="10000 65000" \
	net.ipv4.tcp_tw_reuse=1 >/dev/null
echo "# topology up in $(($(ms) - t)) ms (prefix $TOPO_PREFIX, instance $INST, dir $TOPO_DIR)"

# --- a. start ------------------------------------------------------------------
echo "# --- a. lbd starts from its config and resolves the reals itself"
neigh_before=$(ip -n "$(topo_ns lb1)" neigh show dev seg0 | grep -cE "^10\.20\.0\.1[0-9] ")
check "a: the LB has no neighbour entry for any real before lbd ($neigh_before)" eq "$neigh_before" 0
t=$(ms)
check "a: lbd starts and answers on $SOCK" topo_lbd_start 1
t_ans=$(($(ms) - t))
all_ok='[.services[].reals[] | .usable and .mac_resolved] | length == 6 and all'
t_res=$(wait_status "$all_ok" 5)
echo "# lbd answered $t_ans ms after start; all 6 reals usable ${t_res} ms later"
check "a: all 6 reals (2 services x rs1..rs3) usable with a MAC within 5 s" \
	eq "$(jq -r "$all_ok" "$TOPO_DIR/status.json")" true
for i in 1 2 3; do
	mac=$(rs_mac $i)
	for s in "$S1" "$S2"; do
		check "a: $s rs$i: MAC $(rf "$s" "$(topo_rs_addr $i)" .mac) is rs$i's eth0 ($mac), state up" \
			eq "$(rf "$s" "$(topo_rs_addr $i)" '.mac + " " + .state')" "$mac up"
	done
done
check "a: the control socket is a socket, mode 0660, owner $TOPO_USER, the user lbd runs as ($(stat -c '%F %a %U' "$SOCK"))" \
	eq "$(stat -c '%F %a %U' "$SOCK")" "socket 660 $TOPO_USER"
# Started as root, lbd runs as TOPO_USER once set up, with CAP_NET_ADMIN
# (bit 12) and CAP_BPF (bit 39) and nothing else, for good.
proc_status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$(lbd_pid)/status"; }
check "a: lbd runs as $TOPO_USER ($(ps -o user= -p "$(lbd_pid)"))" \
	eq "$(ps -o user= -p "$(lbd_pid)")" "$TOPO_USER"
check "a: ... with CAP_NET_ADMIN and CAP_BPF only: effective, permitted, bounding $(proc_status CapEff)/$(proc_status CapPrm)/$(proc_status CapBnd)" \
	eq "$(proc_status CapEff)/$(proc_status CapPrm)/$(proc_status CapBnd)" \
	"0000008000001000/0000008000001000/0000008000001000"
check "a: ... no_new_privs set, no ambient capability" \
	eq "$(proc_status NoNewPrivs)/$(proc_status CapAmb)" "1/0000000000000000"
check "a: ... and it said so" grep -q "running as $TOPO_USER (uid [0-9]*), capabilities: CAP_NET_ADMIN CAP_BPF" "$LOG"
check "a: lbd attached its program to seg0" attached
check "a: pins under $PIN" test -d "$PIN"
metrics
usable_m=$(grep -c '^keel_real_usable{.*} 1$' "$TOPO_DIR/metrics.txt")
check "a: metrics on 127.0.0.1:9450: keel_real_usable 1 for 6 reals ($usable_m)" eq "$usable_m" 6
for v in "$VIP1" "$VIP2"; do
	burst "a-$v" "$v" 300
	check "a: 300 new connections to $v all answered" burst_ok "a-$v" 300
	for i in 1 2 3; do
		check "a: $v: rs$i answered some ($(count "$TOPO_DIR/a-$v.out" 1 rs$i))" \
			ge "$(count "$TOPO_DIR/a-$v.out" 1 rs$i)" 1
	done
done

# --- b. reload under traffic -------------------------------------------------------
echo "# --- b. reload (lbctl, then SIGHUP) while 200 connections are held on S2"
status
s2_before=$(jq -c --arg s "$S2" '.services[] | select(.service == $s) |
	[.reals[] | [.real, .id, .ring_entries]]' "$TOPO_DIR/status.json")
check "b: 200 connections held on S2" hold_start b-held "$VIP2" 200
check "b: new connections running on S2" traffic_start b-traffic "$VIP2"
topo_lbd_config 1 "$S1=rs1,rs2:2" "$S2=rs1,rs2,rs3"
t=$(ms)
topo_lbctl 1 --json reload >"$TOPO_DIR/reload.json" 2>"$TOPO_DIR/reload.err"
rc=$?
echo "# lbctl reload (S1: rs3 removed, rs2 weight 2): exit $rc in $(($(ms) - t)) ms: $(cat "$TOPO_DIR/reload.json" "$TOPO_DIR/reload.err")"
check "b: lbctl reload exits 0" eq "$rc" 0
check "b: reload changes: services +0 -0 ~0, reals +0 -1 ~1" eq \
	"$(jq -r '.changes | "\(.services_added) \(.services_removed) \(.services_changed) \(.reals_added) \(.reals_removed) \(.reals_changed)"' "$TOPO_DIR/reload.json")" \
	"0 0 0 0 1 1"
status
check "b: S1 now rs1 (weight 1) and rs2 (weight 2)" eq \
	"$(jq -c --arg s "$S1" '[.services[] | select(.service == $s) | .reals[] | [.real, .weight]]' "$TOPO_DIR/status.json")" \
	"[[\"$RS1\",1],[\"$RS2\",2]]"
e1=$(rf "$S1" "$RS1" .ring_entries)
e2=$(rf "$S1" "$RS2" .ring_entries)
echo "# S1 ring: rs1 $e1, rs2 $e2 entries (of 65537)"
check "b: S1's ring follows the weights (rs2 has 2x rs1's entries, +-2%)" \
	test $((e2 * 100)) -ge $((e1 * 196)) -a $((e2 * 100)) -le $((e1 * 204))
s2_after=$(jq -c --arg s "$S2" '.services[] | select(.service == $s) |
	[.reals[] | [.real, .id, .ring_entries]]' "$TOPO_DIR/status.json")
check "b: S2 untouched (same reals, ids, ring entries)" eq "$s2_after" "$s2_before"
burst b-new1 "$VIP1" 200
check "b: 200 new connections to S1 answered, none by rs3" eq \
	"$(field "$TOPO_DIR/b-new1.out" 1 ok)/$(count "$TOPO_DIR/b-new1.out" 1 rs3)" "200/0"

g0=$(gen)
topo_lbd_config 1 # back to the default: S1 = rs1..rs3, weight 1
t=$(ms)
kill -HUP "$(lbd_pid)"
t_hup=$(wait_status ".generation > $g0 and .last_reload.ok" 5)
echo "# SIGHUP (S1 back to rs1..rs3): applied in $t_hup ms; log: $(grep 'reloaded' "$LOG" | tail -n 1)"
check "b: SIGHUP reload applied (generation $g0 -> $(gen))" test "$(gen)" -gt "$g0"
check "b: SIGHUP reload logged with services +0 -0 ~0, reals +1 -0 ~1" \
	grep -q 'reloaded .*services +0 -0 ~0, reals +1 -0 ~1' "$LOG"
check "b: S1 has rs1..rs3 with weight 1 again" eq \
	"$(jq -c --arg s "$S1" '[.services[] | select(.service == $s) | .reals[] | [.real, .weight, .usable]]' "$TOPO_DIR/status.json")" \
	"[[\"$RS1\",1,true],[\"$RS2\",1,true],[\"$RS3\",1,true]]"
# A reload of the same file applies nothing: the generation stays.
g1=$(gen)
check "b: lbctl reload of the unchanged file succeeds" topo_lbctl 1 reload
status
check "b: ... and the generation stays ($g1 -> $(gen))" eq "$(gen)" "$g1"
traffic_stop b-traffic
check "b: new connections to S2 during both reloads: $T_OK of $T_TOTAL ok, 0 failed" \
	test "$T_FAILED" = 0 -a "$T_OK" -gt 0
hold_check b-held
check "b: the 200 held S2 connections: 200 ok, 0 failed, 0 moved" held_ok b-held 200

# --- c. drain under traffic --------------------------------------------------------
echo "# --- c. drain rs1 on S1 under traffic; persistence across a restart"
check "c: 100 connections held on S1" hold_start c-held "$VIP1" 100
c_rs1=$(count "$TOPO_DIR/c-held.out" 1 rs1)
check "c: some held connections are on rs1 ($c_rs1)" ge "$c_rs1" 1
topo_lbctl 1 real drain "$S1" "$RS1" >"$TOPO_DIR/drain.out" 2>&1
rc=$?
check "c: lbctl real drain exits 0 ($(cat "$TOPO_DIR/drain.out"))" eq "$rc" 0
status
check "c: rs1 draining (admin), effective weight 0, no ring entries" eq \
	"$(rf "$S1" "$RS1" '"\(.state) \(.source) \(.admin.drain) \(.effective_weight) \(.ring_entries)"')" \
	"draining admin true 0 0"
burst c-new "$VIP1" 100
check "c: 100 new connections while drained: all answered" burst_ok c-new 100
check "c: ... and none on rs1 ($(count "$TOPO_DIR/c-new.out" 1 rs1))" \
	eq "$(count "$TOPO_DIR/c-new.out" 1 rs1)" 0
hold_check c-held
check "c: held connections (rs1's $c_rs1 too): 100 ok, 0 failed, 0 moved" held_ok c-held 100
check "c: lbctl real undrain exits 0" topo_lbctl 1 real undrain "$S1" "$RS1"
burst c-undrained "$VIP1" 100
check "c: after undrain, rs1 gets new connections again ($(count "$TOPO_DIR/c-undrained.out" 1 rs1) of 100)" \
	ge "$(count "$TOPO_DIR/c-undrained.out" 1 rs1)" 1
check "c: drain rs1 again" topo_lbctl 1 real drain "$S1" "$RS1"
check "c: the state file records the drain" eq \
	"$(jq -r --arg r "$RS1" '.admin[] | select(.real == $r) | "\(.service) \(.drain)"' "$STATE" 2>/dev/null)" \
	"$S1 true"
check "c: lbd stops on SIGTERM" topo_lbd_stop 1
check "c: ... with exit status 0 ($TOPO_LBD_RC)" eq "$TOPO_LBD_RC" 0
check "c: lbd starts again" topo_lbd_start 1
status
check "c: after the restart rs1 is still drained (from the state file)" eq \
	"$(rf "$S1" "$RS1" '"\(.state) \(.admin.drain) \(.ring_entries)"')" "draining true 0"
burst c-restarted "$VIP1" 100
check "c: after the restart none of 100 new connections lands on rs1" eq \
	"$(field "$TOPO_DIR/c-restarted.out" 1 ok)/$(count "$TOPO_DIR/c-restarted.out" 1 rs1)" "100/0"
check "c: undrain" topo_lbctl 1 real undrain "$S1" "$RS1"
check "c: the state file has no override left" eq "$(jq -c '.admin' "$STATE")" "[]"

# --- d. lbd restart under traffic (+ g. lbctl against a stopped lbd) ---------------------
for how in TERM KILL; do
	echo "# --- d. lbd stopped with SIG$how and started again under traffic"
	status
	view0=$(model_view)
	gen0=$(gen)
	check "d/$how: 200 connections held on S1, checked during the gap" hold_start "d$how-gap" "$VIP1" 200
	check "d/$how: 200 connections held on S2, checked after the restart" hold_start "d$how-after" "$VIP2" 200
	check "d/$how: new connections running on S1" traffic_start "d$how-traffic" "$VIP1"
	t=$(ms)
	if [ "$how" = TERM ]; then
		check "d/$how: lbd stops" topo_lbd_stop 1
		check "d/$how: ... exit status 0 ($TOPO_LBD_RC)" eq "$TOPO_LBD_RC" 0
		check "d/$how: the control socket is removed" test ! -e "$SOCK"
	else
		check "d/$how: lbd killed" topo_lbd_stop 1 --kill
		check "d/$how: ... by SIGKILL ($TOPO_LBD_RC)" eq "$TOPO_LBD_RC" 137
		check "d/$how: the control socket file is left behind" test -S "$SOCK"
	fi
	t_stop=$(ms)
	check "d/$how: no lbd runs; the program stays attached" attached
	check "d/$how: ... and pinned" test -d "$PIN"
	# g. lbctl against the stopped daemon.
	topo_lbctl 1 status >"$TOPO_DIR/g.out" 2>"$TOPO_DIR/g.err"
	rc=$?
	echo "# g: lbctl status with lbd stopped (SIG$how): exit $rc: $(cat "$TOPO_DIR/g.err")"
	check "g/$how: lbctl exits 3" eq "$rc" 3
	check "g/$how: ... saying it cannot reach lbd at $SOCK, and why" \
		grep -qE "^lbctl: cannot reach lbd at $SOCK: (No such file or directory|Connection refused)\$" \
		"$TOPO_DIR/g.err"
	check "g/$how: ... and prints nothing on stdout" test ! -s "$TOPO_DIR/g.out"
	hold_check "d$how-gap"
	check "d/$how: with lbd stopped, the 200 held S1 connections: 200 ok, 0 failed, 0 moved" \
		held_ok "d$how-gap" 200
	burst "d$how-gap-new" "$VIP1" 100
	check "d/$how: with lbd stopped, 100 new connections answered" burst_ok "d$how-gap-new" 100
	check "d/$how: lbd starts again, adopting the pinned maps" topo_lbd_start 1
	t_gap=$(($(ms) - t_stop))
	status
	entries=$(jq .dataplane.conn_entries "$TOPO_DIR/status.json")
	traffic_stop "d$how-traffic"
	check "d/$how: new connections across stop and start: $T_OK of $T_TOTAL ok, 0 failed" \
		test "$T_FAILED" = 0 -a "$T_OK" -gt 0
	hold_check "d$how-after"
	check "d/$how: after the restart, the 200 held S2 connections: 200 ok, 0 failed, 0 moved" \
		held_ok "d$how-after" 200
	status
	check "d/$how: after the restart every real has the same id, state, MAC and ring share" \
		eq "$(model_view)" "$view0"
	# The generation goes on from the maps; adopted flows show at once.
	check "d/$how: ... the generation goes on ($gen0 -> $(gen))" test "$(gen)" -ge "$gen0"
	check "d/$how: ... and the conn table showed the kept flows as soon as it served ($entries)" \
		test "$entries" -ge 400
	echo "# d/$how: lbd was gone for $t_gap ms; its log: $(grep -E 'adopted|serving' "$LOG" | tail -n 2 | tr '\n' ' ')"
done
check "d: the restarted lbd says it adopted the pinned services" grep -q 'adopted 2 services' "$LOG"

# --- e. run-time add and remove -------------------------------------------------------
echo "# --- e. rs4 added and removed at run time"
t=$(ms)
check "e: rs4 (a new namespace with keel-echo) is up" topo_real_add 4
echo "# rs4 up in $(($(ms) - t)) ms"
topo_lbctl 1 real add "$S1" "$RS4" >"$TOPO_DIR/add.out" 2>&1
rc=$?
check "e: lbctl real add $S1 $RS4 exits 0 ($(cat "$TOPO_DIR/add.out"))" eq "$rc" 0
t_rs4=$(wait_status "[.services[] | select(.service == \"$S1\") | .reals[] | select(.real == \"$RS4\") | .usable] == [true]" 5)
echo "# rs4 usable (MAC resolved by lbd) $t_rs4 ms after the add"
check "e: rs4 usable with rs4's MAC" eq "$(rf "$S1" "$RS4" '.mac + " " + (.usable | tostring)')" "$(rs_mac 4) true"
check "e: the state file records rs4 as added" eq \
	"$(jq -r --arg r "$RS4" '.reals_added[] | select(.real == $r) | .service' "$STATE" 2>/dev/null)" "$S1"
burst e-added "$VIP1" 300
check "e: 300 new connections all answered" burst_ok e-added 300
check "e: ... and rs4 answered some ($(count "$TOPO_DIR/e-added.out" 1 rs4))" \
	ge "$(count "$TOPO_DIR/e-added.out" 1 rs4)" 1
topo_lbctl 1 --json reload >"$TOPO_DIR/reload.json" 2>"$TOPO_DIR/reload.err"
rc=$?
check "e: a reload with rs4 added at run time: exit 0, nothing removed" eq \
	"$rc/$(jq -r '.changes.reals_removed' "$TOPO_DIR/reload.json")" "0/0"
status
check "e: rs4 is still in S1 after the reload (overlay)" eq "$(rf "$S1" "$RS4" .usable)" true
burst e-reloaded "$VIP1" 300
check "e: after the reload rs4 still gets new connections ($(count "$TOPO_DIR/e-reloaded.out" 1 rs4) of 300)" \
	ge "$(count "$TOPO_DIR/e-reloaded.out" 1 rs4)" 1
check "e: lbctl real del $S1 $RS4" topo_lbctl 1 real del "$S1" "$RS4"
status
check "e: rs4 is gone from S1" eq "$(rf "$S1" "$RS4" .real)" ""
check "e: ... and from the state file" eq "$(jq -c '.reals_added' "$STATE")" "[]"
burst e-removed "$VIP1" 300
check "e: after the removal, 300 new connections answered, none by rs4" eq \
	"$(field "$TOPO_DIR/e-removed.out" 1 ok)/$(count "$TOPO_DIR/e-removed.out" 1 rs4)" "300/0"

# --- f. a bad config on reload ------------------------------------------------------------
echo "# --- f. a bad config is refused and changes nothing"
check "f: 100 connections held on S1" hold_start f-held "$VIP1" 100
status
view0=$(model_view)
g0=$(gen)
cp "$CFG" "$TOPO_DIR/good.yaml"
# services[0].reals[1].weight: the config's second "weight:" line.
bad_line=$(grep -n 'weight:' "$CFG" | sed -n 2p | cut -d: -f1)
sed -i "${bad_line}s/weight: .*/weight: 70000/" "$CFG"
topo_lbctl 1 reload >"$TOPO_DIR/bad.out" 2>"$TOPO_DIR/bad.err"
rc=$?
echo "# lbctl reload with weight 70000 on line $bad_line: exit $rc: $(cat "$TOPO_DIR/bad.err")"
check "f: lbctl reload exits 1" eq "$rc" 1
check "f: the message names $CFG:$bad_line: services[0].reals[1].weight" \
	grep -qF "$CFG:$bad_line: services[0].reals[1].weight: " "$TOPO_DIR/bad.err"
status
check "f: the running config is untouched (same services, reals, weights, states, MACs, rings)" \
	eq "$(model_view)" "$view0"
check "f: generation unchanged ($g0)" eq "$(gen)" "$g0"
check "f: status reports the failed reload with the message" eq \
	"$(jq -r '.last_reload | "\(.ok) \(.error | tostring | contains("services[0].reals[1].weight"))"' "$TOPO_DIR/status.json")" \
	"false true"
# The same through SIGHUP, with another error: an unknown key.
cp "$TOPO_DIR/good.yaml" "$CFG"
bad_line=$(grep -n '^services:' "$CFG" | cut -d: -f1)
sed -i "${bad_line}s/^services:/servics:/" "$CFG"
pid=$(lbd_pid)
kill -HUP "$pid"
topo_wait_file "$LOG" "reload refused.*$CFG:$bad_line: servics: unknown key" 5
check "f: SIGHUP with an unknown key: refused, logged with $CFG:$bad_line: servics" \
	grep -q "reload refused.*$CFG:$bad_line: servics: unknown key" "$LOG"
check "f: ... lbd still runs" topo_pid_alive "$pid"
status
check "f: ... and the running config is still untouched" eq "$(model_view)" "$view0"
hold_check f-held
check "f: the 100 held S1 connections: 100 ok, 0 failed, 0 moved" held_ok f-held 100
cp "$TOPO_DIR/good.yaml" "$CFG"
topo_lbctl 1 --json reload >"$TOPO_DIR/reload.json" 2>"$TOPO_DIR/reload.err"
rc=$?
check "f: the fixed config reloads with no change" eq "$rc/$(jq -c '[.changes[]] | add' "$TOPO_DIR/reload.json")" "0/0"

# --- h. a real's MAC changes ------------------------------------------------------------------
echo "# --- h. rs2 changes its MAC"
check "h: 100 connections held on S1" hold_start h-held "$VIP1" 100
old_mac=$(rs_mac 2)
new_mac=02:6b:65:65:6c:02
# The real announces a new address by itself (gratuitous ARP) when
# arp_notify is set, as a real server would be configured.
topo_nsx rs2 sysctl -qw net.ipv4.conf.eth0.arp_notify=1 >/dev/null
t=$(ms)
ip -n "$(topo_ns rs2)" link set dev eth0 address "$new_mac"
t_mac=$(wait_status "[.services[].reals[] | select(.real == \"$RS2\") | .mac] == [\"$new_mac\", \"$new_mac\"]" 3)
echo "# rs2: $old_mac -> $new_mac; lbctl status shows it in both services ${t_mac} ms after the change"
check "h: lbctl status shows rs2's new MAC in both services" eq \
	"$(jq -r --arg r "$RS2" '[.services[].reals[] | select(.real == $r) | .mac] | unique | join(",")' "$TOPO_DIR/status.json")" \
	"$new_mac"
check "h: ... within 1 s (${t_mac} ms)" test "$t_mac" -le 1000
burst h-new "$VIP1" 150
check "h: 150 new connections all answered" burst_ok h-new 150
check "h: ... rs2 answered some ($(count "$TOPO_DIR/h-new.out" 1 rs2))" \
	ge "$(count "$TOPO_DIR/h-new.out" 1 rs2)" 1
hold_check h-held
check "h: the 100 held connections (rs2's too): 100 ok, 0 failed, 0 moved" held_ok h-held 100

# --- i. weight override, down/up, services at run time ------------------------------------
echo "# --- i. lbctl real weight / down / up, service del / add"
check "i: lbctl real weight S1 rs1 3" topo_lbctl 1 real weight "$S1" "$RS1" 3
status
share=$(rf "$S1" "$RS1" .ring_entries)
echo "# rs1 with weight 3 (rs2, rs3 weight 1): $share of 65537 ring entries"
check "i: rs1's admin weight 3 is in effect" eq \
	"$(rf "$S1" "$RS1" '.admin.weight')/$(rf "$S1" "$RS1" .effective_weight)" "3/3"
check "i: rs1 holds 3/5 of the ring (+-1%)" test "$share" -ge 38666 -a "$share" -le 40000
check "i: the override is in the state file" eq \
	"$(jq -r --arg r "$RS1" '.admin[] | select(.real == $r) | .weight' "$STATE")" 3
check "i: lbctl real weight S1 rs1 clear" topo_lbctl 1 real weight "$S1" "$RS1" clear
status
check "i: back to the configured weight" eq \
	"$(rf "$S1" "$RS1" '.admin.weight')/$(rf "$S1" "$RS1" .weight)" "null/1"

check "i: lbctl real down S1 rs3" topo_lbctl 1 real down "$S1" "$RS3"
status
check "i: rs3 down (admin), not usable, out of the ring" eq \
	"$(rf "$S1" "$RS3" .state)/$(rf "$S1" "$RS3" .source)/$(rf "$S1" "$RS3" .usable)/$(rf "$S1" "$RS3" .ring_entries)" \
	"down/admin/false/0"
burst i-down "$VIP1" 150
check "i: 150 new connections while rs3 is down: all answered, none by rs3" eq \
	"$(field "$TOPO_DIR/i-down.out" 1 ok)/$(count "$TOPO_DIR/i-down.out" 1 rs3)" "150/0"
check "i: lbctl real up S1 rs3" topo_lbctl 1 real up "$S1" "$RS3"
burst i-up "$VIP1" 150
check "i: after up, rs3 answers again ($(count "$TOPO_DIR/i-up.out" 1 rs3) of 150)" \
	ge "$(count "$TOPO_DIR/i-up.out" 1 rs3)" 1

check "i: lbctl service del S2" topo_lbctl 1 service del "$S2"
status
check "i: S2 is gone from status" eq \
	"$(jq -r --arg s "$S2" '[.services[] | select(.service == $s)] | length' "$TOPO_DIR/status.json")" 0
check "i: ... and recorded as removed in the state file" eq \
	"$(jq -r '.services_removed | join(",")' "$STATE")" "$S2"
topo_lbctl 1 service del "$S2" >/dev/null 2>&1
check "i: deleting it again is refused with exit 1" eq "$?" 1
check "i: lbctl service add S2 brings the configured service back" \
	topo_lbctl 1 service add "$S2"
t_back=$(wait_status "[.services[] | select(.service == \"$S2\") | .reals[] | .usable] | length == 3 and all" 5)
echo "# S2 back with its 3 configured reals usable ${t_back} ms after the add"
burst i-s2 "$VIP2" 150
check "i: 150 new connections to S2 answered" burst_ok i-s2 150
S3="$VIP2:8080/tcp"
check "i: lbctl service add a new persistent service" \
	topo_lbctl 1 service add "$S3" --persistent --ring-size 1009
check "i: lbctl real add to it" topo_lbctl 1 real add "$S3" "$RS1"
status
check "i: the new service is persistent with a 1009-entry ring" eq \
	"$(jq -r --arg s "$S3" '.services[] | select(.service == $s) | "\(.persistent)/\(.ring_size)"' "$TOPO_DIR/status.json")" \
	"true/1009"
check "i: ... and in the state file" eq \
	"$(jq -r '.services_added[0] | "\(.service)/\(.persistent)/\(.ring_size)"' "$STATE")" "$S3/true/1009"
check "i: lbctl service del of the new service" topo_lbctl 1 service del "$S3"
check "i: the state file is clean again" eq \
	"$(jq -c '[.admin, .services_added, .services_removed, .reals_added, .reals_removed] | flatten | length' "$STATE")" 0

# --- o. sorry server --------------------------------------------------------------------------
echo "# --- o. a sorry server (rs3 on S1) takes new connections only while no other real can"
topo_lbd_config 1 "$S1=rs1,rs2,rs3!" "$S2=rs1,rs2,rs3"
check "o: reload with rs3 as S1's sorry server" topo_lbctl 1 reload
status
sorry_of() { rf "$S1" "$RS3" '"\(.sorry)/\(.state)/\(.ring_entries)/\(.effective_weight)"'; }
check "o: rs3 on S1 is the sorry server: up, no ring entry, weight 0 ($(sorry_of))" \
	eq "$(sorry_of)" "true/up/0/0"
check "o: ... and on S2 an ordinary real (no sorry member)" eq "$(rf "$S2" "$RS3" .sorry)" null
check "o: lbctl status says so" sh -c "'$LBCTL' --socket '$SOCK' status | grep -q 'up (config, sorry)'"
burst o-normal "$VIP1" 150
check "o: 150 new connections while rs1, rs2 are up: all answered, none by rs3" eq \
	"$(field "$TOPO_DIR/o-normal.out" 1 ok)/$(count "$TOPO_DIR/o-normal.out" 1 rs3)" "150/0"
check "o: 40 connections held on rs1/rs2" hold_start o-held "$VIP1" 40
check "o: rs1 and rs2 drained" topo_lbctl 1 real drain "$S1" "$RS1"
topo_lbctl 1 real drain "$S1" "$RS2"
status
check "o: the sorry server now holds the whole ring, weight 1 ($(sorry_of))" \
	eq "$(sorry_of)" "true/up/65537/1"
burst o-sorry "$VIP1" 150
check "o: 150 new connections with no other real selectable: all answered by rs3" eq \
	"$(field "$TOPO_DIR/o-sorry.out" 1 ok)/$(count "$TOPO_DIR/o-sorry.out" 1 rs3)" "150/150"
check "o: 40 connections held on the sorry server" hold_start o-on-sorry "$VIP1" 40
check "o: lbctl real undrain S1 rs2" topo_lbctl 1 real undrain "$S1" "$RS2"
burst o-back "$VIP1" 150
check "o: rs2 back: 150 new connections, all answered by rs2, none by rs3" eq \
	"$(field "$TOPO_DIR/o-back.out" 1 ok)/$(count "$TOPO_DIR/o-back.out" 1 rs2)/$(count "$TOPO_DIR/o-back.out" 1 rs3)" "150/150/0"
hold_check o-on-sorry
check "o: the 40 held on the sorry server still talk to it (not cut when rs2 came back)" held_ok o-on-sorry 40
hold_check o-held
check "o: the 40 held on rs1/rs2 through it all: none failed or moved" held_ok o-held 40
topo_lbctl 1 real down "$S1" "$RS1" && topo_lbctl 1 real down "$S1" "$RS2"
check "o: rs1 and rs2 admin-down (exit $?)" eq "$?" 0
burst o-down "$VIP1" 150
check "o: every other real down: 150 new connections all answered by rs3" eq \
	"$(field "$TOPO_DIR/o-down.out" 1 ok)/$(count "$TOPO_DIR/o-down.out" 1 rs3)" "150/150"
topo_lbctl 1 real up "$S1" "$RS1" && topo_lbctl 1 real up "$S1" "$RS2" &&
	topo_lbctl 1 real undrain "$S1" "$RS1"
check "o: rs1, rs2 up and undrained (exit $?)" eq "$?" 0
topo_lbd_config 1
check "o: reload with the default config: rs3 ordinary again" topo_lbctl 1 reload
status
check "o: ... rs3 back in S1's ring, no sorry member ($(rf "$S1" "$RS3" '"\(.sorry)/\(.ring_entries)"'))" \
	test "$(rf "$S1" "$RS3" .sorry)" = null -a "$(rf "$S1" "$RS3" .ring_entries)" -gt 0
check "o: the state file is clean again" eq \
	"$(jq -c '[.admin, .services_added, .services_removed, .reals_added, .reals_removed] | flatten | length' "$STATE")" 0

# --- j. site drain ----------------------------------------------------------------------------
echo "# --- j. lbctl site drain / undrain: status, state file, restart, traffic, attach state"
site_of() { jq -c '[.site.drained, .site.since, .site.reason]' "$1"; }
topo_lbctl 1 --json site status >"$TOPO_DIR/site.json" 2>"$TOPO_DIR/site.err"
rc=$?
check "j: lbctl --json site status: exit 0, not drained ($(site_of "$TOPO_DIR/site.json"))" \
	eq "$rc $(site_of "$TOPO_DIR/site.json")" "0 [false,null,null]"
check "j: ... the data plane attached on seg0 ($(jq -c .dataplane "$TOPO_DIR/site.json"))" eq \
	"$(jq -c '[.dataplane.all_attached, [.dataplane.attached[] | "\(.ifname) \(.mode) \(.attached)"]]' "$TOPO_DIR/site.json")" \
	'[true,["seg0 native true"]]'
status
view0=$(model_view)
g0=$(gen)
t0=$(date +%s)
topo_lbctl 1 site drain --reason "test" >"$TOPO_DIR/site.out" 2>&1
rc=$?
t1=$(date +%s)
echo "# lbctl site drain --reason test: exit $rc: $(cat "$TOPO_DIR/site.out")"
check "j: lbctl site drain --reason test exits 0, printing the drain" \
	eq "$rc $(grep -c '^site        DRAINED since .*reason: test$' "$TOPO_DIR/site.out")" "0 1"
status
since=$(jq -r .site.since "$TOPO_DIR/status.json")
check "j: status: site drained, reason test ($(jq -c .site "$TOPO_DIR/status.json"))" eq \
	"$(jq -c '[.site.drained, .site.reason]' "$TOPO_DIR/status.json")" '[true,"test"]'
check "j: ... since is the time of the drain ($t0 <= $since <= $t1)" \
	test "$since" -ge "$t0" -a "$since" -le "$t1"
check "j: the data plane is untouched: same model, generation $g0, all attached" eq \
	"$(model_view) $(gen) $(jq -r .dataplane.all_attached "$TOPO_DIR/status.json")" "$view0 $g0 true"
check "j: the state file has the drain" eq "$(jq -c .site "$STATE" 2>/dev/null)" \
	"{\"drained\":true,\"since\":$since,\"reason\":\"test\"}"
check "j: lbd logged it" grep -q 'site drained: announcers withdraw every VIP (reason: test)' "$LOG"
metrics
check "j: metrics: keel_site_drained 1" grep -q '^keel_site_drained 1$' "$TOPO_DIR/metrics.txt"
burst j-drained "$VIP1" 100
check "j: while drained, 100 new connections to $VIP1 are all served" burst_ok j-drained 100
check "j: lbd stops (SIGTERM) with the site drained" topo_lbd_stop 1
check "j: ... and starts again" topo_lbd_start 1
topo_lbctl 1 --json site status >"$TOPO_DIR/site.json" 2>"$TOPO_DIR/site.err"
rc=$?
check "j: after the restart lbctl --json site status shows the same drain ($(site_of "$TOPO_DIR/site.json"))" \
	eq "$rc $(site_of "$TOPO_DIR/site.json")" "0 [true,$since,\"test\"]"
topo_lbctl 1 status >"$TOPO_DIR/status.txt" 2>&1
check "j: lbctl status says the site is drained and why" \
	grep -q '^site DRAINED since .*reason: test$' "$TOPO_DIR/status.txt"
topo_lbctl 1 site drain >"$TOPO_DIR/site.out" 2>&1
rc=$?
status
check "j: draining again without a reason keeps since and reason (exit $rc)" eq \
	"$rc $(jq -c '[.site.drained, .site.since, .site.reason]' "$TOPO_DIR/status.json")" \
	"0 [true,$since,\"test\"]"
topo_lbctl 1 site undrain >"$TOPO_DIR/site.out" 2>&1
rc=$?
echo "# lbctl site undrain: exit $rc: $(cat "$TOPO_DIR/site.out")"
check "j: lbctl site undrain exits 0, printing 'not drained'" \
	eq "$rc $(grep -c '^site        in service (not drained)$' "$TOPO_DIR/site.out")" "0 1"
status
check "j: status: site not drained, since and reason null" eq \
	"$(jq -c '[.site.drained, .site.since, .site.reason]' "$TOPO_DIR/status.json")" "[false,null,null]"
check "j: the state file has no site left" eq "$(jq -c 'has("site")' "$STATE")" false
metrics
check "j: metrics: keel_site_drained 0" grep -q '^keel_site_drained 0$' "$TOPO_DIR/metrics.txt"
# What announcers rely on when lbd runs but its program is gone.
ip -n "$(topo_ns lb1)" link set dev seg0 xdpdrv off
topo_lbctl 1 --json site status >"$TOPO_DIR/site.json" 2>"$TOPO_DIR/site.err"
check "j: program detached by hand: all_attached false, seg0 attached false" eq \
	"$(jq -c '[.dataplane.all_attached, .dataplane.attached[0].attached]' "$TOPO_DIR/site.json")" \
	"[false,false]"
topo_lbctl 1 site status >"$TOPO_DIR/site.out" 2>&1
check "j: ... lbctl site status says NOT attached" \
	grep -q '^data plane  NOT attached: seg0 (native, NOT ATTACHED)$' "$TOPO_DIR/site.out"
metrics
check "j: ... metrics: keel_dataplane_attached{ifname=\"seg0\"} 0" \
	grep -q '^keel_dataplane_attached{ifname="seg0"} 0$' "$TOPO_DIR/metrics.txt"
check "j: lbctl reload attaches it again" topo_lbctl 1 reload
status
check "j: ... status: all_attached true, and the kernel agrees" eq \
	"$(jq -r .dataplane.all_attached "$TOPO_DIR/status.json") $(attached && echo yes)" "true yes"
burst j-after "$VIP1" 100
check "j: 100 new connections to $VIP1 served again" burst_ok j-after 100

# --- k. a damaged state file ----------------------------------------------------------------
echo "# --- k. the state file truncated while lbd is stopped: lbd refuses to start, forwarding goes on"
check "k: lbctl real down S1 rs3" topo_lbctl 1 real down "$S1" "$RS3"
check "k: the state file records it" eq \
	"$(jq -r --arg r "$RS3" '.admin[] | select(.real == $r) | "\(.service) \(.down)"' "$STATE" 2>/dev/null)" \
	"$S1 true"
check "k: 100 connections held on S1" hold_start k-held "$VIP1" 100
check "k: lbd stops (SIGTERM)" topo_lbd_stop 1
truncate -s 40 "$STATE"
sum0=$(sha256sum <"$STATE")
ls -d "$STATE"* >"$TOPO_DIR/k-ls0.txt"
t=$(ms)
timeout 20 nsenter --net="/run/netns/$(topo_ns lb1)" -- "$LBD" --config "$CFG" \
	</dev/null >"$TOPO_DIR/k-refused.log" 2>&1
rc=$?
cat "$TOPO_DIR/k-refused.log" >>"$LOG"
echo "# k: lbd over a truncated state file: exit $rc after $(($(ms) - t)) ms: $(grep -m1 'cannot be used' "$TOPO_DIR/k-refused.log")"
check "k: lbd refuses to start, exit 3" eq "$rc" 3
check "k: ... naming the file, what is wrong and --reset-state" \
	grep -qE "state file $STATE cannot be used: line [0-9]+ column [0-9]+: .*--reset-state" "$TOPO_DIR/k-refused.log"
check "k: the state file is left exactly as it was" eq "$(sha256sum <"$STATE")" "$sum0"
ls -d "$STATE"* >"$TOPO_DIR/k-ls1.txt"
check "k: ... and nothing was created beside it" eq \
	"$(diff "$TOPO_DIR/k-ls0.txt" "$TOPO_DIR/k-ls1.txt" | grep -c '^>')" 0
check "k: the program is still attached" attached
check "k: ... and pinned" test -d "$PIN"
hold_check k-held
check "k: the 100 held connections: 100 ok, 0 failed, 0 moved" held_ok k-held 100
burst k-new "$VIP1" 150
check "k: 150 new connections served, none by the admin-DOWN rs3 ($(count "$TOPO_DIR/k-new.out" 1 rs3))" eq \
	"$(field "$TOPO_DIR/k-new.out" 1 ok)/$(count "$TOPO_DIR/k-new.out" 1 rs3)" "150/0"
check "k: lbd --reset-state starts" topo_lbd_start 1 --reset-state
bad=$(ls "$STATE".bad-* 2>/dev/null | head -n 1)
check "k: ... keeping the bad file aside ($bad) with its bytes" \
	eq "$(sha256sum <"${bad:-/dev/null}")" "$sum0"
check "k: ... and saying so in its log" grep -q -- "--reset-state: state file $STATE could not be used .*kept as $bad" "$LOG"
status
check "k: after the reset rs3 is up from the config (the reset is what loses the down)" \
	eq "$(rf "$S1" "$RS3" '.state + "/" + .source')" "up/config"
check "k: a run-time change writes a new state file" topo_lbctl 1 real drain "$S1" "$RS2"
check "k: ... which is valid JSON and leaves the kept one alone" eq \
	"$(jq -r '.admin[0].drain' "$STATE")/$(sha256sum <"$bad")" "true/$sum0"
check "k: undrain" topo_lbctl 1 real undrain "$S1" "$RS2"

# --- m. the conn table's insert limit from the config ----------------------------------------
echo "# --- m. conn_insert_limit: set by lbd at reload and at start"
xdp_limit() { topo_xdp 1 limit 2>/dev/null | awk '$1 == "conn_inserts" { print $2 }'; }
check "m: no conn_insert_limit in the config: the program holds 0 ($(xdp_limit))" eq "$(xdp_limit)" 0
status
g0=$(gen)
cp "$CFG" "$TOPO_DIR/m-before.yaml"
echo "conn_insert_limit: 546" >>"$CFG"
topo_lbctl 1 --json reload >"$TOPO_DIR/reload.json" 2>"$TOPO_DIR/reload.err"
rc=$?
echo "# reload with only conn_insert_limit: 546 added: exit $rc, keel-xdp limit: $(topo_xdp 1 limit 2>&1)"
check "m: a reload that only adds conn_insert_limit: 546 succeeds" eq "$rc" 0
check "m: ... the program holds 546 (read back with keel-xdp limit)" eq "$(xdp_limit)" 546
status
check "m: ... the generation moved ($g0 -> $(gen))" test "$(gen)" -gt "$g0"
check "m: ... status: dataplane.conn_insert_limit 546" eq \
	"$(jq -r .dataplane.conn_insert_limit "$TOPO_DIR/status.json")" 546
topo_lbctl 1 status >"$TOPO_DIR/m-status.txt" 2>&1
echo "# lbctl status: $(grep '^conn table' "$TOPO_DIR/m-status.txt")"
check "m: ... lbctl status: 'insert limit 546/s per CPU' on the conn table line" \
	grep -q '^conn table .*insert limit 546/s per CPU' "$TOPO_DIR/m-status.txt"
metrics
check "m: ... metrics: keel_conn_table_insert_limit 546" \
	grep -q '^keel_conn_table_insert_limit 546$' "$TOPO_DIR/metrics.txt"
check "m: ... and lbd logged it" grep -q 'conn table insert limit: 546 per CPU per second (was 0' "$LOG"
topo_xdp 1 limit --conn-inserts 7 >/dev/null
check "m: set to 7 by hand (keel-xdp)" eq "$(xdp_limit)" 7
check "m: lbd stops" topo_lbd_stop 1
check "m: lbd starts again" topo_lbd_start 1
check "m: ... and the program holds its config's 546 again ($(xdp_limit))" eq "$(xdp_limit)" 546
cp "$TOPO_DIR/m-before.yaml" "$CFG"
check "m: the key removed: lbctl reload" topo_lbctl 1 reload
check "m: ... no limit: the program holds 0 ($(xdp_limit))" eq "$(xdp_limit)" 0

# --- n. the LB's interface changes its MAC --------------------------------------------------------
echo "# --- n. seg0 of the LB takes a new MAC"
lb_mac() { ip -n "$(topo_ns lb1)" link show seg0 | awk '/link\/ether/ { print $2 }'; }
# A pinned map's value by key (bytes), as MAC text: bytes FROM..FROM+5.
map_mac() { # MAP KEY-BYTES FROM
	# shellcheck disable=SC2086 # the key is a list of bytes
	bpftool -j map lookup pinned "$PIN/$1" key $2 2>/dev/null |
		jq -r --argjson f "$3" '.value[$f:$f + 6] | map(.[2:]) | join(":")'
}
u32_bytes() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
cnt() { jq -r ".counters.$1" "$TOPO_DIR/stats.json"; }
stats() { topo_lbctl 1 --json stats >"$TOPO_DIR/stats.json"; }
seg0_idx=$(ip -n "$(topo_ns lb1)" -j link show seg0 | jq '.[0].ifindex')
old_mac=$(lb_mac)
new_mac=02:6b:65:65:6c:b1
check "n: the MAC guard holds seg0's MAC $old_mac ($(map_mac keel_if_mac "$(u32_bytes "$seg0_idx")" 0))" \
	eq "$(map_mac keel_if_mac "$(u32_bytes "$seg0_idx")" 0)" "$old_mac"
status
rs1_id=$(rf "$S1" "$RS1" .id)
check "n: rs1's data-plane entry has seg0's MAC as its source ($(map_mac keel_reals "$(u32_bytes "$rs1_id")" 6))" \
	eq "$(map_mac keel_reals "$(u32_bytes "$rs1_id")" 6)" "$old_mac"
check "n: 100 connections held on S1" hold_start n-held "$VIP1" 100
# Announced as a real host would (gratuitous ARP), so the router follows.
topo_nsx lb1 sysctl -qw net.ipv4.conf.seg0.arp_notify=1 >/dev/null
t=$(ms)
ip -n "$(topo_ns lb1)" link set dev seg0 address "$new_mac"
topo_wait_file "$LOG" "interface seg0: MAC $old_mac -> $new_mac" 3
echo "# seg0: $old_mac -> $new_mac; lbd: $(grep 'interface seg0: MAC' "$LOG" | tail -n 1)"
check "n: lbd logged the change" grep -q "interface seg0: MAC $old_mac -> $new_mac" "$LOG"
guard_new() { [ "$(map_mac keel_if_mac "$(u32_bytes "$seg0_idx")" 0)" = "$new_mac" ]; }
t_guard=$(wait_for 3 guard_new)
check "n: the MAC guard holds the new MAC (${t_guard} ms after the change)" guard_new
# From here on (frames in flight during the change may have passed).
stats
tx0=$(cnt verdict_tx)
nm0=$(cnt pass_not_our_mac)
src_new() { [ "$(map_mac keel_reals "$(u32_bytes "$rs1_id")" 6)" = "$new_mac" ]; }
t_src=$(wait_for 5 src_new)
check "n: rs1's data-plane entry has the new source MAC (${t_src} ms after the change)" src_new
metrics
check "n: metrics: keel_interface_mac_changes_total 1" \
	grep -q '^keel_interface_mac_changes_total 1$' "$TOPO_DIR/metrics.txt"
burst n-new "$VIP1" 300
check "n: 300 new connections to $VIP1 after the change all answered ($(field "$TOPO_DIR/n-new.out" 1 ok))" burst_ok n-new 300
hold_check n-held
check "n: the 100 held connections: 100 ok, 0 failed, 0 moved" held_ok n-held 100
stats
echo "# LB counters after the change: verdict_tx +$(($(cnt verdict_tx) - tx0)), pass_not_our_mac +$(($(cnt pass_not_our_mac) - nm0)) ($(($(ms) - t)) ms)"
check "n: the VIP's frames were balanced after the change (verdict_tx +$(($(cnt verdict_tx) - tx0)) >= 600)" \
	test "$(($(cnt verdict_tx) - tx0))" -ge 600
check "n: ... none passed to the kernel as not ours (pass_not_our_mac +$(($(cnt pass_not_our_mac) - nm0)))" \
	eq "$(($(cnt pass_not_our_mac) - nm0))" 0

# --- the end: shutdown --unload ------------------------------------------------------------
echo "# --- lbctl shutdown --unload"
check "lbctl shutdown --unload: lbd exits" topo_lbd_stop 1 --unload
check "... with status 0 ($TOPO_LBD_RC)" eq "$TOPO_LBD_RC" 0
check "... the program is detached from seg0" not_attached
# lbd runs as $TOPO_USER by then: it removes the pins, not their directory
# (its parent is root's).
pins_gone() { [ ! -e "$PIN" ] || [ -z "$(ls -A "$PIN")" ]; }
check "... and the pins are gone ($PIN: $(ls -A "$PIN" 2>&1 | tr '\n' ' '))" pins_gone
# --- l. control roles: a read-only group and an admin group ---------------------
# The socket in a directory of its own, which lbd makes 0750 with the read
# group (every operator must reach it); uid 1 (daemon) as the operator,
# with the groups of each row (setpriv).
echo "# --- l. control socket roles (read group users, admin group adm)"
sed -i "s|^  socket: .*|  socket: $TOPO_DIR/lb1.ctl/ctl.sock\\n  group: adm\\n  read_group: users|" "$CFG"
topo_lbd_sock() { printf '%s/lb%d.ctl/ctl.sock' "$TOPO_DIR" "$1"; }
SOCK=$(topo_lbd_sock 1)
check "l: lbd starts with the roles" topo_lbd_start 1
check "l: the socket's directory is made 0750, $TOPO_USER, group users ($(stat -c '%a %U %G' "${SOCK%/*}"))" \
	eq "$(stat -c '%a %U %G' "${SOCK%/*}")" "750 $TOPO_USER users"
check "l: the socket: 0660, group users ($(stat -c '%a %G' "$SOCK"))" \
	eq "$(stat -c '%a %G' "$SOCK")" "660 users"
as_op() { # GROUPS LBCTL-ARGS...: lbctl as uid 1 with those groups
	local g=--clear-groups
	[ -n "$1" ] && g=--groups=$1
	shift
	setpriv --reuid=1 --regid=1 "$g" \
		"$LBCTL" --socket "$SOCK" "$@" >"$TOPO_DIR/l.out" 2>"$TOPO_DIR/l.err"
}
as_op users status
check "l: the read group may ask status (exit $?)" eq "$?" 0
as_op users real drain "$S1" "$RS1"
rc=$?
echo "# l: real drain from the read group: exit $rc: $(cat "$TOPO_DIR/l.err")"
check "l: ... not drain: exit 1" eq "$rc" 1
check "l: ... 'permission denied: real drain needs the admin group 'adm''" \
	grep -qx "lbctl: permission denied: real drain needs the admin group 'adm'" "$TOPO_DIR/l.err"
status
check "l: ... and rs1 is not drained" eq "$(rf "$S1" "$RS1" .admin.drain)" false
check "l: lbd logged the refusal with the peer's uid" \
	grep -q "uid 1 (pid [0-9]*) refused: real drain needs the admin group 'adm'" "$LOG"
as_op users,adm real drain "$S1" "$RS1"
check "l: the admin group (and the read group, for the directory) may drain (exit $?)" eq "$?" 0
as_op users,adm real undrain "$S1" "$RS1"
check "l: ... and undrain (exit $?)" eq "$?" 0
as_op users shutdown
check "l: the read group may not shut lbd down (exit $?)" eq "$?" 1
as_op "" status
rc=$?
echo "# l: status with neither group: exit $rc: $(cat "$TOPO_DIR/l.err")"
check "l: neither group: refused at the socket's directory (exit 1, permission denied)" \
	eq "$rc:$(grep -c '^lbctl: permission denied: ' "$TOPO_DIR/l.err")" "1:1"
check "l: root is admin: lbctl shutdown" topo_lbctl 1 shutdown
check "l: ... lbd exits" topo_lbd_stop 1
check "l: ... and the socket is removed (lbd's user owns its directory)" test ! -e "$SOCK"

warn=$(grep -cE ' (err|crit|alert|emerg):' "$LOG")
echo "# lbd log: $(wc -l <"$LOG") lines, $warn at error severity"
grep -E ' (err|crit|alert|emerg):' "$LOG" | sed 's/^/#   /'

echo "lbd: $passed passed, $failed failed"
[ "$failed" = 0 ]
