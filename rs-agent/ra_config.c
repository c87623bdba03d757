// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_config.c - parse and validate rs-agent's YAML configuration
 * (libfyaml).  Format: docs/rs-agent.md.
 *
 * The schema walker is libkeel/keel_yaml.c, as for lbd's configuration
 * (same rules and libfyaml 0.7.12 workarounds); this file holds the
 * schema and the checks across keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <netinet/in.h>

#include <libfyaml.h>

#include "keel_ctlsock.h" /* connection caps */
#include "keel_health.h"
#include "keel_yaml.h"
#include "keel_addr.h"
#include "keel_metrics.h" /* connection caps */
#include "ra_config.h"
#include "ra_net.h" /* struct ra_vip */

#define RA_CFG_FILE_MAX ((size_t)1 << 20)
#define RA_CFG_N(a) (sizeof(a) / sizeof((a)[0]))

/* Report interval: fast enough for sub-second failover, at most 10/s.. */
#define RA_CFG_INTERVAL_DEFAULT 100
#define RA_CFG_INTERVAL_MIN 10
#define RA_CFG_INTERVAL_MAX 10000
/* Check defaults, justified in docs/rs-agent.md ("Health checks"). */
#define RA_CFG_RISE_DEFAULT 3
#define RA_CFG_FALL_DEFAULT 2
#define RA_CFG_TCP_INTERVAL_DEFAULT 200
#define RA_CFG_SLOW_INTERVAL_DEFAULT 1000 /* http, command */
#define RA_CFG_TIMEOUT_CAP 1000 /* default timeout: interval, at most this */
#define RA_CFG_CHECK_MIN_MS 10
#define RA_CFG_CHECK_MAX_MS 60000

/*
 * The walk (libkeel/keel_yaml.c) hands every parser its struct keel_yaml,
 * the first member of this context.
 */
struct ra_cfg_ctx {
	struct keel_yaml y;
	struct ra_config *cfg;
	uint16_t rise, fall; /* top level: every check's default */
	struct fy_node *lbs, *services; /* for checks after the walk */
};

static struct ra_cfg_ctx *ra_cx(struct keel_yaml *y)
{
	return (struct ra_cfg_ctx *)y;
}

/* Printable ASCII without blanks (paths, names, HTTP fields). */
static bool ra_cfg_graph(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int ra_cfg_addr(struct keel_yaml *c, struct fy_node *n,
		       struct ra_cfg_addr *out)
{
	return keel_yaml_addr(c, n, &out->family, out->addr);
}

/* ---- lbs ---- */

static int ra_cfg_lb(struct keel_yaml *c, struct fy_node *n, size_t i,
		     void *obj)
{
	struct ra_cfg_lb *lb = &ra_cx(c)->cfg->lbs[i];
	char buf[64], *colon;
	bool has_port;
	__be32 a[4];
	size_t j;
	int err;

	(void)obj;
	err = keel_yaml_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	err = keel_hostport_parse(buf, strlen(buf), false, &lb->a.family, a,
				  &lb->port);
	if (err && err != -ERANGE)
		return keel_yaml_fail(
			c, n,
			"must be ADDRESS, ADDRESS:PORT, [IPV6] or [IPV6]:PORT");
	colon = strrchr(buf, ':');
	has_port = buf[0] == '[' ? strstr(buf, "]:") != NULL : colon != NULL;
	if (err || (has_port && lb->port == 0))
		return keel_yaml_fail(c, n, "port must be in 1..65535");
	if (!has_port)
		lb->port = RA_CFG_LB_PORT_DEFAULT;
	memcpy(lb->a.addr, a, 16);
	if (!keel_yaml_addr_usable(lb->a.family, lb->a.addr))
		return keel_yaml_fail(
			c, n, "unspecified, multicast or broadcast address");
	for (j = 0; j < i; j++)
		if (ra_cx(c)->cfg->lbs[j].a.family == lb->a.family &&
		    !memcmp(ra_cx(c)->cfg->lbs[j].a.addr, lb->a.addr, 16) &&
		    ra_cx(c)->cfg->lbs[j].port == lb->port)
			return keel_yaml_fail(
				c, n, "duplicate LB (same as lbs[%zu])", j);
	ra_cx(c)->cfg->n_lbs = i + 1;
	return 0;
}

static int ra_cfg_lbs(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	int err;

	(void)obj;
	err = keel_yaml_list(c, v, RA_CFG_LBS_MAX, "LBs", &ra_cx(c)->lbs,
			     ra_cfg_lb, NULL);
	if (!err && !ra_cx(c)->cfg->n_lbs)
		return keel_yaml_fail(c, v, "at least one LB is required");
	return err;
}

/* ---- interfaces ---- */

static int ra_cfg_iface(struct keel_yaml *c, struct fy_node *n, size_t i,
			void *obj)
{
	char buf[RA_CFG_IFNAME_MAX];
	size_t j;
	int err;

	(void)obj;
	err = keel_yaml_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	/* The kernel's dev_valid_name() rules. */
	if (!buf[0] || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0 ||
	    strpbrk(buf, "/:") || !ra_cfg_graph(buf))
		return keel_yaml_fail(c, n, "not a valid interface name");
	if (strcmp(buf, "lo") == 0)
		return keel_yaml_fail(
			c, n,
			"lo holds the VIPs; it is not a serving interface");
	for (j = 0; j < i; j++)
		if (strcmp(ra_cx(c)->cfg->ifaces[j], buf) == 0)
			return keel_yaml_fail(
				c, n,
				"duplicate interface (same as interfaces[%zu])",
				j);
	memcpy(ra_cx(c)->cfg->ifaces[i], buf, sizeof(buf));
	ra_cx(c)->cfg->n_ifaces = i + 1;
	return 0;
}

static int ra_cfg_interfaces(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_list(c, v, RA_CFG_IFACES_MAX, "interfaces", NULL,
			      ra_cfg_iface, NULL);
}

/* ---- services and their checks ---- */

struct ra_cfg_check_ctx {
	struct ra_cfg_service *svc;
	struct fy_node *node; /* the check mapping, or NULL */
	struct fy_node *type, *port, *address, *http, *command;
	const char *http_key; /* the first http-only key given */
	bool have_interval, have_timeout, have_rise, have_fall;
};

static int ra_cfg_chk_type(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char buf[16];

	k->type = v;
	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "tcp") == 0)
			k->svc->check.spec.type = KEEL_PROBE_TCP;
		else if (strcmp(buf, "http") == 0)
			k->svc->check.spec.type = KEEL_PROBE_HTTP;
		else if (strcmp(buf, "command") == 0)
			k->svc->check.spec.type = KEEL_PROBE_CMD;
		if (k->svc->check.spec.type)
			return 0;
	}
	return keel_yaml_fail(c, v, "must be tcp, http or command");
}

static int ra_cfg_chk_port(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	uint32_t port = 0;
	int err;

	k->port = v;
	err = keel_yaml_uint(c, v, 1, 65535, &port);
	k->svc->check.spec.port = port;
	return err;
}

static int ra_cfg_chk_address(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	struct ra_cfg_addr a = { 0 };
	int err;

	k->address = v;
	err = ra_cfg_addr(c, v, &a);
	k->svc->check.spec.family = a.family;
	memcpy(k->svc->check.spec.addr, a.addr, 16);
	return err;
}

static int ra_cfg_chk_path(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *path = k->svc->check.spec.path;
	int err;

	if (!k->http) {
		k->http = v;
		k->http_key = "path";
	}
	err = keel_yaml_scalar(c, v, path, KEEL_PROBE_PATH_MAX, false);
	if (!err && (path[0] != '/' || !ra_cfg_graph(path)))
		return keel_yaml_fail(
			c, v,
			"must start with / and hold no blank or control character");
	return err;
}

static int ra_cfg_chk_host(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *host = k->svc->check.spec.host;
	int err;

	if (!k->http) {
		k->http = v;
		k->http_key = "host";
	}
	err = keel_yaml_scalar(c, v, host, KEEL_PROBE_HOST_MAX, false);
	if (!err && (!host[0] || !ra_cfg_graph(host)))
		return keel_yaml_fail(
			c, v,
			"must be a host name without blanks or control characters");
	return err;
}

/* "200" or "200-399": the HTTP status codes that mean up. */
static int ra_cfg_chk_expect(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	unsigned long lo, hi;
	char buf[16], *dash;

	if (!k->http) {
		k->http = v;
		k->http_key = "expect";
	}
	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (keel_yaml_decimal(buf, 599, &lo) && lo >= 100 &&
		    (!dash ||
		     (keel_yaml_decimal(dash + 1, 599, &hi) && hi >= lo))) {
			k->svc->check.spec.status_min = lo;
			k->svc->check.spec.status_max = dash ? hi : lo;
			return 0;
		}
	}
	return keel_yaml_fail(
		c, v,
		"must be a status (200) or a range (200-399) in 100..599");
}

static int ra_cfg_chk_command(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *cmd = k->svc->check.spec.cmd;
	size_t i;
	int err;

	k->command = v;
	err = keel_yaml_scalar(c, v, cmd, KEEL_PROBE_CMD_MAX, false);
	if (err)
		return err;
	if (!cmd[strspn(cmd, " \t")])
		return keel_yaml_fail(c, v, "must not be empty");
	for (i = 0; cmd[i]; i++)
		if ((unsigned char)cmd[i] < 0x20 && cmd[i] != '\t')
			return keel_yaml_fail(c, v,
					      "contains a control character");
	return 0;
}

static int ra_cfg_chk_timeout(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_timeout = true;
	return keel_yaml_duration_ms(c, v, RA_CFG_CHECK_MIN_MS,
				     RA_CFG_CHECK_MAX_MS,
				     &k->svc->check.spec.timeout_ms);
}

static int ra_cfg_chk_interval(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_interval = true;
	return keel_yaml_duration_ms(c, v, RA_CFG_CHECK_MIN_MS,
				     RA_CFG_CHECK_MAX_MS,
				     &k->svc->check.interval_ms);
}

static int ra_cfg_u16(struct keel_yaml *c, struct fy_node *v, uint16_t *out)
{
	uint32_t x = 0;
	int err;

	err = keel_yaml_uint(c, v, 1, KEEL_RISEFALL_MAX, &x);
	*out = x;
	return err;
}

static int ra_cfg_chk_rise(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_rise = true;
	return ra_cfg_u16(c, v, &k->svc->check.rise);
}

static int ra_cfg_chk_fall(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_fall = true;
	return ra_cfg_u16(c, v, &k->svc->check.fall);
}

static const struct keel_yaml_field ra_cfg_check_fields[] = {
	{ "type", ra_cfg_chk_type, false },
	{ "port", ra_cfg_chk_port, false },
	{ "address", ra_cfg_chk_address, false },
	{ "path", ra_cfg_chk_path, false },
	{ "host", ra_cfg_chk_host, false },
	{ "expect", ra_cfg_chk_expect, false },
	{ "command", ra_cfg_chk_command, false },
	{ "timeout", ra_cfg_chk_timeout, false },
	{ "interval", ra_cfg_chk_interval, false },
	{ "rise", ra_cfg_chk_rise, false },
	{ "fall", ra_cfg_chk_fall, false },
};

struct ra_cfg_svc_ctx {
	struct ra_cfg_service *svc;
	struct fy_node *vip, *check;
	bool have_check;
};

static int ra_cfg_svc_vip(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;

	s->vip = v;
	return ra_cfg_addr(c, v, &s->svc->vip);
}

static int ra_cfg_svc_port(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	uint32_t port = 0;
	int err;

	err = keel_yaml_uint(c, v, 0, 65535, &port);
	s->svc->port = port;
	return err;
}

static int ra_cfg_svc_proto(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	char buf[8];

	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "tcp") == 0)
			s->svc->proto = IPPROTO_TCP;
		else if (strcmp(buf, "udp") == 0)
			s->svc->proto = IPPROTO_UDP;
		if (s->svc->proto)
			return 0;
	}
	return keel_yaml_fail(c, v, "must be tcp or udp");
}

static int ra_cfg_svc_check(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, false, &m);
	if (err)
		return err;
	s->check = m;
	s->have_check = true;
	return 0;
}

static const struct keel_yaml_field ra_cfg_svc_fields[] = {
	{ "vip", ra_cfg_svc_vip, true },
	{ "port", ra_cfg_svc_port, true },
	{ "protocol", ra_cfg_svc_proto, true },
	{ "check", ra_cfg_svc_check, false },
};

/* A key of the check that its type does not take (or lacks). */
static int ra_cfg_chk_misfit(struct keel_yaml *c, struct fy_node *n,
			     const char *key, const char *why)
{
	size_t plen = c->plen;
	int err;

	keel_yaml_push(c, ".check.%s", key);
	err = keel_yaml_fail(c, n, "%s", why);
	keel_yaml_pop(c, plen);
	return err;
}

/*
 * The check, once the service is known: the defaults that depend on the
 * service, and the keys each type takes.
 */
static int ra_cfg_check_walk(struct keel_yaml *c, struct ra_cfg_svc_ctx *s)
{
	struct ra_cfg_check_ctx k = { .svc = s->svc, .node = s->check };
	struct ra_cfg_check *chk = &s->svc->check;
	struct keel_probe_spec *sp = &chk->spec;
	size_t plen = c->plen;
	int err;

	keel_yaml_push(c, ".check");
	err = keel_yaml_map(c, s->check, ra_cfg_check_fields,
			    RA_CFG_N(ra_cfg_check_fields), &k);
	keel_yaml_pop(c, plen);
	if (err)
		return err;
	if (!sp->type)
		sp->type = KEEL_PROBE_TCP;
	if (sp->type != KEEL_PROBE_HTTP && k.http)
		return ra_cfg_chk_misfit(c, k.http, k.http_key,
					 "only for a check of type http");
	if (sp->type != KEEL_PROBE_CMD && k.command)
		return ra_cfg_chk_misfit(c, k.command, "command",
					 "only for a check of type command");
	if (sp->type == KEEL_PROBE_CMD && (k.port || k.address))
		return ra_cfg_chk_misfit(c, k.port ? k.port : k.address,
					 k.port ? "port" : "address",
					 "not for a check of type command");
	if (sp->type == KEEL_PROBE_CMD && !k.command)
		return ra_cfg_chk_misfit(
			c, k.type, "command",
			"required for a check of type command");
	if (sp->type != KEEL_PROBE_CMD && !k.port &&
	    (s->svc->proto != IPPROTO_TCP || s->svc->port == 0))
		return ra_cfg_chk_misfit(
			c, s->check ? s->check : s->vip, "port",
			s->svc->port ?
				"required: a udp port cannot be checked with tcp or http" :
				"required: the service has no port of its own");
	if (sp->type != KEEL_PROBE_CMD) {
		if (!k.port)
			sp->port = s->svc->port;
		/* The VIP is on lo: connecting to it reaches the local service. */
		if (!k.address) {
			sp->family = s->svc->vip.family;
			memcpy(sp->addr, s->svc->vip.addr, 16);
		}
	}
	if (sp->type == KEEL_PROBE_HTTP) {
		if (!sp->path[0])
			snprintf(sp->path, sizeof(sp->path), "/");
		if (!sp->status_min) {
			sp->status_min = 200;
			sp->status_max = 399;
		}
	}
	if (!k.have_interval)
		chk->interval_ms = sp->type == KEEL_PROBE_TCP ?
					   RA_CFG_TCP_INTERVAL_DEFAULT :
					   RA_CFG_SLOW_INTERVAL_DEFAULT;
	if (!k.have_timeout)
		sp->timeout_ms = chk->interval_ms < RA_CFG_TIMEOUT_CAP ?
					 chk->interval_ms :
					 RA_CFG_TIMEOUT_CAP;
	/* 0: the top level's, filled in after the walk (any key order). */
	if (!k.have_rise)
		chk->rise = 0;
	if (!k.have_fall)
		chk->fall = 0;
	return 0;
}

static int ra_cfg_service(struct keel_yaml *c, struct fy_node *n, size_t i,
			  void *obj)
{
	struct ra_cfg_svc_ctx s = { .svc = &ra_cx(c)->cfg->svc[i] };
	struct keel_yaml_pos pos;
	struct fy_node *m;
	size_t j;
	int err;

	(void)obj;
	keel_yaml_node_pos(c, n, &pos);
	s.svc->line = pos.line;
	err = keel_yaml_collection(c, n, FYNT_MAPPING, false, &m);
	if (!err)
		err = keel_yaml_map(c, m, ra_cfg_svc_fields,
				    RA_CFG_N(ra_cfg_svc_fields), &s);
	if (!err)
		err = ra_cfg_check_walk(c, &s);
	if (err)
		return err;
	for (j = 0; j < i; j++) {
		const struct ra_cfg_service *o = &ra_cx(c)->cfg->svc[j];

		if (memcmp(&o->vip, &s.svc->vip, sizeof(o->vip)) == 0 &&
		    o->port == s.svc->port && o->proto == s.svc->proto)
			return keel_yaml_fail(
				c, s.vip,
				"duplicate service (same vip, port and protocol as services[%zu], line %d)",
				j, o->line);
	}
	ra_cx(c)->cfg->n_services = i + 1;
	return 0;
}

static int ra_cfg_services(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	int err;

	(void)obj;
	err = keel_yaml_list(c, v, KEEL_REPORT_MAX, "services",
			     &ra_cx(c)->services, ra_cfg_service, NULL);
	if (!err && !ra_cx(c)->cfg->n_services)
		return keel_yaml_fail(c, v, "at least one service is required");
	return err;
}

/* ---- top level ---- */

static int ra_cfg_key_file(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_path(c, v, ra_cx(c)->cfg->key_file,
			      sizeof(ra_cx(c)->cfg->key_file));
}

static int ra_cfg_key_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_uint(c, v, 0, UINT32_MAX, &ra_cx(c)->cfg->key_id);
}

static int ra_cfg_report_version(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	uint32_t ver;
	int err;

	(void)obj;
	err = keel_yaml_uint(c, v, KEEL_REPORT_VERSION_1, KEEL_REPORT_VERSION,
			     &ver);
	if (!err)
		ra_cx(c)->cfg->report_version = (uint8_t)ver;
	return err;
}

static int ra_cfg_real(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_addr(c, v, &ra_cx(c)->cfg->real);
}

static int ra_cfg_interval(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_duration_ms(c, v, RA_CFG_INTERVAL_MIN,
				     RA_CFG_INTERVAL_MAX,
				     &ra_cx(c)->cfg->interval_ms);
}

static int ra_cfg_rise_top(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_u16(c, v, &ra_cx(c)->rise);
}

static int ra_cfg_fall_top(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_u16(c, v, &ra_cx(c)->fall);
}

static int ra_cfg_state_dir(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_path(c, v, ra_cx(c)->cfg->state_dir,
			      sizeof(ra_cx(c)->cfg->state_dir));
}

static int ra_cfg_manage(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_bool(c, v, &ra_cx(c)->cfg->manage_network);
}

static int ra_cfg_ctl_socket(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_path(c, v, ra_cx(c)->cfg->ctl_socket,
			      sizeof(ra_cx(c)->cfg->ctl_socket));
}

/* "" leaves the socket to root's group. */
static int ra_cfg_ctl_group(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_account(c, v, ra_cx(c)->cfg->ctl_group,
				 sizeof(ra_cx(c)->cfg->ctl_group), "group",
				 true);
}

static int ra_cfg_ctl_read_group(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	(void)obj;
	return keel_yaml_account(c, v, ra_cx(c)->cfg->ctl_read_group,
				 sizeof(ra_cx(c)->cfg->ctl_read_group), "group",
				 true);
}

static int ra_cfg_ctl_max_conns(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	(void)obj;
	return keel_yaml_uint(c, v, 1, KEEL_CTLSOCK_CONNS_MAX,
			      &ra_cx(c)->cfg->ctl_max_conns);
}

static int ra_cfg_metrics_max_conns(struct keel_yaml *c, struct fy_node *v,
				    void *obj)
{
	(void)obj;
	return keel_yaml_uint(c, v, 1, KEEL_METRICS_CONNS_MAX,
			      &ra_cx(c)->cfg->metrics_max_conns);
}

/* Never root: the agent drops root once the VIPs are set up. */
static int ra_cfg_user(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct ra_config *cfg = ra_cx(c)->cfg;
	int err;

	(void)obj;
	err = keel_yaml_account(c, v, cfg->user, sizeof(cfg->user), "user",
				false);
	if (err)
		return err;
	if (!strcmp(cfg->user, "root"))
		return keel_yaml_fail(
			c, v,
			"the agent and its command checks never run as root: name an unprivileged user (default nobody)");
	cfg->user_given = true;
	return 0;
}

static int ra_cfg_listen(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return keel_yaml_hostport(c, v, ra_cx(c)->cfg->metrics_listen,
				  sizeof(ra_cx(c)->cfg->metrics_listen),
				  keel_hostport_parse);
}

static const struct keel_yaml_field ra_cfg_control_fields[] = {
	{ "socket", ra_cfg_ctl_socket, false },
	{ "group", ra_cfg_ctl_group, false },
	{ "read_group", ra_cfg_ctl_read_group, false },
	{ "max_connections", ra_cfg_ctl_max_conns, false },
};

static const struct keel_yaml_field ra_cfg_metrics_fields[] = {
	{ "listen", ra_cfg_listen, false },
	{ "max_connections", ra_cfg_metrics_max_conns, false },
};

static int ra_cfg_control(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	return err ? err :
		     keel_yaml_map(c, m, ra_cfg_control_fields,
				   RA_CFG_N(ra_cfg_control_fields), obj);
}

static int ra_cfg_metrics(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	return err ? err :
		     keel_yaml_map(c, m, ra_cfg_metrics_fields,
				   RA_CFG_N(ra_cfg_metrics_fields), obj);
}

static const struct keel_yaml_field ra_cfg_root_fields[] = {
	{ "lbs", ra_cfg_lbs, true },
	{ "key_file", ra_cfg_key_file, true },
	{ "key_id", ra_cfg_key_id, false },
	{ "report_version", ra_cfg_report_version, false },
	{ "real", ra_cfg_real, true },
	{ "interval", ra_cfg_interval, false },
	{ "rise", ra_cfg_rise_top, false },
	{ "fall", ra_cfg_fall_top, false },
	{ "interfaces", ra_cfg_interfaces, false },
	{ "control", ra_cfg_control, false },
	{ "state_dir", ra_cfg_state_dir, false },
	{ "user", ra_cfg_user, false },
	{ "metrics", ra_cfg_metrics, false },
	{ "manage_network", ra_cfg_manage, false },
	{ "services", ra_cfg_services, true },
};
_Static_assert(RA_CFG_N(ra_cfg_root_fields) <= KEEL_YAML_FIELDS_MAX,
	       "keel_yaml_map() tracks at most KEEL_YAML_FIELDS_MAX keys");
_Static_assert(RA_CFG_N(ra_cfg_check_fields) <= KEEL_YAML_FIELDS_MAX,
	       "keel_yaml_map() tracks at most KEEL_YAML_FIELDS_MAX keys");

/* Checks across keys, once every key is read (any order). */
static int ra_cfg_final(struct keel_yaml *c)
{
	struct ra_config *cfg = ra_cx(c)->cfg;
	const char *rf = cfg->real.family == KEEL_F_INET ? "IPv4" : "IPv6";
	const char *other = cfg->real.family == KEEL_F_INET ? "IPv6" : "IPv4";
	struct fy_node *item, *vip;
	size_t i;

	for (i = 0; i < cfg->n_lbs; i++) {
		if (cfg->lbs[i].a.family == cfg->real.family)
			continue;
		keel_yaml_push(c, "lbs[%zu]", i);
		return keel_yaml_fail(
			c, keel_yaml_item(ra_cx(c)->lbs, i),
			"an %s LB, but real is %s: reports leave from the real's address",
			other, rf);
	}
	for (i = 0; i < cfg->n_services; i++) {
		struct ra_cfg_check *k = &cfg->svc[i].check;

		k->rise = k->rise ? k->rise : ra_cx(c)->rise;
		k->fall = k->fall ? k->fall : ra_cx(c)->fall;
		if (cfg->svc[i].vip.family == cfg->real.family)
			continue;
		item = keel_yaml_item(ra_cx(c)->services, i);
		vip = item && fy_node_get_type(item) == FYNT_MAPPING ?
			      fy_node_mapping_lookup_by_string(item, "vip", 3) :
			      item;
		keel_yaml_push(c, "services[%zu].vip", i);
		return keel_yaml_fail(
			c, vip,
			"an %s vip, but real is %s: lbd pairs a service with reals of its family (run one agent per family)",
			other, rf);
	}
	return 0;
}

static void ra_cfg_defaults(struct ra_config *cfg)
{
	cfg->key_id = 1;
	cfg->report_version = KEEL_REPORT_VERSION;
	cfg->interval_ms = RA_CFG_INTERVAL_DEFAULT;
	cfg->manage_network = true;
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "%s",
		 RA_CFG_SOCKET_DEFAULT);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 RA_CFG_STATE_DIR_DEFAULT);
	snprintf(cfg->user, sizeof(cfg->user), "%s", RA_CFG_USER_DEFAULT);
	cfg->ctl_max_conns = KEEL_CTLSOCK_CONNS;
	cfg->metrics_max_conns = KEEL_METRICS_CONNS;
}

static int ra_cfg_root(struct keel_yaml *c, struct fy_node *root, void *obj)
{
	int err;

	err = keel_yaml_map(c, root, ra_cfg_root_fields,
			    RA_CFG_N(ra_cfg_root_fields), obj);
	return err ? err : ra_cfg_final(c);
}

int ra_config_parse(const char *buf, size_t len, const char *file,
		    struct ra_config *out, struct ra_config_error *err)
{
	struct ra_config_error scratch = { 0 };
	struct ra_cfg_ctx c = { .cfg = out,
				.rise = RA_CFG_RISE_DEFAULT,
				.fall = RA_CFG_FALL_DEFAULT };
	int ret;

	keel_yaml_init(&c.y, err ? err : &scratch, file, buf, len,
		       KEEL_YAML_MS | KEEL_YAML_SHORT_INT);
	memset(out, 0, sizeof(*out));
	ra_cfg_defaults(out);
	ret = keel_yaml_load(&c.y, RA_CFG_FILE_MAX, ra_cfg_root, out);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

static int ra_config_parse_any(const char *buf, size_t len, const char *file,
			       void *out, struct keel_yaml_error *err)
{
	return ra_config_parse(buf, len, file, out, err);
}

/* ra_config_parse() on the file (keel_yaml_load_file). */
int ra_config_load(const char *file, struct ra_config *out,
		   struct ra_config_error *err)
{
	memset(out, 0, sizeof(*out));
	return keel_yaml_load_file(file, RA_CFG_FILE_MAX, ra_config_parse_any,
				   out, err, NULL);
}

int ra_config_new(const char *file, struct ra_config **out, char *msg,
		  size_t size)
{
	struct ra_config_error e;
	struct ra_config *cfg;
	int err;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		snprintf(msg, size, "%s: out of memory", file);
		return -ENOMEM;
	}
	err = ra_config_load(file, cfg, &e);
	if (err) {
		ra_config_error_format(&e, msg, size);
		free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

size_t ra_config_vips(const struct ra_config *cfg, struct ra_vip *out)
{
	size_t n = 0, i, j;

	for (i = 0; i < cfg->n_services; i++) {
		const struct ra_cfg_addr *v = &cfg->svc[i].vip;

		for (j = 0; j < n; j++)
			if (out[j].family == v->family &&
			    !memcmp(out[j].addr, v->addr, 16))
				break;
		if (j < n)
			continue;
		out[n].family = v->family;
		memcpy(out[n].addr, v->addr, 16);
		n++;
	}
	return n;
}

const char *const *ra_config_ifaces(const struct ra_config *cfg,
				    const char *out[RA_CFG_IFACES_MAX + 1])
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		out[i] = cfg->ifaces[i];
	out[i] = NULL;
	return cfg->n_ifaces ? out : NULL;
}

void ra_config_sysctl_state(const struct ra_config *cfg, char *buf, size_t size)
{
	snprintf(buf, size, "%s/sysctl.state", cfg->state_dir);
}

int ra_config_error_format(const struct ra_config_error *e, char *buf,
			   size_t size)
{
	return keel_yaml_error_format(e, buf, size);
}
