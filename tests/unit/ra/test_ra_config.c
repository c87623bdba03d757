// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_config: good documents with the values they must yield (defaults
 * applied), bad documents with the line, key path and message they must
 * be refused with; the views the daemon takes of a config (VIPs,
 * interfaces, the sysctl state file).  Links ra_config.c and what it
 * calls (keel_yaml.c, keel_yaml_file.c, keel_file.c, keel_addr.c).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "ra_config.h"
#include "ra_net.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A valid head and one valid service, to build bad cases on. */
#define H "lbs: [10.0.0.1]\nkey_file: /k\nreal: 10.0.0.11\n"
#define S "services:\n  - vip: 203.0.113.10\n    port: 80\n    protocol: tcp\n"

static struct ra_config cfg;

static void addr_is(const struct ra_cfg_addr *a, const char *want)
{
	uint8_t b[16] = { 0 };
	int af = strchr(want, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(af, want, b), 1);
	ck_assert_uint_eq(a->family,
			  af == AF_INET ? KEEL_F_INET : KEEL_F_INET6);
	ck_assert_mem_eq(a->addr, b, 16);
}

static void parse_ok(const char *y)
{
	struct ra_config_error e;
	char m[600] = "";
	int err;

	err = ra_config_parse(y, strlen(y), "t.yaml", &cfg, &e);
	if (err)
		ra_config_error_format(&e, m, sizeof(m));
	ck_assert_msg(err == 0, "refused: %s", m);
}

START_TEST(test_defaults)
{
	const struct ra_cfg_service *s;

	parse_ok(H S);
	ck_assert_uint_eq(cfg.n_lbs, 1);
	addr_is(&cfg.lbs[0].a, "10.0.0.1");
	ck_assert_uint_eq(cfg.lbs[0].port, 9460);
	ck_assert_str_eq(cfg.key_file, "/k");
	ck_assert_uint_eq(cfg.key_id, 1);
	addr_is(&cfg.real, "10.0.0.11");
	ck_assert_uint_eq(cfg.interval_ms, 100);
	ck_assert_uint_eq(cfg.n_ifaces, 0);
	ck_assert_str_eq(cfg.ctl_socket, "/run/keel/rs-agent.sock");
	ck_assert_str_eq(cfg.ctl_group, "");
	ck_assert_str_eq(cfg.ctl_read_group, "");
	ck_assert_str_eq(cfg.user, "nobody");
	ck_assert(!cfg.user_given);
	ck_assert_uint_eq(cfg.ctl_max_conns, 64);
	ck_assert_uint_eq(cfg.metrics_max_conns, 64);
	ck_assert_str_eq(cfg.state_dir, "/var/lib/keel/rs-agent");
	ck_assert_str_eq(cfg.metrics_listen, "");
	ck_assert(cfg.manage_network);
	ck_assert_uint_eq(cfg.n_services, 1);
	s = &cfg.svc[0];
	addr_is(&s->vip, "203.0.113.10");
	ck_assert_uint_eq(s->port, 80);
	ck_assert_uint_eq(s->proto, IPPROTO_TCP);
	ck_assert_int_eq(s->line, 5);
	/* The default check: TCP to the VIP's port, on the VIP itself. */
	ck_assert_uint_eq(s->check.spec.type, KEEL_PROBE_TCP);
	ck_assert_uint_eq(s->check.spec.port, 80);
	ck_assert_uint_eq(s->check.spec.family, KEEL_F_INET);
	ck_assert_mem_eq(s->check.spec.addr, s->vip.addr, 16);
	ck_assert_uint_eq(s->check.interval_ms, 200);
	ck_assert_uint_eq(s->check.spec.timeout_ms, 200);
	ck_assert_uint_eq(s->check.rise, 3);
	ck_assert_uint_eq(s->check.fall, 2);
}
END_TEST

START_TEST(test_full)
{
	const struct ra_cfg_service *s;

	parse_ok(
		"# a real of site A\n"
		"lbs:\n"
		"  - \"[2001:db8::1]\"\n"
		"  - \"[2001:db8::2]:9999\"\n"
		"key_file: /etc/keel/agent.key\n"
		"key_id: 7\n"
		"real: 2001:db8::11\n"
		"interval: 250ms\n"
		"rise: 5\n"
		"fall: 1\n"
		"interfaces: [eth0, eth1]\n"
		"control: {socket: /run/a.sock, group: keel-ops, read_group: v,\n"
		"          max_connections: 4}\n"
		"state_dir: /var/lib/a\n"
		"metrics:\n"
		"  listen: \"[::1]:9461\"\n"
		"  max_connections: 2\n"
		"user: agent\n"
		"manage_network: false\n"
		"services:\n"
		"  - vip: 2001:db8::10\n" /* 21 */
		"    port: 443\n"
		"    protocol: tcp\n"
		"    check:\n"
		"      type: http\n"
		"      port: 8080\n"
		"      address: ::1\n"
		"      path: /healthz\n"
		"      host: im.example\n"
		"      expect: 204\n"
		"      timeout: 300ms\n"
		"      interval: 2s\n"
		"      rise: 2\n"
		"  - vip: 2001:db8::10\n" /* 34 */
		"    port: 0\n"
		"    protocol: udp\n"
		"    check: {type: command, command: \"exit 0\"}\n"
		"  - {vip: \"2001:db8::10\", port: 443, protocol: udp,\n"
		"     check: {port: 443, fall: 4}}\n");
	ck_assert_uint_eq(cfg.n_lbs, 2);
	addr_is(&cfg.lbs[0].a, "2001:db8::1");
	ck_assert_uint_eq(cfg.lbs[0].port, 9460);
	ck_assert_uint_eq(cfg.lbs[1].port, 9999);
	ck_assert_uint_eq(cfg.key_id, 7);
	ck_assert_uint_eq(cfg.interval_ms, 250);
	ck_assert_uint_eq(cfg.n_ifaces, 2);
	ck_assert_str_eq(cfg.ifaces[1], "eth1");
	ck_assert_str_eq(cfg.ctl_socket, "/run/a.sock");
	ck_assert_str_eq(cfg.ctl_group, "keel-ops");
	ck_assert_str_eq(cfg.ctl_read_group, "v");
	ck_assert_uint_eq(cfg.ctl_max_conns, 4);
	ck_assert_uint_eq(cfg.metrics_max_conns, 2);
	ck_assert_str_eq(cfg.user, "agent");
	ck_assert(cfg.user_given);
	ck_assert_str_eq(cfg.state_dir, "/var/lib/a");
	ck_assert_str_eq(cfg.metrics_listen, "[::1]:9461");
	ck_assert(!cfg.manage_network);
	ck_assert_uint_eq(cfg.n_services, 3);

	s = &cfg.svc[0];
	ck_assert_int_eq(s->line, 21);
	ck_assert_uint_eq(s->check.spec.type, KEEL_PROBE_HTTP);
	ck_assert_uint_eq(s->check.spec.port, 8080);
	ck_assert_uint_eq(s->check.spec.family, KEEL_F_INET6);
	ck_assert_uint_eq(s->check.spec.addr[15], 1);
	ck_assert_str_eq(s->check.spec.path, "/healthz");
	ck_assert_str_eq(s->check.spec.host, "im.example");
	ck_assert_uint_eq(s->check.spec.status_min, 204);
	ck_assert_uint_eq(s->check.spec.status_max, 204);
	ck_assert_uint_eq(s->check.spec.timeout_ms, 300);
	ck_assert_uint_eq(s->check.interval_ms, 2000);
	ck_assert_uint_eq(s->check.rise, 2); /* its own */
	ck_assert_uint_eq(s->check.fall, 1); /* the top level's */

	s = &cfg.svc[1];
	ck_assert_int_eq(s->line, 34);
	ck_assert_uint_eq(s->port, 0);
	ck_assert_uint_eq(s->proto, IPPROTO_UDP);
	ck_assert_uint_eq(s->check.spec.type, KEEL_PROBE_CMD);
	ck_assert_str_eq(s->check.spec.cmd, "exit 0");
	ck_assert_uint_eq(s->check.interval_ms, 1000);
	ck_assert_uint_eq(s->check.spec.timeout_ms, 1000);
	ck_assert_uint_eq(s->check.rise, 5);

	/* A udp service checked over TCP on a port named for it. */
	s = &cfg.svc[2];
	ck_assert_uint_eq(s->check.spec.type, KEEL_PROBE_TCP);
	ck_assert_uint_eq(s->check.spec.port, 443);
	ck_assert_uint_eq(s->check.fall, 4);
}
END_TEST

START_TEST(test_http_defaults)
{
	const struct ra_cfg_service *s;

	parse_ok(H S "    check: {type: http}\n");
	s = &cfg.svc[0];
	ck_assert_str_eq(s->check.spec.path, "/");
	ck_assert_uint_eq(s->check.spec.status_min, 200);
	ck_assert_uint_eq(s->check.spec.status_max, 399);
	ck_assert_uint_eq(s->check.spec.port, 80);
	ck_assert_uint_eq(s->check.interval_ms, 1000);
	ck_assert_uint_eq(s->check.spec.timeout_ms, 1000);
}
END_TEST

static const struct bad_case {
	const char *yaml;
	int line;
	const char *want; /* "key: message" as formatted */
} bad_cases[] = {
	{ "", 0, "empty document" },
	{ "- a\n", 1, "the top level must be a mapping" },
	{ "lbs: [10.0.0.1]\n", 1, "key_file: required key missing" },
	{ H, 1, "services: required key missing" },
	{ H "services: []\n", 4, "services: at least one service is required" },
	{ H S "bogus: 1\n", 8,
	  "bogus: unknown key; expected lbs, key_file, key_id, report_version, real, interval, rise, fall, interfaces, control, state_dir, user, metrics, manage_network, services" },
	{ H S "lbs: [10.0.0.2]\n", 8, "lbs: duplicate key (first at line 1)" },
	{ "lbs: []\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs: at least one LB is required" },
	{ "lbs: [10.0.0.1, 10.0.0.1:9460]\nkey_file: /k\nreal: 10.0.0.11\n" S,
	  1, "lbs[1]: duplicate LB (same as lbs[0])" },
	{ "lbs: [10.0.0.1:0]\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs[0]: port must be in 1..65535" },
	{ "lbs: [10.0.0.1:70000]\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs[0]: port must be in 1..65535" },
	{ "lbs: [lb1.example]\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs[0]: must be ADDRESS, ADDRESS:PORT, [IPV6] or [IPV6]:PORT" },
	{ "lbs: ['[2001:db8::1]:9460']\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs[0]: an IPv6 LB, but real is IPv4: reports leave from the real's address" },
	{ "lbs: [224.0.0.1]\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs[0]: unspecified, multicast or broadcast address" },
	{ "lbs: 10.0.0.1\nkey_file: /k\nreal: 10.0.0.11\n" S, 1,
	  "lbs: expected a list, got a scalar" },
	{ "lbs: [10.0.0.1]\nkey_file: k\nreal: 10.0.0.11\n" S, 2,
	  "key_file: must be an absolute path" },
	{ "lbs: [10.0.0.1]\nkey_file: /k\nkey_id: -1\nreal: 10.0.0.11\n" S, 3,
	  "key_id: must be an integer in 0..4294967295" },
	{ "lbs: [10.0.0.1]\nkey_file: /k\nkey_id: 4294967296\nreal: 10.0.0.11\n" S,
	  3, "key_id: must be an integer in 0..4294967295" },
	{ "lbs: [10.0.0.1]\nkey_file: /k\nreal: 0.0.0.0\n" S, 3,
	  "real: unspecified, multicast or broadcast address" },
	{ H "interval: 5ms\n" S, 4,
	  "interval: must be a duration in 10ms..10000ms" },
	{ H "interval: 100\n" S, 4,
	  "interval: must be a duration such as 250ms or 2s" },
	{ H "rise: 0\n" S, 4, "rise: must be an integer in 1..100" },
	{ H "fall: 101\n" S, 4, "fall: must be an integer in 1..100" },
	{ H "interfaces: [eth0, eth0]\n" S, 4,
	  "interfaces[1]: duplicate interface (same as interfaces[0])" },
	{ H "interfaces: [lo]\n" S, 4,
	  "interfaces[0]: lo holds the VIPs; it is not a serving interface" },
	{ H "interfaces: [\"eth/0\"]\n" S, 4,
	  "interfaces[0]: not a valid interface name" },
	{ H "control: {socket: run/x.sock}\n" S, 4,
	  "control.socket: must be an absolute path" },
	{ H "control: {group: \"-x\"}\n" S, 4,
	  "control.group: must be a group name (A-Z a-z 0-9 _ . -) or \"\"" },
	{ H "control: {read_group: \"a b\"}\n" S, 4,
	  "control.read_group: must be a group name (A-Z a-z 0-9 _ . -) or \"\"" },
	{ H "control: {max_connections: 0}\n" S, 4,
	  "control.max_connections: must be an integer in 1..4096" },
	{ H "metrics: {max_connections: 4097}\n" S, 4,
	  "metrics.max_connections: must be an integer in 1..4096" },
	{ H "user: root\n" S, 4,
	  "user: the agent and its command checks never run as root: name an unprivileged user (default nobody)" },
	{ H "user: \"\"\n" S, 4,
	  "user: must be a user name (A-Z a-z 0-9 _ . -)" },
	{ H "metrics: {listen: 127.0.0.1}\n" S, 4,
	  "metrics.listen: must be ADDRESS:PORT, [IPV6]:PORT, \"\" or off" },
	{ H "manage_network: yes\n" S, 4,
	  "manage_network: must be true or false" },
	{ H "state_dir: relative\n" S, 4,
	  "state_dir: must be an absolute path" },
	{ H "services:\n  - vip: 203.0.113.10\n    protocol: tcp\n", 5,
	  "services[0].port: required key missing" },
	{ H
	  "services:\n  - vip: 203.0.113.10\n    port: 80\n    protocol: sctp\n",
	  7, "services[0].protocol: must be tcp or udp" },
	{ H
	  "services:\n  - vip: 2001:db8::10\n    port: 80\n    protocol: tcp\n",
	  5,
	  "services[0].vip: an IPv6 vip, but real is IPv4: lbd pairs a service with reals of its family (run one agent per family)" },
	{ H S "  - vip: 203.0.113.10\n    port: 80\n    protocol: tcp\n", 8,
	  "services[1]: duplicate service (same vip, port and protocol as services[0], line 5)" },
	{ H
	  "services:\n  - vip: 203.0.113.10\n    port: 53\n    protocol: udp\n",
	  5,
	  "services[0].check.port: required: a udp port cannot be checked with tcp or http" },
	{ H
	  "services:\n  - vip: 203.0.113.10\n    port: 0\n    protocol: tcp\n",
	  5,
	  "services[0].check.port: required: the service has no port of its own" },
	{ H S "    check: {type: ping}\n", 8,
	  "services[0].check.type: must be tcp, http or command" },
	{ H S "    check: {type: tcp, path: /x}\n", 8,
	  "services[0].check.path: only for a check of type http" },
	{ H S "    check: {type: http, command: true}\n", 8,
	  "services[0].check.command: only for a check of type command" },
	{ H S "    check: {type: command}\n", 8,
	  "services[0].check.command: required for a check of type command" },
	{ H S "    check: {type: command, command: x, port: 80}\n", 8,
	  "services[0].check.port: not for a check of type command" },
	{ H S "    check: {type: http, path: health}\n", 8,
	  "services[0].check.path: must start with / and hold no blank or control character" },
	{ H S "    check: {type: http, expect: 99}\n", 8,
	  "services[0].check.expect: must be a status (200) or a range (200-399) in 100..599" },
	{ H S "    check: {type: http, expect: 300-200}\n", 8,
	  "services[0].check.expect: must be a status (200) or a range (200-399) in 100..599" },
	{ H S "    check: {timeout: 0ms}\n", 8,
	  "services[0].check.timeout: must be a duration in 10ms..60000ms" },
	{ H S "    check: {interval: 2m}\n", 8,
	  "services[0].check.interval: must be a duration such as 250ms or 2s" },
	{ H S "    check: {port: 0}\n", 8,
	  "services[0].check.port: must be an integer in 1..65535" },
	{ H S "    check:\n", 8,
	  "services[0].check: expected a mapping, got no value" },
	{ H S "    check: {rise: 1, rise: 2}\n", 8,
	  "services[0].check.rise: duplicate key (first at line 8)" },
	{ H S "    check: {address: 'it''s'}\n", 8,
	  "services[0].check.address: quotes inside a quoted value are not allowed" },
	{ H S "x: !!str 1\n", 8,
	  "x: unknown key; expected lbs, key_file, key_id, report_version, real, interval, rise, fall, interfaces, control, state_dir, user, metrics, manage_network, services" },
	{ H S "key_id: *nope\n", 8, "key_id: alias without a matching anchor" },
	{ H S "<<: {a: 1}\n", 8, "<<: merge keys are not supported" },
	{ H S "---\na: 1\n", 9, "more than one YAML document" },
	{ "lbs: [10.0.0.1]\nkey_file: \"/k\\0\"\n", 2,
	  "key_file: contains a NUL byte" },
	{ "lbs: [10.0.0.1]\n\x01"
	  "\n",
	  2, "character U+0001 is not allowed in YAML" },
	{ "lbs: [10.0.0.1]\nreal: \xe9"
	  "\n",
	  2, "not valid UTF-8" },
	{ "lbs: [10.0.0.1\n", 2,
	  "YAML syntax error: flow sequence without a closing bracket" },
};

START_TEST(test_bad)
{
	const struct bad_case *b = &bad_cases[_i];
	struct ra_config_error e;
	static const struct ra_config zero;
	char m[600], want[600];
	int err;

	memset(&cfg, 0xa5, sizeof(cfg));
	err = ra_config_parse(b->yaml, strlen(b->yaml), "t.yaml", &cfg, &e);
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_int_eq(e.line, b->line);
	ck_assert_int_gt(ra_config_error_format(&e, m, sizeof(m)), 0);
	if (b->line)
		snprintf(want, sizeof(want), "t.yaml:%d: %s", b->line, b->want);
	else
		snprintf(want, sizeof(want), "t.yaml: %s", b->want);
	ck_assert_str_eq(m, want);
	/* Nothing half-parsed is left behind. */
	ck_assert_mem_eq(&cfg, &zero, sizeof(cfg));
}
END_TEST

START_TEST(test_too_many_services)
{
	char y[8192];
	struct ra_config_error e;
	size_t n;
	int i;

	n = snprintf(y, sizeof(y), H "services:\n");
	for (i = 0; i <= KEEL_REPORT_MAX; i++)
		n += snprintf(
			y + n, sizeof(y) - n,
			"  - {vip: 203.0.113.%d, port: 80, protocol: tcp}\n",
			i + 1);
	ck_assert_int_eq(ra_config_parse(y, n, "t.yaml", &cfg, &e), -EINVAL);
	ck_assert_int_eq(e.line, 5 + KEEL_REPORT_MAX);
	ck_assert_str_eq(e.key, "services[44]");
	ck_assert_str_eq(e.msg, "too many services (max 44)");
	/* Exactly the most is fine. */
	n = strrchr(y, '-') - y - 2;
	y[n] = '\0';
	parse_ok(y);
	ck_assert_uint_eq(cfg.n_services, KEEL_REPORT_MAX);
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/test_ra_config.XXXXXX";
	struct ra_config_error e;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, H S "x: 1\n", strlen(H S "x: 1\n")),
			 (int)strlen(H S "x: 1\n"));
	close(fd);
	ck_assert_int_eq(ra_config_load(path, &cfg, &e), -EINVAL);
	ck_assert_str_eq(e.file, path);
	ck_assert_int_eq(e.line, 8);
	unlink(path);
	ck_assert_int_eq(ra_config_load(path, &cfg, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, "No such file"));
}
END_TEST

/* The views of a config that the daemon, check and cleanup use. */
static const struct view_case {
	const char *what;
	const char *yaml;
	const char *vips[4]; /* NULL-terminated */
	const char *ifaces[3]; /* NULL-terminated; NULL first: none named */
} view_cases[] = {
	{ "one service", H S, { "203.0.113.10" }, { NULL } },
	/* One VIP per address, in the order of first use. */
	{ "VIPs shared by services",
	  H "interfaces: [eth0, eth1]\n"
	    "services:\n"
	    "  - {vip: 203.0.113.20, port: 80, protocol: tcp}\n"
	    "  - {vip: 198.51.100.1, port: 80, protocol: tcp}\n"
	    "  - {vip: 203.0.113.20, port: 443, protocol: tcp}\n"
	    "  - {vip: 203.0.113.10, port: 22, protocol: tcp}\n"
	    "  - {vip: 198.51.100.1, port: 443, protocol: tcp}\n",
	  { "203.0.113.20", "198.51.100.1", "203.0.113.10" },
	  { "eth0", "eth1" } },
};

START_TEST(test_views)
{
	const struct view_case *c = &view_cases[_i];
	const char *ifaces[RA_CFG_IFACES_MAX + 1];
	const char *const *got;
	struct ra_vip vips[KEEL_REPORT_MAX];
	char state[RA_CFG_PATH_MAX + 16];
	struct ra_cfg_addr a;
	size_t n, i;

	parse_ok(c->yaml);
	n = ra_config_vips(&cfg, vips);
	for (i = 0; c->vips[i]; i++) {
		ck_assert_msg(i < n, "%s: %zu VIPs", c->what, n);
		a.family = vips[i].family;
		memcpy(a.addr, vips[i].addr, 16);
		addr_is(&a, c->vips[i]);
	}
	ck_assert_msg(n == i, "%s: %zu VIPs, expected %zu", c->what, n, i);
	got = ra_config_ifaces(&cfg, ifaces);
	if (!c->ifaces[0]) {
		ck_assert_ptr_null(got);
	} else {
		for (i = 0; c->ifaces[i]; i++)
			ck_assert_str_eq(got[i], c->ifaces[i]);
		ck_assert_ptr_null(got[i]);
	}
	ra_config_sysctl_state(&cfg, state, sizeof(state));
	ck_assert_str_eq(state, RA_CFG_STATE_DIR_DEFAULT "/sysctl.state");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ra_config");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_http_defaults);
	tcase_add_loop_test(tc, test_bad, 0, N(bad_cases));
	tcase_add_test(tc, test_too_many_services);
	tcase_add_test(tc, test_load);
	tcase_add_loop_test(tc, test_views, 0, N(view_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
