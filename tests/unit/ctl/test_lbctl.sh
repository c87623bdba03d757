#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# test_lbctl.sh LBCTL: lbctl's exit codes and messages without a daemon.
# Usage errors (2) must win over connecting, an absent or dead socket is
# 3 with the path in the message, --help and help are 0 on stdout.
set -uo pipefail

lbctl=${1:?usage: $0 LBCTL}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-lbctl.XXXXXX")
serve_pid=
trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
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
expect 2 "incomplete command 'site'" "${s[@]}" site
expect 2 "unknown command 'site drained'" "${s[@]}" site drained
expect 2 "Usage: lbctl site drain [--reason TEXT]" "${s[@]}" site drain now
expect 2 "Usage: lbctl site status" "${s[@]}" site status x
expect 2 "bad --reason '': 1..255 bytes without control characters" \
	"${s[@]}" site drain --reason ""
expect 2 "bad --reason" "${s[@]}" site drain --reason "$(printf 'two\nlines')"
expect 2 "bad --reason" "${s[@]}" site drain --reason "$(printf 'tab\there')"
expect 2 "bad --reason" "${s[@]}" site drain --reason "$(printf 'csi\302\2332J')"
expect 2 "bad --reason" "${s[@]}" site drain --reason "$(printf 'r%.0s' {1..256})"
expect 2 "missing argument to '--reason'" "${s[@]}" site drain --reason
expect 2 "option --reason does not apply to 'site undrain'" \
	"${s[@]}" site undrain --reason x
expect 2 "option --reason does not apply to 'real drain'" \
	"${s[@]}" real drain "$svc" 10.0.0.1 --reason x
expect 2 "incomplete command 'bgp'" "${s[@]}" bgp
expect 2 "Usage: lbctl bgp status [--socket PATH]" "${s[@]}" bgp status peers
expect 2 "option --instance does not apply to 'bgp status'" \
	bgp status --instance lb1
expect 2 "option --reason does not apply to 'bgp status'" \
	"${s[@]}" bgp status --reason x

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
expect 3 "lbctl: cannot reach lbd at $nosock: No such file or directory" \
	"${s[@]}" site drain --reason "power work in hall B"
expect 3 "cannot reach lbd at $nosock:" "${s[@]}" --json site status
expect 3 "cannot reach lbd at $nosock:" "${s[@]}" site undrain
expect 3 "lbctl: cannot reach bgp-announcer at $nosock: No such file or directory" \
	bgp status --socket "$nosock"
expect 3 "lbctl: cannot reach bgp-announcer at $tmp/plain: Connection refused" \
	--json bgp status --socket "$tmp/plain"

# Help: stdout, exit 0, every command listed.
expect 0 "" --help
for c in "status" "services" "reals SVC" "stats" "reload" \
	"service add SVC" "service del SVC" "real add SVC ADDR" \
	"real del SVC ADDR" "real weight SVC ADDR W|clear" \
	"real drain SVC ADDR" "real undrain SVC ADDR" "real down SVC ADDR" \
	"real up SVC ADDR" "site status" "site drain [--reason TEXT]" \
	"site undrain" "bgp status [--socket PATH]" "shutdown" \
	"help [COMMAND]"; do
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
expect 0 "" help bgp status
grep -qF "/run/keel/bgp-announcer.sock" "$tmp/out" ||
	{ echo "FAIL: help bgp status lacks the default socket" >&2; fails=$((fails + 1)); }
expect 2 "unknown command 'nope'" help nope
expect 2 "Usage: lbctl help" help status now

# bgp status against a stand-in announcer that answers one connection
# with a canned line: tables from the answer, extra per-prefix members
# shown when present, refusals and bad answers as for lbd.
# One stand-in (python3) serves every answer: a python start took
# 0.75-1.5 s on a loaded 2-core machine, and one per answer, each waited
# for by polling 2 s at most, made this test pass meson's 30 s (and a
# late one cascade into failures).  It says "ready" once it listens; each
# connection gets the next file named in $tmp/queue, and its request is
# appended to $tmp/bgpa.sock.req.
serve_start()
{
	local line
	mkfifo "$tmp/ready" || return 1
	python3 - "$tmp/bgpa.sock" "$tmp/queue" >"$tmp/ready" <<'PY' &
import socket, sys
sock, queue = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(sock)
s.listen(1)
s.settimeout(300)  # a bound should the test die without killing it
print("ready", flush=True)
while True:
    c, _ = s.accept()
    with open(queue) as f:
        names = f.read().splitlines()
    with open(queue, "w") as f:
        f.writelines(n + "\n" for n in names[1:])
    req = c.recv(4096)
    with open(sock + ".req", "ab") as f:
        f.write(req)
    if names:
        c.sendall(open(names[0], "rb").read())
    c.close()
PY
	serve_pid=$!
	# Generous: the bound of a python start on a machine under load.
	read -r -t 60 line <"$tmp/ready" && [ "$line" = ready ]
}
# answer FILE...: the next connections get each FILE's line, one after
# the other; the requests go to .req (all).
answer()
{
	rm -f "$tmp/bgpa.sock.req"
	printf '%s\n' "$@" >"$tmp/queue"
}
# has PATTERN: stdout of the last expect matches the extended regex
has()
{
	n=$((n + 1))
	if ! grep -qE -- "$1" "$tmp/out"; then
		echo "FAIL: stdout lacks /$1/" >&2
		sed 's/^/  stdout: /' "$tmp/out" >&2
		fails=$((fails + 1))
	fi
}
if command -v python3 >/dev/null; then
	n=$((n + 1))
	serve_start ||
		{ echo "FAIL: the stand-in announcer did not start within 60 s" >&2; fails=$((fails + 1)); }
	peers='"peers":[{"name":"r1","address":"10.99.1.1","remote_as":65000,"state":"Established","state_for_s":75,"uptime_s":75,"announced":["203.0.113.10/32"],"last_error_sent":null,"last_error_received":{"code":6,"subcode":2,"message":"maintenance","at":1700000000},"last_reason":null},{"name":"r2","address":"fd00:99::1","remote_as":65000,"state":"Active","state_for_s":3,"uptime_s":null,"announced":[],"last_error_sent":{"code":4,"subcode":0,"at":1700000000},"last_error_received":null,"last_reason":"hold timer expired"}]'
	printf '%s\n' "{\"local_as\":65001,\"router_id\":\"10.99.1.2\",\"uptime_s\":3700,\"reloads\":0,$peers,\"prefixes\":[{\"prefix\":\"203.0.113.10/32\",\"state\":\"up\",\"announce\":true,\"peers\":1},{\"prefix\":\"203.0.113.20/32\",\"state\":\"down\",\"announce\":false,\"peers\":0}],\"ok\":true}" >"$tmp/a1"
	answer "$tmp/a1"
	expect 0 "" bgp status --socket "$tmp/bgpa.sock"
	n=$((n + 1))
	[ "$(cat "$tmp/bgpa.sock.req")" = '{"cmd":"status"}' ] ||
		{ echo "FAIL: bgp status sent '$(cat "$tmp/bgpa.sock.req")'" >&2; fails=$((fails + 1)); }
	has '^bgp-announcer  AS 65001  router id 10\.99\.1\.2  up 1h 1m  reloads 0$'
	has '^r1  +10\.99\.1\.1 +65000  Established +1m 15s +1m 15s +1  received 6/2 "maintenance" at '
	has '^r2  +fd00:99::1 +65000  Active +3s +- +0  sent 4/0 at .*; hold timer expired$'
	has '^PREFIX +STATE  ANNOUNCED  TO$'
	has '^203\.0\.113\.10/32  up +yes +r1$'
	has '^203\.0\.113\.20/32  down +withdrawn +-$'
	# A newer announcer: reason and since per prefix, peers as names.
	now=$(date +%s)
	printf '%s\n' "{\"local_as\":65001,$peers,\"prefixes\":[{\"prefix\":\"203.0.113.10/32\",\"state\":\"disabled\",\"announce\":false,\"peers\":[],\"reason\":\"site drained: power work\",\"since\":$((now - 125))},{\"prefix\":\"2001:db8::10/128\",\"state\":\"up\",\"announce\":true,\"peers\":[\"r1\",\"r2\"],\"reason\":\"3 of 3 reals up\"}],\"ok\":true}" >"$tmp/a2"
	answer "$tmp/a2"
	expect 0 "" bgp status --socket "$tmp/bgpa.sock"
	has '^PREFIX +STATE +ANNOUNCED +SINCE  TO +REASON$'
	has '^203\.0\.113\.10/32 +disabled +withdrawn +2m [0-9]s  - +site drained: power work$'
	has '^2001:db8::10/128 +up +yes +-  r1,r2 +3 of 3 reals up$'
	has '^bgp-announcer  AS 65001  router id -  up -  reloads -$'
	answer "$tmp/a2"
	expect 0 "" --json bgp status --socket "$tmp/bgpa.sock"
	n=$((n + 1))
	cmp -s "$tmp/out" "$tmp/a2" ||
		{ echo "FAIL: --json bgp status is not the answer as received" >&2; fails=$((fails + 1)); }
	printf '%s\n' '{"ok":false,"code":"bad_request","error":"unknown cmd"}' >"$tmp/a3"
	answer "$tmp/a3"
	expect 1 "lbctl: refused: bad_request: unknown cmd" bgp status --socket "$tmp/bgpa.sock"
	printf 'BGP is fine\n' >"$tmp/a4"
	answer "$tmp/a4"
	expect 3 "lbctl: bad answer from bgp-announcer at $tmp/bgpa.sock" bgp status --socket "$tmp/bgpa.sock"

	# lbd's status: a summary first; the full answer for a small site
	# or an lbd without the summary; counts for a large one.
	head='"instance":"t","generation":3,"config":"/c","dataplane":{"all_attached":true,"attached":[],"conn_entries":0,"conn_capacity":1024},"loop":{"stall_max_ms":2.5,"stall_max_ms_since_start":40.0,"stalls_over_budget":1,"budget_ms":50,"window_s":60,"heartbeat_ms":10}'
	svc='"service":"203.0.113.10:80/tcp","persistent":false,"ring_size":65537,"packets":0,"bytes":0,"new_flows":0,"pps":0.0,"fps":0.0,"load_aware":false'
	printf '%s\n' "{$head,\"services\":[{$svc,\"real_count\":{\"total\":1500,\"up\":1490,\"draining\":6,\"down\":4,\"unknown\":0,\"usable\":1496,\"up_usable\":1490,\"selectable\":1490}}],\"ok\":true}" >"$tmp/s-large"
	printf '%s\n' "{$head,\"services\":[{$svc,\"real_count\":{\"total\":1,\"up\":1,\"draining\":0,\"down\":0,\"unknown\":0,\"usable\":1,\"up_usable\":1,\"selectable\":1}}],\"ok\":true}" >"$tmp/s-small"
	printf '%s\n' "{$head,\"services\":[{$svc,\"reals\":[{\"real\":\"10.20.0.11\",\"id\":1,\"weight\":1,\"effective_weight\":1,\"state\":\"up\",\"source\":\"config\",\"configured_weight\":1,\"mac\":null,\"mac_resolved\":false,\"ring_entries\":65537,\"pps\":0.0,\"fps\":0.0},{\"real\":\"10.20.0.12\",\"id\":2,\"weight\":1,\"effective_weight\":1,\"state\":\"up\",\"source\":\"agent\",\"configured_weight\":1,\"mac\":null,\"mac_resolved\":false,\"ring_entries\":0,\"pps\":0.0,\"fps\":0.0,\"report_age_ms\":2500,\"conns\":7,\"load\":1.5}]}],\"ok\":true}" >"$tmp/s-full"
	printf '%s\n' '{"ok":false,"code":"bad_request","error":"unknown member '"'summary'"'"}' >"$tmp/s-old"
	answer "$tmp/s-large"
	expect 0 "" --socket "$tmp/bgpa.sock" status
	has '^event loop  longest stall 2\.5 ms in the last 60 s, 40\.0 ms since start; 1 over 50 ms$'
	has '^  1500 reals: 1490 up, 6 draining, 4 down; 1496 usable, 1490 take new flows$'
	has "^1500 reals: 'lbctl reals SERVICE' lists one service's"
	n=$((n + 1))
	[ "$(cat "$tmp/bgpa.sock.req")" = '{"cmd":"status","summary":true}' ] ||
		{ echo "FAIL: status (large) sent '$(cat "$tmp/bgpa.sock.req")'" >&2; fails=$((fails + 1)); }
	for first in s-small s-old; do
		answer "$tmp/$first" "$tmp/s-full"
		expect 0 "" --socket "$tmp/bgpa.sock" status
		has '^  10\.20\.0\.11 +up \(config\) '
		# the report's age and the load average with their units
		has '^  REAL +STATE +WEIGHT +AGE +CONNS +LOADAVG +MAC '
		has '^  10\.20\.0\.12 +up \(agent\) +1/1 +2\.5s +7 +1\.50 +unresolved '
		n=$((n + 1))
		[ "$(tr -d '\n' <"$tmp/bgpa.sock.req")" = '{"cmd":"status","summary":true}{"cmd":"status"}' ] ||
			{ echo "FAIL: status after $first sent '$(cat "$tmp/bgpa.sock.req")'" >&2; fails=$((fails + 1)); }
	done
	answer "$tmp/s-full"
	expect 0 "" --json --socket "$tmp/bgpa.sock" status
	n=$((n + 1))
	[ "$(cat "$tmp/bgpa.sock.req")" = '{"cmd":"status"}' ] ||
		{ echo "FAIL: --json status sent '$(cat "$tmp/bgpa.sock.req")'" >&2; fails=$((fails + 1)); }
else
	echo "test_lbctl: no python3, bgp status answers not checked"
fi

echo "test_lbctl: $((n - fails)) of $n passed"
[ "$fails" = 0 ]
