# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Sourced by the end-to-end tests (never run): their assertion and log
# helpers.  The topology itself is scripts/lib/topology.sh.

passed=0
failed=0

check() { # check DESCRIPTION TEST-COMMAND...
	if "${@:2}"; then
		echo "ok   - $1"
		passed=$((passed + 1))
	else
		echo "FAIL - $1"
		failed=$((failed + 1))
	fi
}

# dump_logs GLOB...: the last lines of each non-empty file of the run's
# directory matching the globs (e.g. '*.err' '*.log').
dump_logs() {
	local f g
	for g in "$@"; do
		for f in "$TOPO_DIR"/$g; do
			[ -s "$f" ] || continue
			echo "--- ${f##*/} (last 25 lines)"
			tail -n 25 "$f"
		done
	done
}
