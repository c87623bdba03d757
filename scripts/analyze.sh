#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# clang's static analyzer (clang-tidy's clang-analyzer-* checks, less the
# insecureAPI ones, which flag every memcpy and snprintf, and the padding
# advice) over the project's C files in BUILDDIR's compile_commands.json,
# or over the files whose paths match the given regular expressions.  By
# hand, before a release: about 16 s of CPU per file, some 25 min for the
# tree, too slow for the test suite (tests/lint/README.md has the last
# result and the reports judged false positives).  Prints the warnings;
# exits 1 if any.
#
#   scripts/analyze.sh BUILDDIR [REGEX...]
#   scripts/analyze.sh build 'keel_ctlsock\.c$'
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: analyze.sh BUILDDIR [REGEX...]}" && pwd)
shift
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
[ -n "$tidy" ] || { echo "analyze.sh: no run-clang-tidy (scripts/deps.sh installs clang-tidy)" >&2; exit 1; }
if [ $# -eq 0 ]; then
	# The project's files, not the .bpf.c (a BPF target) nor generated ones.
	set -- "^$src/(libkeel|lb-dataplane|rs-agent|bgp-announcer|ctl|tests)/.*(?<!\\.bpf)\\.c\$"
fi
log=$build/analyze.log
"$tidy" -p "$build" -quiet -j2 -extra-arg=-Wno-error \
	-checks='-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.*,-clang-analyzer-optin.performance.Padding' \
	"$@" >"$log" 2>&1 || true
# One line a report: paths relative to the source, whichever way they came.
sed "s/\x1b\[[0-9;]*m//g; s|$build/\.\./||; s|$src/||; s|^\.\./||" "$log" |
	grep -E 'warning:|error:' | sort -u >"$log.found" || true
cat "$log.found"
n=$(wc -l <"$log.found")
echo "analyze.sh: $n warnings (whole output: $log)"
[ "$n" -eq 0 ]
