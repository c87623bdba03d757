// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_config: good documents with the values they must yield (defaults
 * applied), bad documents with the line, key path and message they must
 * be refused with.  Links lb_config.c, keel_addr.c, lb_maglev.c only.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keel_yaml.h"
#include "lb_config.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct want_real {
	const char *addr;
	uint32_t weight;
	int line;
};

struct want_svc {
	const char *vip;
	uint16_t port;
	uint8_t proto;
	uint32_t flags;
	uint32_t ring;
	int line;
	size_t n_reals;
	struct want_real reals[3]; /* the first ones */
};

static const struct good_case {
	const char *name;
	const char *yaml;
	const char *instance, *bpffs;
	uint32_t conn;
	uint32_t conn_inserts; /* 0: the default, no limit */
	size_t n_ifaces;
	const char *if_last; /* name of the last interface */
	bool if_last_generic;
	const char *socket, *group, *metrics, *state;
	/* NULL, 0: the defaults (user keel, not given; 64 and 64) */
	const char *user, *read_group;
	uint32_t ctl_max, metrics_max;
	uint32_t neigh_ms;
	size_t n_services;
	struct want_svc svc[3];
} good_cases[] = {
	{
		.name = "minimal: every default",
		.yaml = "interfaces:\n"
			"  - name: eth1\n",
		.instance = "default",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "eth1",
		.socket = "/run/keel/default.sock",
		.group = "",
		.metrics = "127.0.0.1:9450",
		.state = "/var/lib/keel/default.state",
		.neigh_ms = 1000,
	},
	{
		.name = "full IPv4, instance-derived paths",
		.yaml = "# site A, first LB\n"
			"instance: site-a-lb1\n"
			"bpffs: /sys/fs/bpf/keel\n"
			"conn_table_size: 4194304\n"
			"interfaces:\n"
			"  - name: eth1\n"
			"    mode: native\n"
			"  - name: eth2\n"
			"    mode: generic\n"
			"user: lb\n"
			"control:\n"
			"  group: keel-ops\n"
			"  read_group: keel-view\n"
			"  max_connections: 8\n"
			"metrics:\n"
			"  listen: 0.0.0.0:9100\n"
			"  max_connections: 4096\n"
			"timers:\n"
			"  neighbour_refresh: 2s\n"
			"services:\n"
			"  - vip: 203.0.113.10\n" /* 21 */
			"    port: 443\n"
			"    protocol: tcp\n"
			"    reals:\n"
			"      - address: 10.20.0.11\n" /* 25 */
			"      - address: 10.20.0.12\n"
			"        weight: 0\n"
			"      - address: 10.20.0.13\n"
			"        weight: 65535\n"
			"  - vip: 203.0.113.10\n" /* 30 */
			"    port: 53\n"
			"    protocol: udp\n"
			"conn_insert_limit: 2184\n",
		.instance = "site-a-lb1",
		.bpffs = "/sys/fs/bpf/keel",
		.conn = 4194304,
		.conn_inserts = 2184,
		.n_ifaces = 2,
		.if_last = "eth2",
		.if_last_generic = true,
		.socket = "/run/keel/site-a-lb1.sock",
		.group = "keel-ops",
		.metrics = "0.0.0.0:9100",
		.state = "/var/lib/keel/site-a-lb1.state",
		.user = "lb",
		.read_group = "keel-view",
		.ctl_max = 8,
		.metrics_max = 4096,
		.neigh_ms = 2000,
		.n_services = 2,
		.svc = {
			{ "203.0.113.10", 443, 6, 0, KEEL_RING_SIZE_DEFAULT, 21, 3,
			  { { "10.20.0.11", 1, 25 },
			    { "10.20.0.12", 0, 26 },
			    { "10.20.0.13", 65535, 28 } } },
			{ "203.0.113.10", 53, 17, 0, KEEL_RING_SIZE_DEFAULT, 30, 0 },
		},
	},
	{
		.name = "IPv6, persistent, ring size, explicit paths",
		.yaml = "instance: b\n"
			"interfaces:\n"
			"  - {name: ens1f0}\n"
			"control:\n"
			"  socket: /run/lbd.sock\n"
			"  group: \"\"\n"
			"metrics:\n"
			"  listen: \"[::1]:9450\"\n"
			"state_file: /var/lib/lbd/state\n"
			"timers: {neighbour_refresh: 250ms}\n"
			"services:\n"
			"  - vip: 2001:db8::10\n" /* 12 */
			"    port: 443\n"
			"    protocol: tcp\n"
			"    persistent: true\n"
			"    ring_size: 251\n"
			"    reals:\n"
			"      - address: fd00::11\n" /* 18 */
			"        weight: 3\n"
			"      - {address: 'fd00::12', weight: 7}\n"
			"  - vip: 2001:db8::10\n" /* 21 */
			"    protocol: icmpv6\n"
			"    persistent: false\n",
		.instance = "b",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "ens1f0",
		.socket = "/run/lbd.sock",
		.group = "",
		.metrics = "[::1]:9450",
		.state = "/var/lib/lbd/state",
		.neigh_ms = 250,
		.n_services = 2,
		.svc = {
			{ "2001:db8::10", 443, 6, KEEL_SVC_F_PERSISTENT, 251, 12, 2,
			  { { "fd00::11", 3, 18 }, { "fd00::12", 7, 20 } } },
			{ "2001:db8::10", 0, 58, 0, KEEL_RING_SIZE_DEFAULT, 21, 0 },
		},
	},
	{
		.name = "port-less, numeric protocol, metrics off",
		.yaml = "interfaces:\n"
			"  - name: eth0\n"
			"metrics:\n"
			"  listen: off\n"
			"timers:\n"
			"  neighbour_refresh: 60s\n"
			"services:\n"
			"  - vip: 203.0.113.20\n" /* 8 */
			"    protocol: 47\n"
			"    ring_size: 1048573\n"
			"    reals:\n"
			"      - address: 10.20.0.21\n" /* 12 */
			"  - vip: 203.0.113.20\n" /* 13 */
			"    protocol: icmp\n"
			"    port: 0\n",
		.instance = "default",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "eth0",
		.socket = "/run/keel/default.sock",
		.group = "",
		.metrics = "",
		.state = "/var/lib/keel/default.state",
		.neigh_ms = 60000,
		.n_services = 2,
		.svc = {
			{ "203.0.113.20", 0, 47, 0, KEEL_RING_SIZE_MAX, 8, 1,
			  { { "10.20.0.21", 1, 12 } } },
			{ "203.0.113.20", 0, 1, 0, KEEL_RING_SIZE_DEFAULT, 13, 0 },
		},
	},
	{
		.name = "anchors and aliases are followed",
		.yaml = "interfaces:\n"
			"  - name: &nic eth3\n"
			"services:\n"
			"  - vip: &vip 203.0.113.30\n" /* 4 */
			"    port: 80\n"
			"    protocol: tcp\n"
			"    reals: &web\n"
			"      - address: 10.20.0.31\n" /* 8 */
			"      - address: 10.20.0.32\n"
			"  - vip: *vip\n" /* 10 */
			"    port: 443\n"
			"    protocol: tcp\n"
			"    reals: *web\n"
			"metrics: {listen: \"\"}\n"
			"control:\n"
			"timers:\n",
		.instance = "default",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "eth3",
		.socket = "/run/keel/default.sock",
		.group = "",
		.metrics = "",
		.state = "/var/lib/keel/default.state",
		.neigh_ms = 1000,
		.n_services = 2,
		.svc = {
			{ "203.0.113.30", 80, 6, 0, KEEL_RING_SIZE_DEFAULT, 4, 2,
			  { { "10.20.0.31", 1, 8 }, { "10.20.0.32", 1, 9 } } },
			{ "203.0.113.30", 443, 6, 0, KEEL_RING_SIZE_DEFAULT, 10, 2,
			  { { "10.20.0.31", 1, 8 }, { "10.20.0.32", 1, 9 } } },
		},
	},
	{
		.name = "JSON is YAML; empty service list",
		.yaml = "{\"instance\": \"j\", \"interfaces\": [{\"name\": \"eth0\","
			" \"mode\": \"generic\"}], \"services\": [],"
			" \"conn_table_size\": 1024, \"conn_insert_limit\": 16777216}\n",
		.instance = "j",
		.bpffs = "/sys/fs/bpf",
		.conn = 1024,
		.conn_inserts = 16777216,
		.n_ifaces = 1,
		.if_last = "eth0",
		.if_last_generic = true,
		.socket = "/run/keel/j.sock",
		.group = "",
		.metrics = "127.0.0.1:9450",
		.state = "/var/lib/keel/j.state",
		.neigh_ms = 1000,
	},
	{
		.name = "UTF-8: BOM, multi-byte text in comments and strings",
		.yaml = "\xef\xbb\xbf# caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\n"
			"interfaces:\n"
			"  - name: eth1 # \xc2\xa0\xc2\x85\n"
			"control:\n"
			"  socket: \"/run/k\xc3\xa9" "el.sock\"\n",
		.instance = "default",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "eth1",
		.socket = "/run/k\xc3\xa9" "el.sock",
		.group = "",
		.metrics = "127.0.0.1:9450",
		.state = "/var/lib/keel/default.state",
		.neigh_ms = 1000,
	},
	{
		.name = "null service list, explicit document markers",
		.yaml = "%YAML 1.2\n"
			"---\n"
			"interfaces:\n"
			"  - name: eth0\n"
			"services:\n"
			"...\n",
		.instance = "default",
		.bpffs = "/sys/fs/bpf",
		.conn = KEEL_CONN_TABLE_SIZE,
		.n_ifaces = 1,
		.if_last = "eth0",
		.socket = "/run/keel/default.sock",
		.group = "",
		.metrics = "127.0.0.1:9450",
		.state = "/var/lib/keel/default.state",
		.neigh_ms = 1000,
	},
};

static void check_addr(uint8_t fam, const __be32 *addr, const char *want,
		       const char *what)
{
	__be32 w[4] = { 0 };
	int af = strchr(want, ':') ? AF_INET6 : AF_INET;

	ck_assert_int_eq(inet_pton(af, want, w), 1);
	ck_assert_msg(fam == (af == AF_INET ? KEEL_F_INET : KEEL_F_INET6),
		      "%s: family %u", what, fam);
	ck_assert_msg(memcmp(addr, w, 16) == 0, "%s: address differs from %s",
		      what, want);
}

START_TEST(test_good)
{
	const struct good_case *g = &good_cases[_i];
	struct lb_config c;
	struct lb_config_error e;
	char msg[512];
	size_t i, j;
	int err;

	err = lb_config_parse(g->yaml, strlen(g->yaml), "good.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s: %d %s", g->name, err, msg);
	ck_assert_str_eq(c.instance, g->instance);
	ck_assert_str_eq(c.bpffs, g->bpffs);
	ck_assert_uint_eq(c.conn_table_size, g->conn);
	ck_assert_uint_eq(c.conn_insert_limit, g->conn_inserts);
	ck_assert_uint_eq(c.n_ifaces, g->n_ifaces);
	ck_assert_str_eq(c.ifaces[g->n_ifaces - 1].name, g->if_last);
	ck_assert_int_eq(c.ifaces[g->n_ifaces - 1].generic, g->if_last_generic);
	ck_assert_str_eq(c.ctl_socket, g->socket);
	ck_assert_str_eq(c.ctl_group, g->group);
	ck_assert_str_eq(c.metrics_listen, g->metrics);
	ck_assert_str_eq(c.state_file, g->state);
	ck_assert_str_eq(c.user, g->user ? g->user : "keel");
	ck_assert_int_eq(c.user_given, g->user != NULL);
	ck_assert_str_eq(c.ctl_read_group, g->read_group ? g->read_group : "");
	ck_assert_uint_eq(c.ctl_max_conns, g->ctl_max ? g->ctl_max : 64);
	ck_assert_uint_eq(c.metrics_max_conns,
			  g->metrics_max ? g->metrics_max : 64);
	ck_assert_uint_eq(c.neigh_refresh_ms, g->neigh_ms);
	ck_assert_uint_eq(c.n_services, g->n_services);
	for (i = 0; i < g->n_services && i < 3; i++) {
		const struct want_svc *w = &g->svc[i];
		const struct lb_cfg_service *s = &c.services[i];

		check_addr(s->key.family, s->key.addr, w->vip, g->name);
		ck_assert_uint_eq(ntohs(s->key.port), w->port);
		ck_assert_uint_eq(s->key.proto, w->proto);
		ck_assert_uint_eq(s->flags, w->flags);
		ck_assert_uint_eq(s->ring_size, w->ring);
		ck_assert_int_eq(s->line, w->line);
		ck_assert_uint_eq(s->n_reals, w->n_reals);
		for (j = 0; j < w->n_reals && j < 3; j++) {
			check_addr(s->reals[j].family, s->reals[j].addr,
				   w->reals[j].addr, g->name);
			ck_assert_uint_eq(s->reals[j].weight,
					  w->reals[j].weight);
			ck_assert_int_eq(s->reals[j].line, w->reals[j].line);
		}
	}
	lb_config_free(&c);
	ck_assert_ptr_null(c.services);
	ck_assert_uint_eq(c.n_services, 0);
}
END_TEST

/* Member by member: the padding of a struct is not compared. */
static bool loadw_eq(const struct lb_loadw_cfg *a, const struct lb_loadw_cfg *b)
{
	return a->enabled == b->enabled && a->metric == b->metric &&
	       a->period_ms == b->period_ms && a->alpha_pct == b->alpha_pct &&
	       a->min_pct == b->min_pct && a->max_pct == b->max_pct &&
	       a->deadband_pct == b->deadband_pct;
}

/* Every default of the agents section and of the health keys. */
START_TEST(test_health_defaults)
{
	static const char y[] =
		"interfaces:\n"
		"  - name: eth1\n"
		"services:\n"
		"  - vip: 203.0.113.10\n"
		"    port: 80\n"
		"    protocol: tcp\n"
		"    reals:\n"
		"      - address: 10.20.0.1\n"
		"      - address: 10.20.0.2\n"
		"        health: {type: tcp}\n"
		"      - address: 10.20.0.3\n"
		"        health: {type: http, interval: 200ms}\n";
	struct lb_loadw_cfg lw;
	struct lb_config c;
	struct lb_config_error e;
	const struct lb_cfg_service *s;
	const struct lb_cfg_health *h;
	char msg[512];
	int err;

	err = lb_config_parse(y, strlen(y), "h.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	ck_assert_str_eq(c.agents.listen, "");
	ck_assert_str_eq(c.agents.key_file, "");
	ck_assert_uint_eq(c.agents.key_id, 1);
	ck_assert_uint_eq(c.agents.interval_ms, 100);
	ck_assert_uint_eq(c.agents.dead_after_ms, 300);
	ck_assert_uint_eq(c.agents.keep_flows_ms, 5000);
	s = &c.services[0];
	ck_assert_uint_eq(s->health.type, LB_CFG_HC_NONE);
	lb_loadw_cfg_default(&lw);
	ck_assert(!s->load_aware.enabled);
	ck_assert(loadw_eq(&s->load_aware, &lw));
	ck_assert_ptr_eq(lb_cfg_real_health(s, &s->reals[0]), &s->health);
	h = lb_cfg_real_health(s, &s->reals[1]);
	ck_assert_uint_eq(h->type, LB_CFG_HC_TCP);
	ck_assert_uint_eq(h->port, 0); /* the service's */
	ck_assert_uint_eq(h->interval_ms, 1000);
	ck_assert_uint_eq(h->timeout_ms, 500);
	ck_assert_uint_eq(h->rise, 2);
	ck_assert_uint_eq(h->fall, 2);
	ck_assert_int_eq(h->line, 10);
	h = lb_cfg_real_health(s, &s->reals[2]);
	ck_assert_uint_eq(h->type, LB_CFG_HC_HTTP);
	ck_assert_uint_eq(h->interval_ms, 200);
	ck_assert_uint_eq(h->timeout_ms, 200); /* never above interval */
	ck_assert_str_eq(h->path, "/");
	ck_assert_str_eq(h->host, "");
	ck_assert_uint_eq(h->status_min, 200);
	ck_assert_uint_eq(h->status_max, 399);
	ck_assert_str_eq(lb_cfg_hc_name(h->type), "http");
	lb_config_free(&c);
}
END_TEST

/* Every key given: agents with rotation, each health type, load_aware. */
START_TEST(test_health_full)
{
	static const char y[] =
		"interfaces:\n"
		"  - name: eth1\n"
		"agents:\n"
		"  listen: \"[::]:9460\"\n"
		"  key_file: /etc/keel/site.key\n"
		"  key_id: 7\n"
		"  previous_key_file: /etc/keel/site.key.old\n"
		"  previous_key_id: 6\n"
		"  interval: 200ms\n"
		"services:\n"
		"  - vip: 203.0.113.10\n"
		"    port: 443\n"
		"    protocol: tcp\n"
		"    health: {type: agent}\n"
		"    load_aware:\n"
		"      enabled: true\n"
		"      metric: load\n"
		"      period: 30s\n"
		"      smoothing: 50\n"
		"      min: 25\n"
		"      max: 400\n"
		"      deadband: 0\n"
		"    reals:\n"
		"      - address: 10.20.0.1\n"
		"      - address: 10.20.0.2\n"
		"        health: {type: none}\n"
		"      - address: 10.20.0.3\n"
		"        health:\n"
		"          type: http\n" /* 29 */
		"          port: 8080\n"
		"          path: /healthz?full=1\n"
		"          expect: 204\n"
		"          host: im.example.com:8080\n"
		"          interval: 2s\n"
		"          timeout: 2s\n"
		"          rise: 1\n"
		"          fall: 100\n"
		"  - vip: 203.0.113.20\n"
		"    protocol: udp\n"
		"    health: {type: tcp, port: 5222, timeout: 100ms}\n"
		"    load_aware: {}\n";
	struct lb_config c;
	struct lb_config_error e;
	const struct lb_cfg_service *s;
	const struct lb_cfg_health *h;
	char msg[512];
	int err;

	err = lb_config_parse(y, strlen(y), "h.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	ck_assert_str_eq(c.agents.listen, "[::]:9460");
	ck_assert_str_eq(c.agents.key_file, "/etc/keel/site.key");
	ck_assert_uint_eq(c.agents.key_id, 7);
	ck_assert_str_eq(c.agents.previous_key_file, "/etc/keel/site.key.old");
	ck_assert_uint_eq(c.agents.previous_key_id, 6);
	ck_assert_uint_eq(c.agents.interval_ms, 200);
	ck_assert_uint_eq(c.agents.dead_after_ms, 600); /* 3 intervals */
	s = &c.services[0];
	ck_assert_uint_eq(s->health.type, LB_CFG_HC_AGENT);
	ck_assert(s->load_aware.enabled);
	ck_assert_uint_eq(s->load_aware.metric, LB_LOADW_LOAD);
	ck_assert_uint_eq(s->load_aware.period_ms, 30000);
	ck_assert_uint_eq(s->load_aware.alpha_pct, 50);
	ck_assert_uint_eq(s->load_aware.min_pct, 25);
	ck_assert_uint_eq(s->load_aware.max_pct, 400);
	ck_assert_uint_eq(s->load_aware.deadband_pct, 0);
	ck_assert_uint_eq(lb_cfg_real_health(s, &s->reals[0])->type,
			  LB_CFG_HC_AGENT);
	ck_assert_uint_eq(lb_cfg_real_health(s, &s->reals[1])->type,
			  LB_CFG_HC_NONE);
	h = lb_cfg_real_health(s, &s->reals[2]);
	ck_assert_uint_eq(h->type, LB_CFG_HC_HTTP);
	ck_assert_uint_eq(h->port, 8080);
	ck_assert_str_eq(h->path, "/healthz?full=1");
	ck_assert_uint_eq(h->status_min, 204);
	ck_assert_uint_eq(h->status_max, 204);
	ck_assert_str_eq(h->host, "im.example.com:8080");
	ck_assert_uint_eq(h->interval_ms, 2000);
	ck_assert_uint_eq(h->timeout_ms, 2000);
	ck_assert_uint_eq(h->rise, 1);
	ck_assert_uint_eq(h->fall, 100);
	ck_assert_int_eq(h->line, 29);
	s = &c.services[1];
	ck_assert_uint_eq(s->health.type, LB_CFG_HC_TCP);
	ck_assert_uint_eq(s->health.port, 5222);
	ck_assert_uint_eq(s->health.timeout_ms, 100);
	ck_assert(!s->load_aware.enabled);
	lb_config_free(&c);

	/* dead_after given; the receiver off; agent health elsewhere none. */
	static const char y2[] = "interfaces: [{name: eth1}]\n"
				 "agents: {listen: off, interval: 1s,"
				 " dead_after: 1500ms, keep_flows_for: 0s}\n";
	err = lb_config_parse(y2, strlen(y2), "h.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	ck_assert_str_eq(c.agents.listen, "");
	ck_assert_uint_eq(c.agents.dead_after_ms, 1500);
	ck_assert_uint_eq(c.agents.keep_flows_ms, 0);
	lb_config_free(&c);
}
END_TEST

/* pair: every key given, then the defaults, then no pair at all. */
START_TEST(test_pair)
{
	static const char y[] =
		"interfaces: [{name: eth1}]\n"
		"agents: {listen: \"[::]:9460\", key_file: /etc/keel/site.key}\n"
		"pair:\n"
		"  node_id: 65535\n"
		"  listen: \"[::]:7600\"\n"
		"  peers:\n"
		"    - {name: lb2, address: 10.0.3.2:7600}\n" /* line 7 */
		"    - name: lb-3.site_a\n"
		"      address: \"[2001:db8::3]:7601\"\n"
		"  key_file: /etc/keel/pair.key\n"
		"  key_id: 0\n"
		"  previous_key_file: /etc/keel/pair.key.old\n"
		"  previous_key_id: 4294967295\n"
		"  mtu: 9000\n"
		"  hello_interval: 5s\n"
		"  dead_after: 15s\n"
		"  reannounce: 3600s\n"
		"  reannounce_rate_max: 1000000\n"
		"  records_rate_max: 10000000\n"
		"  batch_delay: 100ms\n"
		"  bulk_rate: 10000\n"
		"  alone_after: never\n"
		"  tables_differ_after: 3600s\n";
	static const char y2[] =
		"interfaces: [{name: eth1}]\n"
		"pair:\n"
		"  node_id: 1\n"
		"  listen: 10.0.3.1:7600\n"
		"  key_file: /etc/keel/pair.key\n"
		"  peers: [{name: lb2, address: 10.0.3.2:7600}]\n"
		"  hello_interval: 50ms\n"
		"  dead_after: 150ms\n"
		"  alone_after: 1s\n";
	static const char y3[] =
		"interfaces: [{name: eth1}]\n"
		"pair:\n"
		"  node_id: 2\n"
		"  listen: 10.0.3.2:7600\n"
		"  key_file: /etc/keel/pair.key\n"
		"  peers: [{name: lb1, address: 10.0.3.1:7600}]\n"
		"  hello_interval: 1s\n";
	const struct lb_cfg_pair *p;
	struct lb_config c;
	struct lb_config_error e;
	char msg[512];
	int err;

	err = lb_config_parse(y, strlen(y), "p.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	p = &c.pair;
	ck_assert(p->on);
	ck_assert_uint_eq(p->node_id, 65535);
	ck_assert_str_eq(p->listen, "[::]:7600");
	ck_assert_uint_eq(p->listen_family, KEEL_F_INET6);
	check_addr(p->listen_family, p->listen_addr, "::", "listen");
	ck_assert_uint_eq(p->listen_port, 7600);
	ck_assert_uint_eq(p->n_peers, 2);
	ck_assert_str_eq(p->peers[0].name, "lb2");
	ck_assert_str_eq(p->peers[0].address, "10.0.3.2:7600");
	ck_assert_uint_eq(p->peers[0].family, KEEL_F_INET);
	check_addr(p->peers[0].family, p->peers[0].addr, "10.0.3.2",
		   "peers[0]");
	ck_assert_uint_eq(p->peers[0].port, 7600);
	ck_assert_int_eq(p->peers[0].line, 7);
	ck_assert_str_eq(p->peers[1].name, "lb-3.site_a");
	ck_assert_uint_eq(p->peers[1].family, KEEL_F_INET6);
	check_addr(p->peers[1].family, p->peers[1].addr, "2001:db8::3",
		   "peers[1]");
	ck_assert_uint_eq(p->peers[1].port, 7601);
	ck_assert_int_eq(p->peers[1].line, 8);
	ck_assert_str_eq(p->key_file, "/etc/keel/pair.key");
	ck_assert_uint_eq(p->key_id, 0);
	ck_assert_str_eq(p->previous_key_file, "/etc/keel/pair.key.old");
	ck_assert_uint_eq(p->previous_key_id, 4294967295U);
	ck_assert_uint_eq(p->mtu, 9000);
	ck_assert_uint_eq(p->hello_interval_ms, 5000);
	ck_assert_uint_eq(p->dead_after_ms, 15000);
	ck_assert_uint_eq(p->reannounce_ms, 3600000);
	ck_assert_uint_eq(p->reannounce_rate_max, 1000000);
	ck_assert_uint_eq(p->records_rate_max, 10000000);
	ck_assert_uint_eq(p->batch_delay_ms, 100);
	ck_assert_uint_eq(p->bulk_rate, 10000);
	ck_assert_uint_eq(p->alone_after_ms, 0); /* never */
	ck_assert_uint_eq(p->tables_differ_after_ms, 3600000);
	lb_config_free(&c);

	/* The lower bounds; dead_after exactly 3 x hello_interval. */
	err = lb_config_parse(y2, strlen(y2), "p.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	p = &c.pair;
	ck_assert(p->on);
	ck_assert_uint_eq(p->hello_interval_ms, 50);
	ck_assert_uint_eq(p->dead_after_ms, 150);
	ck_assert_uint_eq(p->alone_after_ms, 1000);
	/* The defaults of DESIGN-11 section 6. */
	ck_assert_uint_eq(p->key_id, 1);
	ck_assert_str_eq(p->previous_key_file, "");
	ck_assert_uint_eq(p->mtu, 1500);
	ck_assert_uint_eq(p->reannounce_ms, 60000);
	ck_assert_uint_eq(p->reannounce_rate_max, 50000);
	ck_assert_uint_eq(p->records_rate_max, 200000);
	ck_assert_uint_eq(p->batch_delay_ms, 10);
	ck_assert_uint_eq(p->bulk_rate, 500000);
	ck_assert_uint_eq(p->tables_differ_after_ms, 5000);
	lb_config_free(&c);

	/* dead_after not given: 5 x hello_interval (1 s at the default). */
	err = lb_config_parse(y3, strlen(y3), "p.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == 0, "%s", msg);
	ck_assert_uint_eq(c.pair.dead_after_ms, 5000);
	ck_assert_uint_eq(c.pair.alone_after_ms, 30000);
	lb_config_free(&c);
	err = lb_config_parse(y3, strlen(y3) - strlen("  hello_interval: 1s\n"),
			      "p.yaml", &c, &e);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(c.pair.hello_interval_ms, 200);
	ck_assert_uint_eq(c.pair.dead_after_ms, 1000);
	lb_config_free(&c);

	/* No pair: a single LB, as before. */
	err = lb_config_parse(y, strlen("interfaces: [{name: eth1}]\n"),
			      "p.yaml", &c, &e);
	ck_assert_int_eq(err, 0);
	ck_assert(!c.pair.on);
	ck_assert_uint_eq(c.pair.n_peers, 0);
	lb_config_free(&c);
}
END_TEST

#define IF "interfaces:\n  - name: eth1\n" /* lines 1-2 */
/* lines 3-8 */
#define PAIR                                                \
	IF "pair:\n  node_id: 1\n  listen: 10.0.3.1:7600\n" \
	   "  key_file: /etc/keel/pair.key\n  peers:\n"     \
	   "    - {name: lb2, address: 10.0.3.2:7600}\n"
#define SVC "services:\n  - vip: 203.0.113.10\n    protocol: tcp\n" /* 3-5 */

static const struct bad_case {
	const char *yaml;
	int line;
	const char *key;
	const char *msg; /* a substring */
} bad_cases[] = {
	/* the document */
	{ "", 0, "", "empty document" },
	{ "# nothing but a comment\n\n", 0, "", "empty document" },
	{ "---\n...\n", 0, "", "empty document" },
	{ "- eth1\n- eth2\n", 1, "", "top level must be a mapping" },
	{ "just text\n", 1, "", "top level must be a mapping" },
	{ IF "a: [1, 2\n", 4, "", "YAML syntax error" },
	{ IF "metrics:\n  listen: [::1]:9450\n", 4, "", "YAML syntax error" },
	/* libfyaml 0.7.12 leaks when it unescapes '' (fuzz_config). */
	{ IF "metrics:\n  listen: '127.0.0.1:9''450'\n", 4, "metrics.listen",
	  "quotes inside a quoted value" },
	{ IF "\tinstance: x\n", 3, "", "YAML syntax error" },
	/* checked before libfyaml sees it: it hangs on the second one */
	{ IF "instance: caf\xe9\n", 3, "", "not valid UTF-8" },
	{ "%Y \xe9\n" IF, 1, "", "not valid UTF-8" },
	{ IF "instance: \xc0\xae\n", 3, "", "not valid UTF-8" },
	{ IF "instance: \xed\xa0\x80\n", 3, "", "not valid UTF-8" },
	{ IF "instance: a\x1b[0m\n", 3, "", "U+001B is not allowed" },
	{ IF "instance: caf\xc3\xa9\n", 3, "instance", "1..63 of A-Z" },
	{ IF "---\n" IF, 4, "", "more than one YAML document" },
	{ IF "instance: *nope\n", 3, "instance",
	  "alias without a matching anchor" },
	{ IF "instance: !!str x\n", 3, "instance", "tags are not supported" },
	{ IF "base: &b {port: 80}\n", 3, "base",
	  "unknown key; expected instance," },
	{ IF SVC "    <<: {port: 80}\n", 6, "services[0].<<",
	  "merge keys are not supported" },
	{ IF "? [a, b]\n: 1\n", 3, "", "keys must be plain names" },
	/* top-level keys */
	{ "instance: a\n", 1, "interfaces", "required key missing" },
	{ IF "servics: []\n", 3, "servics", "unknown key" },
	{ IF "instance: a\ninstance: b\n", 4, "instance",
	  "duplicate key (first at line 3)" },
	{ IF "instance:\n", 3, "instance", "no value" },
	{ IF "instance: site a\n", 3, "instance", "1..63 of A-Z" },
	{ IF "instance: ..\n", 3, "instance", "1..63 of A-Z" },
	{ IF "instance: \"a\\0b\"\n", 3, "instance", "NUL byte" },
	{ IF "instance: [a]\n", 3, "instance",
	  "expected a scalar, got a list" },
	{ IF
	  "instance: "
	  "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234\n",
	  3, "instance", "too long (max 63 bytes)" },
	{ IF "bpffs: sys/fs/bpf\n", 3, "bpffs", "absolute path" },
	{ IF "conn_table_size: 1023\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: 16777217\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: 0x100000\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: -4096\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: 099999\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: 18446744073709551617\n", 3, "conn_table_size",
	  "1024..16777216" },
	{ IF "conn_table_size: \"65536\"\n", 3, "conn_table_size",
	  "must not be quoted" },
	{ IF "conn_insert_limit: -1\n", 3, "conn_insert_limit", "0..16777216" },
	{ IF "conn_insert_limit: 16777217\n", 3, "conn_insert_limit",
	  "0..16777216" },
	{ IF "conn_insert_limit: 1.5\n", 3, "conn_insert_limit",
	  "0..16777216" },
	{ IF "conn_insert_limit: off\n", 3, "conn_insert_limit",
	  "0..16777216" },
	{ IF "conn_insert_limit: \"546\"\n", 3, "conn_insert_limit",
	  "must not be quoted" },
	{ IF "conn_insert_limit: [546]\n", 3, "conn_insert_limit",
	  "expected a scalar, got a list" },
	{ IF "state_file: state\n", 3, "state_file", "absolute path" },
	/* interfaces */
	{ "interfaces: []\n", 1, "interfaces", "at least one interface" },
	{ "interfaces:\n", 1, "interfaces", "at least one interface" },
	{ "interfaces: eth1\n", 1, "interfaces",
	  "expected a list, got a scalar" },
	{ "interfaces:\n  - eth1\n", 2, "interfaces[0]",
	  "expected a mapping, got a scalar" },
	{ "interfaces:\n  - mode: native\n", 2, "interfaces[0].name",
	  "required key missing" },
	{ "interfaces:\n  - name: abcdefghijklmnop\n", 2, "interfaces[0].name",
	  "too long (max 15 bytes)" },
	{ "interfaces:\n  - name: eth1:0\n", 2, "interfaces[0].name",
	  "not a valid interface name" },
	{ IF "    mode: fast\n", 3, "interfaces[0].mode", "native or generic" },
	{ IF "    nmae: eth2\n", 3, "interfaces[0].nmae",
	  "unknown key; expected name, mode" },
	{ IF "  - name: eth2\n  - name: eth1\n", 4, "interfaces[2].name",
	  "duplicate interface (same as interfaces[0])" },
	{ "interfaces:\n"
	  "  - {name: e0}\n  - {name: e1}\n  - {name: e2}\n  - {name: e3}\n"
	  "  - {name: e4}\n  - {name: e5}\n  - {name: e6}\n  - {name: e7}\n"
	  "  - {name: e8}\n  - {name: e9}\n  - {name: e10}\n  - {name: e11}\n"
	  "  - {name: e12}\n  - {name: e13}\n  - {name: e14}\n  - {name: e15}\n"
	  "  - {name: e16}\n",
	  18, "interfaces[16]", "too many interfaces (max 16)" },
	/* control, metrics, timers */
	{ IF "control:\n  - socket: /run/x.sock\n", 4, "control",
	  "expected a mapping, got a list" },
	{ IF "control:\n  sockt: /run/x.sock\n", 4, "control.sockt",
	  "unknown key; expected socket, group, read_group, max_connections" },
	{ IF "control:\n  read_group: keel view\n", 4, "control.read_group",
	  "must be a group name (A-Z a-z 0-9 _ . -) or \"\"" },
	{ IF "control:\n  max_connections: 0\n", 4, "control.max_connections",
	  "1..4096" },
	{ IF "control:\n  max_connections: 4097\n", 4,
	  "control.max_connections", "1..4096" },
	{ IF "metrics:\n  max_connections: 0\n", 4, "metrics.max_connections",
	  "1..4096" },
	{ IF "metrics:\n  lisen: 127.0.0.1:9450\n", 4, "metrics.lisen",
	  "unknown key; expected listen, max_connections" },
	{ IF "user: root\n", 3, "user",
	  "lbd drops root after its start: name the user it runs as (default keel)" },
	{ IF "user: \"\"\n", 3, "user",
	  "must be a user name (A-Z a-z 0-9 _ . -)" },
	{ IF "user: -keel\n", 3, "user",
	  "must be a user name (A-Z a-z 0-9 _ . -)" },
	{ IF "user: [keel]\n", 3, "user", "scalar" },
	{ IF "control:\n  socket: run/x.sock\n", 4, "control.socket",
	  "absolute path" },
	{ IF "control:\n  socket: /run/"
	     "0123456789012345678901234567890123456789012345678901234567890123"
	     "456789012345678901234567890123456789.sock\n",
	  4, "control.socket", "too long (max 107 bytes)" },
	{ IF "control:\n  group: keel ops\n", 4, "control.group",
	  "group name" },
	{ IF "metrics:\n  listen: 127.0.0.1:0\n", 4, "metrics.listen",
	  "1..65535" },
	{ IF "metrics:\n  listen: 127.0.0.1:65536\n", 4, "metrics.listen",
	  "1..65535" },
	{ IF "metrics:\n  listen: ::1:9450\n", 4, "metrics.listen",
	  "[IPV6]:PORT" },
	{ IF "metrics:\n  listen: localhost:9450\n", 4, "metrics.listen",
	  "ADDRESS:PORT" },
	{ IF "metrics:\n  listen: \"[10.0.0.1]:9450\"\n", 4, "metrics.listen",
	  "ADDRESS:PORT" },
	{ IF "timers:\n  neighbour_refresh: 1000\n", 4,
	  "timers.neighbour_refresh", "duration such as 250ms" },
	{ IF "timers:\n  neighbour_refresh: 99ms\n", 4,
	  "timers.neighbour_refresh", "100ms..60s" },
	{ IF "timers:\n  neighbour_refresh: 61s\n", 4,
	  "timers.neighbour_refresh", "100ms..60s" },
	{ IF "timers:\n  neighbour_refresh: 1.5s\n", 4,
	  "timers.neighbour_refresh", "duration" },
	{ IF "timers:\n  neighbor_refresh: 1s\n", 4, "timers.neighbor_refresh",
	  "unknown key; expected neighbour_refresh" },
	/* services */
	{ IF "services: {}\n", 3, "services",
	  "expected a list, got a mapping" },
	{ IF "services:\n  - 203.0.113.10\n", 4, "services[0]",
	  "expected a mapping, got a scalar" },
	{ IF "services:\n  - protocol: tcp\n", 4, "services[0].vip",
	  "required key missing" },
	{ IF "services:\n  - vip: 203.0.113.10\n    port: 80\n", 4,
	  "services[0].protocol", "required key missing" },
	{ IF "services:\n  - vip: 203.0.113.256\n", 4, "services[0].vip",
	  "\"203.0.113.256\" is not an IPv4 or IPv6 address" },
	{ IF "services:\n  - vip: 0.0.0.0\n", 4, "services[0].vip",
	  "unspecified, multicast or broadcast" },
	{ IF "services:\n  - vip: ff02::1\n", 4, "services[0].vip",
	  "unspecified, multicast or broadcast" },
	{ IF SVC "    port: 65536\n", 6, "services[0].port",
	  "integer in 0..65535" },
	{ IF SVC "    port: \"443\"\n", 6, "services[0].port",
	  "must not be quoted" },
	{ IF SVC "    port: 443\n    port: 80\n", 7, "services[0].port",
	  "duplicate key (first at line 6)" },
	{ IF "services:\n  - vip: 203.0.113.10\n    protocol: sctpx\n", 5,
	  "services[0].protocol", "tcp, udp, icmp, icmpv6 or 1..255" },
	{ IF "services:\n  - vip: 203.0.113.10\n    protocol: 0\n", 5,
	  "services[0].protocol", "tcp, udp, icmp, icmpv6 or 1..255" },
	{ IF "services:\n  - vip: 203.0.113.10\n    protocol: icmp\n"
	     "    port: 8\n",
	  6, "services[0].port", "a port needs protocol tcp or udp" },
	{ IF "services:\n  - vip: 2001:db8::1\n    protocol: icmp\n", 5,
	  "services[0].protocol", "icmp does not match the vip's family" },
	{ IF SVC "    persistent: yes\n", 6, "services[0].persistent",
	  "true or false" },
	{ IF SVC "    persistent: True\n", 6, "services[0].persistent",
	  "true or false" },
	{ IF SVC "    ring_size: 65536\n", 6, "services[0].ring_size",
	  "must be a prime" },
	{ IF SVC "    ring_size: 1048583\n", 6, "services[0].ring_size",
	  "2..1048573" },
	{ IF SVC "    ringsize: 251\n", 6, "services[0].ringsize",
	  "unknown key; expected vip, port, protocol, persistent, ring_size, reals" },
	{ IF SVC "    port: !!int 80\n", 6, "services[0].port",
	  "tags are not supported" },
	{ IF SVC "  - vip: 203.0.113.11\n    protocol: tcp\n"
		 "  - protocol: tcp\n    vip: 203.0.113.10\n",
	  8, "services[2]",
	  "duplicate service (same vip, port and protocol as services[0], line 4)" },
	/* reals */
	{ IF SVC "    reals: 10.20.0.1\n", 6, "services[0].reals",
	  "expected a list, got a scalar" },
	{ IF SVC "    reals:\n      - weight: 2\n", 7,
	  "services[0].reals[0].address", "required key missing" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n        wieght: 2\n",
	  8, "services[0].reals[0].wieght",
	  "unknown key; expected address, weight" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "      - address: 10.20.0.2\n        weight: 65536\n",
	  9, "services[0].reals[1].weight", "integer in 0..65535" },
	{ IF SVC
	  "    reals:\n      - {address: 10.20.0.1, sorry: yes please}\n",
	  7, "services[0].reals[0].sorry", "must be true or false" },
	{ IF SVC "    reals:\n      - {address: 10.20.0.1, sorry: true}\n"
		 "      - {address: 10.20.0.2, sorry: true}\n",
	  7, "services[0].reals",
	  "every real is a sorry server (sorry: true)" },
	{ IF SVC "    reals:\n      - {address: 10.20.0.1, weight: -1}\n", 7,
	  "services[0].reals[0].weight", "integer in 0..65535" },
	{ IF SVC "    reals:\n      - {address: 10.20.0.1, weight: 1.5}\n", 7,
	  "services[0].reals[0].weight", "integer in 0..65535" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "      - address: fd00::2\n",
	  8, "services[0].reals[1].address", "IPv6 real in an IPv4 service" },
	{ IF "services:\n  - vip: 2001:db8::1\n    protocol: tcp\n"
	     "    reals:\n      - address: 10.20.0.1\n",
	  7, "services[0].reals[0].address", "IPv4 real in an IPv6 service" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "      - address: 10.20.0.2\n      - address: 10.20.0.1\n",
	  9, "services[0].reals[2].address",
	  "duplicate real (same as reals[0], line 7)" },
	{ IF SVC "    reals:\n      - address: 203.0.113.10\n", 7,
	  "services[0].reals[0].address", "a real cannot be the vip" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "        address: 10.20.0.2\n",
	  8, "services[0].reals[0].address",
	  "duplicate key (first at line 7)" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n      -\n", 6,
	  "services[0].reals[1]", "expected a mapping, got no value" },
	/* agents */
	{ IF "agents: []\n", 3, "agents", "expected a mapping, got a list" },
	{ IF "agents:\n  listen: 0.0.0.0:9460\n", 4, "agents.key_file",
	  "required when listen is set" },
	{ IF "agents:\n  listen: 0.0.0.0:0\n  key_file: /k\n", 4,
	  "agents.listen", "port must be in 1..65535" },
	{ IF "agents:\n  listen: lb1:9460\n", 4, "agents.listen",
	  "must be ADDRESS:PORT" },
	{ IF "agents:\n  key_file: etc/keel/site.key\n", 4, "agents.key_file",
	  "absolute path" },
	{ IF "agents:\n  key_id: 4294967296\n", 4, "agents.key_id",
	  "integer in 0..4294967295" },
	{ IF "agents:\n  previous_key_file: /k.old\n", 4,
	  "agents.previous_key_id", "go together" },
	{ IF "agents:\n  previous_key_id: 2\n", 4, "agents.previous_key_file",
	  "go together" },
	{ IF "agents:\n  previous_key_file: /k.old\n  previous_key_id: 1\n", 5,
	  "agents.previous_key_id", "must differ from key_id (1)" },
	{ IF "agents:\n  interval: 5ms\n", 4, "agents.interval",
	  "duration in 10ms..10s" },
	{ IF "agents:\n  interval: 100ms\n  dead_after: 100ms\n", 5,
	  "agents.dead_after", "must be longer than interval (100ms)" },
	{ IF "agents:\n  dead_after: 61s\n", 4, "agents.dead_after",
	  "duration in 20ms..60s" },
	{ IF "agents:\n  keep_flows_for: 601s\n", 4, "agents.keep_flows_for",
	  "duration in 0ms..600s" },
	{ IF "agents:\n  keyfile: /k\n", 4, "agents.keyfile",
	  "unknown key; expected listen, key_file, key_id, previous_key_file," },
	/* pair */
	{ IF "pair: []\n", 3, "pair", "expected a mapping, got a list" },
	{ IF "pair:\n  listen: 10.0.3.1:7600\n", 4, "pair.node_id",
	  "required key missing" },
	{ IF "pair:\n  node_id: 1\n  listen: 10.0.3.1:7600\n"
	     "  key_file: /etc/keel/pair.key\n",
	  4, "pair.peers", "required key missing" },
	{ IF "pair:\n  node_id: 1\n  listen: 10.0.3.1:7600\n"
	     "  peers: [{name: lb2, address: 10.0.3.2:7600}]\n",
	  4, "pair.key_file", "required key missing" },
	{ PAIR "  node_id: 0\n", 9, "pair.node_id",
	  "duplicate key (first at line 4)" },
	{ IF "pair:\n  node_id: 0\n", 4, "pair.node_id",
	  "must be an integer in 1..65535" },
	{ IF "pair:\n  node_id: 65536\n", 4, "pair.node_id",
	  "must be an integer in 1..65535" },
	{ IF "pair:\n  listen: off\n", 4, "pair.listen",
	  "must be ADDRESS:PORT or [IPV6]:PORT (no pair: for a single LB)" },
	{ IF "pair:\n  listen: lb1:7600\n", 4, "pair.listen",
	  "must be ADDRESS:PORT" },
	{ IF "pair:\n  listen: 10.0.3.1:0\n", 4, "pair.listen",
	  "port must be in 1..65535" },
	{ IF "pair:\n  peers: []\n", 4, "pair.peers",
	  "at least one peer is required" },
	{ IF
	  "pair:\n  peers: [{name: a, address: 10.0.3.2:1},"
	  " {name: b, address: 10.0.3.2:2}, {name: c, address: 10.0.3.2:3},"
	  " {name: d, address: 10.0.3.2:4}, {name: e, address: 10.0.3.2:5},"
	  " {name: f, address: 10.0.3.2:6}, {name: g, address: 10.0.3.2:7},"
	  " {name: h, address: 10.0.3.2:8}, {name: i, address: 10.0.3.2:9}]\n",
	  4, "pair.peers[8]", "too many peers (max 8)" },
	{ IF "pair:\n  peers: [{name: \"lb 2\", address: 10.0.3.2:7600}]\n", 4,
	  "pair.peers[0].name", "must be 1..32 of A-Z a-z 0-9 _ . -" },
	{ IF "pair:\n  peers:\n    - name: abcdefghijklmnopqrstuvwxyz0123456\n"
	     "      address: 10.0.3.2:7600\n",
	  5, "pair.peers[0].name", "must be 1..32 of A-Z a-z 0-9 _ . -" },
	{ IF "pair:\n  peers:\n    - {name: lb2, address: 10.0.3.2:7600}\n"
	     "    - {name: lb2, address: 10.0.3.3:7600}\n",
	  6, "pair.peers[1].name", "duplicate of peers[0]" },
	{ IF "pair:\n  peers:\n    - {name: lb2, address: 10.0.3.2:7600}\n"
	     "    - {name: lb3, address: 10.0.3.2:7600}\n",
	  6, "pair.peers[1].address", "duplicate of peers[0]" },
	{ IF "pair:\n  peers: [{name: lb2}]\n", 4, "pair.peers[0].address",
	  "required key missing" },
	{ IF "pair:\n  peers: [{name: lb2, address: 0.0.0.0:7600}]\n", 4,
	  "pair.peers[0].address",
	  "must be a peer's address (not unspecified, multicast or broadcast)" },
	{ IF "pair:\n  peers: [{name: lb2, address: 10.0.3.2}]\n", 4,
	  "pair.peers[0].address", "must be ADDRESS:PORT" },
	{ IF "pair:\n  peers: [{name: lb2, adress: 10.0.3.2:1}]\n", 4,
	  "pair.peers[0].adress", "unknown key; expected name, address" },
	{ IF "pair:\n  node_id: 1\n  listen: 10.0.3.1:7600\n"
	     "  key_file: /etc/keel/pair.key\n"
	     "  peers: [{name: lb2, address: 10.0.3.1:7600}]\n",
	  7, "pair.peers[0].address", "is pair.listen" },
	{ IF "pair:\n  node_id: 1\n  listen: 10.0.3.1:7600\n"
	     "  key_file: /etc/keel/pair.key\n"
	     "  peers: [{name: lb2, address: \"[2001:db8::2]:7600\"}]\n",
	  7, "pair.peers[0].address",
	  "an IPv6 peer cannot be reached from listen 10.0.3.1:7600 (only [::] takes both families)" },
	{ IF "pair:\n  node_id: 1\n  listen: 0.0.0.0:7600\n"
	     "  key_file: /etc/keel/pair.key\n"
	     "  peers: [{name: lb2, address: \"[2001:db8::2]:7600\"}]\n",
	  7, "pair.peers[0].address",
	  "an IPv6 peer cannot be reached from listen 0.0.0.0:7600" },
	{ IF "pair:\n  node_id: 1\n  listen: \"[2001:db8::1]:7600\"\n"
	     "  key_file: /etc/keel/pair.key\n"
	     "  peers: [{name: lb2, address: 10.0.3.2:7600}]\n",
	  7, "pair.peers[0].address",
	  "an IPv4 peer cannot be reached from listen [2001:db8::1]:7600" },
	{ IF "pair:\n  key_file: etc/keel/pair.key\n", 4, "pair.key_file",
	  "absolute path" },
	{ PAIR "agents:\n  key_file: /etc/keel/pair.key\n", 6, "pair.key_file",
	  "same file as agents.key_file (every real server holds that key)" },
	{ "agents:\n  key_file: /etc/keel/old.key\n"
	  "  previous_key_file: /etc/keel/pair.key\n  previous_key_id: 2\n" PAIR,
	  10, "pair.key_file",
	  "same file as agents.previous_key_file (every real server holds that key)" },
	{ PAIR "  previous_key_file: /etc/keel/site.key\n  previous_key_id: 2\n"
	       "agents:\n  key_file: /etc/keel/site.key\n",
	  9, "pair.previous_key_file",
	  "same file as agents.key_file (every real server holds that key)" },
	{ PAIR "  key_id: 4294967296\n", 9, "pair.key_id",
	  "integer in 0..4294967295" },
	{ PAIR "  previous_key_file: /k.old\n", 4, "pair.previous_key_id",
	  "previous_key_file and previous_key_id go together" },
	{ PAIR "  previous_key_id: 2\n", 4, "pair.previous_key_file",
	  "previous_key_file and previous_key_id go together" },
	{ PAIR "  previous_key_file: /k.old\n  previous_key_id: 1\n", 10,
	  "pair.previous_key_id", "must differ from key_id (1)" },
	{ PAIR
	  "  previous_key_file: /etc/keel/pair.key\n  previous_key_id: 2\n",
	  9, "pair.previous_key_file", "same file as key_file" },
	{ PAIR "  mtu: 1279\n", 9, "pair.mtu", "integer in 1280..9000" },
	{ PAIR "  mtu: 9001\n", 9, "pair.mtu", "integer in 1280..9000" },
	{ PAIR "  hello_interval: 49ms\n", 9, "pair.hello_interval",
	  "duration in 50ms..5s" },
	{ PAIR "  hello_interval: 6s\n", 9, "pair.hello_interval",
	  "duration in 50ms..5s" },
	{ PAIR "  dead_after: 599ms\n", 9, "pair.dead_after",
	  "must be at least 3 x hello_interval (600ms)" },
	{ PAIR "  hello_interval: 1s\n  dead_after: 2999ms\n", 10,
	  "pair.dead_after", "must be at least 3 x hello_interval (3000ms)" },
	{ PAIR "  dead_after: 61s\n", 9, "pair.dead_after",
	  "duration in 150ms..60s" },
	{ PAIR "  reannounce: 9s\n", 9, "pair.reannounce",
	  "duration in 10000ms..3600s" },
	{ PAIR "  reannounce: 3601s\n", 9, "pair.reannounce",
	  "duration in 10000ms..3600s" },
	{ PAIR "  reannounce: 32768s\n", 9, "pair.reannounce",
	  "duration in 10000ms..3600s" },
	{ PAIR "  reannounce_rate_max: 999\n", 9, "pair.reannounce_rate_max",
	  "integer in 1000..1000000" },
	{ PAIR "  reannounce_rate_max: 1000001\n", 9,
	  "pair.reannounce_rate_max", "integer in 1000..1000000" },
	{ PAIR "  records_rate_max: 999\n", 9, "pair.records_rate_max",
	  "integer in 1000..10000000" },
	{ PAIR "  records_rate_max: 10000001\n", 9, "pair.records_rate_max",
	  "integer in 1000..10000000" },
	{ PAIR "  batch_delay: 0ms\n", 9, "pair.batch_delay",
	  "must be a duration in 1ms..100ms" },
	{ PAIR "  batch_delay: 101ms\n", 9, "pair.batch_delay",
	  "must be a duration in 1ms..100ms" },
	{ PAIR "  bulk_rate: 9999\n", 9, "pair.bulk_rate",
	  "integer in 10000..10000000" },
	{ PAIR "  bulk_rate: 10000001\n", 9, "pair.bulk_rate",
	  "integer in 10000..10000000" },
	{ PAIR "  alone_after: 999ms\n", 9, "pair.alone_after",
	  "must be a duration in 1s..3600s or never" },
	{ PAIR "  alone_after: 3601s\n", 9, "pair.alone_after",
	  "must be a duration in 1s..3600s or never" },
	{ PAIR "  alone_after: \"never\"\n", 9, "pair.alone_after",
	  "must be a duration in 1s..3600s or never" },
	{ PAIR "  alone_after: always\n", 9, "pair.alone_after",
	  "must be a duration in 1s..3600s or never" },
	{ PAIR "  tables_differ_after: 999ms\n", 9, "pair.tables_differ_after",
	  "duration in 1000ms..3600s" },
	{ PAIR "  tables_differ_after: 3601s\n", 9, "pair.tables_differ_after",
	  "duration in 1000ms..3600s" },
	{ PAIR "  node: 1\n", 9, "pair.node",
	  "unknown key; expected node_id, listen, peers, key_file, key_id, previous_key_file, previous_key_id, mtu, hello_interval, dead_after, reannounce, reannounce_rate_max, records_rate_max, batch_delay, bulk_rate, alone_after, tables_differ_after" },
	/* health */
	{ IF SVC "    health: agent\n", 6, "services[0].health",
	  "expected a mapping, got a scalar" },
	{ IF SVC "    health:\n", 6, "services[0].health",
	  "expected a mapping, got no value" },
	{ IF SVC "    health: {port: 80}\n", 6, "services[0].health.type",
	  "required key missing" },
	{ IF SVC "    health: {type: icmp}\n", 6, "services[0].health.type",
	  "must be none, agent, tcp or http" },
	{ IF SVC "    health: {type: agent}\n", 6, "services[0].health.type",
	  "agent health needs agents.listen" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "      - address: 10.20.0.2\n"
		 "        health:\n          type: agent\n",
	  10, "services[0].reals[1].health.type",
	  "agent health needs agents.listen" },
	{ IF SVC "    health: {type: agent, port: 80}\n", 6,
	  "services[0].health.port", "does not apply to type agent" },
	{ IF SVC "    port: 80\n    health:\n      type: tcp\n"
		 "      path: /\n",
	  9, "services[0].health.path", "does not apply to type tcp" },
	{ IF SVC "    health: {type: none, rise: 2}\n", 6,
	  "services[0].health.rise", "does not apply to type none" },
	{ IF SVC "    health: {type: tcp}\n", 6, "services[0].health.port",
	  "required: the service has no port to check" },
	{ IF SVC "    reals:\n      - address: 10.20.0.1\n"
		 "        health: {type: http}\n",
	  8, "services[0].reals[0].health.port",
	  "required: the service has no port to check" },
	{ IF SVC "    health: {type: tcp, port: 0}\n", 6,
	  "services[0].health.port", "integer in 1..65535" },
	{ IF SVC "    health: {type: tcp, port: 80, interval: 50ms}\n", 6,
	  "services[0].health.interval", "duration in 100ms..60s" },
	{ IF SVC "    health: {type: tcp, port: 80, timeout: 2s}\n", 6,
	  "services[0].health.timeout",
	  "must not be longer than interval (1000ms)" },
	{ IF SVC "    health: {type: tcp, port: 80, timeout: 5ms}\n", 6,
	  "services[0].health.timeout", "duration in 10ms..60s" },
	{ IF SVC "    health: {type: tcp, port: 80, rise: 0}\n", 6,
	  "services[0].health.rise", "integer in 1..100" },
	{ IF SVC "    health: {type: tcp, port: 80, fall: 101}\n", 6,
	  "services[0].health.fall", "integer in 1..100" },
	{ IF SVC "    health: {type: http, port: 80, path: health}\n", 6,
	  "services[0].health.path", "must start with /" },
	{ IF SVC "    health: {type: http, port: 80, path: \"/a b\"}\n", 6,
	  "services[0].health.path", "must start with /" },
	{ IF SVC "    health: {type: http, port: 80, expect: 399-200}\n", 6,
	  "services[0].health.expect", "within 100..599" },
	{ IF SVC "    health: {type: http, port: 80, expect: 600}\n", 6,
	  "services[0].health.expect", "within 100..599" },
	{ IF SVC "    health: {type: http, port: 80, expect: 2xx}\n", 6,
	  "services[0].health.expect", "within 100..599" },
	{ IF SVC "    health: {type: http, port: 80, host: \"a/b\"}\n", 6,
	  "services[0].health.host", "host name or address" },
	{ IF SVC "    health: {type: http, port: 80, timeout: 1s, tpye: x}\n",
	  6, "services[0].health.tpye", "unknown key; expected type, port," },
	/* load_aware */
	{ IF SVC "    load_aware: {enabled: true}\n", 6,
	  "services[0].load_aware", "needs the service's health type agent" },
	{ IF SVC "    load_aware: {enabled: yes}\n", 6,
	  "services[0].load_aware.enabled", "true or false" },
	{ IF SVC "    load_aware: {metric: cpu}\n", 6,
	  "services[0].load_aware.metric", "connections or load" },
	{ IF SVC "    load_aware: {period: 500ms}\n", 6,
	  "services[0].load_aware.period", "duration in 1000ms..3600s" },
	{ IF SVC "    load_aware: {smoothing: 0}\n", 6,
	  "services[0].load_aware.smoothing", "integer in 1..100" },
	{ IF SVC "    load_aware: {min: 101}\n", 6,
	  "services[0].load_aware.min", "integer in 1..100" },
	{ IF SVC "    load_aware: {max: 99}\n", 6, "services[0].load_aware.max",
	  "integer in 100..1000" },
	{ IF SVC "    load_aware: {deadband: 101}\n", 6,
	  "services[0].load_aware.deadband", "integer in 0..100" },
	{ IF SVC "    load_aware: {enable: true}\n", 6,
	  "services[0].load_aware.enable",
	  "unknown key; expected enabled, metric, period," },
};

/* sorry: a flag of the real, false unless given. */
START_TEST(test_sorry)
{
	static const char yaml[] = IF SVC
		"    reals:\n      - address: 10.20.0.1\n"
		"      - {address: 10.20.0.2, sorry: false}\n"
		"      - {address: 10.20.0.9, sorry: true, weight: 5}\n";
	struct lb_config c;
	struct lb_config_error e;

	ck_assert_int_eq(lb_config_parse(yaml, strlen(yaml), "s.yaml", &c, &e),
			 0);
	ck_assert_uint_eq(c.services[0].n_reals, 3);
	ck_assert(!c.services[0].reals[0].sorry);
	ck_assert(!c.services[0].reals[1].sorry);
	ck_assert(c.services[0].reals[2].sorry);
	ck_assert_uint_eq(c.services[0].reals[2].weight, 5);
	lb_config_free(&c);
}
END_TEST

START_TEST(test_bad)
{
	const struct bad_case *b = &bad_cases[_i];
	struct lb_config c;
	struct lb_config_error e;
	char msg[512];
	int err;

	memset(&c, 0xa5, sizeof(c));
	err = lb_config_parse(b->yaml, strlen(b->yaml), "bad.yaml", &c, &e);
	lb_config_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(err == -EINVAL, "case %d: got %d: %s", _i, err, msg);
	ck_assert_msg(e.line == b->line && strcmp(e.key, b->key) == 0 &&
			      strstr(e.msg, b->msg),
		      "case %d: want line %d key '%s' msg '%s'; got %s", _i,
		      b->line, b->key, b->msg, msg);
	ck_assert_str_eq(e.file, "bad.yaml");
	/* A failed parse leaves nothing behind. */
	ck_assert_ptr_null(c.services);
	ck_assert_uint_eq(c.n_services, 0);
	ck_assert_uint_eq(c.n_ifaces, 0);
	ck_assert_str_eq(c.instance, "");
}
END_TEST

static const struct fmt_case {
	struct lb_config_error e;
	const char *want;
} fmt_cases[] = {
	{ { "lbd.yaml", 7, 3, "services[0].reals[1].weight", "bad" },
	  "lbd.yaml:7: services[0].reals[1].weight: bad" },
	{ { "lbd.yaml", 2, 1, "", "YAML syntax error: x" },
	  "lbd.yaml:2: YAML syntax error: x" },
	{ { "/etc/keel/lbd.yaml", 0, 0, "", "cannot read: No such file" },
	  "/etc/keel/lbd.yaml: cannot read: No such file" },
};

START_TEST(test_format)
{
	const struct fmt_case *f = &fmt_cases[_i];
	char buf[256], small[8];

	ck_assert_int_eq(lb_config_error_format(&f->e, buf, sizeof(buf)),
			 (int)strlen(f->want));
	ck_assert_str_eq(buf, f->want);
	ck_assert_int_eq(lb_config_error_format(&f->e, small, sizeof(small)),
			 -ENOSPC);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
}
END_TEST

/* A document built by repetition, for the limits. */
static char *repeat(const char *head, const char *fmt, int n)
{
	size_t size = strlen(head) + (size_t)n * (strlen(fmt) + 16) + 1, o;
	char *s = malloc(size);
	int i;

	ck_assert_ptr_nonnull(s);
	o = snprintf(s, size, "%s", head);
	for (i = 0; i < n; i++)
		o += snprintf(s + o, size - o, fmt, i / 256, i % 256);
	return s;
}

START_TEST(test_too_many_services)
{
	struct lb_config c;
	struct lb_config_error e;
	char *y;

	y = repeat(IF "services:\n", "  - {vip: 203.0.%d.%d, protocol: tcp}\n",
		   KEEL_MAX_SERVICES);
	ck_assert_int_eq(lb_config_parse(y, strlen(y), "f", &c, &e), 0);
	ck_assert_uint_eq(c.n_services, KEEL_MAX_SERVICES);
	lb_config_free(&c);
	free(y);

	y = repeat(IF "services:\n", "  - {vip: 203.0.%d.%d, protocol: tcp}\n",
		   KEEL_MAX_SERVICES + 1);
	ck_assert_int_eq(lb_config_parse(y, strlen(y), "f", &c, &e), -EINVAL);
	ck_assert_str_eq(e.key, "services[1024]");
	ck_assert_int_eq(e.line, 4 + KEEL_MAX_SERVICES);
	ck_assert_ptr_nonnull(strstr(e.msg, "too many services (max 1024)"));
	free(y);
}
END_TEST

/*
 * One aliased pool of 16 reals in every service: the total limit holds,
 * and an alias cannot make the walk cost more than a written-out file.
 */
START_TEST(test_too_many_reals)
{
	struct lb_config c;
	struct lb_config_error e;
	char head[1024], *y;
	size_t o;
	int i;

	o = snprintf(head, sizeof(head),
		     IF "services:\n"
			"  - {vip: 198.51.100.1, protocol: udp, reals: &p [");
	for (i = 0; i < 16; i++)
		o += snprintf(head + o, sizeof(head) - o,
			      "%s{address: 10.0.0.%d}", i ? ", " : "", i + 1);
	snprintf(head + o, sizeof(head) - o, "]}\n");

	y = repeat(head, "  - {vip: 203.0.%d.%d, protocol: tcp, reals: *p}\n",
		   KEEL_MAX_SERVICES - 2);
	ck_assert_int_eq(lb_config_parse(y, strlen(y), "f", &c, &e), 0);
	ck_assert_uint_eq(c.n_services, KEEL_MAX_SERVICES - 1);
	ck_assert_uint_eq(c.services[KEEL_MAX_SERVICES - 2].n_reals, 16);
	lb_config_free(&c);
	free(y);

	/* 1024 * 16 = 16384 > KEEL_MAX_REALS - 1 */
	y = repeat(head, "  - {vip: 203.0.%d.%d, protocol: tcp, reals: *p}\n",
		   KEEL_MAX_SERVICES - 1);
	ck_assert_int_eq(lb_config_parse(y, strlen(y), "f", &c, &e), -EINVAL);
	ck_assert_str_eq(e.key, "services[1023].reals[15]");
	ck_assert_ptr_nonnull(strstr(e.msg, "too many reals (max 16383"));
	free(y);
}
END_TEST

/* Classic alias bomb under a known key: refused, quickly. */
START_TEST(test_alias_bomb)
{
	static const char y[] = IF
		"services: &a [&b [&c [&d [*z, *z], *d], *c], *b]\n";
	static const char y2[] = IF "x0: &x0 [a, a, a, a, a, a, a, a]\n"
				    "x1: &x1 [*x0, *x0, *x0, *x0, *x0, *x0]\n"
				    "x2: &x2 [*x1, *x1, *x1, *x1, *x1, *x1]\n"
				    "x3: &x3 [*x2, *x2, *x2, *x2, *x2, *x2]\n"
				    "services: [*x3, *x3, *x3, *x3, *x3]\n";
	static const char y3[] = IF "services: &s [*s]\n";
	struct lb_config c;
	struct lb_config_error e;
	clock_t t0 = clock();

	ck_assert_int_eq(lb_config_parse(y, strlen(y), "f", &c, &e), -EINVAL);
	ck_assert_int_eq(lb_config_parse(y2, strlen(y2), "f", &c, &e), -EINVAL);
	ck_assert_str_eq(e.key, "x0");
	ck_assert_int_eq(lb_config_parse(y3, strlen(y3), "f", &c, &e), -EINVAL);
	ck_assert_str_eq(e.key, "services[0]");
	ck_assert(clock() - t0 < CLOCKS_PER_SEC);
}
END_TEST

/* Input is a buffer and a length: no NUL needed, embedded NULs refused. */
START_TEST(test_buffer_bounds)
{
	static const char y[] = IF "instance: abc";
	/* libfyaml would stop at a raw NUL and ignore the rest. */
	static const char nul[] = IF "instance: a\n\0bogus: 1\n";
	char *big, *exact = malloc(sizeof(y) - 1);
	struct lb_config c;
	struct lb_config_error e;

	ck_assert_ptr_nonnull(exact);
	memcpy(exact, y, sizeof(y) - 1);
	ck_assert_int_eq(lb_config_parse(exact, sizeof(y) - 1, NULL, &c, &e),
			 0);
	ck_assert_str_eq(c.instance, "abc");
	lb_config_free(&c);
	/* The length wins over the text: "ab" only. */
	ck_assert_int_eq(lb_config_parse(exact, sizeof(y) - 2, NULL, &c, NULL),
			 0);
	ck_assert_str_eq(c.instance, "ab");
	lb_config_free(&c);
	free(exact);

	ck_assert_int_eq(lb_config_parse(nul, sizeof(nul) - 1, "n", &c, &e),
			 -EINVAL);
	ck_assert_int_eq(e.line, 4);
	ck_assert_int_eq(e.column, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "NUL byte"));
	ck_assert_int_eq(lb_config_parse(NULL, 0, NULL, &c, &e), -EINVAL);
	ck_assert_str_eq(e.file, "-");
	big = malloc(1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', 1024 * 1024 + 1);
	ck_assert_int_eq(lb_config_parse(big, 1024 * 1024 + 1, "big", &c, &e),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than"));
	/* Exactly the limit is a (comment-only, so empty) document. */
	ck_assert_int_eq(lb_config_parse(big, 1024 * 1024, "big", &c, &e),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "empty document"));
	free(big);
}
END_TEST

/* libfyaml's diagnostics reach the caller, never stderr. */
START_TEST(test_quiet)
{
	static const char y[] = IF "a: [1, 2\n  b: {\n";
	struct lb_config c;
	struct lb_config_error e;
	FILE *tmp = tmpfile();
	int saved = dup(2);

	ck_assert_ptr_nonnull(tmp);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_eq(dup2(fileno(tmp), 2), 2);
	ck_assert_int_eq(lb_config_parse(y, strlen(y), "q", &c, &e), -EINVAL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ck_assert_int_eq(fseek(tmp, 0, SEEK_END), 0);
	ck_assert_int_eq(ftell(tmp), 0);
	fclose(tmp);
	ck_assert_ptr_nonnull(strstr(e.msg, "YAML syntax error"));
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/test_config.XXXXXX",
	     dir[] = "/tmp/test_cfgd.XXXXXX";
	static const char y[] = IF "instance: loaded\n";
	struct lb_config c;
	struct lb_config_error e;
	char *big;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, y, strlen(y)), (int)strlen(y));
	ck_assert_int_eq(lb_config_load(path, &c, &e), 0);
	ck_assert_str_eq(c.instance, "loaded");
	lb_config_free(&c);

	/* An error names the file it came from. */
	ck_assert_int_eq(write(fd, "bogus: 1\n", 9), 9);
	ck_assert_int_eq(lb_config_load(path, &c, &e), -EINVAL);
	ck_assert_str_eq(e.file, path);
	ck_assert_int_eq(e.line, 4);
	ck_assert_str_eq(e.key, "bogus");

	big = calloc(1, 1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', 1024 * 1024);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, big, 1024 * 1024 + 1, 0), 1024 * 1024 + 1);
	free(big);
	ck_assert_int_eq(lb_config_load(path, &c, &e), -EFBIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "larger than"));
	close(fd);
	unlink(path);

	ck_assert_int_eq(lb_config_load(path, &c, &e), -ENOENT);
	ck_assert_str_eq(e.file, path);
	ck_assert_ptr_nonnull(strstr(e.msg, "No such file or directory"));

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(lb_config_load(dir, &c, &e), -EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a regular file"));
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_config");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_good, 0, N(good_cases));
	tcase_add_test(tc, test_sorry);
	tcase_add_loop_test(tc, test_bad, 0, N(bad_cases));
	tcase_add_loop_test(tc, test_format, 0, N(fmt_cases));
	tcase_add_test(tc, test_health_defaults);
	tcase_add_test(tc, test_health_full);
	tcase_add_test(tc, test_pair);
	tcase_add_test(tc, test_too_many_services);
	tcase_add_test(tc, test_too_many_reals);
	tcase_add_test(tc, test_alias_bomb);
	tcase_add_test(tc, test_buffer_bounds);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
