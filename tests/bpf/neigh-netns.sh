#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Inside run-in-netns.sh: give kg1 a namespace of its own, so kg0 reaches
# kg1's addresses by ARP/ND rather than as local addresses, then run the
# command with KEEL_PEER_NS naming that namespace (for `ip -n`).  The
# namespace is removed on exit.  Addresses are the test's business.
#
#   tests/bpf/run-in-netns.sh tests/bpf/neigh-netns.sh build/tests/bpf/test_lb_neigh
set -e
ns="keel-neigh-$$"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
trap 'exit 1' HUP INT TERM
ip netns add "$ns"
ip link set kg1 netns "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link set kg1 up
# No exec: the trap must outlive the command.
KEEL_PEER_NS="$ns" "$@"
