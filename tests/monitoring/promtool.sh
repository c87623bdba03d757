#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# promtool ARGS...; skipped (77) without promtool (Debian's prometheus
# package, scripts/deps.sh).  A rule unit test names its rule files
# relative to itself: promtool reads them from there whatever the cwd.
command -v promtool >/dev/null || {
	echo "SKIP: no promtool (apt-get install prometheus; scripts/deps.sh)"
	exit 77
}
exec promtool "$@"
