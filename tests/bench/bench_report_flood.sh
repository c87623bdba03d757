#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# lbd under a flood of junk on its agent report port, in namespaces of its
# own (docs/PERFORMANCE.md, "Agent report floods"):
#
#   sw: a bridge;  lb: lbd (10.30.0.1, agents.listen :9460);
#   ag: the genuine agent 10.30.0.11 (keel-report-send, a report every
#       100 ms, boot counter and sequence numbered as rs-agent does);
#   fl: the flooder (keel-report-send --flood, raw sockets, sources
#       spoofed from --from: a /16 of strangers and the agent's address).
#
# For each mix it prints one line: the flood's rate, lbd's CPU over the
# flood (utime + stime from /proc, as a share of one core), the genuine
# agent's reports sent and accepted during the whole run (loss), its real's
# state changes, and lbd's counters by result.  --no-filter takes lbd's
# socket filter off its socket first (pidfd_getfd: the same socket), to
# measure the userspace checks alone.
#
# Usage (root): bench_report_flood.sh LBD KEEL_REPORT_SEND [--no-filter]
#                   [RATE] [SECONDS] [MIX]...
#   defaults: RATE 200000, SECONDS 10, MIX random:34,wrongkey:33,replay:33;
#   FLOOD_FROM="--from A[/LEN] ..." sets the sources (default: 10.66.0.0/16
#   and the agent's 10.30.0.11, half each)
# e.g. tests/bench/bench_report_flood.sh build-rel/lb-dataplane/lbd/lbd \
#        build-rel/tests/tools/keel-report-send 200000 10 \
#        random:34,wrongkey:33,replay:33 nextseq:100
set -u -o pipefail

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, XDP, raw sockets)"
	exit 77
fi
LBD=$(realpath -e "$1") || exit 2
SEND=$(realpath -e "$2") || exit 2
shift 2
filter=1
if [ "${1:-}" = --no-filter ]; then
	filter=0
	shift
fi
RATE=${1:-200000}
SECS=${2:-10}
shift 2 2>/dev/null
MIXES=("$@")
[ ${#MIXES[@]} -gt 0 ] || MIXES=(random:34,wrongkey:33,replay:33)

# REPORT_VERSION=1: the agent and the flood speak protocol version 1 (to
# measure an lbd that knows only version 1, the one before these checks).
VER="--version ${REPORT_VERSION:-2}"
# Sources: a /16 of strangers and the agent's own address (spoofed).
FROM=${FLOOD_FROM:---from 10.66.0.0/16 --from 10.30.0.11}
P="kf$$"
D=$(mktemp -d "/tmp/keel-flood-$$.XXXXXX")
INST="flood-$$"
LBPID=
pids=()

cleanup() {
	local p n
	trap - EXIT
	for p in "${pids[@]}" $LBPID; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for n in lb ag fl sw; do
		ip netns del "$P-$n" 2>/dev/null
	done
	rm -rf "/sys/fs/bpf/keel/$INST"
	rm -rf -- "$D"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

nsx() { local n=$1; shift; nsenter --net="/run/netns/$P-$n" -- "$@"; }

for n in sw lb ag fl; do
	ip netns add "$P-$n" || exit 1
	nsx "$n" ip link set lo up
done
nsx sw ip link add br0 type bridge
nsx sw ip link set br0 up
i=0
for n in lb ag fl; do
	i=$((i + 1))
	ip link add "$P-v$i" type veth peer name "$P-p$i"
	ip link set "$P-v$i" netns "$P-$n"
	ip link set "$P-p$i" netns "$P-sw"
	nsx "$n" ip link set "$P-v$i" name eth0
	nsx sw ip link set "$P-p$i" master br0 up
done
nsx lb ip addr add 10.30.0.1/24 dev eth0
nsx ag ip addr add 10.30.0.11/24 dev eth0
nsx fl ip addr add 10.30.0.200/24 dev eth0
for n in lb ag fl; do
	nsx "$n" ip link set eth0 up
done
# Spoofed sources have no route back: no reverse-path filter on the LB.
nsx lb sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	net.ipv4.conf.eth0.rp_filter=0

(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$D/key" && echo >>"$D/key")
cat >"$D/lbd.yaml" <<CFG
instance: $INST
interfaces:
  - name: eth0
control:
  socket: $D/lbd.sock
metrics:
  listen: 127.0.0.1:9450
state_file: $D/lbd.state
agents:
  listen: 10.30.0.1:9460
  key_file: $D/key
  interval: 100ms
  dead_after: 300ms
services:
  - vip: 203.0.113.10
    port: 80
    protocol: tcp
    health: {type: agent}
    reals:
      - address: 10.30.0.11
CFG

metric() { # metric RESULT: lbd's keel_agent_reports_total for RESULT
	nsx lb bash -c 'exec 3<>/dev/tcp/127.0.0.1/9450 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2>/dev/null |
		awk -v r="result=\"$1\"" 'index($0, "keel_agent_reports_total{") == 1 &&
			index($0, r) { v = $NF } END { print v + 0 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
split_ticks() { awk '{ print "user " $14 ", sys " $15 }' "/proc/$1/stat"; }

# Take the filter off lbd's socket (the same socket through pidfd_getfd).
detach_filter() {
	python3 - "$1" <<'PY'
import ctypes, os, socket, sys
pid = int(sys.argv[1])
inode = None
for line in open(f"/proc/{pid}/net/udp").read().splitlines()[1:]:
    f = line.split()
    if f[1].endswith(":24F4"):  # port 9460
        inode = f[9]
for fd in os.listdir(f"/proc/{pid}/fd"):
    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
        libc = ctypes.CDLL(None, use_errno=True)
        pidfd = os.pidfd_open(pid)
        mine = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
        s = socket.socket(fileno=mine)
        s.setsockopt(socket.SOL_SOCKET, 27, 0)  # SO_DETACH_BPF
        print("filter detached from lbd's fd", fd)
        sys.exit(0)
sys.exit("lbd's report socket not found")
PY
}

for mix in "${MIXES[@]}"; do
	rm -f "$D/lbd.state" "$D/lbd.state.replay"
	# nsenter execs lbd: $! is lbd itself.
	nsenter --net="/run/netns/$P-lb" -- "$LBD" --config "$D/lbd.yaml" \
		--detach-on-exit >"$D/lbd.log" 2>&1 &
	LBPID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$D/lbd.sock" ] && break
		sleep 0.1
	done
	sleep 0.5
	[ "$filter" = 0 ] && detach_filter "$LBPID"
	boot=$(date +%s)
	bootid=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	count=$(((SECS + 6) * 10))
	nsenter --net="/run/netns/$P-ag" -- "$SEND" --lb 10.30.0.1:9460 --key "$D/key" --real 10.30.0.11 \
		--service 203.0.113.10:80/tcp=up:1 --boot "$boot" --boot-id "$bootid" --seq 1 $VER \
		--count "$count" --interval 100 >"$D/agent.out" 2>&1 &
	agent=$!
	pids+=($agent)
	sleep 2
	c0=$(cpu_ticks "$LBPID")
	s0=$(split_ticks "$LBPID")
	t0=$(date +%s%N)
	nsx fl "$SEND" --lb 10.30.0.1:9460 --flood "$RATE" --duration "$SECS" \
		--mix "$mix" $FROM \
		--key "$D/key" --real 10.30.0.11 --service 203.0.113.10:80/tcp=up:1 \
		--boot "$boot" --boot-id "$bootid" --seq 21 $VER >"$D/flood.out" 2>&1
	c1=$(cpu_ticks "$LBPID")
	s1=$(split_ticks "$LBPID")
	t1=$(date +%s%N)
	wait "$agent"
	lines=$(wc -l <"$D/lbd.log")
	sleep 0.3
	sent=$(grep -c '^sent' "$D/agent.out")
	ok=$(metric ok)
	res=""
	for r in malformed version unknown_source wrong_real replay old_boot downgrade rate_limited bad_mac unknown_real wrong_source; do
		res+=" $r $(metric $r)"
	done
	changes=$(head -n "$lines" "$D/lbd.log" | grep -c 'real 10.30.0.11 of .*: up -> ')
	cpu=$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v ns="$((t1 - t0))" \
		'BEGIN { printf "%.1f", 100 * c / hz / (ns / 1e9) }')
	loss=$(awk -v s="$sent" -v o="$ok" 'BEGIN { printf "%.2f", s ? 100 * (s - o) / s : 100 }')
	echo "flood $mix: $(sed 's/^flood: //' "$D/flood.out" | head -n 1)"
	fstate=none
	grep -q "socket filter on" "$D/lbd.log" && fstate=on
	[ "$filter" = 0 ] && fstate=off
	echo "  lbd cpu ${cpu}% of a core (socket filter $fstate); genuine: sent $sent, accepted $ok, lost ${loss}%; its real left UP $changes times"
	echo "  lbd results:$res"
	echo "  lbd ticks before: $s0, after: $s1"
	kill "$LBPID"
	wait "$LBPID" 2>/dev/null
	LBPID=
	pids=()
done
