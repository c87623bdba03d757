#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# End-to-end BFD (bgp-announcer/bfd_io.c) against BIRD 2, single-hop, in two
# network namespaces joined by one veth pair:
#
#   rt (BIRD: protocol bfd, static routes with `bfd`)  rA --- a0  an (bfd-peer)
#      10.99.1.1/24  fd00:99:1::1/64                          10.99.1.2  ::2
#
# BIRD only opens a BFD session when a protocol asks for one; a static route
# whose next hop has `bfd` does, without any BGP.  One bfd-peer per family.
#
#   a. both sessions come Up on both sides (bfd-peer's output, `birdc show
#      bfd sessions`), so each side sends with TTL 255 (both drop anything
#      else, RFC 5881 section 5); the IPv6 bfd-peer runs as nobody with no
#      capabilities (nothing in bfd_io needs privilege);
#   b. silent link loss (tc blackhole on both ends): our side goes Down with
#      diag 1 (detection time expired) within the detection time, 100 ms x
#      3 (measured and printed; the test fails past 1 s);
#   c. link restored: Up again on both sides (time printed);
#   d. bfd-peer stopped (SIGTERM): it sends AdminDown; BIRD goes Down with
#      diag 3 (neighbor signaled session down), not 1 (a failure).  The
#      diag is read from the packets BIRD sends afterwards.
#
# Usage: test_bfd_bird.sh BFD_PEER (meson passes the built one).  Needs root
# and BIRD 2 (exits 77, skipped, otherwise).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$here/e2e_lib.sh"

BFD_PEER=$(path_arg "${1:-${BFD_PEER:-}}")
need_root "BFD e2e needs root (network namespaces)"
for t in bird birdc python3 tc; do
	if ! command -v "$t" >/dev/null; then
		echo "SKIP: $t is missing (scripts/deps.sh installs bird2)"
		exit 77
	fi
done
if [ ! -x "$BFD_PEER" ]; then
	echo "FAIL - bfd-peer not executable: '$BFD_PEER' (build first)"
	exit 1
fi

TOPO_PREFIX="keel-bfd-$$-"
TOPO_INSTANCE="bfd-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e-bfd-$$.XXXXXX")
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"

R4=10.99.1.1
A4=10.99.1.2
R6=fd00:99:1::1
A6=fd00:99:1::2
TX_MS=100
MULT=3
CTL="$TOPO_DIR/bird.ctl"

cleanup() {
	local rc=$?
	[ -f "$TOPO_DIR/bird.pid" ] && kill "$(cat "$TOPO_DIR/bird.pid")" 2>/dev/null
	topo_down >/dev/null 2>&1 || echo "warning: cleanup left something behind"
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

birdc_r() { topo_nsx rt birdc -s "$CTL" "$@"; }

# bird_state ADDR: BIRD's state of its session to ADDR ("" when none).
bird_state() {
	birdc_r show bfd sessions 2>/dev/null | awk -v a="$1" '$1 == a { print $3 }'
}

# wait_bird ADDR STATE SECONDS
wait_bird() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(bird_state "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_line FILE PATTERN SECONDS: like topo_wait_file, 20 polls a second.
wait_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_after FILE N PATTERN SECONDS: PATTERN in a line after line N.
wait_after() {
	local i
	for ((i = 0; i < $4 * 20; i++)); do
		tail -n +"$(($2 + 1))" "$1" 2>/dev/null | grep -q -- "$3" && return 0
		sleep 0.05
	done
	return 1
}

# ms_between T0 T1 (seconds with fractions) -> whole milliseconds
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# The time stamp of the first line of FILE after line N matching PATTERN.
stamp_after() {
	tail -n +"$(($2 + 1))" "$1" | grep -m1 -- "$3" | awk '{ print $1 }'
}

# --- topology
topo_ns_add rt && topo_ns_add an && topo_link rt rA an a0 || exit 1
topo_do ip -n "$(topo_ns rt)" addr add "$R4/24" dev rA &&
	topo_do ip -n "$(topo_ns rt)" addr add "$R6/64" dev rA nodad &&
	topo_do ip -n "$(topo_ns an)" addr add "$A4/24" dev a0 &&
	topo_do ip -n "$(topo_ns an)" addr add "$A6/64" dev a0 nodad || exit 1

cat >"$TOPO_DIR/bird.conf" <<EOF
router id $R4;
log "$TOPO_DIR/bird.log" all;
protocol device { scan time 10; }
protocol bfd {
	interface "rA" { min rx interval $TX_MS ms; min tx interval $TX_MS ms; multiplier $MULT; };
}
protocol static s4 { ipv4; route 192.0.2.0/24 via $A4 bfd; }
protocol static s6 { ipv6; route 2001:db8:99::/48 via $A6 bfd; }
EOF
topo_nsx rt bird -c "$TOPO_DIR/bird.conf" -s "$CTL" -P "$TOPO_DIR/bird.pid" ||
	{ echo "FAIL - BIRD did not start"; exit 1; }

# nsenter execs bfd-peer (through setpriv for USER...): $! is its pid.
start_peer() { # start_peer NAME PEER LOCAL [USER]
	local as=()
	[ -n "${4:-}" ] && as=(setpriv --reuid="$4" --regid="$(id -g "$4")" \
		--clear-groups --inh-caps=-all --bounding-set=-all)
	nsenter --net="/run/netns/$(topo_ns an)" -- "${as[@]}" "$BFD_PEER" "$2" -l "$3" \
		-i a0 -t "$TX_MS" -r "$TX_MS" -m "$MULT" \
		>"$TOPO_DIR/$1.out" 2>"$TOPO_DIR/$1.err" &
	echo $! >"$TOPO_DIR/$1.pid"
}
start_peer peer4 "$R4" "$A4"
# Port 3784, TTL 255, TOS and SO_BINDTODEVICE need no privilege: the
# IPv6 peer runs as nobody with no capabilities at all.
start_peer peer6 "$R6" "$A6" nobody

# --- a. Up on both sides
check "peer4 started" wait_line "$TOPO_DIR/peer4.out" '^ready' 5
check "peer6 started as nobody, no capabilities" wait_line "$TOPO_DIR/peer6.out" '^ready' 5
check "IPv4: bfd-peer Init -> Up" wait_line "$TOPO_DIR/peer4.out" ' -> Up ' 10
check "IPv6: bfd-peer Init -> Up" wait_line "$TOPO_DIR/peer6.out" ' -> Up ' 10
check "IPv4: BIRD's session Up" wait_bird "$A4" Up 5
check "IPv6: BIRD's session Up" wait_bird "$A6" Up 5
birdc_r show bfd sessions | sed 's/^/    /'
# BIRD's static route follows its BFD session.
route_via() { birdc_r show route for "$1" | grep -q "via $2"; }
check "BIRD's static route is usable once BFD is Up" route_via 192.0.2.1 "$A4"
# Poll Sequence done: stays Up for a second at 100 ms (10 x 3 packets).
sleep 1
check "IPv4: still Up a second later (after the Poll Sequence)" \
	test "$(bird_state "$A4")" = Up
check "IPv4: no flap on our side" \
	test "$(grep -c ' -> Down' "$TOPO_DIR/peer4.out")" = 0

# --- b. silent link loss
lines=$(wc -l <"$TOPO_DIR/peer4.out")
t0=$(date +%s.%N)
topo_do tc -n "$(topo_ns an)" qdisc add dev a0 root blackhole
topo_do tc -n "$(topo_ns rt)" qdisc add dev rA root blackhole
check "link loss: our session goes Down (diag 1, detection time expired)" \
	wait_line "$TOPO_DIR/peer4.out" 'Up -> Down diag=1 ' 3
t1=$(stamp_after "$TOPO_DIR/peer4.out" "$lines" 'Up -> Down')
if [ -n "$t1" ]; then
	ms=$(ms_between "$t0" "$t1")
	echo "    detected in $ms ms (detection time $((TX_MS * MULT)) ms)"
	check "link loss detected within 1 s" test "$ms" -lt 1000
fi
check "link loss: IPv6 session Down too" \
	wait_line "$TOPO_DIR/peer6.out" 'Up -> Down diag=1 ' 3
check "link loss: BIRD's session Down" wait_bird "$A4" Down 3
check "link loss: BIRD withdrew its static route" \
	bash -c "! birdc -s '$CTL' show route for 192.0.2.1 | grep -q 'via $A4'"

# --- c. link restored
lines=$(wc -l <"$TOPO_DIR/peer4.out")
t0=$(date +%s.%N)
topo_do tc -n "$(topo_ns an)" qdisc del dev a0 root
topo_do tc -n "$(topo_ns rt)" qdisc del dev rA root
check "restored: our session Up again" \
	wait_after "$TOPO_DIR/peer4.out" "$lines" ' -> Up ' 10
t1=$(stamp_after "$TOPO_DIR/peer4.out" "$lines" ' -> Up ')
[ -n "$t1" ] && echo "    Up again after $(ms_between "$t0" "$t1") ms (BIRD sends at 1 s while Down)"
check "restored: BIRD's session Up again" wait_bird "$A4" Up 5
check "restored: IPv6 Up again" wait_bird "$A6" Up 10

# --- d. graceful stop: AdminDown
# Listen where bfd-peer listened, to read the diag of BIRD's next packets.
cat >"$TOPO_DIR/listen.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 3784))
s.settimeout(5)
d, a = s.recvfrom(256)
print("state=%d diag=%d" % (d[1] >> 6, d[0] & 0x1f))
EOF
kill -TERM "$(cat "$TOPO_DIR/peer4.pid")"
t0=$(date +%s.%N)
check "stop: bfd-peer exits cleanly" wait_line "$TOPO_DIR/peer4.out" '^stopped' 3
# Its exit status (a sanitizer build fails it on a leak or an error).
peer_rc() { wait "$(cat "$TOPO_DIR/peer4.pid")"; }
check "stop: bfd-peer exit status 0" peer_rc
check "stop: BIRD's session Down" wait_bird "$A4" Down 2
t1=$(date +%s.%N)
echo "    BIRD saw Down after at most $(ms_between "$t0" "$t1") ms"
topo_nsx an python3 "$TOPO_DIR/listen.py" "$A4" >"$TOPO_DIR/listen.out" 2>&1
sed 's/^/    BIRD now sends: /' "$TOPO_DIR/listen.out"
check "stop: BIRD's diag is 3 (neighbor signaled down), not 1 (failure)" \
	grep -q 'state=1 diag=3' "$TOPO_DIR/listen.out"
check "stop: the IPv6 session is untouched" test "$(bird_state "$A6")" = Up

echo "--- bfd-peer (IPv4)"
sed 's/^/    /' "$TOPO_DIR/peer4.out"
if [ "$failed" -ne 0 ]; then
	dump_logs '*.err' 'bird.log' '*.out'
fi
echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
