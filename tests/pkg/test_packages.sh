#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# The Debian packages (debian/, docs/packaging.md), built and run:
#
#   1. build: `dpkg-buildpackage -us -uc -b` on a copy of the tree (the
#      release build with -Werror), or the .debs of KEEL_DEBS (a directory)
#      when set;
#   2. lintian: no error (lintian --fail-on error);
#   3. contents: each package's files (dpkg -x into a temporary root): the
#      programs in /usr/sbin and /usr/bin, the BPF objects, the units with
#      /usr/sbin in ExecStart= (no @sbindir@ left), the example configs as
#      conffiles under /etc/keel, the sysusers files, ${shlibs:Depends}
#      resolved, and what the maintainer scripts do with the units (none
#      is started at install; rs-agent and bgp-announcer are never stopped
#      or restarted by dpkg, lbd only try-restarted);
#   4. the example configs pass `lbd --check`, `bgp-announcer --check` and
#      rs-agent's config parser, run from the extracted tree, as root, with
#      the packages' users made by systemd-sysusers from the packages'
#      sysusers files into copies of /etc/passwd and /etc/group that a
#      private mount namespace puts in place (the host's are not touched),
#      and /var/lib/keel as lbd.service's ExecStartPre= makes it;
#   5. end to end from the extracted tree: tests/e2e/test_dr_basic.sh with
#      KEEL_BIN_DIR pointing at the packages' keel-xdp; then lbd and lbctl
#      of the package on a namespace site (scripts/lib/topology.sh, lbd
#      mode): 300 connections answered by rs1..rs3, 200 held across a hot
#      restart of the package's lbd (what an upgrade's try-restart does),
#      none failed or moved, and `lbctl shutdown --unload` takes it out.
#
# Usage: test_packages.sh KEEL_ECHO   (meson passes the built keel-echo,
# the test tool that serves and counts connections; it is not packaged).
# Needs root (exits 77, skipped, otherwise), dpkg-dev, debhelper, lintian,
# fakeroot (scripts/deps.sh).  It takes minutes (the package build): suite
# 'pkg', outside the default run: meson test -C build --suite pkg.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../e2e/e2e_lib.sh
. "$src/tests/e2e/e2e_lib.sh"

KEEL_ECHO=$(path_arg "${1:-${KEEL_ECHO:-}}")
need_root "test_packages needs root (dpkg -x ownership, --check as root, namespaces)"
for t in dpkg-deb dpkg-buildpackage dh lintian fakeroot unshare systemd-sysusers; do
	command -v "$t" >/dev/null || {
		echo "FAIL - missing tool: $t (scripts/deps.sh installs it)"
		exit 1
	}
done

work=$(mktemp -d "/tmp/keel-pkg-$$.XXXXXX")
chmod 711 "$work"
root=$work/root     # the packages' files
bin=$work/bin       # KEEL_BIN_DIR: the packages' programs and keel-echo
# shellcheck disable=SC2034 # read by scripts/lib/topology.sh
TOPO_PREFIX="keel-pkg-$$-"
# shellcheck disable=SC2034
TOPO_INSTANCE="pkg-$$"
TOPO_DIR=$work/site
held_pid=
sub_pid=

cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$held_pid" ]; then
		kill "$held_pid" 2>/dev/null
		wait "$held_pid" 2>/dev/null
	fi
	if [ -n "$sub_pid" ]; then
		kill -TERM "$sub_pid" 2>/dev/null
		wait "$sub_pid" 2>/dev/null
	fi
	if [ "${topo_sourced:-0}" = 1 ] && ! topo_down; then
		echo "FAIL - clean-up left namespaces, processes or pins behind"
		rc=1
	fi
	wait 2>/dev/null
	if [ "$rc" != 0 ]; then
		[ -f "$work/build.log" ] && tail -n 30 "$work/build.log"
		[ -d "$TOPO_DIR" ] && dump_logs '*.log' '*.err'
	fi
	rm -rf -- "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

ms() { date +%s%3N; }

# --- 1. the packages -------------------------------------------------------------
debs=$work/debs
mkdir -p "$debs"
if [ -n "${KEEL_DEBS:-}" ]; then
	cp -- "$KEEL_DEBS"/keel-*.deb "$debs"/ || {
		echo "FAIL - no keel-*.deb in KEEL_DEBS=$KEEL_DEBS"
		exit 1
	}
	echo "# packages from $KEEL_DEBS"
else
	# A copy of the tree (the files git knows, or all but build
	# directories): dpkg-buildpackage writes the .debs next to it.
	mkdir -p "$work/src/keel"
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$src" ls-files -co --exclude-standard -z |
			grep -zv '^build' | (cd "$src" && tar --null -cf - -T -) |
			tar -xf - -C "$work/src/keel"
	else
		tar -C "$src" --exclude='./build*' -cf - . | tar -xf - -C "$work/src/keel"
	fi
	t=$(ms)
	(cd "$work/src/keel" &&
		DEB_BUILD_OPTIONS="parallel=${KEEL_PKG_JOBS:-2}" \
			dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
	st=$?
	check "dpkg-buildpackage -us -uc -b exits 0 (got $st, $(($(ms) - t)) ms)" [ "$st" = 0 ]
	[ "$st" = 0 ] || exit 1
	cp -- "$work"/src/keel-*.deb "$debs"/
fi
for p in keel-lb keel-ctl keel-rs-agent keel-bgp-announcer; do
	deb=$(ls "$debs"/"${p}"_*.deb 2>/dev/null | head -n 1)
	check "package $p built" [ -n "$deb" ]
	[ -n "$deb" ] || exit 1
	declare "deb_${p//-/_}=$deb"
done

# --- 2. lintian ----------------------------------------------------------------
t=$(ms)
lintian --fail-on error "$debs"/keel-*.deb >"$work/lintian.out" 2>&1
st=$?
sed 's/^/#   /' "$work/lintian.out"
check "lintian: no error (exit $st, $(($(ms) - t)) ms)" [ "$st" = 0 ]

# --- 3. what the packages hold ---------------------------------------------------
mkdir -p "$root"
for d in "$deb_keel_lb" "$deb_keel_ctl" "$deb_keel_rs_agent" \
	"$deb_keel_bgp_announcer"; do
	dpkg -x "$d" "$root" || check "dpkg -x $d" false
done
for f in usr/sbin/lbd usr/bin/keel-xdp usr/bin/lbctl usr/sbin/rs-agent \
	usr/sbin/bgp-announcer; do
	check "$f: an executable" test -x "$root/$f" -a -f "$root/$f"
done
for o in keel_xdp keel_trivial keel_agents; do
	check "the BPF object $o.bpf.o" \
		test -n "$(find "$root/usr/lib" -path "*/keel/$o.bpf.o" | head -n 1)"
done
for u in lbd:lbd rs-agent:rs-agent bgp-announcer:bgp-announcer; do
	unit=$root/lib/systemd/system/${u%%:*}.service
	check "${u%%:*}.service: ExecStart=/usr/sbin/${u#*:} " \
		grep -q "^ExecStart=/usr/sbin/${u#*:} " "$unit"
	check "${u%%:*}.service: no @...@ left" eval "! grep -q '@[a-z]*@' '$unit'"
	# Every absolute program the unit names exists (here or on the host).
	for x in $(grep -oE '^Exec[A-Za-z]*=[-+!@:]*/[^ ]+' "$unit" | sed 's/^[^=]*=[-+!@:]*//'); do
		check "${u%%:*}.service: $x exists" test -x "$root$x" -o -x "$x"
	done
done
conffiles() { dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./conffiles 2>/dev/null; }
check "keel-lb: /etc/keel/lbd.yaml is a conffile" \
	grep -qx /etc/keel/lbd.yaml <(conffiles "$deb_keel_lb")
check "keel-rs-agent: /etc/keel/rs-agent.yaml is a conffile" \
	grep -qx /etc/keel/rs-agent.yaml <(conffiles "$deb_keel_rs_agent")
check "keel-bgp-announcer: /etc/keel/bgp-announcer.yaml is a conffile" \
	grep -qx /etc/keel/bgp-announcer.yaml <(conffiles "$deb_keel_bgp_announcer")
check "no key file is shipped" \
	test -z "$(find "$root/etc" -name '*.key')"
for s in keel-lb:keel keel-rs-agent:keel-agent keel-bgp-announcer:keel-bgp; do
	check "${s%%:*}: sysusers file makes the user ${s#*:}" \
		grep -qE "^u ${s#*:} " "$root/usr/lib/sysusers.d/${s%%:*}.conf"
done
debfield() { dpkg-deb -f "$1" "$2"; }
check "keel-lb Depends: libbpf1 (shlibs), keel-ctl" \
	eval "debfield '$deb_keel_lb' Depends | grep -q libbpf1 &&
		debfield '$deb_keel_lb' Depends | grep -q 'keel-ctl (='"
check "keel-ctl does not depend on libbpf1" \
	eval "! debfield '$deb_keel_ctl' Depends | grep -q libbpf"
script() { dpkg-deb --ctrl-tarfile "$1" | tar -xOf - "./$2" 2>/dev/null; }
for p in lb rs_agent bgp_announcer; do
	d=deb_keel_$p
	check "keel-${p//_/-} postinst: systemd-sysusers" \
		grep -q systemd-sysusers <(script "${!d}" postinst)
	# --no-enable: only a unit the administrator enabled gets its links
	# back (debian-installed/was-enabled); --no-start: no start at all.
	check "keel-${p//_/-} postinst: enables only what was enabled" \
		grep -q 'deb-systemd-helper debian-installed' <(script "${!d}" postinst)
	check "keel-${p//_/-} postinst: starts nothing" \
		eval "! script '${!d}' postinst | grep -qE '_dh_action=start|deb-systemd-invoke (start|restart|\\\$_dh_action)'"
done
check "keel-lb postinst: try-restart (only a running lbd) after an upgrade" \
	grep -q 'deb-systemd-invoke try-restart .lbd.service' <(script "$deb_keel_lb" postinst)
for p in rs_agent bgp_announcer; do
	d=deb_keel_$p
	check "keel-${p//_/-}: dpkg never stops nor restarts it" \
		eval "! { script '${!d}' preinst; script '${!d}' prerm;
			script '${!d}' postinst; } | grep -qE 'deb-systemd-invoke|restart'"
done
check "keel-bgp-announcer postinst: its config root:keel-bgp 0640 (statoverride)" \
	grep -q 'dpkg-statoverride.*root keel-bgp 0640 /etc/keel/bgp-announcer.yaml' \
	<(script "$deb_keel_bgp_announcer" postinst)

# --- 4. the example configs, checked by the packages' programs ------------------
# The users, made by systemd-sysusers from the packages' own files into
# copies of the host's databases; a private mount namespace shows them as
# /etc/passwd and /etc/group, with /var/lib/keel made as lbd.service's
# ExecStartPre= does, to the command it runs.
mkdir -p "$work/sys/etc" "$work/varlib"
cp /etc/passwd /etc/group "$work/sys/etc/"
[ -e /etc/shadow ] && cp /etc/shadow "$work/sys/etc/"
[ -e /etc/gshadow ] && cp /etc/gshadow "$work/sys/etc/"
systemd-sysusers --root="$work/sys" "$root"/usr/lib/sysusers.d/keel-*.conf \
	>"$work/sysusers.out" 2>&1
check "systemd-sysusers makes keel, keel-agent, keel-bgp" \
	eval "grep -q '^keel:' '$work/sys/etc/passwd' &&
		grep -q '^keel-agent:' '$work/sys/etc/passwd' &&
		grep -q '^keel-bgp:' '$work/sys/etc/passwd'"
# as_installed CMD...: CMD with the packages' users and /var/lib/keel.
as_installed() {
	unshare --mount --propagation private -- sh -c '
		w=$1; shift
		mount --bind "$w/sys/etc/passwd" /etc/passwd &&
		mount --bind "$w/sys/etc/group" /etc/group &&
		mount --bind "$w/varlib" /var/lib &&
		install -d -o keel -g keel -m 0750 /var/lib/keel &&
		exec "$@"' sh "$work" "$@"
}
cfg=$root/etc/keel
out=$(as_installed "$root/usr/sbin/lbd" --check --config "$cfg/lbd.yaml" 2>&1)
st=$?
echo "# lbd --check: $out"
check "lbd --check of the example lbd.yaml: exit 0 (got $st)" [ "$st" = 0 ]
out=$(as_installed "$root/usr/sbin/bgp-announcer" --check \
	--config "$cfg/bgp-announcer.yaml" 2>&1)
st=$?
echo "# bgp-announcer --check: $out"
check "bgp-announcer --check of the example: exit 0 (got $st)" [ "$st" = 0 ]
# rs-agent has no --check: `rs-agent check` parses the config first
# (an error names FILE:LINE and is all it prints), then looks at the
# host; in a namespace of its own the host's findings (no VIP on lo) are
# expected, a config error is not.
out=$(as_installed unshare --net -- "$root/usr/sbin/rs-agent" check \
	--config "$cfg/rs-agent.yaml" 2>&1)
st=$?
echo "# rs-agent check: $(echo "$out" | head -n 3 | tr '\n' '|')"
check "rs-agent check: the example config parses (no rs-agent.yaml:LINE error)" \
	eval "! echo \"\$out\" | grep -q 'rs-agent.yaml:[0-9]'"
check "rs-agent check: it got to the host's findings (exit $st)" \
	eval "echo \"\$out\" | grep -q '203.0.113.10'"

# --- 5. end to end from the packages' files ------------------------------------
mkdir -p "$bin"
for f in usr/sbin/lbd usr/bin/lbctl usr/bin/keel-xdp usr/sbin/rs-agent \
	usr/sbin/bgp-announcer; do
	ln -s "$root/$f" "$bin/${f##*/}"
done
ln -s "$KEEL_ECHO" "$bin/keel-echo"
t=$(ms)
KEEL_BIN_DIR=$bin \
	"$src/tests/e2e/test_dr_basic.sh" >"$work/dr_basic.out" 2>&1 &
sub_pid=$!
wait "$sub_pid"
st=$?
sub_pid=
grep -E '^(FAIL|dr_basic:)' "$work/dr_basic.out" | sed 's/^/#   /'
check "test_dr_basic.sh with the package's keel-xdp: exit 0 (got $st, $(($(ms) - t)) ms)" \
	[ "$st" = 0 ]

# lbd and lbctl of the package on a namespace site.
TOPO_LBD=1
LBD=$bin/lbd
LBCTL=$bin/lbctl
KEEL_XDP=$bin/keel-xdp
TOPO_REALS=3
# shellcheck source=../../scripts/lib/topology.sh
. "$src/scripts/lib/topology.sh"
topo_sourced=1
t=$(ms)
if ! topo_up; then
	echo "FAIL - building the site with the package's lbd"
	exit 1
fi
echo "# site up with the package's lbd in $(($(ms) - t)) ms"
topo_client --count 300 --parallel 32 --timeout-ms 5000 \
	>"$TOPO_DIR/burst.out" 2>"$TOPO_DIR/burst.err"
st=$?
echo "# 300 new: $(grep '^round 1' "$TOPO_DIR/burst.out") ($(shares "$TOPO_DIR/burst.out" 1))"
check "package lbd: 300 new connections answered (exit $st)" \
	eval "[ $st = 0 ] && burst_ok burst 300"
check "package lbd: rs1 rs2 rs3 each answered some" \
	eval "[ \$(count '$TOPO_DIR/burst.out' 1 rs1) -gt 0 ] &&
		[ \$(count '$TOPO_DIR/burst.out' 1 rs2) -gt 0 ] &&
		[ \$(count '$TOPO_DIR/burst.out' 1 rs3) -gt 0 ]"

# 200 held across a hot restart of the package's lbd.
nsenter --net="/run/netns/$(topo_ns cl)" -- "$KEEL_ECHO" client \
	--connect "$TOPO_VIP" --port "$TOPO_PORT" --count 200 --parallel 32 \
	--timeout-ms 5000 --hold --wait-file "$TOPO_DIR/held.go" \
	--wait-timeout 120 >"$TOPO_DIR/held.out" 2>"$TOPO_DIR/held.err" &
held_pid=$!
topo_wait_file "$TOPO_DIR/held.out" '^holding' 60 ||
	check "200 connections held within 60 s" false
t=$(ms)
topo_lbd_stop 1 && topo_lbd_start 1
st=$?
check "package lbd: stopped (exit $TOPO_LBD_RC) and started again ($(($(ms) - t)) ms)" \
	eval "[ $st = 0 ] && [ $TOPO_LBD_RC = 0 ]"
: >"$TOPO_DIR/held.go"
wait "$held_pid"
st=$?
held_pid=
echo "# held: $(grep '^round 2' "$TOPO_DIR/held.out")"
check "package lbd: 200 held connections, 0 failed, 0 moved across the restart (exit $st)" \
	eval "[ $st = 0 ] && held_ok held 200"
topo_lbctl 1 status >"$TOPO_DIR/status.out" 2>&1
check "package lbctl status answers" [ -s "$TOPO_DIR/status.out" ]
check "package lbctl: shutdown --unload" topo_lbd_stop 1 --unload
check "package lbd: the pins are gone after --unload" \
	eval "! compgen -G '$TOPO_BPFFS/keel/$(topo_instance 1)/*' >/dev/null"

echo "test_packages: $passed passed, $failed failed"
[ "$failed" = 0 ]
