// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_config.c alone: a table of YAML documents and the exact
 * "file:line: key: message" each is refused with (or "" for accepted),
 * then the values and defaults of a full document.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include "bgpa_config.h"
#include "check_run.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HEAD "local_as: 65001\nrouter_id: 10.0.0.1\n"
#define PEER "peers:\n  - {address: 10.0.0.2, remote_as: 65000}\n"

static const struct {
	const char *yaml;
	const char *err;
} cases[] = {
	{ HEAD PEER, "" },
	{ "", "t.yaml: empty document" },
	{ HEAD, "t.yaml:1: peers: required key missing" },
	{ HEAD PEER "bogus: 1\n", "t.yaml:5: bogus: unknown key" },
	{ HEAD PEER "local_as: 1\n",
	  "t.yaml:5: local_as: duplicate key (first at line 1)" },
	{ "local_as: 0\nrouter_id: 10.0.0.1\n" PEER,
	  "t.yaml:1: local_as: must be an integer in 1..4294967295" },
	{ "local_as: 65001\nrouter_id: ::1\n" PEER,
	  "t.yaml:2: router_id: must be an IPv4 address" },
	{ HEAD "hold_time: 2\n" PEER,
	  "t.yaml:3: hold_time: must be 0 or 3..65535 seconds" },
	{ HEAD "peers:\n  - {address: 10.0.0.2}\n",
	  "t.yaml:4: peers[0].remote_as: required key missing" },
	{ HEAD "peers:\n  - {address: 10.0.0.2, remote_as: 1, "
	       "local_address: \"::1\"}\n",
	  "t.yaml:4: peers[0].local_address: must be of the peer address's family" },
	{ HEAD "peers:\n  - {address: 10.0.0.2, remote_as: 1}\n"
	       "  - {address: 10.0.0.2, remote_as: 2}\n",
	  "t.yaml:5: peers[1]: duplicate peer address (same as peers[0])" },
	{ HEAD "peers:\n  - {address: 224.0.0.1, remote_as: 1}\n",
	  "t.yaml:4: peers[0].address: unspecified, multicast or broadcast address" },
	{ HEAD PEER "prefixes:\n  - {prefix: 203.0.113.1/24}\n",
	  "t.yaml:6: prefixes[0].prefix: host bits set past the prefix length" },
	{ HEAD PEER "prefixes:\n  - {prefix: 2001:db8::/129}\n",
	  "t.yaml:6: prefixes[0].prefix: prefix length must be 0..128" },
	{ HEAD PEER "prefixes:\n  - {prefix: 203.0.113.1, prepend: 33}\n",
	  "t.yaml:6: prefixes[0].prepend: must be an integer in 0..32" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, communities: [\"1:70000\"]}\n",
	  "t.yaml:6: prefixes[0].communities[0]: must be ASN:VALUE (0..65535 each) or a well-known name such as graceful_shutdown" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, large_communities: [\"1:2\"]}\n",
	  "t.yaml:6: prefixes[0].large_communities[0]: must be GLOBAL:LOCAL1:LOCAL2 (32 bits each)" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1}\n  - {prefix: 203.0.113.1/32}\n",
	  "t.yaml:7: prefixes[1]: duplicate prefix (same as prefixes[0])" },
	{ HEAD PEER "connect_retry: 5s\nconnect_retry_max: 1s\n",
	  "t.yaml: connect_retry_max: must not be below connect_retry" },
	{ HEAD PEER "user: 'a''b'\n",
	  "t.yaml:5: user: quotes inside a quoted value are not allowed" },
	{ HEAD PEER "<<: {a: 1}\n",
	  "t.yaml:5: <<: merge keys are not supported" },
	{ HEAD PEER "control: {socket: relative}\n",
	  "t.yaml:5: control.socket: must be an absolute path" },
	{ HEAD "peers: []\n",
	  "t.yaml:3: peers: at least one peer is required" },
	{ "local_as: 65001\n\xff\n", "t.yaml:2: not valid UTF-8" },
	/* health gating */
	{ HEAD PEER "lbd: {interval: 1s}\n",
	  "t.yaml:5: lbd.socket: required key missing" },
	{ HEAD PEER "lbd: {socket: lbd.sock}\n",
	  "t.yaml:5: lbd.socket: must be an absolute path" },
	{ HEAD PEER "lbd: {socket: /l, timeout: 5ms}\n",
	  "t.yaml:5: lbd.timeout: must be a duration in 10ms..60s" },
	{ HEAD PEER "disable_file: x\n",
	  "t.yaml:5: disable_file: must be an absolute path" },
	{ HEAD PEER "metrics: {listen: \"localhost:9451\"}\n",
	  "t.yaml:5: metrics.listen: must be ADDRESS:PORT or [IPV6]:PORT with an address literal, or off" },
	{ HEAD PEER "metrics: {listen: \"[::1]:9451\"}\n", "" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, services: [\"203.0.113.1:80/tcp\"]}\n",
	  "t.yaml:6: prefixes[0].services: needs lbd: (the socket to ask)" },
	{ HEAD PEER
	  "lbd: {socket: /l}\n"
	  "prefixes:\n  - {prefix: 203.0.113.1, services: [\"203.0.113.1:80\"]}\n",
	  "t.yaml:7: prefixes[0].services[0]: must be a service as lbd writes it: VIP:PORT/PROTO, [VIP6]:PORT/PROTO or VIP/PROTO" },
	{ HEAD PEER
	  "lbd: {socket: /l}\n"
	  "prefixes:\n  - {prefix: 203.0.113.1, services: [\"203.0.113.1:80/tcp\", \"203.0.113.1:80/tcp\"]}\n",
	  "t.yaml:7: prefixes[0].services[1]: duplicate service" },
	{ HEAD PEER "lbd: {socket: /l}\n"
		    "prefixes:\n  - {prefix: 203.0.113.1, services: []}\n",
	  "t.yaml:7: prefixes[0].services: at least one service (leave the key out for every lbd service inside the prefix)" },
	{ HEAD PEER "prefixes:\n  - {prefix: 203.0.113.1, min_up: 0}\n",
	  "t.yaml:6: prefixes[0].min_up: must be an integer in 1..65535" },
	{ HEAD PEER "prefixes:\n  - {prefix: 203.0.113.1, fall: 101}\n",
	  "t.yaml:6: prefixes[0].fall: must be an integer in 1..100" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, down: {announce: yes}}\n",
	  "t.yaml:6: prefixes[0].down.announce: must be true or false" },
	{ HEAD PEER "prefixes:\n  - {prefix: 203.0.113.1, up: {bogus: 1}}\n",
	  "t.yaml:6: prefixes[0].up.bogus: unknown key" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, disabled: {communities: [\"1:2:3\"]}}\n",
	  "t.yaml:6: prefixes[0].disabled.communities[0]: must be ASN:VALUE (0..65535 each) or a well-known name such as graceful_shutdown" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, disabled_withdraw_after: 2h}\n",
	  "t.yaml:6: prefixes[0].disabled_withdraw_after: must be a duration such as 500ms or 2s" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.0/24, probe: {type: tcp, port: 80}}\n",
	  "t.yaml:6: prefixes[0].probe.address: required key missing (the prefix is not one address)" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, probe: {type: udp, port: 80}}\n",
	  "t.yaml:6: prefixes[0].probe.type: must be tcp or http" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, probe: {type: tcp}}\n",
	  "t.yaml:6: prefixes[0].probe.port: required key missing" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, probe: {type: tcp, port: 80, expect: 200}}\n",
	  "t.yaml:6: prefixes[0].probe: path, host and expect are for http only" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, probe: {type: http, port: 80, expect: 300-200}}\n",
	  "t.yaml:6: prefixes[0].probe.expect: must be a status (200) or a range (200-299) within 100..599" },
	{ HEAD PEER
	  "prefixes:\n  - {prefix: 203.0.113.1, probe: {type: tcp, port: 80, interval: 200ms, timeout: 300ms}}\n",
	  "t.yaml:6: prefixes[0].probe.timeout: must not be longer than interval (200ms)" },
	/* never root; roles and caps */
	{ HEAD PEER "user: root\n",
	  "t.yaml:5: user: bgp-announcer never runs as root: name the user it becomes (default keel-bgp)" },
	{ HEAD PEER "user: nobody\n", "" },
	{ HEAD PEER
	  "control: {group: a, read_group: b, max_connections: 4096}\nmetrics: {max_connections: 1}\n",
	  "" },
	{ HEAD PEER "control: {read_group: \"a b\"}\n",
	  "t.yaml:5: control.read_group: must be a name (A-Z a-z 0-9 _ . -) or \"\"" },
	{ HEAD PEER "control: {max_connections: 0}\n",
	  "t.yaml:5: control.max_connections: must be an integer in 1..4096" },
	{ HEAD PEER "metrics: {max_connections: 4097}\n",
	  "t.yaml:5: metrics.max_connections: must be an integer in 1..4096" },
};

/*
 * The file itself: root's and writable by nobody else; with a TCP-MD5
 * password, not readable by others either.
 */
static const struct {
	mode_t mode;
	bool password;
	const char *err;
} file_cases[] = {
	{ 0644, false, "" },
	{ 0640, true, "" },
	{ 0644, true,
	  ": holds TCP-MD5 passwords and mode 0644 lets others read it (chmod o-r)" },
	{ 0664, false,
	  ": mode 0664 lets group or others write to it (chmod go-w)" },
};

START_TEST(test_file)
{
	char path[] = "/tmp/test_bgpa_config.XXXXXX", msg[512] = "", want[512];
	const char *y =
		file_cases[_i].password ? HEAD
			"peers:\n  - {address: 10.0.0.2, remote_as: 65000, password: s}\n" :
					  HEAD PEER;
	struct bgpa_config c;
	struct bgpa_config_error e;
	int fd, ret;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, y, strlen(y)), (ssize_t)strlen(y));
	ck_assert_int_eq(fchmod(fd, file_cases[_i].mode), 0);
	close(fd);
	ret = bgpa_config_load(path, &c, &e);
	unlink(path);
	if (ret == 0)
		bgpa_config_free(&c);
	else
		bgpa_config_error_format(&e, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s%s", file_cases[_i].err[0] ? path : "",
		 file_cases[_i].err);
	ck_assert_str_eq(msg, want);
}
END_TEST

START_TEST(test_table)
{
	struct bgpa_config c;
	struct bgpa_config_error e;
	char msg[512] = "";
	int ret;

	ret = bgpa_config_parse(cases[_i].yaml, strlen(cases[_i].yaml),
				"t.yaml", &c, &e);
	if (ret == 0) {
		bgpa_config_free(&c);
	} else {
		bgpa_config_error_format(&e, msg, sizeof(msg));
		ck_assert_ptr_null(c.peers);
	}
	ck_assert_str_eq(msg, cases[_i].err);
}
END_TEST

START_TEST(test_values)
{
	static const char y[] = HEAD
		"hold_time: 30\nshutdown_message: \"site A\"\n"
		"peers:\n"
		"  - address: fd00::1\n"
		"    remote_as: 4200000001\n"
		"    password: s3cret\n"
		"    bfd: true\n"
		"    bfd_interval: 100ms\n"
		"  - {address: 10.0.0.2, remote_as: 65000, hold_time: 65535, passive: true, name: r2}\n"
		"prefixes:\n"
		"  - prefix: 203.0.113.10/32\n"
		"    prepend: 2\n"
		"    med: 100\n"
		"    communities: [\"65001:100\", graceful_shutdown]\n"
		"    large_communities: [\"65001:1:2\"]\n"
		"  - {prefix: 2001:db8::10, announce: false}\n";
	struct bgpa_config c;
	struct bgpa_config_error e;
	char s[64];

	ck_assert_int_eq(bgpa_config_parse(y, strlen(y), "t.yaml", &c, &e), 0);
	ck_assert_uint_eq(c.local_as, 65001);
	ck_assert_uint_eq(c.router_id, 0x0a000001);
	ck_assert_uint_eq(c.listen_port, 179);
	ck_assert_uint_eq(c.retry_min_ms, 1000);
	ck_assert_str_eq(c.shutdown_message, "site A");
	ck_assert_str_eq(c.ctl_socket, "/run/keel/bgp-announcer.sock");
	ck_assert_uint_eq(c.n_peers, 2);
	ck_assert_int_eq(c.peers[0].family, AF_INET6);
	ck_assert_str_eq(c.peers[0].name, "fd00::1");
	ck_assert_uint_eq(c.peers[0].remote_as, 4200000001u);
	ck_assert_uint_eq(c.peers[0].hold_time, 30);
	ck_assert_str_eq(c.peers[0].password, "s3cret");
	ck_assert(c.peers[0].bfd && c.peers[0].bfd_interval_ms == 100 &&
		  c.peers[0].bfd_multiplier == 3);
	ck_assert_uint_eq(c.peers[1].hold_time, 65535);
	ck_assert(c.peers[1].passive);
	ck_assert_str_eq(c.peers[1].name, "r2");
	ck_assert_uint_eq(c.n_prefixes, 2);
	ck_assert(c.prefixes[0].announce);
	ck_assert_uint_eq(c.prefixes[0].attrs.prepend, 2);
	ck_assert(c.prefixes[0].attrs.has_med &&
		  c.prefixes[0].attrs.med == 100);
	ck_assert_uint_eq(c.prefixes[0].attrs.n_comm, 2);
	ck_assert_uint_eq(c.prefixes[0].attrs.comm[0], 65001u << 16 | 100);
	ck_assert_uint_eq(c.prefixes[0].attrs.comm[1], 0xffff0000u);
	ck_assert_uint_eq(c.prefixes[0].attrs.n_large, 1);
	ck_assert_uint_eq(c.prefixes[0].attrs.large[0].local2, 2);
	ck_assert(!c.prefixes[1].announce);
	bgp_prefix_format(&c.prefixes[1].pfx, s, sizeof(s));
	ck_assert_str_eq(s, "2001:db8::10/128");
	/* gating defaults: none configured, the old behaviour */
	ck_assert(!c.has_lbd);
	ck_assert(c.prefixes[0].act[BGPA_ACT_UP].announce);
	ck_assert(!c.prefixes[0].act[BGPA_ACT_DOWN].announce);
	ck_assert(!c.prefixes[0].act[BGPA_ACT_DISABLED].announce);
	ck_assert_uint_eq(c.prefixes[0].act[BGPA_ACT_UP].attrs.prepend, 2);
	ck_assert_uint_eq(c.prefixes[0].min_up, 1);
	ck_assert_uint_eq(c.prefixes[0].rise, 3);
	ck_assert_uint_eq(c.prefixes[0].fall, 2);
	bgpa_config_free(&c);
}
END_TEST

START_TEST(test_gating)
{
	static const char y[] = HEAD PEER
		"lbd: {socket: /run/keel/lb1.sock}\n"
		"disable_file: /etc/keel/bgp-disable\n"
		"metrics: {listen: 127.0.0.1:9451}\n"
		"prefixes:\n"
		"  - prefix: 203.0.113.10/32\n"
		"    disabled: {announce: true, communities: [graceful_shutdown]}\n"
		"    prepend: 1\n"
		"    med: 10\n"
		"    communities: [\"65001:1\"]\n"
		"    services: [\"203.0.113.10:443/tcp\", \"[2001:db8::10]:443/tcp\"]\n"
		"    min_up: 2\n"
		"    rise: 5\n"
		"    fall: 1\n"
		"    down: {announce: true, prepend: 4, med: 20}\n"
		"    disabled_withdraw_after: 30s\n"
		"    probe: {type: http, port: 8080, path: /healthz, expect: 200-299, interval: 500ms}\n"
		"  - prefix: 2001:db8::/64\n"
		"    probe: {type: tcp, address: \"2001:db8::10\", port: 443}\n";
	struct bgpa_config c;
	struct bgpa_config_error e;
	const struct bgpa_cfg_prefix *p;
	char msg[512] = "";
	int ret;

	ret = bgpa_config_parse(y, strlen(y), "t.yaml", &c, &e);
	if (ret)
		bgpa_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(ret == 0, "%s", msg);
	ck_assert(c.has_lbd);
	ck_assert_str_eq(c.lbd_socket, "/run/keel/lb1.sock");
	ck_assert_uint_eq(c.lbd_interval_ms, 200);
	ck_assert_uint_eq(c.lbd_timeout_ms, 500);
	ck_assert_str_eq(c.disable_file, "/etc/keel/bgp-disable");
	ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9451");
	p = &c.prefixes[0];
	ck_assert(p->has_services);
	ck_assert_uint_eq(p->n_services, 2);
	ck_assert_uint_eq(p->services[0].family, KEEL_F_INET);
	ck_assert_uint_eq(p->services[1].family, KEEL_F_INET6);
	ck_assert_uint_eq(p->min_up, 2);
	ck_assert_uint_eq(p->rise, 5);
	ck_assert_uint_eq(p->fall, 1);
	/* up: the prefix's attributes, though they came after disabled: */
	ck_assert(p->act[BGPA_ACT_UP].announce);
	ck_assert_uint_eq(p->act[BGPA_ACT_UP].attrs.prepend, 1);
	ck_assert_uint_eq(p->act[BGPA_ACT_UP].attrs.med, 10);
	ck_assert_uint_eq(p->act[BGPA_ACT_UP].attrs.n_comm, 1);
	/* down: its own prepend and MED, the prefix's communities */
	ck_assert(p->act[BGPA_ACT_DOWN].announce);
	ck_assert_uint_eq(p->act[BGPA_ACT_DOWN].attrs.prepend, 4);
	ck_assert_uint_eq(p->act[BGPA_ACT_DOWN].attrs.med, 20);
	ck_assert_uint_eq(p->act[BGPA_ACT_DOWN].attrs.n_comm, 1);
	ck_assert_uint_eq(p->act[BGPA_ACT_DOWN].attrs.comm[0],
			  65001u << 16 | 1);
	/* disabled: its communities replace the prefix's */
	ck_assert(p->act[BGPA_ACT_DISABLED].announce);
	ck_assert_uint_eq(p->act[BGPA_ACT_DISABLED].attrs.prepend, 1);
	ck_assert_uint_eq(p->act[BGPA_ACT_DISABLED].attrs.n_comm, 1);
	ck_assert_uint_eq(p->act[BGPA_ACT_DISABLED].attrs.comm[0], 0xffff0000u);
	ck_assert_uint_eq(p->disabled_withdraw_after_ms, 30000);
	ck_assert(p->probe.set);
	ck_assert_uint_eq(p->probe.spec.type, KEEL_PROBE_HTTP);
	ck_assert_uint_eq(p->probe.spec.family, KEEL_F_INET);
	ck_assert_uint_eq(p->probe.spec.addr[0], 203);
	ck_assert_uint_eq(p->probe.spec.addr[3], 10);
	ck_assert_uint_eq(p->probe.spec.port, 8080);
	ck_assert_str_eq(p->probe.spec.path, "/healthz");
	ck_assert_uint_eq(p->probe.spec.status_min, 200);
	ck_assert_uint_eq(p->probe.spec.status_max, 299);
	ck_assert_uint_eq(p->probe.interval_ms, 500);
	ck_assert_uint_eq(p->probe.spec.timeout_ms, 500);
	ck_assert_uint_eq(p->probe.rise, 2);
	p = &c.prefixes[1];
	ck_assert(!p->has_services);
	ck_assert_uint_eq(p->probe.spec.family, KEEL_F_INET6);
	ck_assert_uint_eq(p->probe.spec.addr[15], 0x10);
	ck_assert_uint_eq(p->probe.interval_ms, 1000);
	ck_assert_uint_eq(p->probe.spec.timeout_ms, 500);
	bgpa_config_free(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bgpa_config");
	TCase *tc = tcase_create("config");

	tcase_add_loop_test(tc, test_table, 0, N(cases));
	tcase_add_loop_test(tc, test_file, 0, N(file_cases));
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_gating);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
