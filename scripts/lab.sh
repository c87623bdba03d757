#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# A keel site lab in network namespaces (topology: scripts/lib/topology.sh):
# a client; a router running BIRD 2 that learns the VIP by BGP from the two
# LBs on one L2 segment (its kernel route: one nexthop per LB, ECMP); both
# LBs running lbd from generated configs and, next to it, a bgp-announcer
# that announces the VIP /32 (next hop: the LB's own address) while its own
# lbd has a real up and is not site-drained; three reals running keel-echo
# and rs-agent (which puts the VIP on lo, sets the ARP sysctls, checks
# keel-echo and reports health and connections to both LBs every 100 ms;
# lbd takes each real's state from its agent).  The LBs are one pair
# (docs/pair.md): each lbd's config has a pair: section naming the other
# LBs, so they sync their flows and every lbctl change (lab_pair_conf).
#
# Dual stack (LAB_V6=1, the default; topology.sh's TOPO_V6): every link has
# IPv6 too, and next to the IPv4 VIP an IPv6 VIP 2001:db8:100::10 (/128 on
# the reals' lo) with the reals' IPv6 addresses as its reals (lbd resolves
# them by NDP) and lbd's own tcp check as their health (rs-agent reports
# for the reals' IPv4 address only); each announcer announces it too
# (next hop the LB's IPv6 address, over the same IPv4 session), and the
# router's kernel gets an ECMP route to it over the LBs, like the IPv4 one.
#
#   scripts/lab.sh up        (re)build the lab; cleans a previous one first;
#                            waits for the VIP's BGP route on the router
#   scripts/lab.sh demo      up, the VIP's route (BIRD's sessions and paths,
#                            the kernel's nexthops, each announcer's status),
#                            both LBs' lbctl pair status, real TCP traffic
#                            from the client, the per-real distribution,
#                            the flow records each LB sent and the other
#                            merged, a drain made on lb1 shown on lb2 (and
#                            undone from lb2), both LBs' status, then lb1
#                            site-drained (the router keeps lb2's path only)
#                            and undrained; last, lb1 fails (failover, below)
#   scripts/lab.sh status    what is running, BIRD's sessions, the VIP's
#                            routes, each LB's lbctl status, non-zero
#                            counters and its announcer's status
#   scripts/lab.sh route     the VIP's routes: BIRD's (one per LB) and the
#                            router kernel's (one nexthop per LB)
#   scripts/lab.sh client [ARGS]   keel-echo client against the VIP
#                            (e.g. --count 100; see keel-echo client --help)
#   scripts/lab.sh client6 [ARGS]  the same against the IPv6 VIP
#   scripts/lab.sh lbctl N ARGS    lbctl against LB N's lbd
#                            (e.g. lbctl 1 real drain 203.0.113.10:80/tcp 10.20.0.11;
#                            lbctl 1 site drain: lb1's announcer withdraws)
#   scripts/lab.sh bgp N ARGS      lbctl bgp ARGS against LB N's bgp-announcer
#                            (e.g. bgp 1 status)
#   scripts/lab.sh birdc ARGS      birdc against the router's BIRD
#                            (e.g. birdc show protocols all lb1)
#   scripts/lab.sh agent N ARGS    rs-agent against real N's agent
#                            (e.g. agent 1 drain --wait; agent 1 undrain)
#   scripts/lab.sh failover [N]  N connections (300) held through both LBs,
#                            rs1's weight changed on lb1 (replicated), lb1's
#                            lbd killed: how many survive on lb2; then lb1's
#                            lbd restarted and the weight cleared
#   scripts/lab.sh down      remove everything (announcers, BIRD, lbd,
#                            namespaces, pins, servers, /run/keel-lab)
#
# Environment: KEEL_BUILDDIR (default build/), LAB_LBS (LBs, default 2),
# LAB_CONNS (demo connections, 600), LAB_V6 (1: dual stack, the default;
# 0: IPv4 only), LAB_PAIR_ALONE (the pair's alone_after, default 5s).
# Run as root; build first (scripts/run-lab.sh does both).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILDDIR:-$root/build}
KEEL_XDP=${KEEL_XDP:-$build/lb-dataplane/keel-xdp/keel-xdp}
KEEL_ECHO=${KEEL_ECHO:-$build/tests/tools/keel-echo}
LBD=${LBD:-$build/lb-dataplane/lbd/lbd}
LBCTL=${LBCTL:-$build/ctl/lbctl}
RS_AGENT=${RS_AGENT:-$build/rs-agent/rs-agent}
BGPA=${BGPA:-$build/bgp-announcer/bgp-announcer}
TOPO_PREFIX=${LAB_PREFIX:-keel-lab-}
TOPO_INSTANCE=${LAB_INSTANCE:-lab}
TOPO_DIR=${LAB_DIR:-/run/keel-lab}
TOPO_LBS=${LAB_LBS:-2}
TOPO_LBD=1
TOPO_RS_NET=agent
# lbd is started by lab_up, once each LB's config has its pair: section.
TOPO_LBD_START=0
# No static route on the router: it learns the VIPs by BGP (lab_bgp_up).
TOPO_ROUTE=none
TOPO_V6=${LAB_V6:-1}
# shellcheck source-path=SCRIPTDIR source=lib/topology.sh
. "$root/scripts/lib/topology.sh"
TOPO_LBD_TOP="agents:
  listen: 0.0.0.0:9460
  key_file: $(topo_agent_key)
  interval: 100ms"
TOPO_LBD_SVC="    health: {type: agent}"
# The IPv6 service: no agent reports for the reals' IPv6 addresses; lbd
# checks them itself.
TOPO_LBD_SVC6="    health: {type: tcp, interval: 300ms, timeout: 200ms}"

# The LB pair (docs/pair.md): UDP port of every LB's pair socket, and how
# long an LB waits for a bulk copy from its peer before it serves alone
# (see lab_pair_conf).
LAB_PAIR_PORT=7600
LAB_PAIR_ALONE=${LAB_PAIR_ALONE:-5s}

# The router's AS and the site's (both LBs announce from the same AS).
LAB_RT_AS=65000
LAB_LB_AS=65001

usage() {
	awk 'NR >= 4 && /^#/ { sub(/^# ?/, ""); print; next } NR >= 4 { exit }' "$0"
	exit 2
}

# lab_on_node FN N ARGS...: FN N ARGS... for node N, with at least one word
# after N (else usage).
lab_on_node() {
	local fn=$1
	shift
	[[ ${1:-} =~ ^[0-9]+$ ]] && [ $# -gt 1 ] || usage
	"$fn" "$@"
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

# --- BGP: BIRD 2 on the router, a bgp-announcer next to each lbd -----------
# In TOPO_DIR: rt.bird.conf, rt.bird.ctl (BIRD's control socket),
# rt.bird.pid, rt.bird.log; per LB N: lbN.bgp.yaml, lbN.bgp.sock (the
# announcer's control socket), lbN.bgp.pid, lbN.bgp.log, and lbN.bgp-disable
# (the announcer's disable file: withdraws while it exists).  Each
# announcer's metrics: 127.0.0.1:9451 inside its LB's namespace.

lab_bird_conf() { printf '%s/rt.bird.conf' "$TOPO_DIR"; }
lab_bird_ctl() { printf '%s/rt.bird.ctl' "$TOPO_DIR"; }
lab_bird_log() { printf '%s/rt.bird.log' "$TOPO_DIR"; }
lab_bird_pidf() { printf '%s/rt.bird.pid' "$TOPO_DIR"; }
lab_bgp_conf() { printf '%s/lb%d.bgp.yaml' "$TOPO_DIR" "$1"; }
lab_bgp_sock() { printf '%s/lb%d.bgp.sock' "$TOPO_DIR" "$1"; }
lab_bgp_log() { printf '%s/lb%d.bgp.log' "$TOPO_DIR" "$1"; }
lab_bgp_pidf() { printf '%s/lb%d.bgp.pid' "$TOPO_DIR" "$1"; }
lab_bgp_disable() { printf '%s/lb%d.bgp-disable' "$TOPO_DIR" "$1"; }

# lab_birdc ARGS...: birdc against the router's BIRD, without its banner;
# fails only when BIRD does not answer (birdc also fails on "Network not
# found", which is an answer).
lab_birdc() {
	local out
	out=$(birdc -s "$(lab_bird_ctl)" "$@" 2>&1)
	if grep -q '^Unable to connect' <<<"$out"; then
		echo "(BIRD does not answer on $(lab_bird_ctl): see $(lab_bird_log))"
		return 1
	fi
	sed '/^BIRD [0-9.]* ready\.$/d' <<<"$out"
}

# lab_bgp N ARGS...: lbctl bgp ARGS against LB N's announcer.
lab_bgp() {
	local n=$1
	shift
	"$LBCTL" --socket "$(lab_bgp_sock "$n")" bgp "$@"
}

# A line of words, sorted (to compare sets of nexthops).
lab_sorted() { sort | tr '\n' ' ' | sed 's/ $//'; }

# lab_nexthops [VIP]: the router kernel's BGP nexthops for VIP/32 (an
# IPv6 VIP: /128), sorted.
lab_nexthops() {
	local vip=${1:-$TOPO_VIP}
	if [[ $vip == *:* ]]; then
		ip -n "$(topo_ns rt)" -6 route show "$vip/128" proto bird 2>/dev/null |
			grep -o 'via [0-9a-f:]*' | awk '{ print $2 }' | lab_sorted
		return
	fi
	ip -n "$(topo_ns rt)" route show "$vip/32" proto bird 2>/dev/null |
		grep -o 'via [0-9.]*' | awk '{ print $2 }' | lab_sorted
}

# lab_lb_addrs [SKIP]: every LB's address but LB SKIP's, sorted.
lab_lb_addrs() {
	local n
	for ((n = 1; n <= TOPO_LBS; n++)); do
		[ "$n" = "${1:-0}" ] || topo_lb_addr "$n"
		echo
	done | sed '/^$/d' | lab_sorted
}

# lab_routes_are WANT: every VIP's kernel route has exactly the nexthops
# WANT (LBs' IPv4 addresses); every IPv6 VIP's, those LBs' IPv6 addresses
# (an LB's IPv6 address ends in its IPv4 address's last octet).
lab_routes_are() {
	local vip a want6
	for vip in $TOPO_VIPS; do
		[ "$(lab_nexthops "$vip")" = "$1" ] || return 1
	done
	topo_v6 || return 0
	want6=$(for a in $1; do printf '%s:%s\n' "$TOPO_SEG_NET6" "${a##*.}"; done | lab_sorted)
	for vip in $TOPO_VIPS6; do
		[ "$(lab_nexthops "$vip")" = "$want6" ] || return 1
	done
}

# lab_wait_routes WANT SECONDS: wait (polling every 10 ms) until
# lab_routes_are WANT; prints the milliseconds waited.
lab_wait_routes() {
	local t0 i deadline now
	t0=$(date +%s%3N)
	deadline=$((t0 + $2 * 1000))
	for ((i = 0; i < $2 * 100; i++)); do
		now=$(date +%s%3N)
		if lab_routes_are "$1"; then
			echo $((now - t0))
			return 0
		fi
		[ "$now" -lt "$deadline" ] || break
		sleep 0.01
	done
	return 1
}

lab_bird_config() {
	local n vip nets='' nets6=''
	for vip in $TOPO_VIPS; do
		nets+=${nets:+, }$vip/32
	done
	if topo_v6; then
		for vip in $TOPO_VIPS6; do
			nets6+=${nets6:+, }$vip/128
		done
	fi
	{
		cat <<EOF
# BIRD 2 on the lab's router, written by scripts/lab.sh
log "$(lab_bird_log)" all;
router id $TOPO_SEG_NET.1;
protocol device { scan time 10; }
# The kernel gets the routes learnt by BGP; merge paths: the LBs' equally
# good paths become one route with a nexthop per LB (ECMP).
protocol kernel k4 {
  ipv4 { import none; export where source = RTS_BGP; };
  merge paths on;
}
protocol kernel k6 {
  ipv6 { import none; export where source = RTS_BGP; };
  merge paths on;
}
protocol bfd { interface "seg0" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
# Only the lab's VIPs, as /32s (BIRD 2 takes no eBGP route without a filter).
filter lb_vips {
  if net ~ [ $nets ] then accept;
  reject;
}
EOF
		# A prefix set holds one family: the IPv6 VIPs have their own.
		if [ -n "$nets6" ]; then
			cat <<EOF
filter lb_vips6 {
  if net ~ [ $nets6 ] then accept;
  reject;
}
EOF
		else
			echo "filter lb_vips6 { reject; }"
		fi
		cat <<EOF
template bgp lb {
  local $TOPO_SEG_NET.1 as $LAB_RT_AS;
  hold time 9; keepalive time 3; connect retry time 2;
  error wait time 1,5;
  bfd on;
  ipv4 { import filter lb_vips; export none; };
  ipv6 { import filter lb_vips6; export none; };
}
EOF
		for ((n = 1; n <= TOPO_LBS; n++)); do
			echo "protocol bgp lb$n from lb { neighbor $(topo_lb_addr "$n") as $LAB_LB_AS; }"
		done
	} >"$(lab_bird_conf)"
}

# lab_bird_start: BIRD in the router's namespace (it daemonizes: its own
# session, it outlives lab.sh); waits until it answers (5 s at most).
lab_bird_start() {
	local i
	rm -f -- "$(lab_bird_ctl)" "$(lab_bird_pidf)"
	if ! topo_nsx rt bird -c "$(lab_bird_conf)" -s "$(lab_bird_ctl)" \
		-P "$(lab_bird_pidf)" </dev/null >>"$(lab_bird_log)" 2>&1; then
		echo "lab.sh: BIRD did not start: $(tail -n 5 "$(lab_bird_log)")" >&2
		return 1
	fi
	for ((i = 0; i < 50; i++)); do
		lab_birdc show status 2>/dev/null | grep -q 'Daemon is up' && return 0
		sleep 0.1
	done
	echo "lab.sh: BIRD does not answer on $(lab_bird_ctl) after 5 s" >&2
	return 1
}

# lab_bgp_config N: LB N's announcer: a session with the router, every VIP
# of TOPO_VIPS as a /32 with LB N's address as next hop (and of TOPO_VIPS6
# as a /128, next hop LB N's IPv6 address), gated on LB N's
# lbd (the VIP's service needs one real up and usable; a site drain or the
# disable file withdraws it).
lab_bgp_config() {
	local n=$1 addr vip f
	addr=$(topo_lb_addr "$n")
	f=$(lab_bgp_conf "$n")
	{
		cat <<EOF
# bgp-announcer for LB $n, written by scripts/lab.sh
local_as: $LAB_LB_AS
router_id: $addr
hold_time: 9
connect_retry: 500ms
shutdown_message: "lb$n: bgp-announcer stopped"
# Started as root: it binds port 179, then becomes this user.
user: $TOPO_USER
control:
  socket: $(lab_bgp_sock "$n")
metrics:
  listen: 127.0.0.1:9451
lbd:
  socket: $(topo_lbd_sock "$n")
disable_file: $(lab_bgp_disable "$n")
peers:
  - name: router
    address: $TOPO_SEG_NET.1
    remote_as: $LAB_RT_AS
    local_address: $addr
    next_hop_ipv4: $addr
EOF
		topo_v6 && echo "    next_hop_ipv6: $(topo_lb_addr6 "$n")"
		cat <<EOF
    bfd: true
prefixes:
EOF
		for vip in $TOPO_VIPS; do
			echo "  - prefix: $vip/32"
			echo "    services: [\"$vip:$TOPO_PORT/tcp\"]"
			echo "    min_up: 1"
		done
		if topo_v6; then
			for vip in $TOPO_VIPS6; do
				echo "  - prefix: $vip/128"
				echo "    services: [\"[$vip]:$TOPO_PORT/tcp\"]"
				echo "    min_up: 1"
			done
		fi
	} >"$f"
	"$BGPA" --check --config "$f" >/dev/null ||
		{ echo "lab.sh: bad announcer config $f" >&2; return 1; }
}

# lab_bgp_start N: LB N's announcer in LB N's namespace, in a session of
# its own (it outlives lab.sh); waits until it answers (10 s at most).
lab_bgp_start() {
	local n=$1 pid i log
	log=$(lab_bgp_log "$n")
	echo "--- $(date +%T.%3N) lab.sh: bgp-announcer --config $(lab_bgp_conf "$n")" >>"$log"
	setsid nsenter --net="/run/netns/$(topo_ns "lb$n")" -- "$BGPA" \
		--config "$(lab_bgp_conf "$n")" </dev/null >>"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$(lab_bgp_pidf "$n")"
	for ((i = 0; i < 100; i++)); do
		if ! topo_pid_alive "$pid"; then
			echo "lab.sh: bgp-announcer of lb$n exited at start: $(tail -n 5 "$log")" >&2
			return 1
		fi
		"$LBCTL" --socket "$(lab_bgp_sock "$n")" --timeout 1 bgp status \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "lab.sh: bgp-announcer of lb$n does not answer after 10 s" >&2
	return 1
}

lab_bgp_up() {
	local n
	lab_bird_config && lab_bird_start || return 1
	for ((n = 1; n <= TOPO_LBS; n++)); do
		lab_bgp_config "$n" && lab_bgp_start "$n" || return 1
	done
}

# lab_pid_of FILE CONF: the pid in FILE if that process runs with CONF on
# its command line (a stale pid file never hits another process).
lab_pid_of() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 1
	[ -n "$pid" ] && topo_pid_alive "$pid" &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- " $2 " &&
		echo "$pid"
}

# lab_stop PID: SIGTERM, then wait until it is gone (5 s at most; SIGKILL).
lab_stop() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		topo_pid_alive "$1" || return 0
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
}

# lab_bgp_stop: stop the announcers (SIGTERM: each withdraws and closes its
# session with a Cease), then BIRD.  topo_down kills whatever else is
# left in the namespaces.
lab_bgp_stop() {
	local f n pid
	for f in "$TOPO_DIR"/lb*.bgp.pid; do
		[ -f "$f" ] || continue
		n=${f##*/lb}
		n=${n%.bgp.pid}
		pid=$(lab_pid_of "$f" "$(lab_bgp_conf "$n")") && lab_stop "$pid"
		rm -f -- "$f"
	done
	f=$(lab_bird_pidf)
	pid=$(lab_pid_of "$f" "$(lab_bird_conf)") && lab_stop "$pid"
	rm -f -- "$f"
	return 0
}

# lab_indent: two spaces before every line.
lab_indent() { sed 's/^/  /'; }

# lab_show_routes: BIRD's routes for every VIP and the router kernel's.
lab_show_routes() {
	local vip out vips=$TOPO_VIPS
	topo_v6 && vips+=" $TOPO_VIPS6"
	for vip in $vips; do
		echo "router: birdc show route for $vip (a path from each LB; * is BIRD's best)"
		lab_birdc show route for "$vip" | lab_indent || true
		echo "router: ip -n $(topo_ns rt) route show $vip (the kernel's route: a nexthop per LB announcing it)"
		if [[ $vip == *:* ]]; then
			out=$(ip -n "$(topo_ns rt)" -6 route show "$vip")
		else
			out=$(ip -n "$(topo_ns rt)" route show "$vip")
		fi
		[ -n "$out" ] || out="(no route: no LB announces $vip)"
		lab_indent <<<"$out"
	done
}

# lab_show_bgp [nostatus]: BIRD's sessions, the VIPs' routes and, unless
# "nostatus", every announcer's status.
lab_show_bgp() {
	local n nlb
	echo "router: birdc show protocols (BIRD 2, AS $LAB_RT_AS: a BGP session with each LB)"
	lab_birdc show protocols | lab_indent || true
	lab_show_routes
	[ "${1:-}" = nostatus ] && return 0
	nlb=$(lab_lbs)
	for ((n = 1; n <= nlb; n++)); do
		echo "lb$n: lbctl --socket $(lab_bgp_sock "$n") bgp status (its announcer, AS $LAB_LB_AS)"
		lab_bgp "$n" status | lab_indent ||
			echo "  (no answer: see $(lab_bgp_log "$n"))"
	done
}

# --- the LB pair: connection sync and one admin truth (docs/pair.md) --------
# With more than one LB, every LB's config gets a pair: section naming the
# others as peers, over the LB segment, with a key of its own (pair.key in
# TOPO_DIR, drawn at each lab start, mode 0600, owned by TOPO_USER, which
# lbd becomes and reads it as at a reload; not the agents' key: every real
# holds that one).

lab_pair_key() { printf '%s/pair.key' "$TOPO_DIR"; }

lab_pair_keygen() {
	local k
	k=$(lab_pair_key)
	(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$k" &&
		echo >>"$k") && chown "$TOPO_USER" "$k"
}

# lab_pair_conf N: LB N's pair: section, appended to its config.  HELLOs
# every 100 ms, a peer down after 500 ms of silence.  alone_after: with
# pair:, lbd starts "not synced" and its announcer withdraws until it is;
# the bulk copy that would make it synced is not built yet, so today each
# LB becomes synced alone after alone_after (30 s by default: the lab
# would wait that long for its routes).
lab_pair_conf() {
	local n=$1 m
	[ "$TOPO_LBS" -gt 1 ] || return 0
	{
		cat <<EOF
pair:
  node_id: $n
  listen: $(topo_lb_addr "$n"):$LAB_PAIR_PORT
  key_file: $(lab_pair_key)
  hello_interval: 100ms
  dead_after: 500ms
  alone_after: $LAB_PAIR_ALONE
  peers:
EOF
		for ((m = 1; m <= TOPO_LBS; m++)); do
			[ "$m" = "$n" ] ||
				echo "    - {name: lb$m, address: $(topo_lb_addr "$m"):$LAB_PAIR_PORT}"
		done
	} >>"$(topo_lbd_conf "$n")"
}

# lab_lbd_up: every LB's config (with its pair: section) and its lbd.
lab_lbd_up() {
	local n
	if [ "$TOPO_LBS" -gt 1 ]; then
		lab_pair_keygen || return 1
	fi
	for ((n = 1; n <= TOPO_LBS; n++)); do
		topo_lbd_config "$n" && lab_pair_conf "$n" || return 1
	done
	for ((n = 1; n <= TOPO_LBS; n++)); do
		topo_lbd_start "$n" || return 1
	done
}

# lab_abort MESSAGE: say so, remove the half-built lab, exit 1.
lab_abort() {
	echo "lab.sh: $1; cleaning up" >&2
	lab_bgp_stop
	topo_down || true
	exit 1
}

lab_up() {
	local t0 t1 n ms
	t0=$(date +%s%3N)
	for n in bird birdc; do
		command -v "$n" >/dev/null ||
			{ echo "lab.sh: $n is missing (scripts/deps.sh installs bird2)" >&2; exit 1; }
	done
	[ -x "$BGPA" ] ||
		{ echo "lab.sh: not executable: '$BGPA' (build first: scripts/run-lab.sh)" >&2; exit 1; }
	# A fresh site: the previous lab's announcers, BIRD, agents, lbd,
	# namespaces and pins, and its configs and state files (a drain left
	# there would come back).
	lab_bgp_stop
	if ! topo_down; then
		echo "lab.sh: could not remove the previous lab" >&2
		exit 1
	fi
	rm -rf -- "$TOPO_DIR"
	mkdir -p "$TOPO_DIR"
	topo_agent_keygen
	topo_up || lab_abort "building the lab failed"
	lab_lbd_up || lab_abort "starting lbd failed"
	for ((n = 1; n <= TOPO_REALS; n++)); do
		topo_agent_start "$n" || lab_abort "rs-agent on rs$n did not start"
	done
	# BGP: BIRD on the router, then an announcer next to each lbd.
	t1=$(date +%s%3N)
	lab_bgp_up || lab_abort "starting BIRD or an announcer failed"
	# Every LB sees every real up from its agent (5 s at most).
	for ((n = 0; n < 50; n++)); do
		lab_all_up && break
		sleep 0.1
	done
	# The router's route to every VIP, with a nexthop per LB, from BGP: each
	# announcer announces once its lbd has had a real up for 3 polls.
	if ! ms=$(lab_wait_routes "$(lab_lb_addrs)" 20); then
		echo "lab.sh: 20 s after BIRD started the router has no BGP route to" \
			"$TOPO_VIP via every LB ($(lab_lb_addrs)); it has: '$(lab_nexthops)'" >&2
		lab_show_bgp >&2 || true
		echo "lab.sh: the lab is left up to look at (logs in $TOPO_DIR);" \
			"scripts/lab.sh down removes it" >&2
		exit 1
	fi
	ms=$(($(date +%s%3N) - t1))
	echo "lab up in $(($(date +%s%3N) - t0)) ms (the VIP's BGP route $ms ms after BIRD started):"
	echo "  client  ${TOPO_PREFIX}cl  $TOPO_CL_NET.2  (eth0: tx checksum offload off)"
	echo "  router  ${TOPO_PREFIX}rt  $TOPO_CL_NET.1 / $TOPO_SEG_NET.1  BIRD 2 (pid $(cat "$(lab_bird_pidf)")), AS $LAB_RT_AS: a BGP session (and BFD) with each LB;"
	echo "          route $TOPO_VIP/32 from BGP, $(
		[ "$TOPO_LBS" -gt 1 ] && echo "ECMP over the $TOPO_LBS LBs (merge paths)" || echo "via lb1")"
	echo "          config $(lab_bird_conf), socket $(lab_bird_ctl), log $(lab_bird_log)"
	echo "  switch  ${TOPO_PREFIX}sw  bridge br0 (XDP_PASS on the ports facing LBs)"
	for ((n = 1; n <= TOPO_LBS; n++)); do
		echo "  lb$n     ${TOPO_PREFIX}lb$n $(topo_lb_addr "$n")  lbd (pid $(topo_lbd_pid "$n")), instance $(topo_instance "$n"), XDP on seg0"
		echo "          config $(topo_lbd_conf "$n"), socket $(topo_lbd_sock "$n"), log $(topo_lbd_log "$n")"
		[ "$TOPO_LBS" -gt 1 ] &&
			echo "          pair: node $n on $(topo_lb_addr "$n"):$LAB_PAIR_PORT, key $(lab_pair_key), alone_after $LAB_PAIR_ALONE"
		echo "          bgp-announcer (pid $(cat "$(lab_bgp_pidf "$n")")), AS $LAB_LB_AS: $TOPO_VIP/32 next hop $(topo_lb_addr "$n")"
		echo "          while lb$n's lbd has a real up (and no site drain, no $(lab_bgp_disable "$n"))"
		echo "          config $(lab_bgp_conf "$n"), socket $(lab_bgp_sock "$n"), log $(lab_bgp_log "$n")"
	done
	for ((n = 1; n <= TOPO_REALS; n++)); do
		echo "  rs$n     ${TOPO_PREFIX}rs$n $(topo_rs_addr "$n")  keel-echo on :$TOPO_PORT; rs-agent (pid $(topo_agent_pid "$n")): VIP $TOPO_VIP on lo, reports to every LB"
		echo "          config $(topo_agent_conf "$n"), socket $(topo_agent_sock "$n"), log $(topo_agent_log "$n")"
	done
	echo "  service $(topo_svc): rs1..rs$TOPO_REALS, weight 1, health from the agents, on every LB"
	if topo_v6; then
		echo "  IPv6: client ${TOPO_CL_NET6}:2, router ${TOPO_CL_NET6}:1 / ${TOPO_SEG_NET6}:1, lbN ${TOPO_SEG_NET6}:(1+N), rsN ${TOPO_SEG_NET6}:(10+N);"
		echo "          VIP $TOPO_VIP6/128 on every real's lo, announced by each LB (next hop its IPv6 address)"
		echo "  service $(topo_svc6): rs1..rs$TOPO_REALS's IPv6 addresses (lbd resolves them by NDP), weight 1,"
		echo "          health from lbd's tcp check, on every LB"
	fi
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

# lab_status [nobgp]: namespaces, BIRD and the VIPs' routes, each LB's
# status, counters and announcer ("nobgp": without BIRD and announcers).
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
	if [ "${1:-}" != nobgp ]; then
		echo
		lab_show_bgp nostatus
	fi
	nlb=$(lab_lbs)
	for ((n = 1; n <= nlb; n++)); do
		echo
		echo "lb$n: lbctl --socket $(topo_lbd_sock "$n") status"
		lab_lbctl "$n" status | sed 's/^/  /' || true
		echo "lb$n: counters (non-zero)"
		lab_lbctl "$n" stats | awk '$2 != 0 { print "  " $0 }' || true
		[ "${1:-}" = nobgp ] && continue
		echo "lb$n: lbctl --socket $(lab_bgp_sock "$n") bgp status"
		lab_bgp "$n" status | lab_indent ||
			echo "  (no answer: see $(lab_bgp_log "$n"))"
	done
}

# lab_metrics N: LB N's metrics (127.0.0.1:9450 inside its namespace;
# bash's /dev/tcp: curl is not among the dependencies).
lab_metrics() {
	topo_nsx "lb$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9450 &&
		printf "GET /metrics HTTP/1.0\r\nHost: lb\r\n\r\n" >&3 && cat <&3' 2>/dev/null
}

# lab_new_flows N [SVC]: "REAL COUNT" per real of SVC (default the IPv4
# service), from LB N's metrics.
lab_new_flows() {
	lab_metrics "$1" |
		awk -v s="${2:-$(topo_svc)}" -F'[{}]' '$1 == "keel_real_new_flows_total" &&
			index($2, "service=\"" s "\"") {
			r = $2; sub(/.*real="/, "", r); sub(/".*/, "", r)
			n = $3; sub(/^ /, "", n); print r, n }'
}

# lab_lb_flows N [SVC]: LB N's new flows for SVC (default the IPv4
# service), all reals together.
lab_lb_flows() { lab_new_flows "$@" | awk '{ s += $2 } END { print s + 0 }'; }

# lab_pair_status: every LB's lbctl pair status.
lab_pair_status() {
	local n
	for ((n = 1; n <= TOPO_LBS; n++)); do
		echo "lb$n: scripts/lab.sh lbctl $n pair status"
		lab_lbctl "$n" pair status | lab_indent || true
	done
}

# lab_pair_counts: per pair of LBs (A, B), "A B SENT RCVD": the flow
# records A's pair status says it sent to B, and B's that it received
# from A.
lab_pair_counts() {
	local n
	for ((n = 1; n <= TOPO_LBS; n++)); do
		topo_lbctl "$n" --json --timeout 2 pair status 2>/dev/null |
			jq -r --arg me "lb$n" '.pair.peers[]? |
				"\($me) \(.name) sent \(.records_sent)",
				"\(.name) \($me) rcvd \(.records_received)"'
	done | awk '{ v[$1 " " $2, $3] = $4; k[$1 " " $2] = 1 }
		END { for (p in k) print p, v[p, "sent"] + 0, v[p, "rcvd"] + 0 }' | sort
}

# lab_pair_settled: every record sent has been received (the counts of
# lab_pair_counts agree), and not a single one.
lab_pair_settled() {
	lab_pair_counts | awk '$3 != $4 { bad = 1 } END { exit bad || NR == 0 }'
}

# lab_pair_flows: once the flow records in flight have arrived (3 s at
# most), per LB its new flows, the records it sent to its peers and
# received from them, and what merging them into its conn table did.
lab_pair_flows() {
	local n i m nf merged
	for ((i = 0; i < 30; i++)); do
		lab_pair_settled && break
		sleep 0.1
	done
	echo "flow sync: every flow an LB assigns is sent to its peer as a record (the XDP program's"
	echo "per-CPU ring, drained every 5 ms, in FLOWS datagrams), which merges it into its conn table:"
	for ((n = 1; n <= TOPO_LBS; n++)); do
		m=$(lab_metrics "$n")
		nf=$(awk -F'[{}]' '$1 == "keel_real_new_flows_total" { split($3, a, " "); s += a[1] }
			END { print s + 0 }' <<<"$m")
		merged=$(awk -F'[{}]' '$1 == "keel_pair_flow_merged_total" {
				r = $2; sub(/.*result="/, "", r); sub(/".*/, "", r)
				split($3, a, " "); if (a[1] > 0) printf "%s%s %d", sep, r, a[1]; sep = ", " }' <<<"$m")
		printf '  lb%d: %d new flows (both VIPs), %s records sent; from its peer %s translated, merged: %s\n' \
			"$n" "$nf" \
			"$(awk '$1 == "keel_pair_flow_records_out_total{result=\"sent\"}" { print $2 }' <<<"$m")" \
			"$(awk '$1 == "keel_pair_flow_records_in_total{result=\"translated\"}" { print $2 }' <<<"$m")" \
			"${merged:-nothing}"
	done
	lab_pair_counts | while read -r a b sent rcvd; do
		printf '  %s -> %s: %d records sent, %d received%s\n' "$a" "$b" "$sent" "$rcvd" \
			"$([ "$sent" = "$rcvd" ] && echo " (all)" || echo " (NOT all: lost or still in flight)")"
	done
	lab_pair_settled
}

# lab_real_line N SVC REAL: LB N's status header and REAL's line in SVC.
lab_real_line() {
	topo_lbctl "$1" status 2>/dev/null | awk -v s="$2" -v r="$3" -v head="${4:-}" '
		$1 == "service" { in_svc = ($2 == s) }
		in_svc && $1 == "REAL" && !hdr { hdr = 1; if (head != "") print }
		in_svc && $1 == r { print }'
}

# lab_wait_admin N REAL FIELD WANT: LB N's status shows REAL's admin FIELD
# = WANT on the IPv4 service within 5 s (polled every 20 ms); prints the
# milliseconds waited.
lab_wait_admin() {
	local t0 i
	t0=$(date +%s%3N)
	for ((i = 0; i < 250; i++)); do
		if [ "$(topo_lbctl "$1" --json status 2>/dev/null | jq -r --arg s "$(topo_svc)" \
			--arg r "$2" '.services[] | select(.service == $s) | .reals[] |
			select(.real == $r) | .admin.'"$3")" = "$4" ]; then
			echo $(($(date +%s%3N) - t0))
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# lab_pair_admin: one admin truth: a drain made with lbctl on lb1 shows on
# lb2, the undrain made on lb2 shows on lb1 (timed from the command).
lab_pair_admin() {
	local svc rs n ms
	svc=$(topo_svc)
	rs=$(topo_rs_addr 1)
	echo "one admin truth: an lbctl change on either LB reaches the other (registers stamped"
	echo "with the pair's clock, sent at the next HELLO, last writer wins):"
	echo "  \$ scripts/lab.sh lbctl 1 real drain $svc $rs"
	topo_lbctl 1 real drain "$svc" "$rs" | lab_indent || return 1
	if ! ms=$(lab_wait_admin 2 "$rs" drain true); then
		echo "lab.sh: 5 s after the drain on lb1, lb2 does not show $rs drained" >&2
		return 1
	fi
	echo "  lb2 shows it $ms ms after the command (status polled every 20 ms):"
	for ((n = 1; n <= TOPO_LBS; n++)); do
		echo "  lb$n: scripts/lab.sh lbctl $n status ($svc, $rs)"
		lab_real_line "$n" "$svc" "$rs" head | sed 's/^/  /'
	done
	echo "  \$ scripts/lab.sh lbctl 2 real undrain $svc $rs"
	topo_lbctl 2 real undrain "$svc" "$rs" | lab_indent || return 1
	if ! ms=$(lab_wait_admin 1 "$rs" drain false); then
		echo "lab.sh: 5 s after the undrain on lb2, lb1 still shows $rs drained" >&2
		return 1
	fi
	echo "  lb1 shows it undrained $ms ms after the command:"
	lab_real_line 1 "$svc" "$rs" | sed 's/^/  /'
}

# lab_pair_failover [N]: N connections (default 300) held open through
# both LBs; rs1's weight changed on lb1 (so both LBs' Maglev tables now
# send some flows elsewhere than when they opened); lb1's lbd killed
# (SIGKILL): its announcer, which no longer hears lbd, withdraws, and the
# router sends every flow to lb2, which must know lb1's flows from their
# records.  Prints how many connections survived; then lb1's lbd started
# again (it adopts its data plane, serves once synced: alone_after) and
# the weight cleared.
lab_pair_failover() {
	local conns=${1:-300} svc rs out pid ms t0 i rc=0 line
	svc=$(topo_svc)
	rs=$(topo_rs_addr 1)
	out=$TOPO_DIR/failover.out
	rm -f -- "$TOPO_DIR/failover.go"
	echo "an LB fails: $conns connections held open through both LBs (ECMP), then"
	echo "  \$ scripts/lab.sh lbctl 1 real weight $svc $rs 3"
	topo_nsx cl "$KEEL_ECHO" client --connect "$TOPO_VIP" --port "$TOPO_PORT" \
		--count "$conns" --parallel 64 --timeout-ms 5000 --hold \
		--wait-file "$TOPO_DIR/failover.go" --wait-timeout 60 >"$out" 2>&1 &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^holding' "$out" 2>/dev/null && break
		topo_pid_alive "$pid" || break
		sleep 0.1
	done
	if ! grep -q '^holding' "$out"; then
		echo "lab.sh: the held connections did not open: $(tail -n 3 "$out")" >&2
		kill "$pid" 2>/dev/null
		return 1
	fi
	echo "  $(grep '^round 1' "$out")"
	topo_lbctl 1 real weight "$svc" "$rs" 3 | lab_indent || rc=1
	if [ "$rc" = 0 ] && ! lab_wait_admin 2 "$rs" weight 3 >/dev/null; then
		echo "lab.sh: lb2 does not show rs1's weight 3 within 5 s" >&2
		rc=1
	fi
	if [ "$rc" = 0 ]; then
		echo "  (replicated to lb2: the tables now differ from when the connections opened)"
		echo "  lb1's lbd killed (SIGKILL): its announcer no longer hears it and withdraws"
		t0=$(date +%s%3N)
		# stderr: bash's own "Killed" line about its background job.
		topo_lbd_stop 1 --kill 2>/dev/null ||
			{ echo "lab.sh: lb1's lbd did not stop" >&2; rc=1; }
	fi
	if [ "$rc" = 0 ] && ! lab_wait_routes "$(lab_lb_addrs 1)" 10 >/dev/null; then
		echo "lab.sh: 10 s after lb1's lbd was killed the router still has '$(lab_nexthops)'" >&2
		rc=1
	fi
	if [ "$rc" = 0 ]; then
		ms=$(($(date +%s%3N) - t0))
		echo "  the router's route lost lb1's nexthop $ms ms after the kill; every flow now goes to lb2"
	fi
	: >"$TOPO_DIR/failover.go"
	wait "$pid"
	line=$(grep '^round 2' "$out") || line="(no second round: $(tail -n 2 "$out"))"
	echo "  the held connections, each echoed again: $line"
	if [[ $line =~ total\ ([0-9]+)\ ok\ ([0-9]+) ]]; then
		echo "pair failover: ${BASH_REMATCH[2]}/${BASH_REMATCH[1]} connections survived (weight changed, then lb1's lbd killed)"
		[ "${BASH_REMATCH[2]}" = "$conns" ] || rc=1
	else
		rc=1
	fi
	echo "  lb1's lbd started again: it adopts its data plane and announces once synced"
	topo_lbd_start 1 || return 1
	t0=$(date +%s%3N)
	if ! lab_wait_routes "$(lab_lb_addrs)" 20 >/dev/null; then
		echo "lab.sh: 20 s after lb1's lbd restarted the router has '$(lab_nexthops)'" >&2
		return 1
	fi
	echo "  lb1's path is back $(($(date +%s%3N) - t0)) ms after its start"
	echo "  \$ scripts/lab.sh lbctl 2 real weight $svc $rs clear"
	topo_lbctl 2 real weight "$svc" "$rs" clear | lab_indent || return 1
	lab_wait_admin 1 "$rs" weight null >/dev/null ||
		{ echo "lab.sh: lb1 still has rs1's weight override 5 s later" >&2; return 1; }
	return "$rc"
}

# lab_drain_demo: lb1 site-drained: its announcer withdraws the VIP, the
# router keeps the other LBs' paths and new connections go there only;
# undrained: back.  Times from the lbctl command to the router kernel's
# route changing.
lab_drain_demo() {
	local t0 ms f1 out out6 rest all n
	local -a f2
	all=$(lab_lb_addrs)
	rest=$(lab_lb_addrs 1)
	echo "lb1 taken out of the site for maintenance: its announcer sees lbd's site drain,"
	echo "withdraws the VIP, and the router keeps only the other LBs' paths:"
	echo "  \$ scripts/lab.sh lbctl 1 site drain --reason \"lab demo\""
	t0=$(date +%s%3N)
	topo_lbctl 1 site drain --reason "lab demo" | lab_indent
	if ! lab_wait_routes "$rest" 5 >/dev/null; then
		echo "lab.sh: 5 s after lb1's site drain the router still has nexthops" \
			"'$(lab_nexthops)' (want '$rest'); undraining" >&2
		topo_lbctl 1 site undrain >/dev/null || true
		return 1
	fi
	ms=$(($(date +%s%3N) - t0))
	echo "  the router's kernel route lost lb1's nexthop $ms ms after the command:"
	lab_show_routes | lab_indent
	echo "  lb1: scripts/lab.sh bgp 1 status"
	lab_bgp 1 status | sed 's/^/    /' || true
	f1=$(lab_lb_flows 1)
	for ((n = 2; n <= TOPO_LBS; n++)); do f2[n]=$(lab_lb_flows "$n"); done
	out=$(topo_client --count 100 --timeout-ms 3000 | grep '^round') ||
		{ echo "lab.sh: traffic failed while lb1 was drained: $out" >&2; return 1; }
	printf '  100 new connections meanwhile: %s; new flows lb1 +%d' \
		"${out#round 1 }" $(($(lab_lb_flows 1) - f1))
	for ((n = 2; n <= TOPO_LBS; n++)); do
		printf ', lb%d +%d' "$n" $(($(lab_lb_flows "$n") - f2[n]))
	done
	echo
	if topo_v6; then
		f1=$(lab_lb_flows 1 "$(topo_svc6)")
		out6=$(topo_client6 --count 100 --timeout-ms 3000 | grep '^round') ||
			{ echo "lab.sh: IPv6 traffic failed while lb1 was drained: $out6" >&2; return 1; }
		printf '  100 new IPv6 connections meanwhile: %s; new flows lb1 +%d\n' \
			"${out6#round 1 }" $(($(lab_lb_flows 1 "$(topo_svc6)") - f1))
	fi
	echo "  \$ scripts/lab.sh lbctl 1 site undrain"
	t0=$(date +%s%3N)
	topo_lbctl 1 site undrain | lab_indent
	if ! lab_wait_routes "$all" 5 >/dev/null; then
		echo "lab.sh: 5 s after lb1's undrain the router has nexthops" \
			"'$(lab_nexthops)' (want '$all')" >&2
		return 1
	fi
	ms=$(($(date +%s%3N) - t0))
	echo "  lb1's path is back $ms ms after the command:"
	ip -n "$(topo_ns rt)" route show "$TOPO_VIP" | sed 's/^/    /'
	if topo_v6; then
		ip -n "$(topo_ns rt)" -6 route show "$TOPO_VIP6" | sed 's/^/    /'
	fi
}

# lab_bars FILE N: per real of keel-echo client output FILE, its count of N
# connections, its share and a bar.
lab_bars() {
	awk -v n="$2" '$1 == "server" {
		bar = ""; for (i = 0; i < 50 * $4 / n; i++) bar = bar "#"
		printf "  %-4s %5d  %5.1f%%  %s\n", $3, $4, 100 * $4 / n, bar }' "$1" |
		sort
}

# lab_flow_table SVC WIDTH: new flows of SVC per real (a column WIDTH
# wide) on each LB, from the LBs' metrics.
lab_flow_table() {
	local n
	printf "  %-${2}s" real
	for ((n = 1; n <= TOPO_LBS; n++)); do printf '  %6s' "lb$n"; done
	printf '  %6s\n' total
	for ((n = 1; n <= TOPO_LBS; n++)); do
		lab_new_flows "$n" "$1" | sed "s/^/$n /"
	done | awk -v nlb="$TOPO_LBS" -v w="$2" '{ c[$2, $1] = $3; reals[$2] = 1; t[$1] += $3 }
		END {
			for (r in reals) {
				s = 0
				printf "  %-" w "s", r
				for (i = 1; i <= nlb; i++) { printf "  %6d", c[r, i]; s += c[r, i] }
				printf "  %6d\n", s
			}
			s = 0
			printf "  %-" w "s", "~total"
			for (i = 1; i <= nlb; i++) { printf "  %6d", t[i]; s += t[i] }
			printf "  %6d\n", s
		}' | LC_ALL=C sort | sed 's/~total/total /'
}

lab_demo() {
	local conns=${LAB_CONNS:-600} out n i trickle
	lab_up
	echo
	echo "The VIP's route on the router comes from BGP: each LB's bgp-announcer announces"
	echo "$TOPO_VIP/32 with its own address as next hop while its lbd can serve it:"
	lab_show_bgp
	if [ "$TOPO_LBS" -gt 1 ]; then
		echo
		echo "The LBs are one pair (docs/pair.md): each sends the other a HELLO every 100 ms over"
		echo "UDP $LAB_PAIR_PORT on the LB segment (XChaCha20-Poly1305 with the pair's own key,"
		echo "$(lab_pair_key)), then the flows it assigns and every lbctl change."
		echo "Each started not synced (its announcer withdrawn) and serves alone after"
		echo "alone_after ($LAB_PAIR_ALONE): the bulk copy from a peer is not built yet."
		lab_pair_status
	fi
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
	lab_bars "$out" "$conns"
	echo
	echo "new flows per real on each LB (the router spreads connections over the LBs by ECMP;"
	echo "both LBs build the same Maglev table, so a flow maps to the same real on either):"
	lab_flow_table "$(topo_svc)" 12
	if topo_v6; then
		echo
		echo "client: $conns TCP connections to [$TOPO_VIP6]:$TOPO_PORT (IPv6: the same LBs and reals, over IPv6 neighbours)"
		if ! topo_client6 --count "$conns" --timeout-ms 3000 >"$out"; then
			cat "$out"
			rm -f "$out"
			echo "lab.sh: the demo's IPv6 traffic failed (the lab is left up: scripts/lab.sh status)" >&2
			exit 1
		fi
		grep '^round' "$out" | sed 's/^/  /'
		lab_bars "$out" "$conns"
		echo "new IPv6 flows per real on each LB:"
		lab_flow_table "$(topo_svc6)" 17
	fi
	rm -f "$out"
	if [ "$TOPO_LBS" -gt 1 ]; then
		echo
		if ! lab_pair_flows; then
			echo "lab.sh: the LBs' flow records do not all arrive (the lab is left up: scripts/lab.sh status)" >&2
			exit 1
		fi
		lab_pair_status
		echo
		if ! lab_pair_admin; then
			echo "lab.sh: the pair's admin demo failed (the lab is left up: scripts/lab.sh status)" >&2
			exit 1
		fi
	fi
	# Status while some traffic flows, so that its per-second rates show.
	echo
	echo "(a trickle of new connections runs while the status is taken: about 150/s for 3.5 s$(
		topo_v6 && echo ", IPv4 and IPv6 in turn"))"
	for ((i = 0; i < 35; i++)); do
		if topo_v6 && ((i % 2)); then
			topo_client6 --count 20 --parallel 4 --timeout-ms 3000 >/dev/null 2>&1 || true
		else
			topo_client --count 20 --parallel 4 --timeout-ms 3000 >/dev/null 2>&1 || true
		fi
		sleep 0.1
	done &
	trickle=$!
	sleep 2.2
	lab_status nobgp
	wait "$trickle" || true
	if [ "$TOPO_LBS" -gt 1 ]; then
		echo
		if ! lab_drain_demo; then
			echo "lab.sh: the site drain demo failed (the lab is left up: scripts/lab.sh status)" >&2
			exit 1
		fi
		echo
		if ! lab_pair_failover; then
			echo "lab.sh: the pair's failover demo failed (the lab is left up: scripts/lab.sh status)" >&2
			exit 1
		fi
	fi
	cat <<EOF

The lab is still running. Try:
  scripts/lab.sh client --count 50
  scripts/lab.sh status
  scripts/lab.sh route               (BIRD's paths and the router kernel's nexthops)
  scripts/lab.sh bgp 1 status        (lb1's announcer: session, what it announces, why)
  scripts/lab.sh birdc show protocols all lb1
Take lb1 out of the site: its announcer withdraws the VIP and the router keeps
only lb2's path (lb1's lbd still serves what reaches it); then put it back:
  scripts/lab.sh lbctl 1 site drain --reason "maintenance"; scripts/lab.sh route
  scripts/lab.sh lbctl 1 site undrain
The announcer's disable file does the same without lbd:
  touch $(lab_bgp_disable 1); scripts/lab.sh route; rm $(lab_bgp_disable 1)
Drain rs1 for an upgrade: its agent tells every LB (no new connections,
established ones stay) and the command returns once its clients are gone:
  scripts/lab.sh agent 1 drain --wait --timeout 60
  scripts/lab.sh agent 1 undrain
Stop rs2's service and watch both LBs take it out within a fraction of a second:
  kill \$(cat $TOPO_DIR/rs2.pid); scripts/lab.sh lbctl 1 status
(with no real left up an LB's announcer withdraws the VIP too: lbctl bgp status says why)
An operator's drain works without the agent too; made on one LB, it reaches
the others (one admin truth: docs/pair.md), so all keep the same Maglev table:
  $LBCTL --socket $(topo_lbd_sock 1) real drain $(topo_svc) $(topo_rs_addr 1)
  (or: scripts/lab.sh lbctl 1 real drain $(topo_svc) $(topo_rs_addr 1); undrain the same way)
The pair: scripts/lab.sh lbctl 1 pair status (links, RTT, records sent and received);
scripts/lab.sh failover 500 (lb1's lbd killed under 500 held connections).
Change $(topo_lbd_conf 1) and reload: scripts/lab.sh lbctl 1 reload
Each announcer's config: $(lab_bgp_conf 1) (reload: kill -HUP \$(cat $(lab_bgp_pidf 1))).
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
client6)
	need_root
	[ -n "$(topo_list_ns)" ] || { echo "lab is down: scripts/lab.sh up" >&2; exit 1; }
	topo_v6 || { echo "lab.sh: the lab is IPv4 only (LAB_V6=0)" >&2; exit 1; }
	topo_client6 "$@"
	;;
lbctl)
	need_root
	[[ ${1:-} =~ ^[0-9]+$ ]] || usage
	n=$1
	shift
	topo_lbctl "$n" "$@"
	;;
route)
	need_root
	[ -n "$(topo_list_ns)" ] || { echo "lab is down: scripts/lab.sh up" >&2; exit 1; }
	lab_show_routes
	;;
bgp)
	need_root
	lab_on_node lab_bgp "$@"
	;;
birdc)
	need_root
	birdc -s "$(lab_bird_ctl)" "$@"
	;;
agent)
	need_root
	lab_on_node topo_agent "$@"
	;;
failover)
	need_root
	[ "$(lab_lbs)" -gt 1 ] || { echo "lab.sh: failover needs a lab of two LBs: scripts/lab.sh up" >&2; exit 1; }
	lab_pair_failover "$@"
	;;
down)
	need_root
	lab_bgp_stop
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
