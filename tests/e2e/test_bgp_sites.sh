#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Two sites behind one BIRD 2 router, each announcing the same VIP with
# bgp-announcer gated by its own lbd (health gating, docs/bgp-announcer.md):
#
#   ra (keel-echo :80) --seg0-- A (lbd, announcer AS 65001) --aR/rA-- R (BIRD,
#   rb (keel-echo :80) --seg0-- B (lbd, announcer AS 65002) --bR/rB--  AS 65000)
#     10.30.1.11 / 10.30.2.11     10.99.1.2 / 10.99.2.2        10.99.1.1 / .2.1
#
# Each lbd serves 203.0.113.10:80/tcp with one real and TCP health checks
# every 100 ms.  A announces the /32 plainly, B with 2 prepends, so the
# router prefers A.  A's real also has the VIP on lo (VS/DR) and A routes
# the VIP to it, so A's announcer probes the VIP itself (probe: tcp :80,
# the prefix's address).  The router lowers LOCAL_PREF to 0 for routes
# carrying GRACEFUL_SHUTDOWN (65535:0, RFC 8326).  Checks, each on BIRD's
# and the router kernel's choice:
#   - BIRD's best path and the kernel route go to A; B's route is there too;
#   - A's real killed: A withdraws, the route moves to B within 1 s
#     (measured from the kill); restored: A is preferred again;
#   - `lbctl site drain` on A: withdrawn (DISABLED, reason shown); undrain:
#     back; the disable file the same;
#   - the VIP removed from A's real while lbd's check of the real's own
#     address still passes: A's probe fails, A withdraws (fail safe, reason
#     "probe down" in status and `lbctl bgp status`, measured); VIP back:
#     A back;
#   - A reloaded with `disabled: {announce: true, communities:
#     [graceful_shutdown]}` and `disabled_withdraw_after: 1s`: `lbctl site
#     drain` re-announces with (65535,0), BIRD's best path moves to B while
#     A's route stays; A's route is withdrawn 1 s later (measured);
#     undrain: announced again without the community, A preferred;
#   - A's lbd stopped (SIGTERM): A withdraws (fail safe, measured);
#     lbd back: A back;
#   - A's status, `lbctl bgp status` and metrics say what happened;
#   - A's link silenced (tc blackhole both ends) with BFD: the router drops
#     A within 1 s and A's status says "BFD went down"; again without BFD
#     (hold time 3 s): within the hold time;
#   - A stopped (SIGTERM): withdraw plus Cease with the shutdown message in
#     BIRD's `show protocols all`.
#
# Usage: test_bgp_sites.sh BGP_ANNOUNCER LBD LBCTL KEEL_ECHO.  Needs root
# (else 77, skipped), bird2, jq.
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=e2e_lib.sh
. "$HERE/e2e_lib.sh"

BGPA=$(path_arg "${1:-${BGPA:-}}")
LBD=$(path_arg "${2:-${LBD:-}}")
LBCTL=$(path_arg "${3:-${LBCTL:-}}")
KEEL_ECHO=$(path_arg "${4:-${KEEL_ECHO:-}}")
need_root "bgp sites e2e needs root (network namespaces, XDP)"
TOPO_DIR=$(mktemp -d /tmp/keel-bgp-sites.XXXXXX)
chmod 755 "$TOPO_DIR"
D=$TOPO_DIR
for t in bird birdc jq tc; do
	if ! command -v $t >/dev/null; then
		echo "FAIL - $t is missing (scripts/deps.sh installs it)"
		exit 1
	fi
done
for t in "$BGPA" "$LBD" "$LBCTL" "$KEEL_ECHO"; do
	if [ ! -x "$t" ]; then
		echo "FAIL - usage: test_bgp_sites.sh BGP_ANNOUNCER LBD LBCTL KEEL_ECHO ('$t')"
		exit 1
	fi
done

P="kbs-$$-"
NS_R=${P}r NS_A=${P}a NS_B=${P}b NS_RA=${P}ra NS_RB=${P}rb
INST_A="kbs-$$-a" INST_B="kbs-$$-b"
VIP=203.0.113.10
SVC="$VIP:80/tcp"
PIDS=()
declare -A PID=()

cleanup() {
	local rc=$? p s
	trap - EXIT
	for s in A B; do
		[ -n "${PID[lbd$s]:-}" ] &&
			"$LBCTL" --socket "$D/lb$s.d/ctl.sock" --timeout 2 shutdown --unload >/dev/null 2>&1
	done
	for p in "${PIDS[@]}" "${PID[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -f "$D/r.pid" ] && kill -9 "$(cat "$D/r.pid")" 2>/dev/null
	for n in $NS_R $NS_A $NS_B $NS_RA $NS_RB; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	for i in $INST_A $INST_B; do
		[ -d "/sys/fs/bpf/keel/$i" ] && rm -rf -- "/sys/fs/bpf/keel/$i"
	done
	[ "$failed" = 0 ] && [ "$rc" = 0 ] || dump_logs '*.log'
	rm -rf -- "$D"
	[ "$failed" = 0 ] && exit "$rc"
	exit 1
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

nsx() { # NS CMD...: nsenter keeps /sys/fs/bpf (lbd pins its maps there)
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}
birdc_() { birdc -s "$D/r.ctl" "$@"; }
has() { grep -qF -- "$2" <<<"$1" || { echo "#   '$2' not in:"; sed 's/^/#     /' <<<"$1" | head -20; false; }; }
# The router kernel's next hop for the VIP.
via() { ip -n "$NS_R" route get "$VIP" 2>/dev/null | grep -q "via $1 "; }
via_a() { via 10.99.1.2; }
via_b() { via 10.99.2.2; }
no_route() { ! ip -n "$NS_R" route get "$VIP" 2>/dev/null | grep -q via; }
bird_est() { birdc_ show protocols "$1" | grep -q Established; }
bird_has_a() { birdc_ show route for "$VIP" all | grep -q "siteA"; }
bird_lacks_a() { ! bird_has_a; }
# Debian's python3 (scripts/deps.sh) when there: a pyenv shim ahead of it
# in PATH costs about 0.5 s a call, and the checks ask the announcer ~30 times.
PY3=python3
[ -x /usr/bin/python3 ] && PY3=/usr/bin/python3
ctl() { # SOCKET JSON: one request on an announcer's control socket
	"$PY3" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); b = b""
while not b.endswith(b"\n"):
    d = s.recv(65536)
    if not d: break
    b += d
print(b.decode().strip())' "$1" "$2"
}
pfx_a() { # JQ on A's prefix 203.0.113.10/32 in its status
	ctl "$D/bgpA.sock" '{"cmd":"status"}' |
		jq -r ".prefixes[] | select(.prefix == \"$VIP/32\") | $1"
}
pfx_is() { [ "$(pfx_a .state)" = "$1" ]; }
# pfx_in ANSWER JQ: JQ on A's prefix in a status or prefixes answer.
pfx_in() { jq -r ".prefixes[] | select(.prefix == \"$VIP/32\") | $2" <<<"$1"; }
# A's probe state in the prefixes view (up, down, unknown).
pfx_probe_a() { pfx_in "$(ctl "$D/bgpA.sock" '{"cmd":"prefixes"}')" .probe; }
# route_of PROTO: the route from PROTO in `birdc show route all` on stdin.
route_of() { awk -v p="[$1 " '/unicast \[/ { a = index($0, p) > 0 } a'; }
# BIRD's route from A (empty when there is none).
route_a() { birdc_ show route for "$VIP" all | route_of siteA; }
gshut_a() { route_a | grep -qF "BGP.community: (65535,0)"; }
plain_a() { [ -n "$(route_a)" ] && ! gshut_a; } # A's route, no (65535,0)
is() { [ "$1" = "$2" ] || { echo "#   got '$1', expected '$2'"; false; }; }
prefers() { grep -qE "\[$2 [^]]*\] \*" <<<"$1"; } # BIRD-OUTPUT PROTO: primary
between() { [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; } # N LOW HIGH
# lbd A's verdict on its real: "STATE USABLE".
lbd_real_a() {
	"$LBCTL" --socket "$D/lbA.d/ctl.sock" --json --timeout 2 status |
		jq -r ".services[] | select(.service == \"$SVC\") | .reals[] |
			select(.real == \"10.30.1.11\") | \"\\(.state) \\(.usable)\""
}
metrics_a() {
	nsx "$NS_A" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9451 &&
		printf "GET /metrics HTTP/1.0\r\nHost: a\r\n\r\n" >&3 && cat <&3' 2>/dev/null
}
# within SECONDS CMD...: wait_for without its figure (for check).
within() { wait_for "$@" >/dev/null; }
# measure NAME SECONDS CMD...: wait for CMD, print and return the ms.
measure() {
	local name=$1 ms
	shift
	ms=$(wait_for "$@")
	echo "# measured: $name: $ms ms" >&2
	echo "$ms"
}

# --- namespaces ---------------------------------------------------------------
for n in $NS_R $NS_A $NS_B $NS_RA $NS_RB; do
	ip netns add "$n" || exit 1
	ip -n "$n" link set lo up
	# No socket re-hashes its own path (docs: testing notes): a site
	# failover here is the routers' doing alone.
	ip netns exec "$n" sysctl -qw net.core.txrehash=0 2>/dev/null || true
done
link() { # NS1 IF1 ADDR1 NS2 IF2 ADDR2
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3/24" dev "$2" &&
		ip -n "$4" addr add "$6/24" dev "$5" &&
		ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}
link "$NS_R" rA 10.99.1.1 "$NS_A" aR 10.99.1.2 &&
	link "$NS_R" rB 10.99.2.1 "$NS_B" bR 10.99.2.2 &&
	link "$NS_A" seg0 10.30.1.1 "$NS_RA" eth0 10.30.1.11 &&
	link "$NS_B" seg0 10.30.2.1 "$NS_RB" eth0 10.30.2.11 ||
	{ echo "FAIL - building the topology"; exit 1; }
mount | grep -q " /sys/fs/bpf type bpf " || mount -t bpf bpf /sys/fs/bpf

# --- real servers ---------------------------------------------------------------
# A's real holds the VIP on lo as a VS/DR real does, and A routes the VIP to
# it: the path A's announcer probes (a route in A's namespace only; lbd's
# XDP program sees only what arrives on seg0).
ip -n "$NS_RA" addr add "$VIP/32" dev lo &&
	ip -n "$NS_A" route add "$VIP/32" via 10.30.1.11 dev seg0 ||
	{ echo "FAIL - VIP on A's real"; exit 1; }
echo_start() { # SITE NS
	# nsenter execs the program: $! is the program itself.
	nsenter --net="/run/netns/$2" -- "$KEEL_ECHO" server --name "r$1" \
		--port 80 </dev/null >>"$D/echo$1.log" 2>&1 &
	PID[echo$1]=$!
	wait_for 5 grep -q listening "$D/echo$1.log" >/dev/null
}
echo_start A "$NS_RA" && echo_start B "$NS_RB" ||
	{ echo "FAIL - keel-echo did not start"; exit 1; }

# --- lbd on each site -----------------------------------------------------------
lbd_conf() { # SITE INSTANCE REAL
	cat >"$D/lb$1.yaml" <<EOF
instance: $2
user: nobody
interfaces:
  - name: seg0
control:
  socket: $D/lb$1.d/ctl.sock
metrics:
  listen: 127.0.0.1:9450
state_file: $D/lb$1.d/state
services:
  - vip: $VIP
    port: 80
    protocol: tcp
    health: {type: tcp, interval: 100ms, timeout: 100ms, rise: 1, fall: 1}
    reals:
      - address: $3
EOF
}
lbd_start() { # SITE NS
	nsenter --net="/run/netns/$2" -- "$LBD" --config "$D/lb$1.yaml" \
		</dev/null >>"$D/lbd$1.log" 2>&1 &
	PID[lbd$1]=$!
	wait_for 10 "$LBCTL" --socket "$D/lb$1.d/ctl.sock" --timeout 1 status \
		>/dev/null 2>&1
}
lbd_conf A "$INST_A" 10.30.1.11
lbd_conf B "$INST_B" 10.30.2.11
lbd_start A "$NS_A" && lbd_start B "$NS_B" ||
	{ echo "FAIL - lbd did not start"; exit 1; }

# --- BIRD -----------------------------------------------------------------------
cat >"$D/r.conf" <<EOF
router id 10.99.0.1;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; }
protocol bfd { interface "rA" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
# RFC 8326 section 4.2: a route carrying GRACEFUL_SHUTDOWN gets LOCAL_PREF 0
# (BIRD 2 does not do it by itself).
filter gshut {
  if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
  accept;
}
template bgp site {
  local as 65000;
  hold time 3; keepalive time 1; connect retry time 1;
  error wait time 1,5;
  ipv4 { import filter gshut; export none; };
}
protocol bgp siteA from site { neighbor 10.99.1.2 as 65001; bfd on; }
protocol bgp siteB from site { neighbor 10.99.2.2 as 65002; }
EOF
ip netns exec "$NS_R" bird -c "$D/r.conf" -s "$D/r.ctl" -P "$D/r.pid" \
	>"$D/bird.log" 2>&1 || { echo "FAIL - bird did not start"; exit 1; }

# --- announcers -------------------------------------------------------------------
bgpa_conf() { # SITE AS ROUTER-ID PEER PREPEND BFD [PREFIX-KEYS]
	cat >"$D/bgp$1.yaml" <<EOF
local_as: $2
router_id: $3
hold_time: 3
connect_retry: 500ms
shutdown_message: "site $1 maintenance"
user: nobody
control:
  socket: $D/bgp$1.sock
metrics:
  listen: 127.0.0.1:9451
lbd:
  socket: $D/lb$1.d/ctl.sock
disable_file: $D/$1.disable
peers:
  - name: bird
    address: $4
    remote_as: 65000
    local_address: $3
    bfd: $6
    bfd_interval: 100ms
prefixes:
  - prefix: $VIP/32
    prepend: $5
${7:-}
EOF
}
bgpa_start() { # SITE NS
	nsenter --net="/run/netns/$2" -- "$BGPA" --config "$D/bgp$1.yaml" \
		</dev/null >>"$D/bgp$1.log" 2>&1 &
	PID[bgp$1]=$!
}
# A probes the VIP itself (the prefix's address, through its real).
PROBE_A='    probe: {type: tcp, port: 80, interval: 100ms, timeout: 100ms, rise: 1, fall: 1}'
# A planned drain: GRACEFUL_SHUTDOWN first, withdrawn 1 s later.
GSHUT_A='    disabled: {announce: true, communities: [graceful_shutdown]}
    disabled_withdraw_after: 1s'
bgpa_conf A 65001 10.99.1.2 10.99.1.1 0 true "$PROBE_A"
bgpa_conf B 65002 10.99.2.2 10.99.2.1 2 false
check "announcer config A valid" "$BGPA" --check --config "$D/bgpA.yaml"
bgpa_start A "$NS_A"
bgpa_start B "$NS_B"

# ================================================================================
echo "# --- start"
check "BIRD <-> A Established" within 15 bird_est siteA
check "BIRD <-> B Established" within 15 bird_est siteB
check "the router routes $VIP to A" within 10 via_a
# B reaches its first verdict on its own time, maybe after A's.
bird_has_b() { route_of siteB < <(birdc_ show route for "$VIP" all) |
	grep -qF "BGP.as_path: 65002 65002 65002"; }
check "BIRD has B's route too (AS path with 2 prepends)" within 5 bird_has_b
check "BIRD's primary is A's" has "$(birdc_ show route for "$VIP" primary)" "[siteA"
check "A's prefix is up" eq "$(pfx_a .state)" up
check "... with the reason from lbd" has "$(pfx_a .reason)" "$SVC: 1 reals up"
check "... announced to bird" eq "$(pfx_a '.peers | join(",")')" bird
check "A's probe of the VIP is up" is "$(pfx_probe_a)" up

echo "# --- A's real killed"
kill -TERM "${PID[echoA]}"
wait "${PID[echoA]}" 2>/dev/null
ms=$(measure "A's real killed to the route via B" 5 via_b)
check "route moved to B within 1 s ($ms ms)" test "$ms" -lt 1000
check "A's prefix is down" eq "$(pfx_a .state)" down
check "... with the reason" has "$(pfx_a .reason)" "$SVC has 0 of min 1 reals up"
check "... withdrawn" eq "$(pfx_a .announce)" false
check "BIRD has no route from A" bird_lacks_a
check "A logged the change once" eq "$(grep -c "prefix $VIP/32: down, withdrawn" "$D/bgpA.log")" 1
echo_start A "$NS_RA"
ms=$(measure "A's real back to the route via A" 5 via_a)
check "real restored: A preferred again ($ms ms)" via_a

echo "# --- site drain on A"
"$LBCTL" --socket "$D/lbA.d/ctl.sock" site drain --reason "power work" >/dev/null
ms=$(measure "lbctl site drain to the route via B" 5 via_b)
check "site drained: route via B ($ms ms)" via_b
check "A's prefix is disabled" eq "$(pfx_a .state)" disabled
check "... reason: site drained: power work" eq "$(pfx_a .reason)" "site drained: power work"
out=$("$LBCTL" --socket "$D/bgpA.sock" bgp status)
check "lbctl bgp status shows it" has "$out" "site drained: power work"
"$LBCTL" --socket "$D/lbA.d/ctl.sock" site undrain >/dev/null
ms=$(measure "lbctl site undrain to the route via A" 5 via_a)
check "undrained: route via A again ($ms ms)" via_a

echo "# --- disable file on A"
: >"$D/A.disable"
ms=$(measure "disable file to the route via B" 5 via_b)
check "disable file: route via B ($ms ms)" via_b
check "... reason says so" eq "$(pfx_a .reason)" "disable file $D/A.disable exists"
rm -f "$D/A.disable"
check "disable file removed: route via A" within 5 via_a

echo "# --- A's probe fails, lbd's check passes"
# The real loses the VIP (a VS/DR real misconfigured): it still answers on
# its own address, which is what lbd checks, but no longer for the VIP.
n_pd=$(grep -c "prefix $VIP/32: probe down" "$D/bgpA.log")
ip -n "$NS_RA" addr del "$VIP/32" dev lo
ms=$(measure "VIP off A's real (probe fails) to the route via B" 5 via_b)
check "probe down: A withdrew, route via B within 1 s ($ms ms)" test "$ms" -lt 1000
check "... while lbd still has the real up and usable" is "$(lbd_real_a)" "up true"
pr=$(ctl "$D/bgpA.sock" '{"cmd":"prefixes"}')
check "A's prefix: down, withdrawn, fail safe, its probe down" \
	is "$(pfx_in "$pr" '"\(.state) \(.announce) \(.fail_safe) \(.probe)"')" \
	"down false true down"
echo "# A's reason: $(pfx_in "$pr" .reason)"
check "... reason: probe down" has "$(pfx_in "$pr" .reason)" "probe down: "
check "BIRD has no route from A" bird_lacks_a
out=$("$LBCTL" --socket "$D/bgpA.sock" bgp status)
check "lbctl bgp status shows the probe's reason" has "$out" "probe down: "
check "A logged the probe going down (again)" \
	test "$(grep -c "prefix $VIP/32: probe down" "$D/bgpA.log")" -gt "$n_pd"
ip -n "$NS_RA" addr add "$VIP/32" dev lo
ms=$(measure "VIP back on A's real to the route via A" 5 via_a)
check "probe up again: route via A ($ms ms)" via_a
check "... A's probe up" is "$(pfx_probe_a)" up

echo "# --- graceful drain on A (GRACEFUL_SHUTDOWN, then withdraw)"
bgpa_conf A 65001 10.99.1.2 10.99.1.1 0 true "$PROBE_A
$GSHUT_A"
check "announcer config A with graceful_shutdown valid" \
	"$BGPA" --check --config "$D/bgpA.yaml"
r=$(ctl "$D/bgpA.sock" '{"cmd":"reload"}')
check "A reloaded" is "$(jq -r .ok <<<"$r")" true
check "... prefix still up" pfx_is up
check "... route via A" via_a
check "... without (65535,0)" plain_a
t0=$(ms)
"$LBCTL" --socket "$D/lbA.d/ctl.sock" site drain --reason "planned move" >/dev/null
ms=$(measure "lbctl site drain (graceful) to the route via B" 5 via_b)
# BIRD's routes in one read: it must come before the withdraw 1 s later.
r=$(birdc_ show route for "$VIP" all)
echo "# (BIRD's routes read $(($(ms) - t0)) ms after the drain)"
ra=$(route_of siteA <<<"$r")
# Before the withdraw (1 s after the drain at the earliest): LOCAL_PREF 0
# moved it.
check "graceful drain: route via B before A's withdraw ($ms ms)" test "$ms" -lt 1000
check "... A's route still in BIRD, with community (65535,0)" \
	has "$ra" "BGP.community: (65535,0)"
check "... and LOCAL_PREF 0 (the router's RFC 8326 policy)" \
	has "$ra" "BGP.local_pref: 0"
check "... in the same read BIRD's primary is B's" prefers "$r" siteB
check "A logged: disabled, announced (not withdrawn)" grep -qF \
	"prefix $VIP/32: disabled, announced: site drained: planned move" "$D/bgpA.log"
ms=-1
within 3 bird_lacks_a && ms=$(($(ms) - t0))
echo "# measured: lbctl site drain to A's route withdrawn (disabled_withdraw_after 1s): $ms ms" >&2
# At the first poll 1 s after the one that saw the drain (polls every
# 200 ms), plus slack for a loaded machine (seen: 1061-1733 ms).
check "A's route withdrawn 1 s after the drain ($ms ms)" between "$ms" 1000 2500
check "... A's status: disabled, withdrawn after 1000ms" \
	is "$(pfx_a '"\(.state) \(.announce) \(.reason)"')" \
	"disabled false site drained: planned move, withdrawn after 1000ms"
check "... route via B" via_b
"$LBCTL" --socket "$D/lbA.d/ctl.sock" site undrain >/dev/null
ms=$(measure "lbctl site undrain (after graceful) to the route via A" 5 via_a)
check "undrained: route via A again ($ms ms)" via_a
check "... A's route without (65535,0)" plain_a
check "... and LOCAL_PREF 100" has "$(route_a)" "BGP.local_pref: 100"
check "A's prefix is up and announced" is "$(pfx_a '"\(.state) \(.announce)"')" "up true"

echo "# --- A's lbd stopped"
kill -TERM "${PID[lbdA]}"
ms=$(measure "lbd SIGTERM to the route via B" 5 via_b)
wait "${PID[lbdA]}" 2>/dev/null
unset "PID[lbdA]"
check "lbd stopped: A withdrew, route via B ($ms ms)" test "$ms" -lt 1000
check "A's prefix is down (fail safe)" eq "$(pfx_a .state)" down
check "... reason: lbd unreachable" has "$(pfx_a .reason)" "lbd unreachable: connect: "
st=$(ctl "$D/bgpA.sock" '{"cmd":"status"}')
check "status: lbd not ok, with the error" \
	eq "$(jq -r '.lbd.ok, (.lbd.error | startswith("lbd unreachable"))' <<<"$st" | tr '\n' ' ')" "false true "
m=$(metrics_a)
check "metrics: lbd polls failed to connect" \
	grep -qE '^keel_bgp_lbd_polls_total\{result="connect"\} [1-9]' <<<"$m"
check "metrics: lbd down" grep -qx 'keel_bgp_lbd_up 0' <<<"$m"
check "metrics: the prefix not announced" \
	grep -qx "keel_bgp_prefix_announced{prefix=\"$VIP/32\"} 0" <<<"$m"
lbd_start A "$NS_A" || echo "# lbd A did not answer after a restart"
ms=$(measure "lbd back to the route via A" 10 via_a)
check "lbd back: route via A ($ms ms)" via_a
m=$(metrics_a)
check "metrics: bird session established" \
	grep -qx 'keel_bgp_peer_established{peer="bird"} 1' <<<"$m"
check "metrics: prefix up and announced" \
	grep -qx "keel_bgp_prefix_state{prefix=\"$VIP/32\",state=\"up\"} 1" <<<"$m"
check "metrics: messages counted" \
	grep -qE '^keel_bgp_peer_messages_in_total\{peer="bird"\} [1-9]' <<<"$m"
pr=$(ctl "$D/bgpA.sock" '{"cmd":"prefixes"}')
check "prefixes view: health up, no fail safe" \
	eq "$(jq -r '.prefixes[0] | "\(.health) \(.fail_safe)"' <<<"$pr")" "up false"

echo "# --- A's link silenced, BFD"
bfd_up() { birdc_ show bfd sessions | grep 10.99.1.2 | grep -q Up; }
check "BIRD's BFD session to A is Up" within 5 bfd_up
ip -n "$NS_A" link show aR >/dev/null
nsx "$NS_A" tc qdisc add dev aR root blackhole
nsx "$NS_R" tc qdisc add dev rA root blackhole
ms=$(measure "silent link loss (BFD 100 ms x 3) to the route via B" 5 via_b)
check "BFD: the router dropped A within 1 s ($ms ms)" test "$ms" -lt 1000
# A's own BFD session times out too, and its status (a local socket: it
# answers during the blackhole) says why the session ended.
reason_a() {
	"$LBCTL" --socket "$D/bgpA.sock" --json bgp status |
		jq -r '.peers[] | select(.name == "bird") | .last_reason'
}
reason_a_is() { [ "$(reason_a)" = "$1" ]; }
within 2 reason_a_is "BFD went down"
check "A's status: last_reason BFD went down" is "$(reason_a)" "BFD went down"
nsx "$NS_A" tc qdisc del dev aR root
nsx "$NS_R" tc qdisc del dev rA root
check "link back: Established again" within 20 bird_est siteA
check "... route via A" within 5 via_a

echo "# --- A's link silenced, no BFD (hold time 3 s)"
bgpa_conf A 65001 10.99.1.2 10.99.1.1 0 false "$PROBE_A
$GSHUT_A"
kill -HUP "${PID[bgpA]}"
# The peer's settings changed: its session restarts without BFD.
sleep 0.5
check "A re-established without BFD" within 20 bird_est siteA
check "... route via A" within 5 via_a
nsx "$NS_A" tc qdisc add dev aR root blackhole
nsx "$NS_R" tc qdisc add dev rA root blackhole
ms=$(measure "silent link loss (no BFD, hold 3 s) to the route via B" 6 via_b)
# Hold time 3 s after the last KEEPALIVE heard (one every second, so 2 to
# 3 s after the link went silent), plus the router's timer, route install
# and our polling (seen: 2320-3688 ms, the high end on a loaded machine).
check "no BFD: the router dropped A within the hold time ($ms ms)" test "$ms" -le 4000
check "no BFD: ... and not before the hold time could run out" test "$ms" -ge 1900
nsx "$NS_A" tc qdisc del dev aR root
nsx "$NS_R" tc qdisc del dev rA root
check "link back: Established again" within 20 bird_est siteA
check "... route via A" within 5 via_a

echo "# --- A stopped gracefully"
kill -TERM "${PID[bgpA]}"
ms=$(measure "announcer SIGTERM to the route via B" 5 via_b)
check "SIGTERM: route via B ($ms ms)" via_b
wait "${PID[bgpA]}" 2>/dev/null
rc=$?
unset "PID[bgpA]"
check "A exited 0" eq "$rc" 0
pa=$(birdc_ show protocols all siteA)
check "BIRD saw Cease / administrative shutdown" has "$pa" "Administrative shutdown"
check "... with A's message" has "$pa" "site A maintenance"

n=$(cat "$D"/bgp*.log | grep -cE 'AddressSanitizer|runtime error')
check "no sanitizer reports in the announcers' logs" eq "$n" 0
echo "bgp sites e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
