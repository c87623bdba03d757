#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# IPv6 through the LB, end to end, next to IPv4 (scripts/lib/topology.sh,
# lbd mode, TOPO_V6=1): client -> router -> two LBs (lbd) -> reals rs1..rs3
# reached over IPv6 neighbours, the IPv6 VIP 2001:db8:100::10/128 on their lo.
# Services on both LBs:
#   S4  = 203.0.113.10:80/tcp             reals rs1..rs3 (IPv4)
#   S6  = [2001:db8:100::10]:80/tcp       reals rs1..rs3 (IPv6 addresses)
#   U6  = [2001:db8:100::10]:5353/udp     reals rs1..rs3 (IPv6 addresses)
# The router routes the IPv6 VIP through lb1 only until phase e (exact
# counts on one LB), the IPv4 VIP through both (ECMP).
#
#   a. NDP: before lbd starts, lb1 has no neighbour entry for any real's
#      IPv6 address; lbd resolves every IPv6 real itself (its kernel's
#      neighbour table then has each, with the real's MAC), status shows
#      them usable with the reals' MACs, on both LBs.
#   b. N IPv6 TCP connections held through lb1: all answered, spread over
#      rs1..rs3 within 20% of N/3; lb1's conn table holds exactly N
#      entries (walked), every one an IPv6 flow (bpftool: family 6).
#   c. At the same time: 300 IPv4 TCP connections to S4 and 300 IPv6 UDP
#      flows to U6, all answered by rs1..rs3.
#   d. rs4 added (lbctl, both LBs) while the N are held: 300 new IPv6
#      connections all answered, some by rs4; the N held ones all still
#      answered by the real they started on (0 failed, 0 moved); lb1 saw
#      no malformed packet.
#   e. LB failure without pair sync: the IPv6 VIP routed to both LBs
#      (ECMP), M connections opened (both LBs get some), then the route
#      moved to lb2 alone.  Twice: nothing changed before the move, and a
#      real (rs5) added before the move.  Prints `v6 failover: N/M
#      survived` for each; asserts only that it was measured (M opened,
#      spread over both LBs) and that new connections work after the move.
#      The survivors are what Maglev alone keeps (issue 11: pair sync is
#      not wired yet); do not read them as a target.
#   f. Path MTU: the router's link to the client narrowed to 1280 while the
#      client (MTU 1500) offers MSS 1440.  A service [VIP]:8080/tcp on lb2
#      whose reals send 4000 bytes on every connection (python3): the
#      router answers their 1500-byte segments with ICMPv6 Packet Too Big
#      to the VIP, which it routes to lb2; lb2 must send each to the real
#      of the quoted flow (icmp_too_big), or the answers black-hole.  30
#      connections all get their 4000 bytes; lb2 counted icmp_too_big.
#
# Usage: test_dual_stack.sh LBD LBCTL KEEL_ECHO KEEL_XDP (meson passes the
# built ones).  Needs root (exits 77, skipped, otherwise), jq, bpftool and
# python3.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

LBD=$(path_arg "${1:-${LBD:-}}")
LBCTL=$(path_arg "${2:-${LBCTL:-}}")
KEEL_ECHO=$(path_arg "${3:-${KEEL_ECHO:-}}")
KEEL_XDP=$(path_arg "${4:-${KEEL_XDP:-}}")
need_root "dual_stack needs root (network namespaces, XDP)"
for t in jq bpftool python3; do
	command -v "$t" >/dev/null || { echo "SKIP: dual_stack needs $t"; exit 77; }
done

# N = 900: each real's share is Binomial(900, 1/3), sd 14.1: the +-20%
# band is 4.2 sd on each side (as dr_basic).
N=${E2E_CONNS:-900}
NEW=300
M=${E2E_FAILOVER_CONNS:-200}
TOPO_PREFIX="keel-e2e-$$-"
TOPO_INSTANCE="e2e6-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e6-$$.XXXXXX")
TOPO_LBD=1
TOPO_LBD_START=0
TOPO_LBS=2
TOPO_REALS=3
TOPO_V6=1
TOPO_ECHO_ARGS="--udp-port 5353"
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"

VIP6=$TOPO_VIP6
S4="$TOPO_VIP:80/tcp"
S6="[$VIP6]:80/tcp"
U6="[$VIP6]:5353/udp"
SPECS=("$TOPO_VIP:80/tcp=rs1,rs2,rs3" "$VIP6:80/tcp=rs1,rs2,rs3"
	"$VIP6:5353/udp=rs1,rs2,rs3")

declare -A hold_pid=()
bg_pids=()

cleanup() {
	local rc=$? p
	trap - EXIT
	for p in "${hold_pid[@]}" "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
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

between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# gate PHASE: stop at the first failed phase (the next ones build on it,
# and with no IPv6 path each would only wait out its clients' timeouts).
gate() {
	[ "$failed" = 0 ] && return 0
	echo "# stopping after phase $1: $failed failed"
	echo "dual_stack: $passed passed, $failed failed"
	exit 1
}
rs_mac() { ip -n "$(topo_ns "rs$1")" link show eth0 | awk '/link\/ether/ { print $2 }'; }
# lb_neigh6 LB ADDR: the MAC of LB's kernel neighbour entry for ADDR ("").
lb_neigh6() {
	ip -n "$(topo_ns "lb$1")" -6 neigh show "$2" dev seg0 |
		awk '$2 == "lladdr" { print $3 }'
}
# conns LB: lb's conn table entries (walked).
conns() { topo_xdp "$1" conn count | awk '{ print $2 }'; }
# conn_families LB: "FAMILY COUNT" per address family of lb's conn table
# keys (struct keel_flow: family is byte 37; KEEL_F_INET6 = 6).
conn_families() {
	bpftool -j map dump pinned "$TOPO_BPFFS/keel/$(topo_instance "$1")/keel_conn" |
		jq -r '[.[] | (.key[37] // .formatted.key.family // "?") | tostring |
			ltrimstr("0x") | tonumber? // .] | group_by(.) |
			map("\(.[0]) \(length)") | .[]'
}
# lb_stat LB NAME: a global counter of LB's data plane.
lb_stat() { topo_xdp "$1" stats | awk -v k="$2" '$1 == k { print $2 }'; }
# usable SVC ADDR...: on LB (default 1), every ADDR usable in SVC.
usable_all() {
	local svc=$1 a
	shift
	status || return 1
	for a in "$@"; do
		[ "$(rf "$svc" "$a" .usable)" = true ] || return 1
	done
}

# ================================================================================
t=$(ms)
if ! topo_up; then
	echo "FAIL - building the topology"
	exit 1
fi
# The IPv6 VIP through lb1 only until phase e.
topo_route6 1 || exit 1
echo "# topology up in $(($(ms) - t)) ms (prefix $TOPO_PREFIX, dual stack, 2 LBs, 3 reals)"

# --- a. NDP -----------------------------------------------------------------------
echo "# --- a. lbd resolves the IPv6 reals (NDP) by itself"
before=0
for i in 1 2 3; do
	[ -n "$(lb_neigh6 1 "$(topo_rs_addr6 $i)")" ] && before=$((before + 1))
done
check "a: lb1 has no neighbour entry for any real's IPv6 address before lbd ($before)" \
	eq "$before" 0
for n in 1 2; do
	if ! topo_lbd_config "$n" "${SPECS[@]}" || ! topo_lbd_start "$n"; then
		echo "FAIL - lbd on lb$n did not start"
		exit 1
	fi
done
all_ok='[.services[].reals[] | .usable and .mac_resolved] | length == 9 and all'
for n in 1 2; do
	t_res=$(LB=$n wait_status "$all_ok" 5)
	check "a: lb$n: all 9 reals (3 services x rs1..rs3) usable with a MAC (${t_res} ms)" \
		eq "$(jq -r "$all_ok" "$TOPO_DIR/status.json")" true
	for i in 1 2 3; do
		a6=$(topo_rs_addr6 $i)
		mac=$(rs_mac $i)
		check "a: lb$n $S6 $a6: MAC $(rf "$S6" "$a6" .mac) is rs$i's eth0 ($mac)" \
			eq "$(rf "$S6" "$a6" .mac)" "$mac"
	done
done
for i in 1 2 3; do
	a6=$(topo_rs_addr6 $i)
	check "a: lb1's kernel resolved $a6 by NDP, rs$i's MAC ($(lb_neigh6 1 "$a6"))" \
		eq "$(lb_neigh6 1 "$a6")" "$(rs_mac $i)"
done

gate a

# --- b. N IPv6 connections held ------------------------------------------------
echo "# --- b. $N IPv6 TCP connections through lb1"
hold_start v6 "$VIP6" "$N" || exit 1
f="$TOPO_DIR/v6.out"
lo=$(((8 * N + 29) / 30))
hi=$((12 * N / 30))
check "b: all $N IPv6 connections answered ($(field "$f" 1 ok) ok)" eq "$(field "$f" 1 ok)" "$N"
for s in rs1 rs2 rs3; do
	check "b: $s has $(count "$f" 1 $s), within $lo..$hi" between "$(count "$f" 1 $s)" "$lo" "$hi"
done
c1=$(conns 1)
fams=$(conn_families 1 | tr '\n' ',')
echo "# lb1 conn table: $c1 entries; by family: $fams"
check "b: lb1's conn table holds exactly the $N IPv6 flows ($c1)" eq "$c1" "$N"
check "b: every conn table entry of lb1 is an IPv6 flow (family 6: $fams)" eq "$fams" "6 $N,"
check "b: lb2 saw none of them ($(conns 2) entries)" eq "$(conns 2)" 0

gate b

# --- c. IPv4 and IPv6 UDP at the same time --------------------------------------
echo "# --- c. IPv4 TCP and IPv6 UDP while the $N are held"
burst v4 "$TOPO_VIP" 300
check "c: 300 IPv4 connections to $S4 answered ($(field "$TOPO_DIR/v4.out" 1 ok))" burst_ok v4 300
check "c: IPv4 answered by rs1 rs2 rs3 ($(shares "$TOPO_DIR/v4.out" 1))" \
	eq "$(awk '$1 == "server" { print $3 }' "$TOPO_DIR/v4.out" | sort | tr '\n' ' ')" "rs1 rs2 rs3 "
client --connect "$VIP6" --port 5353 --udp --count 300 --parallel 32 --timeout-ms 5000 \
	>"$TOPO_DIR/u6.out" 2>"$TOPO_DIR/u6.err"
echo "# u6: 300 UDP flows to $U6: $(grep '^round 1' "$TOPO_DIR/u6.out") ($(shares "$TOPO_DIR/u6.out" 1))"
check "c: 300 IPv6 UDP flows to $U6 answered ($(field "$TOPO_DIR/u6.out" 1 ok))" \
	eq "$(field "$TOPO_DIR/u6.out" 1 ok)" 300
check "c: IPv6 UDP answered by rs1 rs2 rs3 ($(shares "$TOPO_DIR/u6.out" 1))" \
	eq "$(awk '$1 == "server" { print $3 }' "$TOPO_DIR/u6.out" | sort | tr '\n' ' ')" "rs1 rs2 rs3 "

gate c

# --- d. rs4 added while the N are held ----------------------------------------------
echo "# --- d. rs4 added to $S6 on both LBs"
check "d: rs4 (a new namespace, IPv6 VIP on lo) is up" topo_real_add 4
for n in 1 2; do
	check "d: lbctl real add $S6 $(topo_rs_addr6 4) on lb$n" \
		topo_lbctl "$n" real add "$S6" "$(topo_rs_addr6 4)" >/dev/null
	t_rs4=$(LB=$n wait_for 5 usable_all "$S6" "$(topo_rs_addr6 4)")
	check "d: lb$n: rs4 usable in $S6 (${t_rs4} ms)" eq "$(LB=$n rf "$S6" "$(topo_rs_addr6 4)" .usable)" true
done
burst new6 "$VIP6" "$NEW"
check "d: $NEW new IPv6 connections answered" burst_ok new6 "$NEW"
check "d: rs4 answered some ($(count "$TOPO_DIR/new6.out" 1 rs4))" \
	ge "$(count "$TOPO_DIR/new6.out" 1 rs4)" 1
hold_check v6
check "d: the $N held IPv6 connections: all answered, 0 failed, 0 moved, same shares" held_ok v6 "$N"
check "d: lb1 dropped no malformed packet ($(lb_stat 1 drop_malformed))" eq "$(lb_stat 1 drop_malformed)" 0
rec=$(lb_stat 1 flow_recorded)
check "d: lb1 recorded a flow per IPv6 TCP connection ($rec >= $((N + NEW)))" ge "$rec" $((N + NEW))

gate d

# --- e. one LB fails, no pair sync ------------------------------------------------------
# failover NAME WHAT [CHANGE-CMD...]: M held through both LBs, CHANGE-CMD,
# the route moved to lb2, the survivors counted; then new connections.
failover() {
	local name=$1 what=$2 c1 c2 ok
	shift 2
	topo_route6 1 2 || return 1
	c1=$(conns 1)
	c2=$(conns 2)
	hold_start "$name" "$VIP6" "$M" || return 1
	c1=$(($(conns 1) - c1))
	c2=$(($(conns 2) - c2))
	echo "# $name: $M opened: lb1 recorded $c1, lb2 $c2"
	check "e/$name: $M IPv6 connections opened through both LBs ($(field "$TOPO_DIR/$name.out" 1 ok) ok)" \
		eq "$(field "$TOPO_DIR/$name.out" 1 ok)" "$M"
	check "e/$name: both LBs carry some (lb1 $c1, lb2 $c2; sum $((c1 + c2)) == $M)" \
		eval '[ "$c1" -gt 0 ] && [ "$c2" -gt 0 ] && [ $((c1 + c2)) = "$M" ]'
	gate "e/$name"
	if [ $# -gt 0 ]; then
		"$@" || { echo "FAIL - e/$name: $*"; return 1; }
	fi
	# lb1 "fails": its route is withdrawn, the router sends all to lb2.
	topo_route6 2 || return 1
	hold_check "$name"
	ok=$(field "$TOPO_DIR/$name.out" 2 ok)
	echo "v6 failover ($what): $ok/$M survived"
	check "e/$name: measured: 0 <= $ok <= $M survivors" between "$ok" 0 "$M"
	burst "$name-new" "$VIP6" "$NEW"
	check "e/$name: $NEW new IPv6 connections through lb2 alone answered" burst_ok "$name-new" "$NEW"
}
add_rs5() {
	local n
	topo_real_add 5 || return 1
	for n in 1 2; do
		topo_lbctl "$n" real add "$S6" "$(topo_rs_addr6 5)" >/dev/null &&
			LB=$n wait_for 5 usable_all "$S6" "$(topo_rs_addr6 5)" >/dev/null ||
			return 1
	done
}
echo "# --- e. LB failure (route moved to lb2), no pair sync"
failover fo1 "nothing changed" || exit 1
failover fo2 "a real added before" add_rs5 || exit 1

gate e

# --- f. ICMPv6 Packet Too Big through the LB ---------------------------------------
echo "# --- f. path MTU: ICMPv6 Packet Too Big for the VIP reaches the real"
# bulk_server N: on real N, [::]:8080 sends "rsN " and 4000 bytes in all
# to each connection, then closes (killed by topo_down).
bulk_server() {
	setsid nsenter --net="/run/netns/$(topo_ns "rs$1")" -- python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8080)); s.listen(64)
print("listening", flush=True)
body = (sys.argv[1] + " ").encode().ljust(4000, b"x")
while True:
    c, _ = s.accept()
    c.sendall(body); c.close()
' "rs$1" </dev/null >"$TOPO_DIR/bulk$1.log" 2>&1 &
	topo_wait_file "$TOPO_DIR/bulk$1.log" listening 10
}
# bulk_client N: N connections to [VIP]:8080 one after the other, each read
# to EOF within 3 s (a black hole stalls a read), 40 s for all; prints "ok K
# short S" (S: the connections short of 4000 bytes or not tried) and the
# names seen.
bulk_client() {
	topo_nsx cl timeout 60 python3 -c '
import socket, sys, time
ok = short = 0; names = {}; end = time.monotonic() + 40
for i in range(int(sys.argv[2])):
    if time.monotonic() > end:
        short += int(sys.argv[2]) - i; break
    try:
        c = socket.create_connection((sys.argv[1], 8080), timeout=3)
        got = b""
        while True:
            b = c.recv(65536)
            if not b: break
            got += b
        c.close()
    except OSError as e:
        got = b""
        print("error", e, file=sys.stderr)
    if len(got) == 4000:
        ok += 1; n = got.split(b" ")[0].decode(); names[n] = names.get(n, 0) + 1
    else:
        short += 1
print("ok", ok, "short", short, " ".join("%s=%d" % kv for kv in sorted(names.items())))
' "$VIP6" "$1"
}
PB="[$VIP6]:8080/tcp"
for i in 1 2 3; do
	check "f: rs$i serves 4000 bytes on [::]:8080" bulk_server "$i"
done
topo_lbctl 2 service add "$PB" >/dev/null &&
	for i in 1 2 3; do topo_lbctl 2 real add "$PB" "$(topo_rs_addr6 $i)" >/dev/null || break; done
check "f: lb2: $PB with rs1..rs3 usable" \
	eq "$(LB=2 wait_for 5 usable_all "$PB" "$(topo_rs_addr6 1)" "$(topo_rs_addr6 2)" "$(topo_rs_addr6 3)" >/dev/null && echo yes)" yes
# The narrow link, and no ICMPv6 rate limit on the router (one Packet Too
# Big per real is all it takes; a rate-limited one would only be slower).
ip -n "$(topo_ns rt)" link set eth-cl mtu 1280
topo_nsx rt sysctl -qw net.ipv6.icmp.ratelimit=0 >/dev/null
tb0=$(lb_stat 2 icmp_too_big)
out=$(bulk_client 30 2>"$TOPO_DIR/bulk.err")
tb=$(($(lb_stat 2 icmp_too_big) - tb0))
echo "# bulk: 30 connections, 4000 bytes each, through a 1280-byte link: $out; lb2 icmp_too_big +$tb"
check "f: all 30 got their 4000 bytes through the 1280-byte link ($out)" eq "${out%% short*}" "ok 30"
check "f: lb2 sent ICMPv6 Packet Too Big to the reals (icmp_too_big +$tb)" ge "$tb" 1

echo "dual_stack: $passed passed, $failed failed"
[ "$failed" = 0 ]
