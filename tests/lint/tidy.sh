#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# clang-tidy (the root .clang-tidy's checks, every warning an error) over
# each C file of BUILDDIR's compile_commands.json that is the project's:
# under the source tree, not a .bpf.c (a BPF target), not generated.  No
# file is skipped.  Exits 77 without run-clang-tidy-14 (scripts/deps.sh
# installs clang-tidy).
#
#   tests/lint/tidy.sh BUILDDIR   (or any folder inside it)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: tidy.sh BUILDDIR}" && pwd)
while [ ! -e "$build/compile_commands.json" ] && [ "$build" != / ]; do
	build=$(dirname "$build")
done
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$tidy" ]; then
	echo "tidy.sh: no run-clang-tidy (scripts/deps.sh installs clang-tidy), skipped" >&2
	exit 77
fi
files=$(python3 - "$build/compile_commands.json" "$src" "$build" <<'PY'
import json, os, sys
db, src, build = sys.argv[1:4]
seen = set()
for e in json.load(open(db)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if (f.startswith(src + "/") and not f.startswith(build + "/")
            and f.endswith(".c") and not f.endswith(".bpf.c")):
        seen.add(os.path.relpath(f, src))
print("\n".join(sorted(seen)))
PY
)
check=""
for f in $files; do
	# run-clang-tidy takes regular expressions: the whole path, literally.
	check="$check ^$(echo "$src/$f" | sed 's/[.+]/\\&/g')\$"
done
# -Wno-error: the compiler's own warnings are gcc's to judge (the build
# has -Werror); clang-tidy reports only its checks and clang's errors.
# shellcheck disable=SC2086 # one word per file
if ! "$tidy" -p "$build" -quiet -j2 -extra-arg=-Wno-error $check \
	>"$build/tidy.log" 2>&1; then
	sed 's/\x1b\[[0-9;]*m//g' "$build/tidy.log" |
		grep -E 'warning:|error:' | sort -u
	echo "tidy.sh: findings above (whole output: $build/tidy.log)"
	exit 1
fi
echo "tidy.sh: $(echo $check | wc -w) files clean"
