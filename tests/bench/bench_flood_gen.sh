#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# Which way of sending a flood is fastest on this machine: keel-flood's
# three senders (XDP live frames, AF_PACKET sendmmsg, PACKET_TX_RING) into
# a veth whose peer drops every frame with XDP (the sender alone: no LB).
# Rounds interleave the modes; each line is one run, then the medians of
# pps and of pps per CPU-second of the sender (this kernel charges the
# peer's XDP work to the sending CPU).  docs/PERFORMANCE.md, "Flood
# generators"; the stress suite uses the fastest (tests/stress/README.md).
#
# Usage (root): bench_flood_gen.sh KEEL_FLOOD KEEL_TRIVIAL_BPF_O [ROUNDS] [SECONDS]
#   e.g. tests/bench/bench_flood_gen.sh build-rel/tests/stress/keel-flood \
#          build-rel/lb-dataplane/bpf/keel_trivial.bpf.o 5 3
set -u -o pipefail

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (namespaces, XDP)"
	exit 77
fi
FLOOD=$(realpath -e "$1") || exit 2
OBJ=$(realpath -e "$2") || exit 2
ROUNDS=${3:-5}
SECS=${4:-3}
P="kfg$$"

cleanup() {
	ip netns del "$P-a" 2>/dev/null
	ip netns del "$P-b" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

ip netns add "$P-a" && ip netns add "$P-b" &&
	ip -n "$P-a" link add eth0 type veth peer name eth0 netns "$P-b" &&
	ip -n "$P-a" link set eth0 up && ip -n "$P-b" link set eth0 up &&
	ip -n "$P-b" link set dev eth0 xdpdrv object "$OBJ" program xdp_drop || exit 1
mac=$(ip -n "$P-b" -j link show eth0 | jq -r '.[0].address')
out=$(mktemp)
echo "# $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds of $SECS s per mode"
for ((r = 1; r <= ROUNDS; r++)); do
	for m in live packet ring; do
		line=$(nsenter --net="/run/netns/$P-a" -- "$FLOOD" --dev eth0 --dst-mac "$mac" \
			--dst 203.0.113.10 --dport 80 --kind syn --from 10.128.0.0/9 \
			--duration "$SECS" --mode "$m")
		echo "$line"
		# "flood MODE syn: F frames in T s: R pps (cpu C s, ...)"
		awk -v m="$m" '{ f = $4; t = $7; c = $12
			print m, f / t, (c > 0 ? f / c : 0) }' <<<"$line" >>"$out"
	done
done
echo "# medians: mode, pps, pps per CPU-second of the sender"
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] }'; }
for m in live packet ring; do
	printf '%-7s %10s %10s\n' "$m" \
		"$(awk -v m="$m" '$1 == m { print $2 }' "$out" | median)" \
		"$(awk -v m="$m" '$1 == m { print $3 }' "$out" | median)"
done
rm -f "$out"
