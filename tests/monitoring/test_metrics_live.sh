#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Every metric monitoring/'s dashboard and rules name, in a live scrape of
# the daemons (suite monitoring): scripts/lib/topology.sh's site in network
# namespaces with lbd (service, three reals, agents' health, agents'
# section), rs-agent on every real (metrics on), bgp-announcer beside lbd
# polling it, with a BGP session to BIRD 2 on the router and a disable
# file, and a burst of client connections through the VIP.  Each daemon's
# /metrics is scraped; then every name (and every label value an
# expression asks for exactly, e.g. keel_real_source{source="admin"}) must
# be in a scrape.  `up` is Prometheus's own and is said so, not checked.
# In main, a real Prometheus then scrapes the daemons with the rules
# loaded: every dashboard query returns data, no alert is pending in the
# healthy site, and killing rs2's service makes KeelRealDown pending for
# rs2 and nothing else.
#
#   main  the names of the RULES files and of the dashboard but its
#         "LB pair" row;
#   pair  the names of the RULES files (keel-pair-alerts.yml) and of the
#         dashboard's "LB pair" row.  Two LBs then, each with a pair:
#         section naming the other, when KEEL_MONITORING_PAIR=1; without
#         it lbd runs with no pair: section and the test is skipped (77),
#         saying which names it did not check and which of them the
#         scrape has.  Expected to fail until lbd exports keel_pair_*.
#
# Usage: test_metrics_live.sh main|pair LBD LBCTL KEEL_ECHO KEEL_XDP
#        RS_AGENT BGP_ANNOUNCER DASHBOARD RULES...
# Needs root (else 77), bird2, prometheus (and its promtool) and
# python3-yaml (scripts/deps.sh).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/e2e_lib.sh
. "$here/../e2e/e2e_lib.sh"

MODE=${1:-}
LBD=$(path_arg "${2:-}")
LBCTL=$(path_arg "${3:-}")
KEEL_ECHO=$(path_arg "${4:-}")
KEEL_XDP=$(path_arg "${5:-}")
RS_AGENT=$(path_arg "${6:-}")
BGPA=$(path_arg "${7:-}")
DASHBOARD=$(path_arg "${8:-}")
shift 8 2>/dev/null || set --
RULES=()
for r in "$@"; do RULES+=("$(path_arg "$r")"); done
NAMES="$here/promql_names.py"
case $MODE in main | pair) ;; *) MODE= ;; esac
if [ -z "$MODE" ] || [ ${#RULES[@]} = 0 ]; then
	echo "FAIL - usage: test_metrics_live.sh main|pair LBD LBCTL KEEL_ECHO KEEL_XDP RS_AGENT BGP_ANNOUNCER DASHBOARD RULES..."
	exit 1
fi
need_root "the live scrape needs root (network namespaces, XDP)"
for t in "$LBD" "$LBCTL" "$KEEL_ECHO" "$KEEL_XDP" "$RS_AGENT" "$BGPA"; do
	[ -x "$t" ] || { echo "FAIL - not a program: '$t'"; exit 1; }
done
for t in bird birdc prometheus promtool; do
	command -v $t >/dev/null ||
		{ echo "FAIL - $t is missing (scripts/deps.sh installs bird2 and prometheus)"; exit 1; }
done
python3 -c 'import yaml' 2>/dev/null ||
	{ echo "FAIL - python3-yaml is missing (scripts/deps.sh installs it)"; exit 1; }

PAIR=0
[ "$MODE" = pair ] && [ "${KEEL_MONITORING_PAIR:-0}" = 1 ] && PAIR=1

TOPO_PREFIX="keel-mon-$$-"
TOPO_INSTANCE="mon-$$"
TOPO_DIR=$(mktemp -d "/tmp/keel-e2e-monitoring-$$.XXXXXX")
chmod 755 "$TOPO_DIR"
TOPO_REALS=3
TOPO_LBS=$((1 + PAIR))
TOPO_LBD=1
TOPO_LBD_START=0
TOPO_RS_NET=agent
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/topology.sh
. "$here/../../scripts/lib/topology.sh"
TOPO_LBD_TOP="agents:
  listen: 0.0.0.0:9460
  key_file: $(topo_agent_key)
  interval: 100ms
  dead_after: 300ms"
TOPO_LBD_SVC="    health: {type: agent}"
RT=$(topo_ns rt)
LB1_ADDR=$(topo_lb_addr 1)
RT_ADDR=$TOPO_SEG_NET.1

declare -A hold_pid=()
bg_pids=()
BGPA_PID=

cleanup() {
	local rc=$? p
	trap - EXIT
	[ -n "$BGPA_PID" ] && kill -TERM "$BGPA_PID" 2>/dev/null
	for p in "${hold_pid[@]}" "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -f "$TOPO_DIR/bird.pid" ] && kill -TERM "$(cat "$TOPO_DIR/bird.pid")" 2>/dev/null
	if ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null
	[ "$failed" = 0 ] || [ "$rc" = 77 ] || rc=1
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || dump_logs '*.log'
	rm -rf -- "$TOPO_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# scrape NS PORT FILE: GET /metrics on 127.0.0.1:PORT inside NS.
scrape() {
	topo_nsx "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$2"' &&
		printf "GET /metrics HTTP/1.0\r\nHost: keel\r\n\r\n" >&3 && cat <&3' \
		>"$3" 2>/dev/null && grep -q '^HTTP/1\.[01] 200' "$3"
}
# sample names of a scrape (its body's non-comment lines)
sample_names() {
	sed '1,/^\r\{0,1\}$/d' "$@" | grep -v '^#' | sed -E 's/[{ ].*//' |
		grep -v '^$' | sort -u
}

# What the dashboard and the rules ask for.
if [ "$MODE" = main ]; then
	sel=--no-pair
else
	sel=--pair
fi
{
	python3 "$NAMES" rules "${RULES[@]}" &&
		python3 "$NAMES" dashboard "$DASHBOARD" "$sel"
} >"$TOPO_DIR/want.raw" || { echo "FAIL - promql_names.py"; exit 1; }
{
	python3 "$NAMES" --labels rules "${RULES[@]}" &&
		python3 "$NAMES" --labels dashboard "$DASHBOARD" "$sel"
} >"$TOPO_DIR/labels.raw" || { echo "FAIL - promql_names.py --labels"; exit 1; }
sort -u "$TOPO_DIR/want.raw" | grep -vx up >"$TOPO_DIR/want.txt"
grep -qx up "$TOPO_DIR/want.raw" &&
	echo "# not checked: up (Prometheus's own, one per scrape target)"
sort -u "$TOPO_DIR/labels.raw" | awk -F'\t' '$1 != "up"' >"$TOPO_DIR/labels.txt"
nwant=$(wc -l <"$TOPO_DIR/want.txt")
if [ "$nwant" = 0 ]; then
	echo "FAIL - no metric name found in ${RULES[*]} and $DASHBOARD ($sel)"
	exit 1
fi
topo_up || exit 1
# rs-agent with its metrics on (topology.sh's config plus a metrics: key).
for ((n = 1; n <= TOPO_REALS; n++)); do
	topo_agent_config "$n" &&
		printf 'metrics:\n  listen: 0.0.0.0:9452\n' >>"$(topo_agent_conf "$n")" ||
		exit 1
done
# The pair's key, and each LB's pair: section naming the other.
if [ "$PAIR" = 1 ]; then
	(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$TOPO_DIR/pair.key" &&
		echo >>"$TOPO_DIR/pair.key") && chown "$TOPO_USER" "$TOPO_DIR/pair.key"
fi
for ((n = 1; n <= TOPO_LBS; n++)); do
	topo_lbd_config "$n" || exit 1
	if [ "$PAIR" = 1 ]; then
		o=$((3 - n))
		printf 'pair:\n  node_id: %d\n  listen: %s:7600\n  key_file: %s\n  peers:\n    - {name: lb%d, address: %s:7600}\n' \
			"$n" "$(topo_lb_addr "$n")" "$TOPO_DIR/pair.key" "$o" \
			"$(topo_lb_addr "$o")" >>"$(topo_lbd_conf "$n")"
	fi
	topo_lbd_start "$n" || exit 1
done
# The pair's check needs lbd to run with a pair: section; without one it
# says what it did not check, and is skipped.
if [ "$MODE" = pair ] && ! grep -q '^pair:' "$(topo_lbd_conf 1)"; then
	scrape lb1 9450 "$TOPO_DIR/lbd1.txt" && sample_names "$TOPO_DIR/lbd1.txt" >"$TOPO_DIR/have.txt"
	echo "SKIP: lbd runs here with no pair: section, so the pair's $nwant metric names were not checked:"
	sed 's/^/#   /' "$TOPO_DIR/want.txt"
	echo "# of them lbd's scrape has: $(comm -12 "$TOPO_DIR/want.txt" "$TOPO_DIR/have.txt" 2>/dev/null | tr '\n' ' ')"
	echo "# KEEL_MONITORING_PAIR=1 (meson test's environment, or env: in tests/monitoring/meson.build) runs two LBs with a pair: section and checks them."
	exit 77
fi
for ((n = 1; n <= TOPO_REALS; n++)); do
	topo_agent_start "$n" || exit 1
done

# BIRD on the router, bgp-announcer on lb1 polling lb1's lbd.
cat >"$TOPO_DIR/bird.conf" <<EOF
router id $RT_ADDR;
protocol device { scan time 10; }
protocol bgp lb1 {
  local $RT_ADDR as 65000; neighbor $LB1_ADDR as 65001;
  hold time 3; keepalive time 1; connect retry time 1;
  ipv4 { import all; export none; };
}
EOF
ip netns exec "$RT" bird -c "$TOPO_DIR/bird.conf" -s "$TOPO_DIR/bird.ctl" \
	-P "$TOPO_DIR/bird.pid" >"$TOPO_DIR/bird.log" 2>&1 ||
	{ echo "FAIL - bird did not start: $(cat "$TOPO_DIR/bird.log")"; exit 1; }
cat >"$TOPO_DIR/bgp.yaml" <<EOF
local_as: 65001
router_id: $LB1_ADDR
hold_time: 3
connect_retry: 500ms
user: $TOPO_USER
control:
  socket: $TOPO_DIR/bgp.sock
metrics:
  listen: 127.0.0.1:9451
lbd:
  socket: $(topo_lbd_sock 1)
disable_file: $TOPO_DIR/bgp.disable
peers:
  - name: rt
    address: $RT_ADDR
    remote_as: 65000
    local_address: $LB1_ADDR
prefixes:
  - prefix: $TOPO_VIP/32
EOF
setsid nsenter --net="/run/netns/$(topo_ns lb1)" -- "$BGPA" \
	--config "$TOPO_DIR/bgp.yaml" </dev/null >>"$TOPO_DIR/bgp.log" 2>&1 &
BGPA_PID=$!

# Everything up: the reals UP from their agents, the session Established,
# the prefix announced; some traffic through the VIP.
S=$(topo_svc)
ms=$(wait_status "[.services[] | select(.service == \"$S\") | .reals[] | select(.state == \"up\" and .source == \"agent\")] | length == 3" 15)
check "lbd: all three reals UP from their agents ($ms ms)" test $? = 0
bgp_est() {
	scrape lb1 9451 "$TOPO_DIR/bgp.txt" &&
		grep -qx 'keel_bgp_peer_established{peer="rt"} 1' "$TOPO_DIR/bgp.txt" &&
		grep -qx "keel_bgp_prefix_announced{prefix=\"$TOPO_VIP/32\"} 1" "$TOPO_DIR/bgp.txt"
}
ms=$(wait_for 20 bgp_est)
check "bgp-announcer: session to BIRD Established, the VIP announced ($ms ms)" test $? = 0
check "a burst of 50 connections through the VIP" burst b1 "$TOPO_VIP" 50

# The scrapes: every LB's lbd, rs1's rs-agent, the announcer.
files=()
for ((n = 1; n <= TOPO_LBS; n++)); do
	check "scrape lbd of lb$n" scrape "lb$n" 9450 "$TOPO_DIR/lbd$n.txt"
	files+=("$TOPO_DIR/lbd$n.txt")
done
for ((n = 1; n <= TOPO_REALS; n++)); do
	check "scrape rs-agent of rs$n" scrape "rs$n" 9452 "$TOPO_DIR/agent$n.txt"
	files+=("$TOPO_DIR/agent$n.txt")
done
check "scrape bgp-announcer" scrape lb1 9451 "$TOPO_DIR/bgp.txt"
files+=("$TOPO_DIR/bgp.txt")
sample_names "${files[@]}" >"$TOPO_DIR/have.txt"
echo "# $(wc -l <"$TOPO_DIR/have.txt") metric names scraped from ${#files[@]} endpoints"

missing=$(comm -23 "$TOPO_DIR/want.txt" "$TOPO_DIR/have.txt")

check "all $nwant metric names of the $MODE set are in a scrape" test -z "$missing"
if [ -n "$missing" ]; then
	while read -r m; do echo "#   missing: $m"; done <<<"$missing"
fi
# Label values asked for exactly: some sample of that metric has it.
while IFS=$'\t' read -r m l v; do
	[ -n "$m" ] || continue
	check "$m{$l=\"$v\"} in a scrape" \
		grep -qE "^$m\{(.*,)?$l=\"$v\"" "${files[@]}"
done <"$TOPO_DIR/labels.txt"

# A real Prometheus (in lb1's namespace) scraping every daemon, with the
# rules loaded: every dashboard query of this set returns data, and in
# this healthy site no alert is pending or firing.
if [ "$MODE" = main ]; then
	{
		echo "global: {scrape_interval: 1s, evaluation_interval: 1s}"
		echo "rule_files:"
		for r in "${RULES[@]}"; do echo "  - $r"; done
		echo "scrape_configs:"
		echo "  - {job_name: keel-lbd, static_configs: [{targets: ['127.0.0.1:9450']}]}"
		echo "  - {job_name: keel-bgp-announcer, static_configs: [{targets: ['127.0.0.1:9451']}]}"
		printf "  - {job_name: keel-rs-agent, static_configs: [{targets: ["
		for ((n = 1; n <= TOPO_REALS; n++)); do
			printf "'%s:9452'%s" "$(topo_rs_addr "$n")" "$([ "$n" -lt "$TOPO_REALS" ] && echo ,)"
		done
		echo "]}]}"
	} >"$TOPO_DIR/prometheus.yml"
	setsid nsenter --net="/run/netns/$(topo_ns lb1)" -- prometheus \
		--config.file="$TOPO_DIR/prometheus.yml" \
		--storage.tsdb.path="$TOPO_DIR/prom-data" \
		--web.listen-address=127.0.0.1:9090 </dev/null >"$TOPO_DIR/prometheus.log" 2>&1 &
	bg_pids+=($!)
	pq() { topo_nsx lb1 promtool query instant http://127.0.0.1:9090 "$1" 2>&1; }
	# Every target up and two scrapes of each, so that rate() has data.
	prom_ready() { [ "$(pq 'count(up == 1) == 5 and count(count_over_time(up[1m]) >= 3) == 5' | grep -c '=>')" = 1 ]; }
	ms=$(wait_for 30 prom_ready)
	check "prometheus: the 5 targets up and scraped 3 times ($ms ms)" test $? = 0
	python3 "$NAMES" --exprs dashboard "$DASHBOARD" --no-pair >"$TOPO_DIR/exprs.txt"
	nq=0
	nbad=0
	while read -r e; do
		nq=$((nq + 1))
		out=$(pq "$e")
		grep -q '=>' <<<"$out" && continue
		nbad=$((nbad + 1))
		echo "#   no data: $e"
		while read -r l; do echo "#     $l"; done <<<"$out"
	done <"$TOPO_DIR/exprs.txt"
	check "prometheus: every one of the $nq dashboard queries (but the pair row's) returns data ($nbad do not)" \
		test "$nq" -gt 0 -a "$nbad" = 0
	sleep 3 # a few evaluations of the rules
	alerts=$(pq 'ALERTS' | grep '=>')
	check "prometheus: no alert pending or firing in this healthy site" \
		test -z "$alerts"
	[ -n "$alerts" ] && while read -r l; do echo "#   $l"; done <<<"$alerts"
	# rs2's service killed: its agent says down, and KeelRealDown is
	# pending for rs2, nothing else.
	RS2=$(topo_rs_addr 2)
	kill -TERM "$(cat "$TOPO_DIR/rs2.pid")"
	rs2_pending() {
		pq "ALERTS{alertname=\"KeelRealDown\",real=\"$RS2\",service=\"$S\"}" | grep -q '=>'
	}
	ms=$(wait_for 15 rs2_pending)
	check "prometheus: rs2's service killed -> KeelRealDown pending for rs2 ($ms ms)" test $? = 0
	alerts=$(pq 'ALERTS' | grep '=>')
	while read -r l; do echo "#   $l"; done <<<"$alerts"
	check "prometheus: no other alert" \
		test -z "$(grep -v "alertname=\"KeelRealDown\"" <<<"$alerts")"
fi

echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
