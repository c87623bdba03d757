#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# lbd at scale (docs/PERFORMANCE.md, "lbd at scale"): start time, `lbctl
# status` latency, CPU while idle or under agent reports, and the event
# loop's longest stall, against a real lbd in two throw-away network
# namespaces (lbd's, and a peer on the other end of a veth where the
# reals and agents live).  Root only; run by hand, not a test.
#
#   tests/bench/bench_lbd.sh BUILD start SERVICES REALS [UNRESOLVED]
#       SERVICES x REALS distinct reals (all resolved through permanent
#       neighbour entries, except UNRESOLVED of them, which nobody
#       answers); health none.  Prints lbd's CPU seconds until "serving"
#       too; BENCH_QUICK=1: start and restart only.
#   tests/bench/bench_lbd.sh BUILD agents AGENTS HZ [SECONDS]
#       AGENTS reals with agent health, 20 per service, their reports
#       sent at HZ each (bench_agents) from the peer namespace.
#   tests/bench/bench_lbd.sh BUILD conn ENTRIES [SECONDS]
#       a conn table of ENTRIES filled to the brim (bench_conn_fill),
#       100 services x 20 reals; idle, then while the table churns.
#
# Prints one "figure" line per measurement.  CPU is lbd's utime + stime
# from /proc/PID/stat over the interval, in % of one core.  Status
# latency: 21 `lbctl status` runs (the whole command, process start
# included), median and max.
set -u
BUILD=$(realpath -e "${1:?usage: bench_lbd.sh BUILD start|agents|conn ...}") || exit 2
CASE=${2:?case}
shift 2
[ "$(id -u)" = 0 ] || { echo "bench_lbd.sh: needs root"; exit 77; }
LBD=$BUILD/lb-dataplane/lbd/lbd
LBCTL=$BUILD/ctl/lbctl
AGENTS_TOOL=$BUILD/tests/bench/bench_agents
FILL=$BUILD/tests/bench/bench_conn_fill
ID=kb$$
NS=$ID-lb
PEER=$ID-rs
DIR=$(mktemp -d /tmp/bench_lbd.XXXXXX)
# lbd drops to BENCH_USER once set up; lbd.d/ is made by lbd, its own.
BENCH_USER=${BENCH_USER:-nobody}
chmod 711 "$DIR"
SOCK=$DIR/lbd.d/lbd.sock
LOG=$DIR/lbd.log
CFG=$DIR/lbd.yaml
lbd_pid=
bg=

mount | grep -q ' /sys/fs/bpf type bpf ' || mount -t bpf bpf /sys/fs/bpf

cleanup() {
	[ -n "$bg" ] && kill "$bg" 2>/dev/null
	if [ -n "$lbd_pid" ] && kill -0 "$lbd_pid" 2>/dev/null; then
		"$LBCTL" --socket "$SOCK" shutdown --unload >/dev/null 2>&1
		for _ in $(seq 100); do kill -0 "$lbd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$lbd_pid" 2>/dev/null
	fi
	rm -rf "/sys/fs/bpf/keel/$ID"
	ip netns del "$NS" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

nsx() { nsenter --net="/run/netns/$NS" -- "$@"; }
ms_now() { date +%s%3N; }

# real I -> 10.64.1.1 + I (bench_agents numbers its agents the same way)
# (into $ADDR: no subshell, 20,000 of them took minutes on a busy machine)
real_addr() {
	local n=$((0x0a400101 + $1))
	printf -v ADDR '%d.%d.%d.%d' $((n >> 24)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255))
}

topology() {
	ip netns add "$NS" && ip netns add "$PEER" || exit 1
	ip link add "$ID"a type veth peer name "$ID"b || exit 1
	ip link set "$ID"a netns "$NS" name kb0
	ip link set "$ID"b netns "$PEER" name kb1
	ip -n "$NS" link set lo up
	ip -n "$PEER" link set lo up
	ip -n "$NS" addr add 10.64.0.1/16 dev kb0
	ip -n "$PEER" addr add 10.64.0.2/16 dev kb1
	ip -n "$NS" link set kb0 up
	ip -n "$PEER" link set kb1 up
	# The peer's veth needs an XDP program for XDP_TX frames; none are
	# sent here, and the reports go the other way.
}

# neighbours FIRST COUNT: permanent entries in lbd's namespace.
neighbours() {
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		real_addr "$i"
		printf 'neigh replace %s lladdr 02:64:%02x:%02x:00:01 dev kb0 nud permanent\n' \
			"$ADDR" $((i >> 8 & 255)) $((i & 255))
	done >"$DIR/neigh.batch"
	ip -n "$NS" -batch "$DIR/neigh.batch" || exit 1
}

# config SERVICES PER [HEALTH-LINES] [TOP-LINES]
config() {
	local s r i=0
	{
		echo "instance: $ID"
		echo "user: $BENCH_USER"
		echo "conn_table_size: ${CONN:-65536}"
		echo "interfaces:"
		echo "  - name: kb0"
		echo "control:"
		echo "  socket: $SOCK"
		echo "metrics:"
		echo "  listen: 127.0.0.1:9450"
		echo "state_file: $DIR/lbd.d/state"
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		echo "services:"
		for ((s = 0; s < $1; s++)); do
			echo "  - vip: 203.0.113.10"
			echo "    port: $((1000 + s))"
			echo "    protocol: tcp"
			[ -n "${3:-}" ] && printf '%s\n' "$3"
			echo "    reals:"
			for ((r = 0; r < $2; r++, i++)); do
				real_addr "$i"
				echo "      - address: $ADDR"
			done
		done
	} >"$CFG"
}

# start_lbd: START_MS := the milliseconds until lbd logs that it serves.
start_lbd() {
	local t0 i
	# Emptied here, not by the background job's redirection: a restart
	# must not find the previous lbd's "serving" line.
	: >"$LOG"
	t0=$(ms_now)
	# LBD_WRAP: a profiler's command line before lbd's (perf record ...).
	nsenter --net="/run/netns/$NS" -- ${LBD_WRAP:-} "$LBD" --config "$CFG" \
		</dev/null >>"$LOG" 2>&1 &
	lbd_pid=$!
	for ((i = 0; i < 12000; i++)); do
		grep -q ' serving ' "$LOG" && break
		kill -0 "$lbd_pid" 2>/dev/null || { cat "$LOG"; exit 1; }
		sleep 0.005
	done
	START_MS=$(($(ms_now) - t0))
	# lbd's own CPU until then (less sensitive to a busy machine)
	START_CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$lbd_pid/stat" 2>/dev/null)
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$lbd_pid/stat"; }

# cpu SECONDS: lbd's CPU over the interval, % of one core.
cpu() {
	local a b hz
	hz=$(getconf CLK_TCK)
	a=$(cpu_ticks)
	sleep "$1"
	b=$(cpu_ticks)
	awk -v d=$((b - a)) -v s="$1" -v hz="$hz" 'BEGIN { printf "%.2f", 100 * d / hz / s }'
}

# status_ms [ARGS]: median and max of 21 lbctl status runs, "MED MAX" ms;
# the output size of the last one in bytes.
status_ms() {
	local i t0 t
	for ((i = 0; i < 21; i++)); do
		t0=$(date +%s%N)
		"$LBCTL" --socket "$SOCK" "$@" status >"$DIR/status.out" || echo "status failed" >&2
		t=$(date +%s%N)
		echo $(((t - t0) / 1000))
	done | sort -n >"$DIR/status.us"
	awk -v bytes="$(stat -c %s "$DIR/status.out")" \
		'{ v[NR] = $1 } END { printf "median %.1f ms max %.1f ms (%d bytes)", v[11] / 1000, v[NR] / 1000, bytes }' \
		"$DIR/status.us"
}

# stall: keel_lbd_loop_stall_max_seconds from the metrics, if lbd has it.
stall() {
	nsx bash -c 'exec 3<>/dev/tcp/127.0.0.1/9450 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2>/dev/null |
		awk '$1 == "keel_lbd_loop_stall_max_seconds" { printf "%.1f ms", $2 * 1000; f = 1 }
			END { if (!f) printf "n/a" }'
}

report() {
	echo "figure: $*"
}

topology
case $CASE in
start)
	svcs=${1:?services}
	per=${2:?reals per service}
	unres=${3:-0}
	total=$((svcs * per))
	neighbours 0 $((total - unres))
	config "$svcs" "$per"
	echo "# $total reals ($unres unresolved), neighbour table $((total - unres)) entries"
	start_lbd
	report "start $svcs x $per reals: $START_MS ms to serving, lbd cpu ${START_CPU:-?} s"
	[ -n "${BENCH_START_ONLY:-}" ] && exit 0
	# BENCH_PERF=FILE: a 10 s profile of the idle lbd, report in FILE.
	if [ -n "${BENCH_PERF:-}" ]; then
		perf record -q -g -p "$lbd_pid" -o "$DIR/perf.data" -- sleep 10 >/dev/null 2>&1
		perf report -i "$DIR/perf.data" --no-children --sort sym -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -40 >"$BENCH_PERF"
	fi
	# BENCH_QUICK=1: start and restart only (no idle CPU, no status).
	[ -n "${BENCH_QUICK:-}" ] || {
	sleep 2
	# BENCH_PERF_STATUS=FILE: lbd's profile while it answers status.
	if [ -n "${BENCH_PERF_STATUS:-}" ]; then
		perf record -q --call-graph dwarf,16384 -p "$lbd_pid" -o "$DIR/perf.data" -- \
			bash -c "for i in 1 2 3 4 5; do '$LBCTL' --socket '$SOCK' --json status >/dev/null; done" >/dev/null 2>&1
		perf report -i "$DIR/perf.data" --no-children --sort sym -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -40 >"$BENCH_PERF_STATUS"; perf report -i "$DIR/perf.data" --children --sort sym -g none 2>/dev/null | grep -v '^#' | head -60 >>"$BENCH_PERF_STATUS"
	fi
	report "idle cpu (20 s): $(cpu 20) % of a core; loop stall max $(stall)"
	report "status: $(status_ms)"
	report "status --json: $(status_ms --json); loop stall max since $(stall)"
	}
	# A hot restart: the next lbd adopts the pinned maps as they are.
	kill -TERM "$lbd_pid"
	wait "$lbd_pid"
	start_lbd
	report "restart over the pinned maps: $START_MS ms to serving, lbd cpu ${START_CPU:-?} s"
	;;
agents)
	n=${1:?agents}
	hz=${2:?hz}
	secs=${3:-20}
	per=20
	svcs=$(((n + per - 1) / per))
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/key"
	chmod 600 "$DIR/key"
	# lbd reads its copy as BENCH_USER; the sender (root) its own.
	cp -p "$DIR/key" "$DIR/key.sender"
	chown "$BENCH_USER" "$DIR/key"
	neighbours 0 "$n"
	for ((i = 0; i < n; i++)); do
		real_addr "$i"
		echo "addr add $ADDR/32 dev kb1"
	done >"$DIR/addr.batch"
	ip -n "$PEER" -batch "$DIR/addr.batch" || exit 1
	# LOAD_AWARE=1: every service's weights follow its agents' reports.
	hl="    health: {type: agent}"
	[ -n "${LOAD_AWARE:-}" ] &&
		hl+=$'\n    load_aware: {enabled: true, period: 1s, deadband: 0}'
	config "$svcs" "$per" "$hl" \
		"$(printf 'agents:\n  listen: 10.64.0.1:9460\n  key_file: %s\n  interval: 100ms' "$DIR/key")"
	start_lbd
	report "start $n agent reals: $START_MS ms to serving"
	sleep 1
	report "silent agents: cpu (10 s) $(cpu 10) % of a core"
	nsenter --net="/run/netns/$PEER" -- "$AGENTS_TOOL" 10.64.0.1:9460 "$DIR/key.sender" \
		10.64.1.1 "$n" "$per" 203.0.113.10 1000 "$hz" $((secs + 20)) >"$DIR/agents.out" 2>&1 &
	bg=$!
	sleep 5
	c=$(cpu "$secs")
	report "$n agents x $hz Hz: lbd cpu ($secs s) $c % of a core; loop stall max $(stall)"
	"$LBCTL" --socket "$SOCK" --json status >"$DIR/st.json"
	report "reals up while reports flow: $(jq '[.services[].reals[] | select(.state == "up")] | length' "$DIR/st.json") of $n"
	[ -n "${LOAD_AWARE:-}" ] &&
		report "load-aware weights of the first service: $(jq -c '[.services[0].reals[] | .weight]' "$DIR/st.json")"
	report "status during reports: $(status_ms); loop stall max since $(stall)"
	if [ -n "${BENCH_PERF:-}" ]; then
		perf record -q -g -p "$lbd_pid" -o "$DIR/perf.data" -- sleep 5 >/dev/null 2>&1
		perf report -i "$DIR/perf.data" --no-children --sort sym -g none 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -40 >"$BENCH_PERF"
	fi
	"$LBCTL" --socket "$SOCK" --json status >"$DIR/st.json"
	report "reports: $(jq -c .agents.reports "$DIR/st.json")"
	kill "$bg" 2>/dev/null
	wait "$bg"
	bg=
	report "sender: $(cat "$DIR/agents.out")"
	report "state changes logged: $(grep -c ' -> ' "$LOG")"
	[ -n "${BENCH_LOG:-}" ] && cp "$LOG" "$BENCH_LOG"
	;;
conn)
	CONN=${1:?entries}
	secs=${2:-20}
	neighbours 0 2000
	config 100 20
	start_lbd
	report "start, conn table $CONN: $START_MS ms"
	"$FILL" /sys/fs/bpf "$ID" "$CONN" | sed 's/^/# /'
	sleep 6
	report "conn table $CONN full: idle cpu ($secs s) $(cpu "$secs") % of a core; loop stall max $(stall)"
	report "status: $(status_ms)"
	# The table churning as fast as this machine adds flows (batched
	# updates from another process, each new flow evicting the oldest).
	"$FILL" /sys/fs/bpf "$ID" 0 $((secs + 70)) >"$DIR/churn.out" &
	bg=$!
	sleep 65 # the stall window (60 s) holds only the churn
	report "conn table $CONN churning: lbd cpu ($secs s) $(cpu "$secs") % of a core; loop stall max $(stall)"
	report "status while it churns: $(status_ms)"
	wait "$bg"
	bg=
	report "churn: $(cat "$DIR/churn.out")"
	;;
*)
	echo "bench_lbd.sh: unknown case $CASE" >&2
	exit 2
	;;
esac
