#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Run a command in a fresh, anonymous network namespace holding lo and a
# veth pair kg0/kg1 (XDP test runs need a real ingress device).  The
# namespace goes away with the command.  Exits 77 (skipped) without root.
#
#   tests/bpf/run-in-netns.sh build/tests/bpf/test_xdp_golden
if [ "$(id -u)" -ne 0 ]; then
	echo "run-in-netns.sh: needs root, skipped" >&2
	exit 77
fi
if [ $# -eq 0 ]; then
	echo "usage: run-in-netns.sh COMMAND [ARG]..." >&2
	exit 2
fi
exec unshare --net sh -ec '
	ip link set lo up
	ip link add kg0 type veth peer name kg1
	ip link set kg0 up
	ip link set kg1 up
	exec "$@"' sh "$@"
