#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# test_lbctl.sh LBCTL: lbctl's exit codes and messages without a daemon.
# Usage errors (2) must win over connecting, an absent or dead socket is
# 3 with the path in the message, --help and help are 0 on stdout.
set -uo pipefail

lbctl=${1:?usage: $0 LBCTL}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-lbctl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
nosock=$tmp/absent.sock
fails=0
n=0

# expect RC STDERR-SUBSTRING ARGS...  (an empty substring: not checked)
expect()
{
	local want=$1 msg=$2 rc
	shift 2
	n=$((n + 1))
	"$lbctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: lbctl $*: exit $rc, want $want" >&2
		sed 's/^/  stderr: /' "$tmp/err" >&2
		fails=$((fails + 1))
	elif [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/err"; then
		echo "FAIL: lbctl $*: stderr lacks '$msg'" >&2
		sed 's/^/  stderr: /' "$tmp/err" >&2
		fails=$((fails + 1))
	fi
}

svc=203.0.113.10:80/tcp
s=(--socket "$nosock")

# Usage errors, all before any connection (the socket does not exist).
expect 2 "Usage: lbctl" "${s[@]}"
expect 2 "unknown command 'frobnicate'" "${s[@]}" frobnicate
expect 2 "unknown command 'real frob'" "${s[@]}" real frob "$svc" 10.0.0.1
expect 2 "incomplete command 'real'" "${s[@]}" real
expect 2 "Usage: lbctl real drain SVC ADDR" "${s[@]}" real drain "$svc"
expect 2 "Usage: lbctl real drain SVC ADDR" "${s[@]}" real drain "$svc" a b
expect 2 "Usage: lbctl status" "${s[@]}" status extra
expect 2 "bad W|clear 'abc'" "${s[@]}" real weight "$svc" 10.0.0.1 abc
expect 2 "bad W|clear '65536'" "${s[@]}" real weight "$svc" 10.0.0.1 65536
expect 2 "unknown option '-1'" "${s[@]}" real weight "$svc" 10.0.0.1 -1
expect 2 "bad --weight 'x'" "${s[@]}" real add "$svc" 10.0.0.1 --weight x
expect 2 "option --weight does not apply to 'real drain'" \
	"${s[@]}" real drain "$svc" 10.0.0.1 --weight 3
expect 2 "option --unload does not apply to 'status'" "${s[@]}" status --unload
expect 2 "bad --ring-size '0'" "${s[@]}" service add "$svc" --ring-size 0
expect 2 "bad --ring-size '1048574'" \
	"${s[@]}" service add "$svc" --ring-size 1048574
expect 2 "bad SVC ''" "${s[@]}" service del ""
expect 2 "bad SVC '$(printf 'a%.0s' {1..64})'" \
	"${s[@]}" service del "$(printf 'a%.0s' {1..64})"
expect 2 "bad ADDR" "${s[@]}" real del "$svc" "$(printf '1%.0s' {1..48})"
expect 2 "unknown option '--frob'" "${s[@]}" --frob status
expect 2 "missing argument to '--timeout'" status --timeout
expect 2 "bad --timeout 'soon'" "${s[@]}" --timeout soon status
expect 2 "bad --timeout '0'" "${s[@]}" --timeout 0 status
expect 2 "bad --instance 'a/b'" --instance a/b status
expect 2 "exclude each other" --instance x --socket "$nosock" status
expect 2 "bad --socket" --socket "$tmp/$(printf 'a%.0s' {1..120})" status

# Unreachable: no socket file, a file that is not a socket.
expect 3 "lbctl: cannot reach lbd at $nosock: No such file or directory" \
	"${s[@]}" status
expect 3 "cannot reach lbd at $nosock:" "${s[@]}" --json \
	real weight "$svc" 10.0.0.1 clear
: >"$tmp/plain"
expect 3 "lbctl: cannot reach lbd at $tmp/plain: Connection refused" \
	--socket "$tmp/plain" stats
expect 3 "cannot reach lbd at /run/keel/keel-test-$$-absent.sock:" \
	--instance "keel-test-$$-absent" status
expect 3 "cannot reach lbd at $nosock:" status --socket "$nosock" --timeout 0.2

# Help: stdout, exit 0, every command listed.
expect 0 "" --help
for c in "status" "services" "reals SVC" "stats" "reload" \
	"service add SVC" "service del SVC" "real add SVC ADDR" \
	"real del SVC ADDR" "real weight SVC ADDR W|clear" \
	"real drain SVC ADDR" "real undrain SVC ADDR" "real down SVC ADDR" \
	"real up SVC ADDR" "shutdown" "help [COMMAND]"; do
	n=$((n + 1))
	if ! grep -qF -- "  $c " "$tmp/out"; then
		echo "FAIL: --help does not list '$c'" >&2
		fails=$((fails + 1))
	fi
done
expect 0 "" help
expect 0 "" help real
expect 0 "" help real drain
grep -qF "Usage: lbctl real drain SVC ADDR" "$tmp/out" ||
	{ echo "FAIL: help real drain" >&2; fails=$((fails + 1)); }
expect 0 "" real add "$svc" --help
grep -qF -- "--weight W" "$tmp/out" ||
	{ echo "FAIL: real add --help lacks --weight" >&2; fails=$((fails + 1)); }
expect 0 "" "${s[@]}" real drain "$svc" 10.0.0.1 -h
expect 2 "unknown command 'nope'" help nope
expect 2 "Usage: lbctl help" help status now

echo "test_lbctl: $((n - fails)) of $n passed"
[ "$fails" = 0 ]
