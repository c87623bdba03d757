#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# clang-format --dry-run -Werror (the repo's .clang-format) over every C
# file of the tree: git's tracked and untracked-but-not-ignored .c/.h, or,
# without git, every .c/.h under the source folders.  No file is skipped.
# Exits 77 (skipped) without clang-format (scripts/deps.sh installs it).
#
#   tests/lint/format.sh
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
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
# shellcheck disable=SC2086 # one word per path
if ! clang-format --dry-run -Werror $files; then
	echo "format.sh: run clang-format -i on the files above"
	exit 1
fi
echo "format.sh: $(echo $files | wc -w) files clean"
