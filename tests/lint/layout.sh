#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The layout rules that can be checked today (PLAN-15 section 10.1):
#  (a) no meson.build names a path into another folder: no string literal
#      holds "../", and project_source_root()/source_root() appear only
#      in the root meson.build;
#  (b) each top-level folder's README has a "Depends on:" line, and every
#      *_dep (and external dependency) its meson.build files use is its
#      own or on that line (layout_deps.py says how the line is read);
#  (c) a folder's quoted #includes name its own headers or those of a
#      folder on that line, and no directory's modules include each
#      other in a cycle (X.c includes Y.h: X depends on Y);
#  (d) what the tools link, read from the link edges of BUILDDIR's
#      build.ninja (--as-needed hides an unused library from readelf):
#      keel-xdp links neither libfyaml, keel's YAML library nor libevent;
#      lbctl links neither libbpf, libevent, libfyaml nor libmnl.
# What still breaks a rule is listed in layout-allow.txt ("a PATH",
# "b FOLDER", "c DIR" or "d TOOL LIBRARY"); a listed line that no longer applies fails too, so
# the list only shrinks.
#
#   tests/lint/layout.sh BUILDDIR   (or any folder inside it)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: layout.sh BUILDDIR}" && pwd)
while [ ! -e "$build/build.ninja" ] && [ "$build" != / ]; do
	build=$(dirname "$build")
done
allow=$src/tests/lint/layout-allow.txt
[ -e "$allow" ] || allow=/dev/null # no exceptions left
fail=0

allowed() {
	grep -v '^#' "$allow" | grep -qxF "$1"
}
# rule text: report a finding, or an allow-list line that is not needed
judge() {
	if [ -n "$2" ] && ! allowed "$1"; then
		echo "layout: $1:"
		echo "$2" | sed 's/^/    /'
		fail=1
	elif [ -z "$2" ] && allowed "$1"; then
		echo "layout: '$1' holds now: delete its line from tests/lint/layout-allow.txt"
		fail=1
	fi
}

# (a)
cd "$src"
for f in $(grep '^a ' "$allow" | cut -d' ' -f2); do
	if [ ! -e "$f" ]; then
		echo "layout: 'a $f' (layout-allow.txt): no such file: delete its line"
		fail=1
	fi
done
for f in $(find . -path './build*' -prune -o -name meson.build -print |
	sed 's|^\./||' | sort); do
	if [ "$f" = meson.build ]; then
		hits=$(grep -nE "['\"][^'\"]*\.\./" "$f" || true)
	else
		hits=$(grep -nE "['\"][^'\"]*\.\./|(project_)?source_root\(\)" \
			"$f" || true)
	fi
	judge "a $f" "$hits"
done

# (b), (c)
deps=$(python3 "$src/tests/lint/layout_deps.py" "$src")
finds() { echo "$deps" | awk -F'\t' -v k="$1" '$1 == k { print $2 }'; }
for d in $(ls -d */meson.build | cut -d/ -f1); do
	case $d in tests | docs | scripts | build*) continue ;; esac
	judge "b $d" "$(finds "b $d")"
	for dir in $(find "$d" -type d | sort); do
		judge "c $dir" "$(finds "c $dir")"
	done
done

# (d): the link edge of TOOL, the build line and its indented variables.
link_line() {
	awk -v t="$1" '
		$1 == "build" && index($2, "/" t ":") && $2 ~ ("/" t ":$") { p = 1 }
		p && /^$/ { exit }
		p { print }' "$build/build.ninja"
}
forbid() { # TOOL LIBRARY...
	tool=$1
	shift
	line=$(link_line "$tool")
	if [ -z "$line" ]; then
		echo "layout: no link edge for $tool in $build/build.ninja"
		fail=1
		return
	fi
	for lib in "$@"; do
		judge "d $tool $lib" "$(echo "$line" | grep -oE "[^ ]*$lib[^ ]*" |
			sort -u || true)"
	done
}
forbid keel-xdp libfyaml libkeelyaml libevent
forbid lbctl libbpf libevent libfyaml libmnl

[ $fail -eq 0 ] && echo "layout: ok"
exit $fail
