# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The stress suite's site and attacks (sourced by scripts/stress.sh, never
# run; tests/stress/README.md).  Every host lives in a namespace of the
# site (scripts/lib/topology.sh, lbd mode), which topo_down removes:
#
#   cl 10.10.0.2 -- rt -- sw (bridge) --+-- lb1 10.20.0.2   lbd (1024 descriptors)
#   (the clients)                       +-- rs1..rs3 10.20.0.11-13  keel-echo
#                                       |     (tcp 80, udp 5353), rs-agent
#                                       +-- fl 10.20.0.200  the attacker
#
#   S1 203.0.113.10:80/tcp    health agent   the established TCP flows
#   S2 203.0.113.20:5353/udp  health agent   the established UDP flows
#   S3 203.0.113.30:80/tcp    health tcp     lbd's own probes (no traffic)
#
# The attacker sits on the LBs' segment and addresses the LB's MAC, as the
# router would: packet floods are spoofed from ST_SPOOF, which every real
# drops at its interface (keel-flood --sink: the servers' own defences,
# so that three servers simulated on this machine do not spend its CPU
# answering what the LB forwards them).  Report floods go to lbd's report
# port from spoofed sources (keel-report-send --flood).
#
# Caller (scripts/stress.sh) sets, before sourcing topology.sh and this:
#   LBD LBCTL KEEL_ECHO KEEL_XDP RS_AGENT REPORT_SEND KEEL_FLOOD CONN_FIND
#   ST_TOOL (stress_tool.py), ST_DUR (seconds per attack), ST_EST (TCP
#   flows held), ST_UDP_EST (UDP flows held), ST_RATE (flood pps, 0: as
#   fast as the machine goes), ST_JUNK_RATE, ST_CROWD_CTL, ST_CROWD_MET,
#   ST_FLOOD_MODE, ST_FLOOD_THREADS, ST_QUICK (1: assert the invariants),
#   ST_NEW (new flows while lbd is refused), ST_REPLAY_RATE, ST_KEEP_FLOWS
#   (lbd's agents.keep_flows_for), ST_BIG_TABLE, ST_SMALL_TABLE,
#   ST_JUNK_SENDERS;
#   and uses check() (tests/e2e/e2e_lib.sh).

ST_VIP1=203.0.113.10
ST_VIP2=203.0.113.20
ST_VIP3=203.0.113.30
ST_S1="$ST_VIP1:80/tcp"
ST_S2="$ST_VIP2:5353/udp"
ST_S3="$ST_VIP3:80/tcp"
ST_SPOOF=10.128.0.0/9
ST_FL_ADDR=10.20.0.200
ST_SIGN_OFF=() # figure lines, printed again at the end
ST_TABLE=0     # the conn table lbd runs with now
declare -A ST_EST_PID=() # keel-echo clients holding flows, by name

st_say() { echo "# $*"; }
st_ms() { date +%s%3N; }

# --- the site -------------------------------------------------------------------

# st_lbd_config TABLE: lb1's config (topo_lbd_conf 1).
st_lbd_config() {
	local f tmp n svc
	f=$(topo_lbd_conf 1)
	tmp="$f.tmp.$$"
	{
		echo "# lbd config of the stress suite's LB (tests/stress/stress_lib.sh)"
		echo "instance: $(topo_instance 1)"
		echo "user: $TOPO_USER"
		echo "conn_table_size: $1"
		echo "interfaces:"
		echo "  - name: seg0"
		echo "control:"
		echo "  socket: $(topo_lbd_sock 1)"
		echo "metrics:"
		echo "  listen: 127.0.0.1:9450"
		echo "state_file: $(topo_lbd_state 1)"
		echo "agents:"
		echo "  listen: 0.0.0.0:9460"
		echo "  key_file: $(topo_agent_key)"
		echo "  interval: 100ms"
		echo "  keep_flows_for: $ST_KEEP_FLOWS"
		echo "services:"
		for svc in "$ST_VIP1 80 tcp agent" "$ST_VIP2 5353 udp agent" \
			"$ST_VIP3 80 tcp check"; do
			set -- $svc
			echo "  - vip: $1"
			echo "    port: $2"
			echo "    protocol: $3"
			if [ "$4" = agent ]; then
				echo "    health: {type: agent}"
			else
				echo "    health: {type: tcp, port: 80, interval: 200ms, timeout: 200ms, rise: 2, fall: 2}"
			fi
			echo "    reals:"
			for n in 1 2 3; do
				echo "      - address: $(topo_rs_addr $n)"
			done
		done
	} >"$tmp" && mv -f -- "$tmp" "$f"
}

# st_agent_config N: rs-agent's config for real N (S1 and S2, checked by a
# TCP connect to keel-echo).
st_agent_config() {
	local n=$1 f
	f=$(topo_agent_conf "$n")
	topo_agent_keygen || return 1
	cat >"$f.tmp" <<-EOF
		# rs-agent config of the stress suite (tests/stress/stress_lib.sh)
		real: $(topo_rs_addr "$n")
		key_file: $(topo_agent_key)
		interval: 100ms
		interfaces: [eth0]
		user: $TOPO_USER
		control:
		  socket: $(topo_agent_sock "$n")
		state_dir: $TOPO_DIR/rs$n.agent.d
		lbs:
		  - $(topo_lb_addr 1):9460
		services:
		  - vip: $ST_VIP1
		    port: 80
		    protocol: tcp
		    check: {type: tcp, interval: 100ms, timeout: 200ms, rise: 2, fall: 2}
		  - vip: $ST_VIP2
		    port: 5353
		    protocol: udp
		    check: {type: tcp, port: 80, interval: 100ms, timeout: 200ms, rise: 2, fall: 2}
	EOF
	mv -f -- "$f.tmp" "$f"
}

# The jq condition: every (service, real) up, from its health input.
ST_ALL_UP='[.services[].reals[] | .state == "up"] | length == 9 and all'

st_status() { topo_lbctl 1 --json --timeout 5 status >"$TOPO_DIR/status.json" 2>/dev/null; }
st_all_up() { st_status && [ "$(jq -r "$ST_ALL_UP" "$TOPO_DIR/status.json")" = true ]; }

# st_wait CMD... : run CMD every 100 ms until it succeeds (30 s at most).
st_wait() {
	local i
	for ((i = 0; i < 300; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# lbd starts as systemd would start it without LimitNOFILE: a soft limit
# of 1024 descriptors (the hard one stays ours).
ST_NOFILE="1024:$(ulimit -Hn)"
st_lbd_start() {
	TOPO_LBD_NOFILE=$ST_NOFILE topo_lbd_start 1 "$@"
}

# st_table N: lbd runs with a conn table of N entries (a pinned table keeps
# its size: a change unloads the data plane and starts lbd again).
st_table() {
	[ "$ST_TABLE" = "$1" ] && return 0
	if [ "$ST_TABLE" != 0 ]; then
		topo_lbd_stop 1 --unload || return 1
	fi
	st_lbd_config "$1" && st_lbd_start || return 1
	ST_TABLE=$1
	st_wait st_all_up || { st_say "not every real up after lbd's start: $(jq -c '[.services[].reals[] | .state + "/" + .source]' "$TOPO_DIR/status.json")"; return 1; }
}

st_site_up() {
	local n t
	t=$(st_ms)
	topo_up || return 1
	topo_nsx cl sysctl -qw net.ipv4.ip_local_port_range="10000 65000" \
		net.ipv4.tcp_tw_reuse=1 net.core.txrehash=0 >/dev/null || return 1
	# The attacker, on the segment.  In live mode its switch port runs XDP
	# so that the frames keel-flood transmits with XDP_TX are received
	# (an AF_PACKET sender goes faster without it: no XDP run on an skb).
	topo_ns_add fl && topo_port fl eth0 &&
		topo_do ip -n "$(topo_ns fl)" addr add "$ST_FL_ADDR/24" dev eth0 || return 1
	if [ "$ST_FLOOD_MODE" = live ]; then
		topo_do topo_nsx sw "$KEEL_XDP" pass p-fl >/dev/null || return 1
	fi
	for n in 1 2 3; do
		topo_do topo_nsx "rs$n" "$KEEL_FLOOD" --sink --dev eth0 \
			--from "$ST_SPOOF" >/dev/null || return 1
		st_agent_config "$n" && topo_agent_start "$n" || return 1
	done
	ST_LB_MAC=$(ip -n "$(topo_ns lb1)" -j link show seg0 | jq -r '.[0].address')
	ST_PIN="$TOPO_BPFFS/keel/$(topo_instance 1)"
	st_table "$1" || return 1
	st_say "site up in $(($(st_ms) - t)) ms ($TOPO_DIR; lbd pid $(topo_lbd_pid 1), soft descriptor limit $(awk '/Max open files/ { print $4 }' "/proc/$(topo_lbd_pid 1)/limits"))"
}

# --- established flows ------------------------------------------------------------

# st_est_start NAME VIP PORT N [--udp]: N flows opened from the client,
# each answered once, then held (NAME.out).
st_est_start() {
	local name=$1 out="$TOPO_DIR/$1.out" t
	rm -f "$TOPO_DIR/$name.go"
	t=$(st_ms)
	# nsenter execs keel-echo: $! is the client itself.
	nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client \
		--connect "$2" --port "$3" --count "$4" --parallel 256 \
		--timeout-ms 5000 --hold --wait-file "$TOPO_DIR/$name.go" \
		--wait-timeout 1800 ${5:-} >"$out" 2>"$TOPO_DIR/$name.err" &
	ST_EST_PID[$name]=$!
	if ! topo_wait_file "$out" '^holding' 180; then
		st_say "$name: no 'holding' within 180 s: $(tail -n 3 "$TOPO_DIR/$name.err")"
		return 1
	fi
	st_say "$name: $(grep '^holding' "$out") ${5:+UDP }flows to $2:$3 in $(($(st_ms) - t)) ms ($(st_shares "$out" 1))"
}

st_shares() { awk -v r="$2" '$1 == "server" && $2 == r { printf "%s%s=%s", s, $3, $4; s = " " }' "$1"; }
st_field() {
	awk -v r="$2" -v k="$3" '$1 == "round" && $2 == r {
		for (i = 3; i < NF; i += 2) if ($i == k) v = $(i + 1) }
		END { print (v == "" ? -1 : v) }' "$1"
}

# st_est_check NAME: round 2 on NAME's flows; sets EST_TOTAL, EST_KEPT
# (answered by the same real), EST_FAILED, EST_MOVED.
st_est_check() {
	local name=$1 out="$TOPO_DIR/$1.out" pid=${ST_EST_PID[$1]}
	: >"$TOPO_DIR/$name.go"
	wait "$pid"
	EST_TOTAL=$(grep -m1 '^holding' "$out" | awk '{ print $2 }')
	EST_FAILED=$(st_field "$out" 2 failed)
	EST_MOVED=$(st_field "$out" 2 moved)
	EST_KEPT=$(($(st_field "$out" 2 ok) - EST_MOVED))
	[ "$EST_KEPT" -ge 0 ] || EST_KEPT=0
}

# st_entries NAME VIP PORT PROTO: how many of NAME's flows have an entry in
# lb1's conn table (keel-conn-find: one lookup per flow).
st_entries() {
	local f="$TOPO_DIR/$1.tuples"
	if [ "$4" = tcp ]; then
		topo_nsx cl ss -Htn state established dst "$2" dport = ":$3"
	else
		topo_nsx cl ss -Hun dst "$2" dport = ":$3"
	fi | awk -v p="$4" '{ n = split($(NF - 1), l, ":"); m = split($NF, r, ":");
		print l[1], l[2], r[1], r[2], p }' >"$f"
	"$CONN_FIND" --missing "$ST_PIN/keel_conn" <"$f" >"$f.found"
	awk '$1 == "found" { print $2 }' "$f.found"
}

# --- measuring an attack --------------------------------------------------------------

# st_kill PID...: SIGKILL processes this shell started, reaped quietly.
st_kill() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

lbd_ticks() { awk '{ print $14 + $15 }' "/proc/$(topo_lbd_pid 1)/stat" 2>/dev/null || echo 0; }
lbd_fds() { ls "/proc/$(topo_lbd_pid 1)/fd" 2>/dev/null | wc -l; }

# xdp_cnt NAME: a global counter of lb1's data plane.
xdp_cnt() { "$KEEL_XDP" -i "$(topo_instance 1)" stats | awk -v n="$1" '$1 == n { print $2 }'; }

# st_begin: what an attack is measured against (lbd's CPU, log, the sampler).
st_begin() {
	ST_T0=$(date +%s%N)
	ST_TICKS0=$(lbd_ticks)
	ST_LOG0=$(wc -l <"$(topo_lbd_log 1)")
	ST_FDMAX=0
	# nsenter execs python3: $! is the sampler itself.
	nsenter --net="/run/netns/$(topo_ns lb1)" -- python3 "$ST_TOOL" sample --lbctl "$LBCTL" \
		--socket "$(topo_lbd_sock 1)" --metrics 127.0.0.1:9450 \
		--interval 150 --max-seconds $((ST_DUR + 120)) \
		>"$TOPO_DIR/sample.json" 2>"$TOPO_DIR/sample.err" &
	ST_SAMPLER=$!
}

# st_fd_watch SECONDS: the most descriptors lbd held, sampled every 100 ms.
st_fd_watch() {
	local i n end=$(($(st_ms) + $1 * 1000))
	while [ "$(st_ms)" -lt "$end" ]; do
		n=$(lbd_fds)
		[ "$n" -gt "$ST_FDMAX" ] && ST_FDMAX=$n
		sleep 0.1
	done
}

# st_end HEALTHY_RE: stop measuring; sets CPU (% of a core), P50, P99,
# SFAIL (status calls that failed), SN, CHANGED (state changes of healthy
# reals: lbd's log and the sampled status), STALL (text).
st_end() {
	local healthy=$1 ns ticks s
	kill -TERM "$ST_SAMPLER" 2>/dev/null
	wait "$ST_SAMPLER" 2>/dev/null
	ns=$(($(date +%s%N) - ST_T0))
	ticks=$(($(lbd_ticks) - ST_TICKS0))
	CPU=$(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v ns="$ns" \
		'BEGIN { printf "%.1f", 100 * t / hz / (ns / 1e9) }')
	s="$TOPO_DIR/sample.json"
	if ! jq -e . "$s" >/dev/null 2>&1; then
		echo '{"status_n":0,"status_failed":0,"changes":[],"stall":null}' >"$s"
	fi
	SN=$(jq -r .status_n "$s")
	SFAIL=$(jq -r .status_failed "$s")
	P50=$(jq -r '.p50_ms // "n/a"' "$s")
	P99=$(jq -r '.p99_ms // "n/a"' "$s")
	[ "$SFAIL" = 0 ] || st_say "status failures: $(jq -r '.failures | join(" | ")' "$s")"
	local from_log from_status
	from_log=$(tail -n +"$((ST_LOG0 + 1))" "$(topo_lbd_log 1)" |
		grep -cE "real ($healthy) of [^ ]+: [a-z]+ -> [a-z]+")
	from_status=$(jq -r --arg re "^[^ ]+ ($healthy)\$" \
		'[.changes[] | select((.[1] | test($re)) and ((.[2] | split("/")[0]) != (.[3] | split("/")[0])))] | length' "$s")
	CHANGED=$((from_log > from_status ? from_log : from_status))
	CHANGES_TXT=$(jq -r --arg re "^[^ ]+ ($healthy)\$" \
		'[.changes[] | select(.[1] | test($re)) | "\(.[1]): \(.[2]) -> \(.[3])"] | unique | join("; ")' "$s")
	STALL=$(jq -r 'if .stall == null then "n/a (lbd has no stall metric)"
		elif .stall.max_ms != null then "\(.stall.max_ms) ms" +
			(if .stall.max_ms == .stall.before_ms and .stall.max_ms > 0 then " (no higher than before the attack)" else "" end)
		else "<= \(.stall.hist_le_ms) ms" end' "$s")
}

# st_user_view: the common end of every figure line.
st_user_view() {
	printf 'healthy reals changed %s, lbd cpu %s%%, loop max stall %s, status p50 %s ms p99 %s ms (%s calls, %s failed)' \
		"$CHANGED" "$CPU" "$STALL" "$P50" "$P99" "$SN" "$SFAIL"
}

st_figure() {
	echo "$1"
	ST_SIGN_OFF+=("$1")
}

# st_invariants NAME [FAILED_PCT]: the checks every attack must pass
# (quick mode asserts them; long runs print them).  FAILED_PCT: the share
# of status calls that may fail (default 0; one call may fail then).
st_invariants() {
	check "$1: no healthy real changed state (${CHANGES_TXT:-none})" test "$CHANGED" = 0
	check "$1: lbd answered status throughout ($SN calls, $SFAIL failed${2:+, one or ${2}% may})" \
		test "$SN" -gt 0 -a \( $((SFAIL * 100)) -le $((SN * ${2:-0})) -o "$SFAIL" -le $((${2:-0} ? 1 : 0)) \)
	check "$1: lbd does not spin (cpu $CPU% of a core)" \
		awk -v c="$CPU" 'BEGIN { exit !(c < 80) }'
	check "$1: lbd still runs" topo_pid_alive "$(topo_lbd_pid 1)"
}

# --- packet floods --------------------------------------------------------------------

# st_flood KIND PER_TUPLE VIP PORT SECONDS: keel-flood from the attacker
# at lb1's MAC (FLOOD_OUT: its line).
st_flood() {
	local rate=()
	[ "$ST_RATE" != 0 ] && rate=(--rate "$ST_RATE")
	topo_nsx fl "$KEEL_FLOOD" --dev eth0 --dst-mac "$ST_LB_MAC" --dst "$3" \
		--dport "$4" --kind "$1" --per-tuple "$2" --from "$ST_SPOOF" \
		--duration "$5" --mode "$ST_FLOOD_MODE" \
		--threads "$ST_FLOOD_THREADS" "${rate[@]}" \
		>"$TOPO_DIR/flood.out" 2>"$TOPO_DIR/flood.err"
	FLOOD_RC=$?
	FLOOD_OUT=$(cat "$TOPO_DIR/flood.out" "$TOPO_DIR/flood.err")
}

# st_packet_attack NAME KIND PER_TUPLE SVC VIP PORT PROTO NFLOWS [CAP]:
# NFLOWS established flows to SVC held through a flood of KIND, with the
# ring changed half-way (rs1's weight 1 -> 2: about 1/6 of the ring moves,
# so a flow that lost its conn entry to the flood has that chance of being
# sent to another real, which answers it with a RST); CAP sets the
# per-CPU insert cap for the flood.
st_packet_attack() {
	local name=$1 kind=$2 per=$3 svc=$4 vip=$5 port=$6 proto=$7 n=$8 cap=${9:-0}
	local e0 e1 c0 c1 i0 i1 frames secs pps lbpps udp= capnote=
	[ "$proto" = udp ] && udp=--udp
	[ "$cap" != 0 ] && capnote=", insert cap $cap/s per CPU"
	st_say "--- $name: $kind flood ($per per tuple) at $vip:$port, $n established $proto flows, ${ST_TABLE}-entry table$capnote"
	st_est_start "est-$name" "$vip" "$port" "$n" $udp || return 1
	e0=$(st_entries "est-$name" "$vip" "$port" "$proto")
	"$KEEL_XDP" -i "$(topo_instance 1)" limit --conn-inserts "$cap" >/dev/null ||
		{ st_say "keel-xdp limit --conn-inserts $cap failed"; return 1; }
	c0=$(xdp_cnt verdict_tx)
	i0=$(xdp_cnt conn_inserts)
	st_begin
	(
		sleep "$(awk -v d="$ST_DUR" 'BEGIN { print d / 2 }')"
		topo_lbctl 1 real weight "$svc" "$(topo_rs_addr 1)" 2 >/dev/null
	) &
	local ring=$!
	st_flood "$kind" "$per" "$vip" "$port" "$ST_DUR"
	wait "$ring"
	c1=$(xdp_cnt verdict_tx)
	i1=$(xdp_cnt conn_inserts)
	st_end "$(st_healthy_re 1 2 3)"
	e1=$(st_entries "est-$name" "$vip" "$port" "$proto")
	st_est_check "est-$name"
	topo_lbctl 1 real weight "$svc" "$(topo_rs_addr 1)" clear >/dev/null
	"$KEEL_XDP" -i "$(topo_instance 1)" limit --conn-inserts 0 >/dev/null
	# "flood live syn: F frames in T s: R pps (...)"
	frames=$(sed -n 's/^flood [^:]*: \([0-9]*\) frames in \([0-9.]*\) s.*/\1 \2/p' <<<"$FLOOD_OUT")
	secs=${frames#* }
	pps=$(awk -v f="${frames% *}" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? f / s : 0) }')
	lbpps=$(awk -v c=$((c1 - c0)) -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? c / s : 0) }')
	st_say "$name: $FLOOD_OUT"
	check "$name: keel-flood ran (exit $FLOOD_RC, $((c1 - c0)) frames forwarded)" \
		test "$FLOOD_RC" = 0 -a $((c1 - c0)) -gt 0
	st_say "$name: lb1 forwarded $((c1 - c0)) frames, inserted $((i1 - i0)) conn entries; held flows' entries before $e0/$n, after $e1/$n; round 2: $(grep '^round 2' "$TOPO_DIR/est-$name.out")"
	st_figure "$name: $pps pps sent, $lbpps pps forwarded by the LB, for $secs s (${ST_TABLE}-entry table$capnote), conn inserts $(awk -v i=$((i1 - i0)) -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? i / s : 0) }')/s, established kept $EST_KEPT/$n (with a conn entry before $e0, after $e1; ring changed mid-flood), $(st_user_view)"
	ST_LAST_KEPT=$EST_KEPT
	ST_LAST_E0=$e0
	ST_LAST_E1=$e1
	ST_LAST_N=$n
}

# st_kept_checks NAME WHAT: the flood took no conn entry from the held
# flows, and every held flow that had one was kept.  (A flow whose hint
# was overwritten before each of its first packets has no entry yet: it
# is forwarded by the ring, which the change half-way may move; about 1
# in 10,000 flows opened 6,000 a second, docs/RELIABILITY.md.)
st_kept_checks() {
	check "$1: the flood took no conn entry from the held flows (before $ST_LAST_E0, after $ST_LAST_E1, of $ST_LAST_N)" \
		test "$ST_LAST_E1" -ge "$ST_LAST_E0"
	check "$1: $2 kept $ST_LAST_KEPT/$ST_LAST_N (lost no more than the $((ST_LAST_N - ST_LAST_E0)) without an entry)" \
		test $((ST_LAST_N - ST_LAST_KEPT)) -le $((ST_LAST_N - ST_LAST_E0))
}

# st_healthy_re N...: a regex of the addresses of reals N... (the healthy).
st_healthy_re() {
	local n re=
	for n in "$@"; do
		re+=${re:+|}$(topo_rs_addr "$n" | sed 's/\./\\./g')
	done
	printf '%s' "$re"
}

attack_syn_flood() {
	st_table "$ST_BIG_TABLE" &&
		st_packet_attack syn-flood syn 1 "$ST_S1" "$ST_VIP1" 80 tcp "$ST_EST" || return 1
	st_invariants syn-flood
	st_kept_checks syn-flood "established flows"
}

attack_syn_flood_small() {
	st_table "$ST_SMALL_TABLE" &&
		st_packet_attack syn-flood-small syn 1 "$ST_S1" "$ST_VIP1" 80 tcp "$ST_EST" || return 1
	st_invariants syn-flood-small
	st_kept_checks syn-flood-small "established flows"
}

attack_udp_flood() {
	st_table "$ST_BIG_TABLE" &&
		st_packet_attack udp-flood udp 1 "$ST_S2" "$ST_VIP2" 5353 udp "$ST_UDP_EST" || return 1
	st_invariants udp-flood
	st_kept_checks udp-flood "established UDP flows"
}

# The documented limit: two ACKs per spoofed tuple record an entry each;
# without a cap a small table turns over and established flows lose their
# entries (they keep their real while the ring does not change).
attack_ack_flood() {
	st_table "$ST_SMALL_TABLE" &&
		st_packet_attack ack-flood ack 2 "$ST_S1" "$ST_VIP1" 80 tcp "$ST_EST" || return 1
	st_invariants ack-flood
}

# The same with the insert cap sized by docs/dataplane.md's rule:
# capacity / (CPUs x the longest idle time of an established flow, here
# 60 s), so the flood cannot turn the table over within a minute.
attack_ack_flood_cap() {
	local cap
	cap=$((ST_SMALL_TABLE / ($(nproc) * 60)))
	[ "$cap" -ge 1 ] || cap=1
	st_table "$ST_SMALL_TABLE" &&
		st_packet_attack ack-flood-cap ack 2 "$ST_S1" "$ST_VIP1" 80 tcp "$ST_EST" "$cap" || return 1
	st_invariants ack-flood-cap
	st_kept_checks ack-flood-cap "established flows"
}

# --- crowds on lbd's listeners ------------------------------------------------------------

# st_crowd NAME WHERE N SLOW ARGS...: N clients (SLOW of them at 1 byte/s)
# on lbd's control socket or metrics port for ST_DUR seconds, 60 held
# established flows checked after; sets CROWD (its summary).
st_crowd_attack() {
	local name=$1 what=$2 n=$3 slow=$4 pid ev0 ev1 to0 to1 nr0 nr1
	shift 4
	st_say "--- $name: $n clients on lbd's $what ($slow of them 1 byte/s, the others idle; reconnecting when closed)"
	st_table "$ST_BIG_TABLE" || return 1
	st_est_start "est-$name" "$ST_VIP1" 80 "$ST_EST" || return 1
	LB=1 metrics
	ev0=$(awk '/^keel_listener_evicted_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	to0=$(awk '/^keel_listener_timeouts_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	nr0=$(awk '/^keel_probe_not_run_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	st_begin
	nsenter --net="/run/netns/$(topo_ns lb1)" -- python3 "$ST_TOOL" crowd "$@" --clients "$n" --slow "$slow" \
		--max-seconds "$ST_DUR" >"$TOPO_DIR/crowd.json" 2>"$TOPO_DIR/crowd.err" &
	pid=$!
	st_fd_watch "$ST_DUR"
	wait "$pid"
	st_end "$(st_healthy_re 1 2 3)"
	LB=1 metrics
	ev1=$(awk '/^keel_listener_evicted_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	to1=$(awk '/^keel_listener_timeouts_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	nr1=$(awk '/^keel_probe_not_run_total/ { s += $2 } END { print s + 0 }' "$TOPO_DIR/metrics.txt")
	st_est_check "est-$name"
	CROWD=$(jq -r '"\(.connects) connects (\(.max_open) open at most), \(.closed_by_server) closed by lbd"' "$TOPO_DIR/crowd.json" 2>/dev/null)
	st_say "$name: crowd: $(cat "$TOPO_DIR/crowd.json" "$TOPO_DIR/crowd.err" 2>/dev/null | head -n 3)"
	st_figure "$name: $n clients ($slow at 1 byte/s) for $ST_DUR s: $CROWD, lbd descriptors at most $ST_FDMAX of 1024, evicted $((ev1 - ev0)), timed out $((to1 - to0)), probes not run $((nr1 - nr0)), established kept $EST_KEPT/$ST_EST, $(st_user_view)"
	# lbctl, one more client of the control socket, may be closed at the
	# cap when 64 others connect between its connect and its request (a
	# storm of 1,000+ connects a second on a loaded machine): it then sends
	# its read-only request once more (docs/RELIABILITY.md), so no status
	# call may fail.
	st_invariants "$name"
	check "$name: lbd's descriptors stayed under its limit ($ST_FDMAX of 1024)" test "$ST_FDMAX" -lt 1000
	check "$name: established flows kept $EST_KEPT/$ST_EST" test "$EST_KEPT" = "$ST_EST"
}

attack_control_crowd() {
	st_crowd_attack control-crowd "control socket" "$ST_CROWD_CTL" $((ST_CROWD_CTL / 2)) \
		--unix "$(topo_lbd_sock 1)"
}

attack_metrics_crowd() {
	st_crowd_attack metrics-crowd "metrics port" "$ST_CROWD_MET" $((ST_CROWD_MET / 2)) \
		--tcp 127.0.0.1:9450
}

# --- agent reports ------------------------------------------------------------------

# reason R: lbd's count of reports by result R.
st_reason() {
	awk -v r="result=\"$1\"" 'index($0, "keel_agent_reports_total{") == 1 &&
		index($0, r) { v = $NF } END { print v + 0 }' "$TOPO_DIR/metrics.txt"
}
# st_agent_sent: reports the three agents have sent to lb1, in all.
st_agent_sent() {
	local n s=0 v
	for n in 1 2 3; do
		v=$(topo_agent "$n" status --json 2>/dev/null | jq -r '[.lbs[].sent] | add // 0')
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

# st_capture N FILE: one report of rs N's agent, read off lb1's interface.
st_capture() {
	topo_nsx lb1 python3 "$ST_TOOL" capture --dev seg0 --src "$(topo_rs_addr "$1")" \
		--port 9460 --out "$2" --max-seconds 5
}

# (f) two boots of rs3's agent recorded; rs3 dies; the recordings replayed
# alternately from rs3's address for ST_DUR seconds.
attack_replay() {
	local ob0 ob1 sent t_kill t_down ups pid i dur
	st_say "--- replay: reports of two earlier boots of rs3's agent replayed alternately after rs3 died"
	st_table "$ST_BIG_TABLE" || return 1
	for i in 1 2; do
		st_capture 3 "$TOPO_DIR/boot$i.bin" >/dev/null || { st_say "no report of rs3 captured"; return 1; }
		st_kill "$(topo_agent_pid 3)"
		topo_agent_start 3 || return 1
	done
	st_wait st_all_up || return 1
	LB=1 metrics
	ob0=$(st_reason old_boot)
	ups=$(grep -c "real $(topo_rs_addr 3) of [^ ]*: [a-z]* -> up" "$(topo_lbd_log 1)")
	st_begin
	# rs3 dies: its agent and its service.
	t_kill=$(st_ms)
	st_kill "$(topo_agent_pid 3)" "$(cat "$TOPO_DIR/rs3.pid")"
	# Replayed for longer than dead_after + keep_flows_for: rs3 must go
	# DOWN while the replays still come.
	dur=$((${ST_KEEP_FLOWS%s} + 4))
	[ "$dur" -ge "$ST_DUR" ] || dur=$ST_DUR
	topo_nsx rs3 python3 - "$(topo_lb_addr 1)" "$TOPO_DIR/boot1.bin" "$TOPO_DIR/boot2.bin" \
		"$dur" "$ST_REPLAY_RATE" "$(topo_rs_addr 3)" >"$TOPO_DIR/replay.out" 2>&1 <<-'PY' &
		import socket, sys, time
		lb, f1, f2, dur, rate, src = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
		bufs = [open(f1, "rb").read(), open(f2, "rb").read()]
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind((src, 0))
		n, t0 = 0, time.monotonic()
		while time.monotonic() - t0 < dur:
		    s.sendto(bufs[n % 2], (lb, 9460))
		    n += 1
		    time.sleep(max(0.0, t0 + n / rate - time.monotonic()))
		print(n)
	PY
	pid=$!
	t_down=none
	for ((i = 0; i < dur * 20; i++)); do
		if st_status && [ "$(jq -r --arg r "$(topo_rs_addr 3)" \
			'[.services[] | select(.service != "'"$ST_S3"'") | .reals[] | select(.real == $r) | .state == "down" and .source == "agent-timeout"] | all' \
			"$TOPO_DIR/status.json")" = true ]; then
			t_down=$(($(st_ms) - t_kill))
			break
		fi
		sleep 0.05
	done
	wait "$pid"
	sent=$(cat "$TOPO_DIR/replay.out")
	st_end "$(st_healthy_re 1 2)"
	sleep 0.3
	LB=1 metrics
	ob1=$(st_reason old_boot)
	ups=$(($(grep -c "real $(topo_rs_addr 3) of [^ ]*: [a-z]* -> up" "$(topo_lbd_log 1)") - ups))
	st_status
	local st3
	st3=$(jq -r --arg r "$(topo_rs_addr 3)" '[.services[] | .reals[] | select(.real == $r) | .state] | unique | join(",")' "$TOPO_DIR/status.json")
	st_figure "replay: 2 recorded boots alternated at $ST_REPLAY_RATE/s for $dur s after rs3 died: rs3 down (agent-timeout) after $t_down ms, up again $ups times, down at the end ($st3), refused as old_boot $((ob1 - ob0))/$sent, $(st_user_view)"
	st_invariants replay
	check "replay: the dead real went down (agent-timeout) ($t_down ms)" test "$t_down" != none
	check "replay: ... and never came back up ($ups)" test "$ups" = 0
	check "replay: every replay refused as old_boot ($((ob1 - ob0)) of $sent)" test "$((ob1 - ob0))" = "$sent"
	# rs3 comes back for the attacks that follow.
	setsid nsenter --net="/run/netns/$(topo_ns rs3)" -- "$KEEL_ECHO" server \
		--name rs3 --port 80 $TOPO_ECHO_ARGS </dev/null >"$TOPO_DIR/rs3.log" 2>&1 &
	echo $! >"$TOPO_DIR/rs3.pid"
	topo_agent_start 3 && st_wait st_all_up
}

# (g) junk on the report port from spoofed sources while the agents report.
# ST_JUNK_SENDERS flooders share the rate (one raw socket sender does not
# reach 200k/s here).  Genuine reports lost: the agents' sent counters
# against lbd's accepted ones, each pair read in the same order at the
# start and the end (within about 3 reports: the reads are not atomic).
attack_report_junk() {
	local ok0 ok1 a0 a1 lost boot seq flood res r rc=0 i pids=() sent=0 secs
	local -A c0=()
	st_say "--- report-junk: $ST_JUNK_RATE/s of junk on lbd's report port ($ST_JUNK_SENDERS senders) while the agents report"
	st_table "$ST_BIG_TABLE" || return 1
	st_capture 1 "$TOPO_DIR/rs1-report.bin" >/dev/null || { st_say "no report of rs1 captured"; return 1; }
	boot=$(topo_agent 1 status --json | jq -r .boot)
	seq=$(topo_agent 1 status --json | jq -r .seq)
	LB=1 metrics
	for r in malformed unknown_source wrong_real replay old_boot rate_limited bad_mac; do
		c0[$r]=$(st_reason $r)
	done
	a0=$(st_agent_sent)
	LB=1 metrics
	ok0=$(st_reason ok)
	st_begin
	# random bytes, reports signed with a wrong key, a recorded genuine
	# report replayed, and forgeries with rs1's next sequence numbers (an
	# on-path attacker's: each costs an HMAC), from a /16 of strangers and
	# the three agents' own addresses.
	for ((i = 0; i < ST_JUNK_SENDERS; i++)); do
		# nsenter execs keel-report-send: $! is the sender.
		nsenter --net="/run/netns/$(topo_ns fl)" -- "$REPORT_SEND" \
			--lb "$(topo_lb_addr 1):9460" --flood $((ST_JUNK_RATE / ST_JUNK_SENDERS)) \
			--duration "$ST_DUR" --mix random:25,wrongkey:25,replay:25,nextseq:25 \
			--from 10.66.0.0/16 --from "$(topo_rs_addr 1)" --from "$(topo_rs_addr 2)" \
			--from "$(topo_rs_addr 3)" --key "$(topo_agent_key)" --real "$(topo_rs_addr 1)" \
			--service "$ST_S1=up:1" --boot "$boot" --seq "$seq" \
			--raw "$TOPO_DIR/rs1-report.bin" >"$TOPO_DIR/junk$i.out" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	a1=$(st_agent_sent)
	LB=1 metrics
	ok1=$(st_reason ok)
	st_end "$(st_healthy_re 1 2 3)"
	res=
	for r in malformed unknown_source wrong_real replay old_boot rate_limited bad_mac; do
		res+=" $r $(($(st_reason $r) - c0[$r]))"
	done
	# "flood: N datagrams in T s (R/s): ..." from each sender.
	read -r sent secs < <(sed -n 's/^flood: \([0-9]*\) datagrams in \([0-9.]*\) s.*/\1 \2/p' \
		"$TOPO_DIR"/junk*.out | awk '{ n += $1; if ($2 > t) t = $2 } END { print n + 0, t + 0 }')
	flood=$(awk -v n="$sent" -v t="$secs" 'BEGIN { if (t > 0) printf "%.0f", n / t }')
	lost=$(((a1 - a0) - (ok1 - ok0)))
	[ "$lost" -ge 0 ] || lost=0
	st_say "report-junk: $sent datagrams from $ST_JUNK_SENDERS senders in $secs s; lbd's results meanwhile:$res"
	st_figure "report-junk: ${flood:-?} datagrams/s for $ST_DUR s (random, wrong key, replayed, next-sequence forgeries; spoofed strangers and agents), genuine reports lost $lost/$((a1 - a0)) ($(awk -v l="$lost" -v s=$((a1 - a0)) 'BEGIN { printf "%.2f", s ? 100 * l / s : 0 }')%), $(st_user_view)"
	check "report-junk: the flood ran (exit $rc, ${flood:-no} datagrams/s)" test "$rc" = 0 -a -n "$flood"
	st_invariants report-junk
	check "report-junk: genuine reports lost under 1% ($lost of $((a1 - a0)))" \
		awk -v l="$lost" -v s=$((a1 - a0)) 'BEGIN { exit !(s > 0 && l * 100 < s) }'
}

# (h) a damaged state file at restart: an admin-DOWN real stays out, lbd
# refuses to start, forwarding goes on, nothing is resurrected.
attack_state_file() {
	local state sum rc t how line outcome=() new_ok new_rs3 rs3 res
	st_say "--- state-file: lbd restarted over a truncated, then a corrupt, state file"
	st_table "$ST_BIG_TABLE" || return 1
	state=$(topo_lbd_state 1)
	topo_lbctl 1 real down "$ST_S1" "$(topo_rs_addr 3)" >/dev/null || return 1
	cp -p "$state" "$TOPO_DIR/state.good"
	st_est_start est-state "$ST_VIP1" 80 "$ST_EST" || return 1
	ST_LOG0=$(wc -l <"$(topo_lbd_log 1)")
	topo_lbd_stop 1 || return 1
	for how in truncated corrupt; do
		cp -p "$TOPO_DIR/state.good" "$state"
		if [ "$how" = truncated ]; then
			truncate -s $(($(stat -c %s "$state") / 2)) "$state"
		else
			# Bytes in the middle overwritten: the same length.
			printf '\x00\xff{{"' | dd of="$state" bs=1 \
				seek=$(($(stat -c %s "$state") / 3)) conv=notrunc status=none
		fi
		sum=$(sha256sum <"$state")
		t=$(st_ms)
		timeout 20 nsenter --net="/run/netns/$(topo_ns lb1)" -- \
			prlimit --nofile="$ST_NOFILE" -- "$LBD" --config "$(topo_lbd_conf 1)" \
			</dev/null >"$TOPO_DIR/refused.log" 2>&1
		rc=$?
		t=$(($(st_ms) - t))
		cat "$TOPO_DIR/refused.log" >>"$(topo_lbd_log 1)"
		line=$(grep -m1 -o 'state file .* cannot be used: [^.]*' "$TOPO_DIR/refused.log")
		st_say "state-file ($how): lbd exit $rc after $t ms: $line"
		check "state-file ($how): lbd refuses to start (exit $rc)" test "$rc" = 3
		check "state-file ($how): ... the file left as it was" test "$(sha256sum <"$state")" = "$sum"
		outcome+=("$how: lbd refused (exit $rc) in $t ms, file $([ "$(sha256sum <"$state")" = "$sum" ] && echo kept || echo CHANGED)")
	done
	# Forwarding while no lbd runs: new flows served, none to rs3.
	nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client --connect "$ST_VIP1" \
		--port 80 --count "$ST_NEW" --parallel 64 --timeout-ms 5000 \
		>"$TOPO_DIR/new.out" 2>/dev/null
	new_ok=$(st_field "$TOPO_DIR/new.out" 1 ok)
	new_rs3=$(awk '$1 == "server" && $3 == "rs3" { n = $4 } END { print n + 0 }' "$TOPO_DIR/new.out")
	st_est_check est-state
	# The operator restores the file: lbd starts, rs3 still admin-down.
	cp -p "$TOPO_DIR/state.good" "$state"
	st_lbd_start || return 1
	st_status
	rs3=$(jq -r --arg s "$ST_S1" --arg r "$(topo_rs_addr 3)" '.services[] | select(.service == $s) | .reals[] | select(.real == $r) | .state + "/" + .source' "$TOPO_DIR/status.json")
	res=$(tail -n +"$((ST_LOG0 + 1))" "$(topo_lbd_log 1)" | grep -c "real $(topo_rs_addr 3) of $ST_S1: down -> ")
	CHANGED=$(tail -n +"$((ST_LOG0 + 1))" "$(topo_lbd_log 1)" | grep -cE "real ($(st_healthy_re 1 2)) of [^ ]+: [a-z]+ -> [a-z]+")
	st_figure "state-file: ${outcome[0]}; ${outcome[1]}; meanwhile (no lbd) held flows kept $EST_KEPT/$ST_EST, new $new_ok/$ST_NEW served, to the admin-down real $new_rs3; file restored: rs3 $rs3, resurrected $res, healthy reals changed $CHANGED"
	check "state-file: held flows kept while lbd was refused ($EST_KEPT/$ST_EST)" test "$EST_KEPT" = "$ST_EST"
	check "state-file: new flows served meanwhile ($new_ok/$ST_NEW), none to the admin-down rs3 ($new_rs3)" \
		test "$new_ok/$new_rs3" = "$ST_NEW/0"
	check "state-file: rs3 still admin-down after the restored start ($rs3)" test "$rs3" = down/admin
	check "state-file: nothing resurrected ($res)" test "$res" = 0
	check "state-file: no healthy real changed state ($CHANGED)" test "$CHANGED" = 0
	topo_lbctl 1 real up "$ST_S1" "$(topo_rs_addr 3)" >/dev/null
	st_wait st_all_up
}
