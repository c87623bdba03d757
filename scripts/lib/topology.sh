# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A keel site in network namespaces, shared by scripts/lab.sh and the
# end-to-end tests (source it; it runs nothing by itself).
#
#   client (cl) --- router (rt) --- L2 segment: bridge br0 in its own
#   10.10.0.2       10.10.0.1       "switch" namespace (sw)
#                   10.20.0.1          |-- lb1 10.20.0.2  (lb2 10.20.0.3 ...)
#                                      |-- rs1 10.20.0.11, rs2 .12, rs3 .13 ...
#
# The router routes the VIP to the LBs (one nexthop per LB: ECMP once there
# are two); each LB runs the keel XDP program on its segment interface and
# sends VIP packets to a real by rewriting the destination MAC (VS/DR).
# The reals hold the VIP on lo (arp_ignore=1, arp_announce=2), run
# keel-echo, and answer the client directly through the router.
#
# Every namespace is created empty and the veth pairs are created directly
# inside them (ip -n A link add ... peer ... netns B): nothing is ever
# configured in the root namespace.  Processes are started inside the
# namespaces with nsenter --net (not ip netns exec, which remounts /sys and
# hides the bpffs that keel pins its maps in).
#
# The caller sets, before calling topo_up:
#   TOPO_PREFIX    namespace name prefix, unique per run ("keel-lab-",
#                  "keel-e2e-$$-"); ends with "-"
#   TOPO_INSTANCE  instance base (bpffs pins); LB n uses "$TOPO_INSTANCE-lbn"
#   TOPO_DIR       directory for logs, and in lbd mode for each LB's config,
#                  control socket and state file (created)
#   KEEL_XDP       path of keel-xdp (always: it puts the XDP_PASS program on
#                  the switch ports);  KEEL_ECHO  path of keel-echo
# Optional: TOPO_LBS (number of LBs, default 1), TOPO_REALS (default 3),
#   TOPO_RS_NET (static: topo_real_add puts the VIPs on lo and sets the ARP
#   sysctls itself; agent: it leaves that to rs-agent, see topo_agent_*),
#   TOPO_LBD_TOP (YAML appended at the top level of every LB config, e.g.
#   an agents: section), TOPO_LBD_SVC (YAML appended to every service, e.g.
#   "    health: {type: agent}"),
#   TOPO_VIP (203.0.113.10), TOPO_PORT (80), TOPO_CONN_TABLE (65536),
#   TOPO_ECHO_ARGS (more arguments of the reals' keel-echo server, e.g.
#   "--udp-port 5353"),
#   TOPO_LBD_NOFILE (unset; SOFT:HARD descriptor limits lbd starts with),
#   TOPO_USER (nobody: the user lbd and rs-agent become once started as
#   root, their config's user:; docs/lbd.md, "Privileges"),
#   TOPO_VIPS (every VIP, default "$TOPO_VIP": routed to the LBs and held on
#   every real's lo), TOPO_ROUTE (static, the default: topo_up gives the
#   router a static route to every VIP through the LBs, see topo_route;
#   none: it does not, the caller routes the VIPs, e.g. scripts/lab.sh by
#   BGP).
#   TOPO_V6 (0, the default: IPv4 only, as before; 1: dual stack, below).
#
# Dual stack (TOPO_V6=1).  Every link also gets an IPv6 /64 next to its
# IPv4 /24, the addresses mirroring the IPv4 ones (a host's last IPv4
# octet, written as an IPv6 group: rs1 = 10.20.0.11 = 2001:db8:20::11):
#   client 2001:db8:10::2 --- router 2001:db8:10::1 / 2001:db8:20::1
#   lbN 2001:db8:20::(1+N)  rsN 2001:db8:20::(10+N)
# with IPv6 default routes to the router, net.ipv6.conf.all.forwarding=1
# and net.ipv6.fib_multipath_hash_policy=1 (L4 hash: one ECMP path per
# flow) on the router, and every address added nodad with accept_dad=0 in
# every namespace (nothing waits ~2 s for duplicate address detection).
# TOPO_VIPS6 (default TOPO_VIP6, 2001:db8:100::10) are the IPv6 VIPs:
# routed as /128 to the LBs (one nexthop per LB, ECMP once there are two)
# and held on every real's lo as /128 (nodad), in agent mode too (rs-agent
# reports for one address family: the reals' IPv4 one).  A DR real needs
# no sysctl for them: Linux answers a neighbour solicitation only for an
# address of the interface it arrived on (ndisc_recv_ns looks the target
# up strictly on that device), so a /128 on lo is never claimed on eth0
# (checked: docs/dr-setup.md, "IPv6").  keel-xdp mode: topo_up also adds
# topo_svc6 = [TOPO_VIP6]:TOPO_PORT/tcp with every real's IPv6 address.
# lbd mode: topo_lbd_default_specs adds one service per IPv6 VIP with the
# reals' IPv6 addresses (rsK in a spec whose VIP is IPv6 means rsK's IPv6
# address); lbd resolves them by NDP itself.  TOPO_LBD_SVC6 (default
# TOPO_LBD_SVC) is appended to the IPv6 services in place of TOPO_LBD_SVC
# (e.g. lbd's own tcp check where the agents report for IPv4 only).
# topo_client6: keel-echo client against TOPO_VIP6.
#
# Two ways to run the LBs:
#   keel-xdp (default, TOPO_LBD=0): topo_up loads the program with keel-xdp
#     and adds the service "$TOPO_VIP:$TOPO_PORT/tcp" and its reals itself;
#     topo_xdp N ... drives it.  The low-level path (test_dr_basic.sh).
#   lbd (TOPO_LBD=1; also set LBD and LBCTL, the paths of lbd and lbctl):
#     topo_up writes a config for every LB ($TOPO_DIR/lbN.yaml: interface
#     seg0, one service per VIP on TOPO_PORT/tcp with reals rs1..rsTOPO_REALS,
#     socket, state file and metrics of its own) and, unless
#     TOPO_LBD_START=0, starts lbd on every LB once the reals are up.
#     topo_lbd_config, topo_lbd_start, topo_lbd_stop and topo_lbctl drive it.
#     lbd resolves the reals' MACs itself: nothing here pings them.
#
# Two veth traps (measured on kernel 6.18; scripts/README.md) are handled
# here: every switch port that faces an LB gets an XDP_PASS program (a veth
# drops XDP_TX frames unless its peer runs XDP), and the client's veth has
# checksum offload off (after XDP rewrites a frame, a CHECKSUM_PARTIAL
# packet reaches the real with a checksum nobody completes).

: "${TOPO_LBS:=1}"
: "${TOPO_REALS:=3}"
: "${TOPO_VIP:=203.0.113.10}"
: "${TOPO_PORT:=80}"
: "${TOPO_CONN_TABLE:=65536}"
: "${TOPO_VIPS:=$TOPO_VIP}"
: "${TOPO_LBD:=0}"
: "${TOPO_LBD_START:=1}"
: "${TOPO_LBD_REFRESH:=1s}"
: "${TOPO_RS_NET:=static}"
: "${TOPO_LBD_TOP:=}"
: "${TOPO_LBD_SVC:=}"
: "${TOPO_ROUTE:=static}"
: "${TOPO_USER:=nobody}"
: "${TOPO_ECHO_ARGS:=}"
: "${TOPO_V6:=0}"
: "${TOPO_VIP6:=2001:db8:100::10}"
: "${TOPO_VIPS6:=$TOPO_VIP6}"
TOPO_SEG_NET=10.20.0
TOPO_CL_NET=10.10.0
TOPO_SEG_NET6=2001:db8:20:
TOPO_CL_NET6=2001:db8:10:
TOPO_BPFFS=/sys/fs/bpf

topo_log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
topo_die() { topo_log "ERROR: $*"; return 1; }

topo_ns() { printf '%s%s' "$TOPO_PREFIX" "$1"; }

# topo_nsx NAME CMD...: run CMD in namespace NAME (root mount namespace kept).
topo_nsx() {
	local ns
	ns=$(topo_ns "$1")
	shift
	nsenter --net="/run/netns/$ns" -- "$@"
}

topo_lb_addr() { printf '%s.%d' "$TOPO_SEG_NET" $((1 + $1)); }
topo_rs_addr() { printf '%s.%d' "$TOPO_SEG_NET" $((10 + $1)); }
topo_instance() { printf '%s-lb%d' "$TOPO_INSTANCE" "$1"; }
topo_svc() { printf '%s:%s/tcp' "$TOPO_VIP" "$TOPO_PORT"; }
# IPv6 (TOPO_V6=1): the same hosts' IPv6 addresses, and the IPv6 service.
topo_lb_addr6() { printf '%s:%d' "$TOPO_SEG_NET6" $((1 + $1)); }
topo_rs_addr6() { printf '%s:%d' "$TOPO_SEG_NET6" $((10 + $1)); }
topo_svc6() { printf '[%s]:%s/tcp' "$TOPO_VIP6" "$TOPO_PORT"; }
topo_v6() { [ "$TOPO_V6" = 1 ]; }

# topo_addr6 NAME IFACE ADDR/LEN: an IPv6 address usable at once (nodad).
topo_addr6() {
	topo_do ip -n "$(topo_ns "$1")" -6 addr add "$3" dev "$2" nodad
}

# topo_route6_default NAME VIA: NAME's IPv6 default route.
topo_route6_default() {
	topo_do ip -n "$(topo_ns "$1")" -6 route add default via "$2"
}

# topo_xdp N ARGS...: keel-xdp for LB N, run in LB N's namespace.
topo_xdp() {
	local n=$1
	shift
	topo_nsx "lb$n" "$KEEL_XDP" -i "$(topo_instance "$n")" "$@"
}

# The namespaces of this prefix that exist now.
topo_list_ns() {
	ip netns list 2>/dev/null | awk '{print $1}' |
		grep -E "^${TOPO_PREFIX//./\\.}[a-z]+[0-9]*\$" || true
}

topo_require() {
	local t
	[ "$(id -u)" = 0 ] || { topo_die "must run as root"; return 1; }
	if [ -z "${TOPO_PREFIX:-}" ] || [ -z "${TOPO_INSTANCE:-}" ] ||
		[ -z "${TOPO_DIR:-}" ]; then
		topo_die "TOPO_PREFIX, TOPO_INSTANCE and TOPO_DIR must be set"
		return 1
	fi
	for t in "$KEEL_XDP" "$KEEL_ECHO"; do
		[ -x "$t" ] || { topo_die "not executable: '$t' (build first)"; return 1; }
	done
	if [ "$TOPO_LBD" = 1 ]; then
		for t in "${LBD:-}" "${LBCTL:-}"; do
			[ -x "$t" ] ||
				{ topo_die "not executable: '$t' (LBD, LBCTL: build first)"; return 1; }
		done
	fi
	if [ "$TOPO_RS_NET" = agent ]; then
		[ -x "${RS_AGENT:-}" ] ||
			{ topo_die "not executable: '${RS_AGENT:-}' (RS_AGENT: build first)"; return 1; }
	fi
	for t in ip nsenter ethtool ping setsid; do
		command -v "$t" >/dev/null ||
			{ topo_die "missing tool: $t (scripts/deps.sh installs it)"; return 1; }
	done
	if ! mount | grep -q " $TOPO_BPFFS type bpf "; then
		mount -t bpf bpf "$TOPO_BPFFS" ||
			{ topo_die "cannot mount bpffs on $TOPO_BPFFS"; return 1; }
	fi
	mkdir -p "$TOPO_DIR"
	# lbd and rs-agent drop to TOPO_USER: they must reach their files
	# here (each keeps its own mode).
	chmod 711 "$TOPO_DIR"
}

# topo_do CMD...: run CMD; on failure say which command failed.
topo_do() {
	"$@" || { topo_die "failed ($?): $*"; return 1; }
}

topo_ns_add() {
	local ns
	ns=$(topo_ns "$1")
	topo_do ip netns add "$ns" || return 1
	topo_do ip -n "$ns" link set lo up || return 1
	# No router advertisements or solicitations on the test links.
	topo_do topo_nsx "$1" sysctl -qw net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.all.accept_ra=0 >/dev/null
	# No TX re-hash (a timed-out socket would pick a new hash, so a new
	# ECMP path, by itself): a flow stays on its LB unless keel moves
	# it, so a test that fails or restarts an LB proves what it claims.
	# Kernels before 5.19 lack the knob; nothing to turn off there.
	if topo_nsx "$1" test -e /proc/sys/net/core/txrehash; then
		topo_do topo_nsx "$1" sysctl -qw net.core.txrehash=0 >/dev/null
	fi
	# Dual stack: no duplicate address detection on the veths created
	# next (their link-local addresses too), so nothing is tentative.
	if topo_v6; then
		topo_do topo_nsx "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 >/dev/null
	fi
}

# topo_link A IFA B IFB: a veth pair created inside A and B directly.
topo_link() {
	local a b
	a=$(topo_ns "$1")
	b=$(topo_ns "$3")
	topo_do ip -n "$a" link add "$2" type veth peer name "$4" netns "$b" &&
		topo_do ip -n "$a" link set "$2" up &&
		topo_do ip -n "$b" link set "$4" up
}

# topo_port NAME IFACE: IFACE of NAME plugged into the switch as p-NAME.
topo_port() {
	topo_link "$1" "$2" sw "p-$1" &&
		topo_do ip -n "$(topo_ns sw)" link set "p-$1" master br0
}

# topo_wait_file FILE PATTERN SECONDS: wait until FILE contains PATTERN.
topo_wait_file() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# topo_pid_alive PID: PID runs (a zombie child waiting to be reaped does not).
topo_pid_alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# topo_resolve LB ADDR: make LB's neighbour entry for ADDR resolved.
topo_resolve() {
	local i
	for i in 1 2 3; do
		topo_nsx "lb$1" ping -q -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	topo_die "lb$1 cannot reach $2"
}

# Route the VIP from the router to every LB (one nexthop each: ECMP).
topo_route() {
	local n vip args=()
	if [ "$TOPO_LBS" -eq 1 ]; then
		args=(via "$(topo_lb_addr 1)")
	else
		for ((n = 1; n <= TOPO_LBS; n++)); do
			args+=(nexthop via "$(topo_lb_addr "$n")")
		done
	fi
	for vip in $TOPO_VIPS; do
		topo_do ip -n "$(topo_ns rt)" route replace "$vip/32" "${args[@]}" ||
			return 1
	done
	topo_v6 || return 0
	# shellcheck disable=SC2119 # no LB named: every LB
	topo_route6
}

# topo_route6 [N...]: route every IPv6 VIP (/128) from the router to the
# LBs N... (default every LB; one nexthop each, ECMP when more than one).
# Replacing the route with another list of LBs is how a test moves the
# IPv6 traffic from one LB to another.
topo_route6() {
	local n vip args=() lbs=("$@")
	if [ ${#lbs[@]} = 0 ]; then
		for ((n = 1; n <= TOPO_LBS; n++)); do lbs+=("$n"); done
	fi
	if [ ${#lbs[@]} = 1 ]; then
		args=(via "$(topo_lb_addr6 "${lbs[0]}")")
	else
		for n in "${lbs[@]}"; do
			args+=(nexthop via "$(topo_lb_addr6 "$n")")
		done
	fi
	for vip in $TOPO_VIPS6; do
		topo_do ip -n "$(topo_ns rt)" -6 route replace "$vip/128" "${args[@]}" ||
			return 1
	done
}

# topo_lb_add N: LB N on the segment.  keel-xdp mode: keel loaded and
# attached, the service added.  lbd mode: its config written (lbd starts
# later, in topo_up, once the reals exist).
topo_lb_add() {
	local n=$1 ns
	ns=$(topo_ns "lb$n")
	topo_ns_add "lb$n" && topo_port "lb$n" seg0 &&
		topo_do ip -n "$ns" addr add "$(topo_lb_addr "$n")/24" dev seg0 &&
		topo_do ip -n "$ns" route add default via "$TOPO_SEG_NET.1" &&
		# Trap 1: the switch port receives this LB's XDP_TX frames.
		topo_do topo_nsx sw "$KEEL_XDP" pass "p-lb$n" >/dev/null || return 1
	if topo_v6; then
		topo_addr6 "lb$n" seg0 "$(topo_lb_addr6 "$n")/64" &&
			topo_route6_default "lb$n" "${TOPO_SEG_NET6}:1" || return 1
	fi
	if [ "$TOPO_LBD" = 1 ]; then
		topo_lbd_config "$n"
		return
	fi
	topo_do topo_xdp "$n" load --conn-table "$TOPO_CONN_TABLE" >/dev/null &&
		topo_do topo_xdp "$n" attach seg0 &&
		topo_do topo_xdp "$n" service add "$(topo_svc)" >/dev/null || return 1
	if topo_v6; then
		topo_do topo_xdp "$n" service add "$(topo_svc6)" >/dev/null
	fi
}

# topo_real_add N [WEIGHT]: start real N (every VIP on lo, keel-echo on
# TOPO_PORT) and, in keel-xdp mode, add it to every LB.  In lbd mode the
# reals are in the LBs' configs (or added with topo_lbctl N real add).
topo_real_add() {
	local n=$1 w=${2:-1} ns addr lb vip
	ns=$(topo_ns "rs$n")
	addr=$(topo_rs_addr "$n")
	topo_ns_add "rs$n" && topo_port "rs$n" eth0 &&
		topo_do ip -n "$ns" addr add "$addr/24" dev eth0 &&
		topo_do ip -n "$ns" route add default via "$TOPO_SEG_NET.1" || return 1
	if topo_v6; then
		topo_addr6 "rs$n" eth0 "$(topo_rs_addr6 "$n")/64" &&
			topo_route6_default "rs$n" "${TOPO_SEG_NET6}:1" || return 1
		# The IPv6 VIPs on lo, /128: never answered in NS from eth0.
		for vip in $TOPO_VIPS6; do
			topo_addr6 "rs$n" lo "$vip/128" || return 1
		done
	fi
	if [ "$TOPO_RS_NET" = static ]; then
		for vip in $TOPO_VIPS; do
			topo_do ip -n "$ns" addr add "$vip/32" dev lo || return 1
		done
		topo_do topo_nsx "rs$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.eth0.arp_ignore=1 \
			net.ipv4.conf.eth0.arp_announce=2 >/dev/null || return 1
	fi
	# setsid: the lab's servers outlive lab.sh and its terminal.
	# shellcheck disable=SC2086 # TOPO_ECHO_ARGS: words, or nothing
	setsid nsenter --net="/run/netns/$ns" -- "$KEEL_ECHO" server \
		--name "rs$n" --port "$TOPO_PORT" $TOPO_ECHO_ARGS \
		</dev/null >"$TOPO_DIR/rs$n.log" 2>&1 &
	echo $! >"$TOPO_DIR/rs$n.pid"
	topo_wait_file "$TOPO_DIR/rs$n.log" listening 10 ||
		{ topo_die "rs$n's keel-echo did not start: $(cat "$TOPO_DIR/rs$n.log")"; return 1; }
	[ "$TOPO_LBD" = 1 ] && return 0
	for ((lb = 1; lb <= TOPO_LBS; lb++)); do
		topo_resolve "$lb" "$addr" &&
			topo_do topo_xdp "$lb" real add "$(topo_svc)" "$addr" \
				--weight "$w" >/dev/null || return 1
		topo_v6 || continue
		topo_resolve "$lb" "$(topo_rs_addr6 "$n")" &&
			topo_do topo_xdp "$lb" real add "$(topo_svc6)" \
				"$(topo_rs_addr6 "$n")" --weight "$w" >/dev/null ||
			return 1
	done
}

topo_up() {
	local n cl rt
	topo_require || return 1
	topo_down || { topo_die "could not remove a previous ${TOPO_PREFIX}* set-up"; return 1; }
	cl=$(topo_ns cl)
	rt=$(topo_ns rt)
	topo_ns_add cl && topo_ns_add rt && topo_ns_add sw &&
		topo_do ip -n "$(topo_ns sw)" link add br0 type bridge &&
		topo_do ip -n "$(topo_ns sw)" link set br0 up || return 1

	topo_link cl eth0 rt eth-cl &&
		topo_do ip -n "$cl" addr add "$TOPO_CL_NET.2/24" dev eth0 &&
		topo_do ip -n "$cl" route add default via "$TOPO_CL_NET.1" &&
		# Trap 2: complete checksums before they reach the XDP path.
		topo_do topo_nsx cl ethtool -K eth0 tx off >/dev/null || return 1

	topo_do ip -n "$rt" addr add "$TOPO_CL_NET.1/24" dev eth-cl &&
		topo_port rt seg0 &&
		topo_do ip -n "$rt" addr add "$TOPO_SEG_NET.1/24" dev seg0 &&
		topo_do topo_nsx rt sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.fib_multipath_hash_policy=1 >/dev/null || return 1
	if topo_v6; then
		topo_addr6 cl eth0 "${TOPO_CL_NET6}:2/64" &&
			topo_route6_default cl "${TOPO_CL_NET6}:1" &&
			topo_addr6 rt eth-cl "${TOPO_CL_NET6}:1/64" &&
			topo_addr6 rt seg0 "${TOPO_SEG_NET6}:1/64" &&
			topo_do topo_nsx rt sysctl -qw net.ipv6.conf.all.forwarding=1 \
				net.ipv6.fib_multipath_hash_policy=1 >/dev/null || return 1
	fi

	for ((n = 1; n <= TOPO_LBS; n++)); do
		topo_lb_add "$n" || return 1
	done
	if [ "$TOPO_ROUTE" = static ]; then
		topo_route || return 1
	fi
	for ((n = 1; n <= TOPO_REALS; n++)); do
		topo_real_add "$n" || return 1
	done
	if [ "$TOPO_LBD" = 1 ] && [ "$TOPO_LBD_START" = 1 ]; then
		for ((n = 1; n <= TOPO_LBS; n++)); do
			topo_lbd_start "$n" || return 1
		done
	fi
}

# --- lbd on the LBs (TOPO_LBD=1) ---------------------------------------------
# Per LB N, in TOPO_DIR: lbN.yaml (config), lbN.d/ (made by lbd, owned by
# TOPO_USER, which lbd becomes: lbN.d/ctl.sock, the control socket, and
# lbN.d/state, the state file), lbN.lbd.log (lbd's log, appended across
# restarts), lbN.lbd.pid.  Metrics listen on 127.0.0.1:9450 inside the LB's
# namespace (each namespace has its own loopback).

topo_lbd_conf() { printf '%s/lb%d.yaml' "$TOPO_DIR" "$1"; }
topo_lbd_sock() { printf '%s/lb%d.d/ctl.sock' "$TOPO_DIR" "$1"; }
topo_lbd_state() { printf '%s/lb%d.d/state' "$TOPO_DIR" "$1"; }
topo_lbd_log() { printf '%s/lb%d.lbd.log' "$TOPO_DIR" "$1"; }
topo_lbd_pid() { cat "$TOPO_DIR/lb$1.lbd.pid" 2>/dev/null; }

# The default services: one per VIP in TOPO_VIPS, on TOPO_PORT/tcp, with
# rs1..rsTOPO_REALS, as topo_lbd_config specs.
topo_lbd_default_specs() {
	local vip n reals
	reals=
	for ((n = 1; n <= TOPO_REALS; n++)); do
		reals+=${reals:+,}rs$n
	done
	for vip in $TOPO_VIPS; do
		printf '%s:%s/tcp=%s\n' "$vip" "$TOPO_PORT" "$reals"
	done
	topo_v6 || return 0
	# rsK under an IPv6 VIP: rsK's IPv6 address (topo_lbd_config).
	for vip in $TOPO_VIPS6; do
		printf '%s:%s/tcp=%s\n' "$vip" "$TOPO_PORT" "$reals"
	done
}

# topo_lbd_config N [SPEC...]: write LB N's config, $TOPO_DIR/lbN.yaml
# (replaced with a rename, so a reload never reads half a file).  A SPEC is
# one service: VIP:PORT/PROTO=REAL[:WEIGHT][!][,REAL[:WEIGHT][!]...] (a
# REAL is rsK or an address; a trailing "!" makes it a sorry server;
# nothing after "=" for no reals), e.g. 203.0.113.10:80/tcp=rs1,rs2:2,rs3!.
# IPv6: the VIP as it is (the port is after the last colon), rsK is rsK's
# IPv6 address, an address literal is bracketed:
# 2001:db8:100::10:80/tcp=rs1,[2001:db8:20::99]:2.
# No SPEC: topo_lbd_default_specs.
topo_lbd_config() {
	local n=$1 f tmp spec svc vip port proto list item addr w sorry
	local -a specs
	shift
	f=$(topo_lbd_conf "$n")
	if [ $# -gt 0 ]; then
		specs=("$@")
	else
		mapfile -t specs < <(topo_lbd_default_specs)
	fi
	tmp="$f.tmp.$$"
	{
		echo "# lbd config for LB $n, written by scripts/lib/topology.sh"
		echo "instance: $(topo_instance "$n")"
		echo "user: $TOPO_USER"
		echo "conn_table_size: $TOPO_CONN_TABLE"
		echo "interfaces:"
		echo "  - name: seg0"
		echo "control:"
		echo "  socket: $(topo_lbd_sock "$n")"
		echo "metrics:"
		echo "  listen: 127.0.0.1:9450"
		echo "state_file: $(topo_lbd_state "$n")"
		echo "timers:"
		echo "  neighbour_refresh: $TOPO_LBD_REFRESH"
		[ -n "$TOPO_LBD_TOP" ] && printf '%s\n' "$TOPO_LBD_TOP"
		echo "services:"
		for spec in "${specs[@]}"; do
			svc=${spec%%=*}
			list=${spec#*=}
			proto=${svc##*/}
			svc=${svc%/*}
			port=${svc##*:}
			vip=${svc%:*}
			# An IPv6 literal quoted (YAML plain scalars and colons).
			if [[ $vip == *:* ]]; then
				echo "  - vip: \"$vip\""
			else
				echo "  - vip: $vip"
			fi
			echo "    port: $port"
			echo "    protocol: $proto"
			if [[ $vip == *:* ]]; then
				# Unset: TOPO_LBD_SVC (read here: callers set it late).
				[ -n "${TOPO_LBD_SVC6-$TOPO_LBD_SVC}" ] &&
					printf '%s\n' "${TOPO_LBD_SVC6-$TOPO_LBD_SVC}"
			else
				[ -n "$TOPO_LBD_SVC" ] && printf '%s\n' "$TOPO_LBD_SVC"
			fi
			if [ -z "$list" ]; then
				echo "    reals: []"
				continue
			fi
			echo "    reals:"
			for item in ${list//,/ }; do
				sorry=
				if [[ $item == *! ]]; then
					sorry=1
					item=${item%!}
				fi
				if [[ $item == \[* ]]; then
					addr=${item#[}
					addr=${addr%%]*}
					w=${item#*]}
					w=${w#:}
					w=${w:-1}
				else
					addr=${item%%:*}
					w=1
					[ "$item" != "$addr" ] && w=${item#*:}
				fi
				if [[ $addr == rs[0-9]* ]]; then
					if [[ $vip == *:* ]]; then
						addr=$(topo_rs_addr6 "${addr#rs}")
					else
						addr=$(topo_rs_addr "${addr#rs}")
					fi
				fi
				if [[ $addr == *:* ]]; then
					echo "      - address: \"$addr\""
				else
					echo "      - address: $addr"
				fi
				echo "        weight: $w"
				if [ -n "$sorry" ]; then
					echo "        sorry: true"
				fi
			done
		done
	} >"$tmp" && mv -f -- "$tmp" "$f"
}

# topo_lbctl N ARGS...: lbctl against LB N's lbd.  (A Unix socket path is
# reached from any network namespace; lbctl needs no nsenter.)
topo_lbctl() {
	local n=$1
	shift
	"$LBCTL" --socket "$(topo_lbd_sock "$n")" "$@"
}

# topo_lbd_start N [LBD-OPTIONS...]: start lbd in LB N's namespace from
# $TOPO_DIR/lbN.yaml (written if missing) and wait until its control
# socket answers (10 s at most).  It runs in a session of its own, so it
# outlives the caller (the lab); the caller's shell can still `wait` for
# it (TOPO_LBD_RC after topo_lbd_stop).
topo_lbd_start() {
	local n=$1 ns cfg log pid i rc
	shift
	ns=$(topo_ns "lb$n")
	cfg=$(topo_lbd_conf "$n")
	log=$(topo_lbd_log "$n")
	[ -f "$cfg" ] || topo_lbd_config "$n" || return 1
	echo "--- $(date +%T.%3N) topology.sh: lbd --config $cfg $*" >>"$log"
	# nsenter --net (not ip netns exec: lbd pins its maps in /sys/fs/bpf)
	# execs lbd (through prlimit with TOPO_LBD_NOFILE, e.g. 1024:1024 as
	# systemd's default soft limit): $! is lbd itself.
	# shellcheck disable=SC2086 # prlimit and its option, or nothing
	setsid nsenter --net="/run/netns/$ns" -- \
		${TOPO_LBD_NOFILE:+prlimit --nofile=$TOPO_LBD_NOFILE --} \
		"$LBD" --config "$cfg" "$@" </dev/null >>"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$TOPO_DIR/lb$n.lbd.pid"
	for ((i = 0; i < 100; i++)); do
		if ! topo_pid_alive "$pid"; then
			wait "$pid" 2>/dev/null
			rc=$?
			topo_die "lbd of lb$n exited at start (status $rc): $(tail -n 5 "$log")"
			return 1
		fi
		topo_lbctl "$n" --timeout 1 status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	topo_die "lbd of lb$n does not answer on $(topo_lbd_sock "$n") after 10 s"
	return 1
}

# topo_lbd_stop N [--unload|--kill]: stop LB N's lbd and wait until it is
# gone (10 s at most).  Default SIGTERM (the data plane keeps forwarding);
# --kill: SIGKILL (a crash: the socket file stays); --unload: `lbctl
# shutdown --unload` (detach and remove the pins; SIGTERM if lbd does not
# answer).  Sets TOPO_LBD_RC to lbd's exit status (127 when lbd was not
# started by this shell).
topo_lbd_stop() {
	local n=$1 how=${2:-} pid i
	TOPO_LBD_RC=127
	pid=$(topo_lbd_pid "$n")
	[ -n "$pid" ] || { topo_die "lb$n: no lbd pid file"; return 1; }
	case $how in
	--unload)
		topo_lbctl "$n" --timeout 5 shutdown --unload >/dev/null ||
			kill -TERM "$pid" 2>/dev/null
		;;
	--kill) kill -KILL "$pid" 2>/dev/null ;;
	"") kill -TERM "$pid" 2>/dev/null ;;
	*)
		topo_die "topo_lbd_stop: unknown option '$how'"
		return 1
		;;
	esac
	for ((i = 0; i < 200; i++)); do
		topo_pid_alive "$pid" || break
		sleep 0.05
	done
	if topo_pid_alive "$pid"; then
		topo_die "lbd of lb$n (pid $pid) still runs 10 s after $how"
		return 1
	fi
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2034 # for the caller
	TOPO_LBD_RC=$?
	rm -f -- "$TOPO_DIR/lb$n.lbd.pid"
	return 0
}

# Stop every lbd of this set-up that still runs, unloading its data plane
# (topo_down).  A pid is only trusted while it still runs lbd with our
# config, so a stale pid file cannot hit another process.
topo_lbd_stop_all() {
	local f n pid
	for f in "${TOPO_DIR:-/nonexistent}"/lb*.lbd.pid; do
		[ -f "$f" ] || continue
		n=${f##*/lb}
		n=${n%.lbd.pid}
		pid=$(cat "$f" 2>/dev/null)
		if [ -n "$pid" ] && topo_pid_alive "$pid" &&
			tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
			grep -qF -- "--config $(topo_lbd_conf "$n")"; then
			[ -x "${LBCTL:-}" ] || kill -TERM "$pid" 2>/dev/null
			topo_lbd_stop "$n" --unload >/dev/null 2>&1 ||
				kill -KILL "$pid" 2>/dev/null
		fi
		rm -f -- "$f"
	done
}

# --- rs-agent on the reals (TOPO_RS_NET=agent) --------------------------------
# Per real N, in TOPO_DIR: rsN.agent.yaml, rsN.agent.sock, rsN.agent.log,
# rsN.agent.pid; one key for the site, agent.key (mode 0600).  RS_AGENT is
# the path of rs-agent.  The agent reports to every LB on port 9460 and
# checks keel-echo on TOPO_PORT every TOPO_AGENT_CHECK (default 100ms).

: "${TOPO_AGENT_CHECK:=100ms}"
topo_agent_conf() { printf '%s/rs%d.agent.yaml' "$TOPO_DIR" "$1"; }
topo_agent_sock() { printf '%s/rs%d.agent.sock' "$TOPO_DIR" "$1"; }
topo_agent_log() { printf '%s/rs%d.agent.log' "$TOPO_DIR" "$1"; }
topo_agent_pid() { cat "$TOPO_DIR/rs$1.agent.pid" 2>/dev/null; }
topo_agent_key() { printf '%s/agent.key' "$TOPO_DIR"; }

# topo_agent_keygen: the site's shared key (64 hex characters, 0600).
topo_agent_keygen() {
	local k
	k=$(topo_agent_key)
	[ -s "$k" ] && return 0
	# TOPO_USER's: lbd reads it again at each reload, as that user.
	(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$k" &&
		echo >>"$k") && chown "$TOPO_USER" "$k"
}

# topo_agent_config N: rs-agent's config for real N: every VIP of
# TOPO_VIPS on TOPO_PORT/tcp with a TCP check of keel-echo.
topo_agent_config() {
	local n=$1 f tmp lb vip
	f=$(topo_agent_conf "$n")
	tmp="$f.tmp.$$"
	topo_agent_keygen || return 1
	{
		echo "# rs-agent config for rs$n, written by scripts/lib/topology.sh"
		echo "real: $(topo_rs_addr "$n")"
		echo "key_file: $(topo_agent_key)"
		echo "interval: 100ms"
		echo "interfaces: [eth0]"
		echo "user: $TOPO_USER"
		echo "control:"
		echo "  socket: $(topo_agent_sock "$n")"
		echo "state_dir: $TOPO_DIR/rs$n.agent.d"
		echo "lbs:"
		for ((lb = 1; lb <= TOPO_LBS; lb++)); do
			echo "  - $(topo_lb_addr "$lb"):9460"
		done
		echo "services:"
		for vip in $TOPO_VIPS; do
			# An IPv6 literal quoted (YAML plain scalars and colons).
			if [[ $vip == *:* ]]; then
				echo "  - vip: \"$vip\""
			else
				echo "  - vip: $vip"
			fi
			echo "    port: $TOPO_PORT"
			echo "    protocol: tcp"
			echo "    check:"
			echo "      type: tcp"
			echo "      interval: $TOPO_AGENT_CHECK"
			echo "      timeout: 200ms"
			echo "      rise: 2"
			echo "      fall: 2"
		done
	} >"$tmp" && mv -f -- "$tmp" "$f"
}

# topo_agent ARGS...: rs-agent's CLI against real N's agent:
# topo_agent N drain --wait ...
topo_agent() {
	local n=$1
	shift
	"$RS_AGENT" "$@" --socket "$(topo_agent_sock "$n")"
}

# topo_agent_start N: start rs-agent in real N's namespace (config written
# if missing) and wait until it answers (10 s at most).
topo_agent_start() {
	local n=$1 ns cfg log pid i
	ns=$(topo_ns "rs$n")
	cfg=$(topo_agent_conf "$n")
	log=$(topo_agent_log "$n")
	[ -f "$cfg" ] || topo_agent_config "$n" || return 1
	mkdir -p "$TOPO_DIR/rs$n.agent.d"
	echo "--- $(date +%T.%3N) topology.sh: rs-agent run --config $cfg" >>"$log"
	setsid nsenter --net="/run/netns/$ns" -- "$RS_AGENT" run --config "$cfg" \
		</dev/null >>"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$TOPO_DIR/rs$n.agent.pid"
	for ((i = 0; i < 100; i++)); do
		if ! topo_pid_alive "$pid"; then
			topo_die "rs-agent of rs$n exited at start: $(tail -n 5 "$log")"
			return 1
		fi
		topo_agent "$n" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	topo_die "rs-agent of rs$n does not answer after 10 s"
	return 1
}

# PIDs of the processes living in our namespaces (keel-echo servers, a
# stray client): only ever started by us.
topo_pids() {
	local ns
	for ns in $(topo_list_ns); do
		ip netns pids "$ns" 2>/dev/null
	done
}

# topo_down: remove everything of this prefix/instance, whatever state it
# is in (also after a crash): XDP attachments, pins, processes, namespaces.
topo_down() {
	local ns n i inst pids
	topo_lbd_stop_all
	for ns in $(topo_list_ns); do
		case $ns in
		"${TOPO_PREFIX}"lb[0-9]*)
			n=${ns#"${TOPO_PREFIX}lb"}
			[ -x "${KEEL_XDP:-}" ] &&
				topo_xdp "$n" detach seg0 >/dev/null 2>&1
			;;
		esac
	done
	for inst in "$TOPO_BPFFS"/keel/"$TOPO_INSTANCE"-lb*; do
		[ -d "$inst" ] || continue
		inst=${inst##*/}
		[[ $inst =~ ^${TOPO_INSTANCE}-lb[0-9]+$ ]] || continue
		[ -x "${KEEL_XDP:-}" ] && "$KEEL_XDP" -i "$inst" unload >/dev/null 2>&1
		# Without a working keel-xdp the pins are plain bpffs files.
		[ -d "$TOPO_BPFFS/keel/$inst" ] && rm -rf -- "${TOPO_BPFFS:?}/keel/$inst"
	done
	for ((i = 0; i < 50; i++)); do
		pids=$(topo_pids)
		[ -z "$pids" ] && break
		# shellcheck disable=SC2086 # a list of numbers
		# A second SIGTERM half a second later: rs-agent's first one
		# only drains (docs/rs-agent.md), its second exits.
		if [ "$i" -lt 30 ]; then
			[ "$i" = 0 ] || [ "$i" = 5 ] && kill -TERM $pids 2>/dev/null
		else
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.1
	done
	for ns in $(topo_list_ns); do
		ip netns del "$ns" 2>/dev/null
	done
	[ -z "$(topo_list_ns)" ] && [ -z "$(topo_pids)" ] &&
		! compgen -G "$TOPO_BPFFS/keel/$TOPO_INSTANCE-lb*" >/dev/null
}

# topo_client ARGS...: keel-echo client in the client namespace.
topo_client() {
	topo_nsx cl "$KEEL_ECHO" client --connect "$TOPO_VIP" --port "$TOPO_PORT" "$@"
}

# topo_client6 ARGS...: keel-echo client against the IPv6 VIP (TOPO_V6=1).
topo_client6() {
	topo_nsx cl "$KEEL_ECHO" client --connect "$TOPO_VIP6" --port "$TOPO_PORT" "$@"
}
