# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Sourced by the end-to-end tests (never run): their assertion and log
# helpers.  The topology itself is scripts/lib/topology.sh.

passed=0
failed=0

# path_arg ARG: ARG made absolute when it names an existing file (meson
# passes the built programs relative to its build directory).
path_arg() { realpath -e "$1" 2>/dev/null || printf '%s' "$1"; }

# keel_bin NAME ARG: the program NAME to test: $KEEL_BIN_DIR/NAME when
# KEEL_BIN_DIR names a directory of programs (tests/pkg/test_packages.sh
# points it at the files of the built Debian packages), else ARG (meson's
# built one, or the caller's variable) made absolute.
keel_bin() {
	if [ -n "${KEEL_BIN_DIR:-}" ]; then
		printf '%s/%s' "$KEEL_BIN_DIR" "$1"
	else
		path_arg "$2"
	fi
}

# need_root WHY: skip the test (exit 77, meson's skip) unless run as root.
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "SKIP: $1"
	exit 77
}

check() { # check DESCRIPTION TEST-COMMAND...
	if "${@:2}"; then
		echo "ok   - $1"
		passed=$((passed + 1))
	else
		echo "FAIL - $1"
		failed=$((failed + 1))
	fi
}

# dump_logs GLOB...: the last lines of each non-empty file of the run's
# directory matching the globs (e.g. '*.err' '*.log').
dump_logs() {
	local f g
	for g in "$@"; do
		for f in "$TOPO_DIR"/$g; do
			[ -s "$f" ] || continue
			echo "--- ${f##*/} (last 25 lines)"
			tail -n 25 "$f"
		done
	done
}

# --- lbd-mode helpers (scripts/lib/topology.sh with TOPO_LBD=1) ------------------
# They use TOPO_DIR and the caller's arrays hold_pid (declare -A) and
# bg_pids, which the caller's clean-up kills.  LB (default 1) picks the LB
# that status/metrics ask.

ms() { date +%s%3N; }
eq() { [ "$1" = "$2" ]; }
ge() { [ "$1" -ge "$2" ]; }

# --- clients -------------------------------------------------------------------

client() { # client ARGS...: keel-echo client in the client namespace
	nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client --port 80 "$@"
}

# hold_start NAME VIP N: N connections opened and held (NAME.out); they are
# checked again by hold_check NAME.
hold_start() {
	local out="$TOPO_DIR/$1.out"
	# nsenter execs keel-echo: $! is the client itself.
	nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client \
		--connect "$2" --port 80 --count "$3" --parallel 64 \
		--timeout-ms 5000 --hold --wait-file "$TOPO_DIR/$1.go" \
		--wait-timeout 300 >"$out" 2>"$TOPO_DIR/$1.err" &
	hold_pid[$1]=$!
	if ! topo_wait_file "$out" '^holding' 60; then
		echo "# $1: no 'holding' within 60 s"
		return 1
	fi
	echo "# $1: $3 held to $2: $(shares "$out" 1)"
}

# hold_check NAME: round 2 on NAME's connections; the client's status.
hold_check() {
	local rc
	: >"$TOPO_DIR/$1.go"
	wait "${hold_pid[$1]}"
	rc=$?
	unset "hold_pid[$1]"
	echo "# $1 re-checked: $(grep '^round 2' "$TOPO_DIR/$1.out") ($(shares "$TOPO_DIR/$1.out" 2))"
	return "$rc"
}

# burst NAME VIP N: N new connections, one round; the client's status.
burst() {
	local rc
	client --connect "$2" --count "$3" --parallel 32 --timeout-ms 5000 \
		>"$TOPO_DIR/$1.out" 2>"$TOPO_DIR/$1.err"
	rc=$?
	echo "# $1: $3 new to $2: $(grep '^round 1' "$TOPO_DIR/$1.out") ($(shares "$TOPO_DIR/$1.out" 1))"
	return "$rc"
}

# traffic NAME VIP: new connections, 50 at a time, until NAME.stop exists
# (60 s and 600 rounds at most): traffic that runs through a reload or a
# restart.
traffic() {
	local i end=$((SECONDS + 60))
	for ((i = 0; i < 600 && SECONDS < end; i++)); do
		[ -e "$TOPO_DIR/$1.stop" ] && break
		client --connect "$2" --count 50 --parallel 8 --timeout-ms 5000 \
			>>"$TOPO_DIR/$1.out" 2>>"$TOPO_DIR/$1.err"
	done
}
traffic_start() {
	: >"$TOPO_DIR/$1.out"
	traffic "$@" &
	bg_pids+=($!)
	topo_wait_file "$TOPO_DIR/$1.out" '^round' 10
}
traffic_stop() { # sets T_TOTAL T_OK T_FAILED
	local p
	: >"$TOPO_DIR/$1.stop"
	for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null; done
	bg_pids=()
	read -r T_TOTAL T_OK T_FAILED < <(awk '$1 == "round" {
		t += $4; o += $6; f += $8 } END { print t + 0, o + 0, f + 0 }' \
		"$TOPO_DIR/$1.out")
	echo "# $1: $T_TOTAL new connections while it ran: $T_OK ok, $T_FAILED failed"
}

# count FILE ROUND NAME: connections NAME answered in ROUND.
count() {
	awk -v r="$2" -v n="$3" '$1 == "server" && $2 == r && $3 == n { c = $4 }
		END { print c + 0 }' "$1"
}
# field FILE ROUND KEY: a figure of "round R total T ok K failed F moved M".
field() {
	awk -v r="$2" -v k="$3" '$1 == "round" && $2 == r {
		for (i = 3; i < NF; i += 2) if ($i == k) v = $(i + 1) }
		END { print (v == "" ? -1 : v) }' "$1"
}
shares() { # "rs1=N rs2=N ..." for ROUND
	awk -v r="$2" '$1 == "server" && $2 == r { printf "%s%s=%s", s, $3, $4; s = " " }' "$1"
}
# held_ok NAME N: round 2 of NAME: N ok, 0 failed, 0 moved, same shares.
held_ok() {
	local f="$TOPO_DIR/$1.out" s
	[ "$(field "$f" 2 ok)" = "$2" ] && [ "$(field "$f" 2 failed)" = 0 ] &&
		[ "$(field "$f" 2 moved)" = 0 ] || return 1
	for s in rs1 rs2 rs3 rs4; do
		[ "$(count "$f" 1 $s)" = "$(count "$f" 2 $s)" ] || return 1
	done
}
burst_ok() { [ "$(field "$TOPO_DIR/$1.out" 1 ok)" = "$2" ]; }

# --- lbd's answers ---------------------------------------------------------------

# status: `lbctl --json status` into status.json; lbctl's exit status.
status() { topo_lbctl "${LB:-1}" --json status >"$TOPO_DIR/status.json" 2>"$TOPO_DIR/status.err"; }
# rf SVC ADDR JQ: a member of a real in status.json ("" when absent).
rf() {
	jq -r --arg s "$1" --arg a "$2" \
		".services[] | select(.service == \$s) | .reals[] | select(.real == \$a) | $3" \
		"$TOPO_DIR/status.json" 2>/dev/null
}
gen() { jq -r .generation "$TOPO_DIR/status.json"; }

# wait_for SECONDS CMD...: run CMD every 10 ms until it succeeds; prints
# the milliseconds it took.  Fails after SECONDS.
wait_for() {
	local t0 end
	t0=$(ms)
	end=$((t0 + $1 * 1000))
	shift
	while [ "$(ms)" -lt "$end" ]; do
		if "$@"; then
			echo $(($(ms) - t0))
			return 0
		fi
		sleep 0.01
	done
	echo $(($(ms) - t0))
	return 1
}

# status_is JQ-CONDITION: a fresh status in which the condition is true.
status_is() {
	status && [ "$(jq -r "$1" "$TOPO_DIR/status.json" 2>/dev/null)" = true ]
}

# wait_status JQ-CONDITION SECONDS: poll status until the condition holds;
# prints the milliseconds it took.  Fails after SECONDS.
wait_status() { wait_for "$2" status_is "$1"; }

# metrics: GET /metrics inside the LB's namespace (bash's /dev/tcp).
metrics() {
	topo_nsx "lb${LB:-1}" bash -c 'exec 3<>/dev/tcp/127.0.0.1/9450 &&
		printf "GET /metrics HTTP/1.0\r\nHost: lb\r\n\r\n" >&3 && cat <&3' \
		>"$TOPO_DIR/metrics.txt" 2>/dev/null
}

