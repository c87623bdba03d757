#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# clang-format --dry-run -Werror (the repo's .clang-format) over every C
# file of the tree: git's tracked and untracked-but-not-ignored .c/.h, or,
# without git, every .c/.h under the source folders.  The files listed in
# format-allow.txt are not clean yet and are skipped; a listed file that
# has become clean fails too, so the list only shrinks.  Exits 77
# (skipped) without clang-format (scripts/deps.sh installs it).
#
#   tests/lint/format.sh
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
allow=$src/tests/lint/format-allow.txt
if ! command -v clang-format >/dev/null 2>&1; then
	echo "format.sh: no clang-format (scripts/deps.sh installs it), skipped" >&2
	exit 77
fi
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else
	files=$(find libkeel lb-dataplane rs-agent bgp-announcer ctl tests \
		-name '*.[ch]' | sort)
fi
allowed() {
	grep -v '^#' "$allow" | grep -qxF "$1"
}
check=""
fail=0
for f in $(grep -v '^#' "$allow"); do
	if [ ! -e "$f" ]; then
		echo "format.sh: $f (format-allow.txt) does not exist: delete its line, or give its new path"
		fail=1
	fi
done
for f in $files; do
	if allowed "$f"; then
		if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
			echo "format.sh: $f is clean now: delete its line from tests/lint/format-allow.txt"
			fail=1
		fi
	else
		check="$check $f"
	fi
done
# shellcheck disable=SC2086 # one word per path
if ! clang-format --dry-run -Werror $check; then
	echo "format.sh: run clang-format -i on the files above"
	fail=1
fi
[ $fail -eq 0 ] && echo "format.sh: $(echo $check | wc -w) files clean"
exit $fail
