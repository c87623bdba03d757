#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# cppcheck over the tree's C files (not the .bpf.c: a BPF target's headers):
# warning, portability and style, less three style checks that do not fit
# the kernel style (variableScope: declarations at the top;
# unusedStructMember: designated-initializer tables; constParameter).
# keel.cfg tells it the jansson/libbpf/libmnl iteration macros, without
# which it skips whole files.  A false positive takes an inline
# "// cppcheck-suppress ID" with its reason; no file is skipped.  Exits 77
# without cppcheck (scripts/deps.sh installs it).  The generated BPF
# skeletons are not read: megabytes of object bytes, 5x the time.
#
#   tests/lint/cppcheck.sh
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v cppcheck >/dev/null 2>&1; then
	echo "cppcheck.sh: no cppcheck (scripts/deps.sh installs it), skipped" >&2
	exit 77
fi
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard '*.c')
else
	files=$(find libkeel lb-dataplane rs-agent bgp-announcer ctl tests \
		-name '*.c' | sort)
fi
check=""
for f in $files; do
	case $f in *.bpf.c) continue ;; esac
	check="$check $f"
done
inc="-Ilibkeel -Ilb-dataplane/core -Ilb-dataplane/bpf -Ilb-dataplane/lbd \
-Irs-agent -Ibgp-announcer -Ictl -Itests/lib"
# shellcheck disable=SC2086 # one word per path or option
cppcheck --library="$src/tests/lint/keel.cfg" \
	--enable=warning,portability,style --suppress=variableScope \
	--suppress=unusedStructMember --suppress=constParameter \
	--error-exitcode=1 --inline-suppr -q -D_GNU_SOURCE -j2 \
	$inc $check && echo "cppcheck.sh: $(echo $check | wc -w) files clean"
