// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_config.c - parse and validate lbd's YAML configuration (libfyaml).
 *
 * The document is walked against a fixed schema: every mapping has a
 * table of known keys, so a typo is an error, never a silently ignored
 * setting.  The first problem found stops the parse and is reported with
 * the file, line, column and the dotted key path.
 *
 * Anchors and aliases are followed here rather than by libfyaml's
 * document resolution: the schema has a fixed depth and every list is
 * counted against its limit before it is walked, so an alias bomb costs
 * no more than the largest valid configuration.  Merge keys (<<) and
 * tags are rejected.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "keel_ctlsock.h" /* connection caps */
#include "keel_file.h"
#include "keel_health.h" /* KEEL_RISEFALL_MAX */
#include "keel_prime.h"
#include "keel_yaml.h"
#include "keel_addr.h"
#include "lb_config.h"
#include "keel_metrics.h" /* connection caps */

/* Far above any real configuration; bounds the parser's memory. */
#define LB_CFG_FILE_MAX ((size_t)1 << 20)
#define LB_CFG_REALS_MAX (KEEL_MAX_REALS - 1) /* id 0 is never a real */
#define LB_CFG_NEIGH_MIN_MS 100
#define LB_CFG_NEIGH_MAX_MS 60000
#define LB_CFG_CONN_MIN 1024
#define LB_CFG_CONN_MAX 16777216
/* Inserts per CPU per second: above the largest table it caps nothing. */
#define LB_CFG_CONN_INSERT_MAX LB_CFG_CONN_MAX

/*
 * The walk (libkeel/keel_yaml.c) hands every parser its struct keel_yaml,
 * the first member of this context.
 */
struct lb_cfg_ctx {
	struct keel_yaml y;
	struct lb_config *cfg;
	size_t n_reals; /* in all services so far */
	bool have_socket, have_state;
	/* pair.key_file and previous_key_file, for lb_cfg_pair_keys_check() */
	struct fy_node *pair_key, *pair_prev;
};

static struct lb_cfg_ctx *lb_cx(struct keel_yaml *y)
{
	return (struct lb_cfg_ctx *)y;
}

/* Services and reals: first compared by key, then by list position. */
struct lb_cfg_dup {
	uint8_t key[sizeof(struct keel_vip_key)];
	uint32_t idx;
};

#define LB_CFG_N(a) (sizeof(a) / sizeof((a)[0]))

/* Instance and group names end up in file names. */
static const char lb_cfg_name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz"
					"0123456789_.-";

static int lb_cfg_dup_cmp(const void *a, const void *b)
{
	const struct lb_cfg_dup *x = a, *y = b;
	int d = memcmp(x->key, y->key, sizeof(x->key));

	if (d)
		return d;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Find the first later duplicate in v[0..n): *dup and *orig get the list
 * positions of the repeat and of its first occurrence.
 */
static bool lb_cfg_find_dup(struct lb_cfg_dup *v, size_t n, size_t *dup,
			    size_t *orig)
{
	bool found = false;
	size_t i;

	qsort(v, n, sizeof(*v), lb_cfg_dup_cmp);
	for (i = 1; i < n; i++) {
		if (memcmp(v[i].key, v[i - 1].key, sizeof(v[i].key)) != 0)
			continue;
		/* The repeat earliest in the list is the one to report. */
		if (!found || v[i].idx < *dup) {
			*dup = v[i].idx;
			*orig = v[i - 1].idx;
			found = true;
		}
		while (i + 1 < n &&
		       memcmp(v[i + 1].key, v[i].key, sizeof(v[i].key)) == 0)
			i++;
	}
	return found;
}

/* ---- interfaces ---- */

static int lb_cfg_iface_name(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_iface *ifc = obj;
	char buf[sizeof(ifc->name)];
	size_t i;
	int err;

	err = keel_yaml_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* The kernel's dev_valid_name() rules. */
	if (!buf[0] || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return keel_yaml_fail(c, v, "not a valid interface name");
	for (i = 0; buf[i]; i++)
		if (buf[i] == '/' || buf[i] == ':' ||
		    (unsigned char)buf[i] <= 0x20 || buf[i] == 0x7f)
			return keel_yaml_fail(c, v,
					      "not a valid interface name");
	memcpy(ifc->name, buf, sizeof(buf));
	return 0;
}

static int lb_cfg_iface_mode(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_iface *ifc = obj;
	char buf[16];

	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "native") == 0 || strcmp(buf, "generic") == 0) {
			ifc->generic = buf[0] == 'g';
			return 0;
		}
	}
	return keel_yaml_fail(c, v, "must be native or generic");
}

static const struct keel_yaml_field lb_cfg_iface_fields[] = {
	{ "name", lb_cfg_iface_name, true },
	{ "mode", lb_cfg_iface_mode, false },
};

static int lb_cfg_iface(struct keel_yaml *c, struct fy_node *item, size_t i,
			void *obj)
{
	struct lb_config *cfg = obj;
	struct fy_node *m;
	size_t j;
	int err;

	err = keel_yaml_collection(c, item, FYNT_MAPPING, false, &m);
	if (!err)
		err = keel_yaml_map(c, m, lb_cfg_iface_fields,
				    LB_CFG_N(lb_cfg_iface_fields),
				    &cfg->ifaces[i]);
	for (j = 0; !err && j < i; j++)
		if (strcmp(cfg->ifaces[j].name, cfg->ifaces[i].name) == 0)
			err = keel_yaml_fail_key(
				c,
				fy_node_mapping_lookup_by_string(m, "name", 4),
				"name",
				"duplicate interface (same as interfaces[%zu])",
				j);
	if (!err)
		cfg->n_ifaces = i + 1;
	return err;
}

static int lb_cfg_interfaces(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	int err;

	err = keel_yaml_list(c, v, LB_CFG_IFACES_MAX, "interfaces", NULL,
			     lb_cfg_iface, cfg);
	if (!err && !cfg->n_ifaces)
		return keel_yaml_fail(c, v,
				      "at least one interface is required");
	return err;
}

/* ---- services and reals ---- */

struct lb_cfg_svc_ctx {
	struct lb_cfg_service *svc;
	/* for lb_cfg_svc_check() */
	struct fy_node *port, *proto, *reals, *load_aware;
};

/* ---- health checks and load-aware weights ---- */

#define LB_CFG_HC_INTERVAL_MIN 100
#define LB_CFG_HC_INTERVAL_MAX 60000
#define LB_CFG_HC_TIMEOUT_MIN 10
#define LB_CFG_HC_INTERVAL_DEFAULT 1000
#define LB_CFG_HC_TIMEOUT_DEFAULT 500
#define LB_CFG_HC_RISEFALL_DEFAULT 2

enum {
	LB_HCF_TYPE,
	LB_HCF_PORT,
	LB_HCF_INTERVAL,
	LB_HCF_TIMEOUT,
	LB_HCF_RISE,
	LB_HCF_FALL,
	LB_HCF_PATH,
	LB_HCF_EXPECT,
	LB_HCF_HOST,
	LB_HCF__MAX,
};

static const char *const lb_cfg_hc_names[] = {
	[LB_CFG_HC_NONE] = "none",
	[LB_CFG_HC_AGENT] = "agent",
	[LB_CFG_HC_TCP] = "tcp",
	[LB_CFG_HC_HTTP] = "http",
};

/* The keys each type takes (bit per LB_HCF_*). */
static const unsigned int lb_cfg_hc_keys[] = {
	[LB_CFG_HC_NONE] = 1U << LB_HCF_TYPE,
	[LB_CFG_HC_AGENT] = 1U << LB_HCF_TYPE,
	[LB_CFG_HC_TCP] = (1U << LB_HCF_PATH) - 1,
	[LB_CFG_HC_HTTP] = (1U << LB_HCF__MAX) - 1,
};

const char *lb_cfg_hc_name(uint8_t type)
{
	return type < LB_CFG_N(lb_cfg_hc_names) ? lb_cfg_hc_names[type] : "?";
}

struct lb_cfg_hc_ctx {
	struct lb_cfg_health *h;
	struct fy_node *given[LB_HCF__MAX]; /* value nodes */
};

static int lb_cfg_hc_type(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[16];
	size_t i;

	x->given[LB_HCF_TYPE] = v;
	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0)
		for (i = 0; i < LB_CFG_N(lb_cfg_hc_names); i++)
			if (strcmp(buf, lb_cfg_hc_names[i]) == 0) {
				x->h->type = i;
				return 0;
			}
	return keel_yaml_fail(c, v, "must be none, agent, tcp or http");
}

static int lb_cfg_hc_port(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	uint32_t port;
	int err;

	x->given[LB_HCF_PORT] = v;
	err = keel_yaml_uint(c, v, 1, 65535, &port);
	if (!err)
		x->h->port = port;
	return err;
}

static int lb_cfg_hc_interval(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	x->given[LB_HCF_INTERVAL] = v;
	return keel_yaml_duration_ms(c, v, LB_CFG_HC_INTERVAL_MIN,
				     LB_CFG_HC_INTERVAL_MAX,
				     &x->h->interval_ms);
}

static int lb_cfg_hc_timeout(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	x->given[LB_HCF_TIMEOUT] = v;
	return keel_yaml_duration_ms(c, v, LB_CFG_HC_TIMEOUT_MIN,
				     LB_CFG_HC_INTERVAL_MAX, &x->h->timeout_ms);
}

static int lb_cfg_hc_risefall(struct keel_yaml *c, struct fy_node *v,
			      struct lb_cfg_hc_ctx *x, int f, uint16_t *out)
{
	uint32_t n;
	int err;

	x->given[f] = v;
	err = keel_yaml_uint(c, v, 1, KEEL_RISEFALL_MAX, &n);
	if (!err)
		*out = n;
	return err;
}

static int lb_cfg_hc_rise(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	return lb_cfg_hc_risefall(c, v, x, LB_HCF_RISE, &x->h->rise);
}

static int lb_cfg_hc_fall(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	return lb_cfg_hc_risefall(c, v, x, LB_HCF_FALL, &x->h->fall);
}

/* Printable ASCII without blanks: it goes into the request line as is. */
static bool lb_cfg_visible(const char *s, const char *extra)
{
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f || (extra && strchr(extra, *s)))
			return false;
	return true;
}

static int lb_cfg_hc_path(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[LB_CFG_HC_PATH_MAX];
	int err;

	x->given[LB_HCF_PATH] = v;
	err = keel_yaml_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* RFC 9112 section 3.2: origin-form; '#' never goes on the wire. */
	if (buf[0] != '/' || !lb_cfg_visible(buf, "#"))
		return keel_yaml_fail(
			c, v,
			"must start with / and hold no spaces, '#' or control characters");
	memcpy(x->h->path, buf, sizeof(buf));
	return 0;
}

/* One status or a range, "200" or "200-399", within 100..599. */
static int lb_cfg_hc_expect(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	unsigned long lo, hi;
	char buf[16], *dash;

	x->given[LB_HCF_EXPECT] = v;
	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (keel_yaml_decimal(buf, 599, &lo) &&
		    (!dash || keel_yaml_decimal(dash + 1, 599, &hi))) {
			if (!dash)
				hi = lo;
			if (lo >= 100 && lo <= hi) {
				x->h->status_min = lo;
				x->h->status_max = hi;
				return 0;
			}
		}
	}
	return keel_yaml_fail(
		c, v,
		"must be a status or a range within 100..599, e.g. 200-399");
}

static int lb_cfg_hc_host(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[LB_CFG_HC_HOST_MAX];
	int err;

	x->given[LB_HCF_HOST] = v;
	err = keel_yaml_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* RFC 9110 section 7.2: uri-host [ ":" port ], no userinfo. */
	if (!buf[0] || !lb_cfg_visible(buf, "/?#@\"\\"))
		return keel_yaml_fail(c, v,
				      "must be a host name or address[:port]");
	memcpy(x->h->host, buf, sizeof(buf));
	return 0;
}

static const struct keel_yaml_field lb_cfg_hc_fields[] = {
	[LB_HCF_TYPE] = { "type", lb_cfg_hc_type, true },
	[LB_HCF_PORT] = { "port", lb_cfg_hc_port, false },
	[LB_HCF_INTERVAL] = { "interval", lb_cfg_hc_interval, false },
	[LB_HCF_TIMEOUT] = { "timeout", lb_cfg_hc_timeout, false },
	[LB_HCF_RISE] = { "rise", lb_cfg_hc_rise, false },
	[LB_HCF_FALL] = { "fall", lb_cfg_hc_fall, false },
	[LB_HCF_PATH] = { "path", lb_cfg_hc_path, false },
	[LB_HCF_EXPECT] = { "expect", lb_cfg_hc_expect, false },
	[LB_HCF_HOST] = { "host", lb_cfg_hc_host, false },
};

/* A health mapping into h: keys by type, then the defaults. */
static int lb_cfg_health(struct keel_yaml *c, struct fy_node *v,
			 struct lb_cfg_health *h)
{
	struct lb_cfg_hc_ctx x = { .h = h };
	struct keel_yaml_pos pos;
	struct fy_node *m;
	size_t i;
	int err;

	memset(h, 0, sizeof(*h));
	err = keel_yaml_collection(c, v, FYNT_MAPPING, false, &m);
	if (err)
		return err;
	keel_yaml_node_pos(c, m, &pos);
	h->line = pos.line;
	h->column = pos.col;
	err = keel_yaml_map(c, m, lb_cfg_hc_fields, LB_CFG_N(lb_cfg_hc_fields),
			    &x);
	if (err)
		return err;
	for (i = 0; i < LB_HCF__MAX; i++)
		if (x.given[i] && !(lb_cfg_hc_keys[h->type] & (1U << i)))
			return keel_yaml_fail_key(c, x.given[i],
						  lb_cfg_hc_fields[i].name,
						  "does not apply to type %s",
						  lb_cfg_hc_name(h->type));
	if (h->type != LB_CFG_HC_TCP && h->type != LB_CFG_HC_HTTP)
		return 0;
	if (!h->interval_ms)
		h->interval_ms = LB_CFG_HC_INTERVAL_DEFAULT;
	if (!x.given[LB_HCF_TIMEOUT])
		h->timeout_ms = h->interval_ms < LB_CFG_HC_TIMEOUT_DEFAULT ?
					h->interval_ms :
					LB_CFG_HC_TIMEOUT_DEFAULT;
	else if (h->timeout_ms > h->interval_ms)
		return keel_yaml_fail_key(
			c, x.given[LB_HCF_TIMEOUT], "timeout",
			"must not be longer than interval (%ums)",
			h->interval_ms);
	if (!h->rise)
		h->rise = LB_CFG_HC_RISEFALL_DEFAULT;
	if (!h->fall)
		h->fall = LB_CFG_HC_RISEFALL_DEFAULT;
	if (h->type == LB_CFG_HC_HTTP) {
		if (!h->path[0])
			snprintf(h->path, sizeof(h->path), "/");
		if (!h->status_min) {
			h->status_min = 200;
			h->status_max = 399;
		}
	}
	return 0;
}

const struct lb_cfg_health *lb_cfg_real_health(const struct lb_cfg_service *s,
					       const struct lb_cfg_real *r)
{
	return r && r->health ? r->health : &s->health;
}

/* load_aware: the percentages are integers; lb_loadw_cfg_check() rules. */
static int lb_cfg_lw_enabled(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return keel_yaml_bool(c, v, &lw->enabled);
}

static int lb_cfg_lw_metric(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;
	char buf[16];

	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "connections") == 0) {
			lw->metric = LB_LOADW_CONNS;
			return 0;
		}
		if (strcmp(buf, "load") == 0) {
			lw->metric = LB_LOADW_LOAD;
			return 0;
		}
	}
	return keel_yaml_fail(c, v, "must be connections or load");
}

static int lb_cfg_lw_period(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return keel_yaml_duration_ms(c, v, 1000, 3600000, &lw->period_ms);
}

static int lb_cfg_lw_pct(struct keel_yaml *c, struct fy_node *v,
			 unsigned long min, unsigned long max, uint16_t *out)
{
	uint32_t n;
	int err;

	err = keel_yaml_uint(c, v, min, max, &n);
	if (!err)
		*out = n;
	return err;
}

static int lb_cfg_lw_smoothing(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 1, 100, &lw->alpha_pct);
}

static int lb_cfg_lw_min(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 1, 100, &lw->min_pct);
}

static int lb_cfg_lw_max(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 100, 1000, &lw->max_pct);
}

static int lb_cfg_lw_deadband(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 0, 100, &lw->deadband_pct);
}

static const struct keel_yaml_field lb_cfg_lw_fields[] = {
	{ "enabled", lb_cfg_lw_enabled, false },
	{ "metric", lb_cfg_lw_metric, false },
	{ "period", lb_cfg_lw_period, false },
	{ "smoothing", lb_cfg_lw_smoothing, false },
	{ "min", lb_cfg_lw_min, false },
	{ "max", lb_cfg_lw_max, false },
	{ "deadband", lb_cfg_lw_deadband, false },
};

static int lb_cfg_real_address(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_real *r = obj;

	return keel_yaml_addr(c, v, &r->family, r->addr);
}

static int lb_cfg_real_weight(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_real *r = obj;

	return keel_yaml_uint(c, v, 0, 65535, &r->weight);
}

static int lb_cfg_real_sorry(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_real *r = obj;

	return keel_yaml_bool(c, v, &r->sorry);
}

static int lb_cfg_real_health_key(struct keel_yaml *c, struct fy_node *v,
				  void *obj)
{
	struct lb_cfg_real *r = obj;

	r->health = malloc(sizeof(*r->health));
	if (!r->health)
		return -ENOMEM;
	return lb_cfg_health(c, v, r->health);
}

static const struct keel_yaml_field lb_cfg_real_fields[] = {
	{ "address", lb_cfg_real_address, true },
	{ "weight", lb_cfg_real_weight, false },
	{ "sorry", lb_cfg_real_sorry, false },
	{ "health", lb_cfg_real_health_key, false },
};

static int lb_cfg_svc_vip(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;

	return keel_yaml_addr(c, v, &s->svc->key.family, s->svc->key.addr);
}

static int lb_cfg_svc_port(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	uint32_t port = 0;
	int err;

	s->port = v;
	err = keel_yaml_uint(c, v, 0, 65535, &port);
	if (!err)
		s->svc->key.port = htons(port);
	return err;
}

static int lb_cfg_svc_proto(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	char buf[16];

	s->proto = v;
	if (keel_yaml_scalar(c, v, buf, sizeof(buf), false) == 0 &&
	    keel_proto_parse(buf, &s->svc->key.proto) == 0)
		return 0;
	return keel_yaml_fail(c, v, "must be tcp, udp, icmp, icmpv6 or 1..255");
}

static int lb_cfg_svc_persistent(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	bool on = false;
	int err;

	err = keel_yaml_bool(c, v, &on);
	if (!err && on)
		s->svc->flags |= KEEL_SVC_F_PERSISTENT;
	return err;
}

static int lb_cfg_svc_ring(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	int err;

	err = keel_yaml_uint(c, v, 2, KEEL_RING_SIZE_MAX, &s->svc->ring_size);
	if (!err && !keel_is_prime(s->svc->ring_size))
		return keel_yaml_fail(c, v, "must be a prime (e.g. 65537)");
	return err;
}

static int lb_cfg_svc_reals(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	struct keel_yaml_pos here = c->here;
	struct fy_node *seq, *item, *m;
	size_t plen = c->plen, n, i, sorry = 0;
	void *it = NULL;
	int err;

	err = keel_yaml_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err || !seq)
		return err;
	s->reals = seq;
	n = fy_node_sequence_item_count(seq);
	if (n == 0)
		return 0;
	if (n > LB_CFG_REALS_MAX - lb_cx(c)->n_reals) {
		keel_yaml_push_index(c, LB_CFG_REALS_MAX - lb_cx(c)->n_reals);
		return keel_yaml_fail(
			c,
			keel_yaml_item(seq,
				       LB_CFG_REALS_MAX - lb_cx(c)->n_reals),
			"too many reals (max %d in all services)",
			LB_CFG_REALS_MAX);
	}
	s->svc->reals = calloc(n, sizeof(*s->svc->reals));
	if (!s->svc->reals)
		return -ENOMEM;
	for (i = 0; i < n && (item = fy_node_sequence_iterate(seq, &it)); i++) {
		struct lb_cfg_real *r = &s->svc->reals[i];
		struct keel_yaml_pos pos;

		keel_yaml_push_index(c, i);
		keel_yaml_node_pos(c, item, &pos);
		c->here = pos;
		r->weight = 1;
		r->line = pos.line;
		/* Counted before the walk so that lb_config_free() sees it. */
		s->svc->n_reals = i + 1;
		err = keel_yaml_collection(c, item, FYNT_MAPPING, false, &m);
		if (!err)
			err = keel_yaml_map(c, m, lb_cfg_real_fields,
					    LB_CFG_N(lb_cfg_real_fields), r);
		c->here = here;
		if (err)
			return err;
		keel_yaml_pop(c, plen);
		sorry += r->sorry;
	}
	lb_cx(c)->n_reals += s->svc->n_reals;
	/* A sorry server stands in for the others: there must be some. */
	if (sorry && sorry == n)
		return keel_yaml_fail(
			c, seq, "every real is a sorry server (sorry: true)");
	return 0;
}

static int lb_cfg_svc_health(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;

	return lb_cfg_health(c, v, &s->svc->health);
}

static int lb_cfg_svc_load_aware(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	struct fy_node *m;
	int err;

	s->load_aware = v;
	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	if (!err)
		err = keel_yaml_map(c, m, lb_cfg_lw_fields,
				    LB_CFG_N(lb_cfg_lw_fields),
				    &s->svc->load_aware);
	if (!err && lb_loadw_cfg_check(&s->svc->load_aware))
		err = keel_yaml_fail(c, v, "values out of range");
	return err;
}

static const struct keel_yaml_field lb_cfg_svc_fields[] = {
	{ "vip", lb_cfg_svc_vip, true },
	{ "port", lb_cfg_svc_port, false },
	{ "protocol", lb_cfg_svc_proto, true },
	{ "persistent", lb_cfg_svc_persistent, false },
	{ "ring_size", lb_cfg_svc_ring, false },
	{ "reals", lb_cfg_svc_reals, false },
	{ "health", lb_cfg_svc_health, false },
	{ "load_aware", lb_cfg_svc_load_aware, false },
};

/* A real's address node, for errors found after the list was read. */
static int lb_cfg_fail_real(struct keel_yaml *c, struct lb_cfg_svc_ctx *s,
			    size_t i, const char *msg, size_t other)
{
	struct fy_node *item = keel_yaml_item(s->reals, i), *a = NULL;
	size_t plen = c->plen;
	char ref[96] = "";
	int err;

	if (item && fy_node_get_type(item) == FYNT_MAPPING)
		a = fy_node_mapping_lookup_by_string(item, "address", 7);
	if (other != (size_t)-1)
		snprintf(ref, sizeof(ref), " (same as reals[%zu], line %d)",
			 other, s->svc->reals[other].line);
	keel_yaml_push_key(c, "reals", 5);
	keel_yaml_push_index(c, i);
	keel_yaml_push_key(c, "address", 7);
	err = keel_yaml_fail(c, a ? a : item, "%s%s", msg, ref);
	keel_yaml_pop(c, plen);
	return err;
}

/*
 * An error about a health mapping found after it was read: at its stored
 * position, key [services[svc].]reals[real].health.key (svc, real -1:
 * not part of the path).
 */
__attribute__((format(printf, 6, 7))) static int
lb_cfg_fail_hc(struct keel_yaml *c, const struct lb_cfg_health *h, ssize_t svc,
	       ssize_t real, const char *key, const char *fmt, ...)
{
	struct keel_yaml_pos pos = { h->line, h->column };
	size_t plen = c->plen;
	va_list ap;

	if (svc >= 0) {
		keel_yaml_push_key(c, "services", 8);
		keel_yaml_push_index(c, svc);
	}
	if (real >= 0) {
		keel_yaml_push_key(c, "reals", 5);
		keel_yaml_push_index(c, real);
	}
	keel_yaml_push_key(c, "health", 6);
	keel_yaml_push_key(c, key, strlen(key));
	va_start(ap, fmt);
	keel_yaml_vfail_at(c, &pos, fmt, ap);
	va_end(ap);
	keel_yaml_pop(c, plen);
	return -EINVAL;
}

/* A probe needs a port: its own or the service's. */
static int lb_cfg_hc_check(struct keel_yaml *c,
			   const struct lb_cfg_service *svc,
			   const struct lb_cfg_health *h, ssize_t real)
{
	if ((h->type == LB_CFG_HC_TCP || h->type == LB_CFG_HC_HTTP) &&
	    !h->port && !svc->key.port)
		return lb_cfg_fail_hc(
			c, h, -1, real, "port",
			"required: the service has no port to check");
	return 0;
}

/* Checks that need the whole service. */
static int lb_cfg_svc_check(struct keel_yaml *c, struct lb_cfg_svc_ctx *s)
{
	struct lb_cfg_service *svc = s->svc;
	uint8_t fam = svc->key.family, proto = svc->key.proto;
	struct lb_cfg_dup *d;
	size_t i, dup, orig;
	bool found;
	int err;

	err = lb_cfg_hc_check(c, svc, &svc->health, -1);
	for (i = 0; !err && i < svc->n_reals; i++)
		if (svc->reals[i].health)
			err = lb_cfg_hc_check(c, svc, svc->reals[i].health, i);
	if (err)
		return err;
	/* The weights come from the agents' reports. */
	if (svc->load_aware.enabled && svc->health.type != LB_CFG_HC_AGENT)
		return keel_yaml_fail_key(
			c, s->load_aware, "load_aware",
			"needs the service's health type agent (the load comes from the agents' reports)");

	/* Only TCP and UDP carry ports in the data plane's flow key. */
	if (svc->key.port && proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return keel_yaml_fail_key(c, s->port, "port",
					  "a port needs protocol tcp or udp");
	if ((proto == IPPROTO_ICMP && fam != KEEL_F_INET) ||
	    (proto == IPPROTO_ICMPV6 && fam != KEEL_F_INET6))
		return keel_yaml_fail_key(c, s->proto, "protocol",
					  "%s does not match the vip's family",
					  keel_proto_name(proto));
	for (i = 0; i < svc->n_reals; i++) {
		if (svc->reals[i].family != fam)
			return lb_cfg_fail_real(
				c, s, i,
				fam == KEEL_F_INET ?
					"IPv6 real in an IPv4 service" :
					"IPv4 real in an IPv6 service",
				(size_t)-1);
		if (memcmp(svc->reals[i].addr, svc->key.addr, 16) == 0)
			return lb_cfg_fail_real(c, s, i,
						"a real cannot be the vip",
						(size_t)-1);
	}
	if (svc->n_reals < 2)
		return 0;
	d = calloc(svc->n_reals, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < svc->n_reals; i++) {
		memcpy(d[i].key, svc->reals[i].addr, 16);
		d[i].idx = i;
	}
	found = lb_cfg_find_dup(d, svc->n_reals, &dup, &orig);
	free(d);
	if (found)
		return lb_cfg_fail_real(c, s, dup, "duplicate real", orig);
	return 0;
}

static int lb_cfg_services(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct keel_yaml_pos here = c->here;
	struct fy_node *seq, *item, *m;
	size_t plen = c->plen, n, i, dup, orig;
	struct lb_cfg_dup *d;
	void *it = NULL;
	bool found;
	int err;

	err = keel_yaml_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err || !seq)
		return err;
	n = fy_node_sequence_item_count(seq);
	if (n > KEEL_MAX_SERVICES) {
		keel_yaml_push_index(c, KEEL_MAX_SERVICES);
		return keel_yaml_fail(c, keel_yaml_item(seq, KEEL_MAX_SERVICES),
				      "too many services (max %d)",
				      KEEL_MAX_SERVICES);
	}
	if (n == 0)
		return 0;
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services)
		return -ENOMEM;
	for (i = 0; i < n && (item = fy_node_sequence_iterate(seq, &it)); i++) {
		struct lb_cfg_svc_ctx s = { .svc = &cfg->services[i] };
		struct keel_yaml_pos pos;

		keel_yaml_push_index(c, i);
		keel_yaml_node_pos(c, item, &pos);
		c->here = pos;
		s.svc->line = pos.line;
		s.svc->ring_size = KEEL_RING_SIZE_DEFAULT;
		lb_loadw_cfg_default(&s.svc->load_aware);
		/* Counted before the walk so that lb_config_free() sees reals. */
		cfg->n_services = i + 1;
		err = keel_yaml_collection(c, item, FYNT_MAPPING, false, &m);
		if (!err)
			err = keel_yaml_map(c, m, lb_cfg_svc_fields,
					    LB_CFG_N(lb_cfg_svc_fields), &s);
		if (!err)
			err = lb_cfg_svc_check(c, &s);
		c->here = here;
		if (err)
			return err;
		keel_yaml_pop(c, plen);
	}
	d = calloc(n, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(d[i].key, &cfg->services[i].key, sizeof(d[i].key));
		d[i].idx = i;
	}
	found = lb_cfg_find_dup(d, n, &dup, &orig);
	free(d);
	if (found) {
		keel_yaml_push_index(c, dup);
		return keel_yaml_fail(
			c, keel_yaml_item(seq, dup),
			"duplicate service (same vip, port and protocol as services[%zu], line %d)",
			orig, cfg->services[orig].line);
	}
	return 0;
}

/* ---- top level ---- */

static int lb_cfg_instance(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	char buf[LB_CFG_NAME_MAX];
	int err;

	err = keel_yaml_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* It names files and a bpffs directory. */
	if (!buf[0] || strspn(buf, lb_cfg_name_chars) != strlen(buf) ||
	    strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return keel_yaml_fail(c, v,
				      "must be 1..63 of A-Z a-z 0-9 _ . -");
	memcpy(cfg->instance, buf, sizeof(buf));
	return 0;
}

static int lb_cfg_bpffs(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_path(c, v, cfg->bpffs, sizeof(cfg->bpffs));
}

static int lb_cfg_conn_table(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_uint(c, v, LB_CFG_CONN_MIN, LB_CFG_CONN_MAX,
			      &cfg->conn_table_size);
}

static int lb_cfg_conn_inserts(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_uint(c, v, 0, LB_CFG_CONN_INSERT_MAX,
			      &cfg->conn_insert_limit);
}

static int lb_cfg_state_file(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	lb_cx(c)->have_state = true;
	return keel_yaml_path(c, v, cfg->state_file, sizeof(cfg->state_file));
}

static int lb_cfg_ctl_socket(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	lb_cx(c)->have_socket = true;
	return keel_yaml_path(c, v, cfg->ctl_socket, sizeof(cfg->ctl_socket));
}

/* "" leaves the socket to root's group. */
static int lb_cfg_ctl_group(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_account(c, v, cfg->ctl_group, sizeof(cfg->ctl_group),
				 "group", true);
}

static int lb_cfg_ctl_read_group(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_account(c, v, cfg->ctl_read_group,
				 sizeof(cfg->ctl_read_group), "group", true);
}

static int lb_cfg_ctl_max_conns(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_uint(c, v, 1, KEEL_CTLSOCK_CONNS_MAX,
			      &cfg->ctl_max_conns);
}

static int lb_cfg_metrics_max_conns(struct keel_yaml *c, struct fy_node *v,
				    void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_uint(c, v, 1, KEEL_METRICS_CONNS_MAX,
			      &cfg->metrics_max_conns);
}

/* Never root: lbd drops root after its start (docs/lbd.md). */
static int lb_cfg_user(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	int err;

	err = keel_yaml_account(c, v, cfg->user, sizeof(cfg->user), "user",
				false);
	if (err)
		return err;
	if (!strcmp(cfg->user, "root"))
		return keel_yaml_fail(
			c, v,
			"lbd drops root after its start: name the user it runs as (default keel)");
	cfg->user_given = true;
	return 0;
}

/* An optional mapping section (control, metrics, timers) of the root. */
static int lb_cfg_section(struct keel_yaml *c, struct fy_node *v, void *obj,
			  const struct keel_yaml_field *fields, size_t n)
{
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	if (err)
		return err;
	return keel_yaml_map(c, m, fields, n, obj);
}

#define LB_CFG_SECTION(name, fields)                                        \
	static int lb_cfg_##name(struct keel_yaml *c, struct fy_node *v,    \
				 void *obj)                                 \
	{                                                                   \
		return lb_cfg_section(c, v, obj, fields, LB_CFG_N(fields)); \
	}

static const struct keel_yaml_field lb_cfg_control_fields[] = {
	{ "socket", lb_cfg_ctl_socket, false },
	{ "group", lb_cfg_ctl_group, false },
	{ "read_group", lb_cfg_ctl_read_group, false },
	{ "max_connections", lb_cfg_ctl_max_conns, false },
};

LB_CFG_SECTION(control, lb_cfg_control_fields)

static int lb_cfg_listen(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_hostport(c, v, cfg->metrics_listen,
				  sizeof(cfg->metrics_listen),
				  keel_hostport_parse);
}

static const struct keel_yaml_field lb_cfg_metrics_fields[] = {
	{ "listen", lb_cfg_listen, false },
	{ "max_connections", lb_cfg_metrics_max_conns, false },
};

LB_CFG_SECTION(metrics, lb_cfg_metrics_fields)

static int lb_cfg_neigh(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return keel_yaml_duration_ms(c, v, LB_CFG_NEIGH_MIN_MS,
				     LB_CFG_NEIGH_MAX_MS,
				     &cfg->neigh_refresh_ms);
}

static const struct keel_yaml_field lb_cfg_timer_fields[] = {
	{ "neighbour_refresh", lb_cfg_neigh, false },
};

LB_CFG_SECTION(timers, lb_cfg_timer_fields)

/* previous_key_file and previous_key_id (agents, pair): both or neither. */
static int lb_cfg_prev_key_check(struct keel_yaml *c, struct fy_node *m,
				 struct fy_node *file, struct fy_node *id,
				 uint32_t prev_id, uint32_t key_id)
{
	if (!file != !id)
		return keel_yaml_fail_key(
			c, m, file ? "previous_key_id" : "previous_key_file",
			"previous_key_file and previous_key_id go together");
	if (id && prev_id == key_id)
		return keel_yaml_fail_key(c, id, "previous_key_id",
					  "must differ from key_id (%u)",
					  key_id);
	return 0;
}

/* ---- agents: the report receiver ---- */

#define LB_CFG_AGENT_INTERVAL_MIN 10
#define LB_CFG_AGENT_INTERVAL_MAX 10000
#define LB_CFG_DEAD_AFTER_MAX 60000
#define LB_CFG_KEEP_FLOWS_MAX 600000

enum {
	LB_AGF_LISTEN,
	LB_AGF_KEY_FILE,
	LB_AGF_KEY_ID,
	LB_AGF_PREV_FILE,
	LB_AGF_PREV_ID,
	LB_AGF_INTERVAL,
	LB_AGF_DEAD_AFTER,
	LB_AGF_KEEP_FLOWS,
	LB_AGF__MAX,
};

struct lb_cfg_agents_ctx {
	struct lb_cfg_agents *a;
	struct fy_node *given[LB_AGF__MAX];
};

static int lb_cfg_ag_listen(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_LISTEN] = v;
	return keel_yaml_hostport(c, v, x->a->listen, sizeof(x->a->listen),
				  keel_hostport_parse);
}

static int lb_cfg_ag_key_file(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_KEY_FILE] = v;
	return keel_yaml_path(c, v, x->a->key_file, sizeof(x->a->key_file));
}

static int lb_cfg_ag_key_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_KEY_ID] = v;
	return keel_yaml_uint(c, v, 0, UINT32_MAX, &x->a->key_id);
}

static int lb_cfg_ag_prev_file(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_PREV_FILE] = v;
	return keel_yaml_path(c, v, x->a->previous_key_file,
			      sizeof(x->a->previous_key_file));
}

static int lb_cfg_ag_prev_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_PREV_ID] = v;
	return keel_yaml_uint(c, v, 0, UINT32_MAX, &x->a->previous_key_id);
}

static int lb_cfg_ag_interval(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_INTERVAL] = v;
	return keel_yaml_duration_ms(c, v, LB_CFG_AGENT_INTERVAL_MIN,
				     LB_CFG_AGENT_INTERVAL_MAX,
				     &x->a->interval_ms);
}

static int lb_cfg_ag_dead_after(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_DEAD_AFTER] = v;
	return keel_yaml_duration_ms(c, v, 2 * LB_CFG_AGENT_INTERVAL_MIN,
				     LB_CFG_DEAD_AFTER_MAX,
				     &x->a->dead_after_ms);
}

static int lb_cfg_ag_keep_flows(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_KEEP_FLOWS] = v;
	return keel_yaml_duration_ms(c, v, 0, LB_CFG_KEEP_FLOWS_MAX,
				     &x->a->keep_flows_ms);
}

static const struct keel_yaml_field lb_cfg_agents_fields[] = {
	[LB_AGF_LISTEN] = { "listen", lb_cfg_ag_listen, false },
	[LB_AGF_KEY_FILE] = { "key_file", lb_cfg_ag_key_file, false },
	[LB_AGF_KEY_ID] = { "key_id", lb_cfg_ag_key_id, false },
	[LB_AGF_PREV_FILE] = { "previous_key_file", lb_cfg_ag_prev_file,
			       false },
	[LB_AGF_PREV_ID] = { "previous_key_id", lb_cfg_ag_prev_id, false },
	[LB_AGF_INTERVAL] = { "interval", lb_cfg_ag_interval, false },
	[LB_AGF_DEAD_AFTER] = { "dead_after", lb_cfg_ag_dead_after, false },
	[LB_AGF_KEEP_FLOWS] = { "keep_flows_for", lb_cfg_ag_keep_flows, false },
};

static int lb_cfg_agents(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct lb_cfg_agents_ctx x = { .a = &cfg->agents };
	struct lb_cfg_agents *a = &cfg->agents;
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	if (!err)
		err = keel_yaml_map(c, m, lb_cfg_agents_fields,
				    LB_CFG_N(lb_cfg_agents_fields), &x);
	if (err)
		return err;
	if (a->listen[0] && !a->key_file[0])
		return keel_yaml_fail_key(c, m, "key_file",
					  "required when listen is set");
	err = lb_cfg_prev_key_check(c, m, x.given[LB_AGF_PREV_FILE],
				    x.given[LB_AGF_PREV_ID], a->previous_key_id,
				    a->key_id);
	if (err)
		return err;
	if (!x.given[LB_AGF_DEAD_AFTER])
		a->dead_after_ms = 3 * a->interval_ms;
	else if (a->dead_after_ms <= a->interval_ms)
		return keel_yaml_fail_key(c, x.given[LB_AGF_DEAD_AFTER],
					  "dead_after",
					  "must be longer than interval (%ums)",
					  a->interval_ms);
	return 0;
}

/* Agent health everywhere needs the receiver. */
static int lb_cfg_agents_check(struct keel_yaml *c)
{
	const struct lb_config *cfg = lb_cx(c)->cfg;
	size_t i, j;

	if (cfg->agents.listen[0])
		return 0;
	for (i = 0; i < cfg->n_services; i++) {
		const struct lb_cfg_service *s = &cfg->services[i];

		if (s->health.type == LB_CFG_HC_AGENT)
			return lb_cfg_fail_hc(
				c, &s->health, i, -1, "type",
				"agent health needs agents.listen");
		for (j = 0; j < s->n_reals; j++)
			if (s->reals[j].health &&
			    s->reals[j].health->type == LB_CFG_HC_AGENT)
				return lb_cfg_fail_hc(
					c, s->reals[j].health, i, j, "type",
					"agent health needs agents.listen");
	}
	return 0;
}

/* ---- pair: the peer LBs (docs/pair.md); parsed, not used yet ---- */

#define LB_CFG_PAIR_MTU_MIN 1280 /* IPv6's minimum link MTU */
#define LB_CFG_PAIR_MTU_MAX 9000
#define LB_CFG_PAIR_HELLO_MIN 50
#define LB_CFG_PAIR_HELLO_MAX 5000
#define LB_CFG_PAIR_DEAD_MAX 60000
#define LB_CFG_PAIR_REANN_MIN_S 10
#define LB_CFG_PAIR_REANN_MAX_S 3600
/* An entry's re-announce stamp is a u16 of seconds (DESIGN-11 section 1). */
_Static_assert(LB_CFG_PAIR_REANN_MAX_S < 32768,
	       "reannounce must stay below 32768 s");
#define LB_CFG_PAIR_RATE_MIN 1000
#define LB_CFG_PAIR_RATE_MAX 10000000
#define LB_CFG_PAIR_BULK_MIN 10000
#define LB_CFG_PAIR_HOUR_MS 3600000

enum {
	LB_PRF_NODE_ID,
	LB_PRF_LISTEN,
	LB_PRF_PEERS,
	LB_PRF_KEY_FILE,
	LB_PRF_KEY_ID,
	LB_PRF_PREV_FILE,
	LB_PRF_PREV_ID,
	LB_PRF_MTU,
	LB_PRF_HELLO,
	LB_PRF_DEAD_AFTER,
	LB_PRF_REANNOUNCE,
	LB_PRF_REANN_RATE,
	LB_PRF_RECORDS_RATE,
	LB_PRF_BATCH_DELAY,
	LB_PRF_BULK_RATE,
	LB_PRF_ALONE_AFTER,
	LB_PRF_TABLES_DIFFER,
	LB_PRF__MAX,
};

struct lb_cfg_pair_ctx {
	struct lb_cfg_pair *p;
	struct fy_node *given[LB_PRF__MAX];
};

/* The pair's addresses: ADDRESS:PORT (never off), parsed into place. */
static int lb_cfg_pair_hostport(struct keel_yaml *c, struct fy_node *v,
				char *out, size_t size, uint8_t *family,
				__be32 addr[4], uint16_t *port)
{
	int err;

	err = keel_yaml_hostport(c, v, out, size, keel_hostport_parse);
	if (err)
		return err;
	if (!out[0])
		return keel_yaml_fail(
			c, v,
			"must be ADDRESS:PORT or [IPV6]:PORT (no pair: for a single LB)");
	return keel_hostport_parse(out, strlen(out), true, family, addr, port);
}

static int lb_cfg_pr_node_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;
	uint32_t n;
	int err;

	x->given[LB_PRF_NODE_ID] = v;
	err = keel_yaml_uint(c, v, 1, 65535, &n);
	if (!err)
		x->p->node_id = n;
	return err;
}

static int lb_cfg_pr_listen(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;
	struct lb_cfg_pair *p = x->p;

	x->given[LB_PRF_LISTEN] = v;
	return lb_cfg_pair_hostport(c, v, p->listen, sizeof(p->listen),
				    &p->listen_family, p->listen_addr,
				    &p->listen_port);
}

static int lb_cfg_peer_name(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_peer *pe = obj;
	char buf[LB_CFG_NAME_MAX];
	int err;

	err = keel_yaml_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* It names the peer in logs, metrics and lbctl pair status. */
	if (!buf[0] || strlen(buf) >= sizeof(pe->name) ||
	    strspn(buf, lb_cfg_name_chars) != strlen(buf))
		return keel_yaml_fail(c, v,
				      "must be 1..32 of A-Z a-z 0-9 _ . -");
	memcpy(pe->name, buf, strlen(buf) + 1);
	return 0;
}

static int lb_cfg_peer_address(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_peer *pe = obj;
	int err;

	err = lb_cfg_pair_hostport(c, v, pe->address, sizeof(pe->address),
				   &pe->family, pe->addr, &pe->port);
	if (!err && !keel_yaml_addr_usable(pe->family, pe->addr))
		return keel_yaml_fail(
			c, v,
			"must be a peer's address (not unspecified, multicast or broadcast)");
	return err;
}

static const struct keel_yaml_field lb_cfg_peer_fields[] = {
	{ "name", lb_cfg_peer_name, true },
	{ "address", lb_cfg_peer_address, true },
};

static bool lb_cfg_peer_same(const struct lb_cfg_peer *a, uint8_t family,
			     const __be32 addr[4], uint16_t port)
{
	return a->family == family && a->port == port &&
	       !memcmp(a->addr, addr, sizeof(a->addr));
}

/* A socket bound to "::" also reaches IPv4 peers; 0.0.0.0 only IPv4. */
static bool lb_cfg_pair_reaches(const struct lb_cfg_pair *p, uint8_t family)
{
	static const __be32 any[4];

	return p->listen_family == family ||
	       (p->listen_family == KEEL_F_INET6 &&
		!memcmp(p->listen_addr, any, sizeof(any)));
}

static int lb_cfg_peer(struct keel_yaml *c, struct fy_node *item, size_t i,
		       void *obj)
{
	struct lb_cfg_pair *p = obj;
	struct lb_cfg_peer *pe = &p->peers[i];
	struct fy_node *m, *name, *addr;
	size_t j;
	int err;

	err = keel_yaml_collection(c, item, FYNT_MAPPING, false, &m);
	if (!err)
		err = keel_yaml_map(c, m, lb_cfg_peer_fields,
				    LB_CFG_N(lb_cfg_peer_fields), pe);
	if (err)
		return err;
	pe->line = keel_yaml_line(c, m);
	name = fy_node_mapping_lookup_by_string(m, "name", 4);
	addr = fy_node_mapping_lookup_by_string(m, "address", 7);
	for (j = 0; j < i; j++) {
		if (!strcmp(p->peers[j].name, pe->name))
			return keel_yaml_fail_key(c, name, "name",
						  "duplicate of peers[%zu]", j);
		if (lb_cfg_peer_same(&p->peers[j], pe->family, pe->addr,
				     pe->port))
			return keel_yaml_fail_key(c, addr, "address",
						  "duplicate of peers[%zu]", j);
	}
	p->n_peers = i + 1;
	return 0;
}

static int lb_cfg_pr_peers(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;
	int err;

	x->given[LB_PRF_PEERS] = v;
	err = keel_yaml_list(c, v, LB_CFG_PEERS_MAX, "peers", NULL, lb_cfg_peer,
			     x->p);
	if (!err && !x->p->n_peers)
		return keel_yaml_fail(c, v, "at least one peer is required");
	return err;
}

static int lb_cfg_pr_key_file(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_KEY_FILE] = v;
	return keel_yaml_path(c, v, x->p->key_file, sizeof(x->p->key_file));
}

static int lb_cfg_pr_key_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_KEY_ID] = v;
	return keel_yaml_uint(c, v, 0, UINT32_MAX, &x->p->key_id);
}

static int lb_cfg_pr_prev_file(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_PREV_FILE] = v;
	return keel_yaml_path(c, v, x->p->previous_key_file,
			      sizeof(x->p->previous_key_file));
}

static int lb_cfg_pr_prev_id(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_PREV_ID] = v;
	return keel_yaml_uint(c, v, 0, UINT32_MAX, &x->p->previous_key_id);
}

static int lb_cfg_pr_mtu(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_MTU] = v;
	return keel_yaml_uint(c, v, LB_CFG_PAIR_MTU_MIN, LB_CFG_PAIR_MTU_MAX,
			      &x->p->mtu);
}

static int lb_cfg_pr_hello(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_HELLO] = v;
	return keel_yaml_duration_ms(c, v, LB_CFG_PAIR_HELLO_MIN,
				     LB_CFG_PAIR_HELLO_MAX,
				     &x->p->hello_interval_ms);
}

static int lb_cfg_pr_dead_after(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_DEAD_AFTER] = v;
	return keel_yaml_duration_ms(c, v, 3 * LB_CFG_PAIR_HELLO_MIN,
				     LB_CFG_PAIR_DEAD_MAX,
				     &x->p->dead_after_ms);
}

static int lb_cfg_pr_reannounce(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_REANNOUNCE] = v;
	return keel_yaml_duration_ms(c, v, LB_CFG_PAIR_REANN_MIN_S * 1000,
				     LB_CFG_PAIR_REANN_MAX_S * 1000,
				     &x->p->reannounce_ms);
}

static int lb_cfg_pr_reann_rate(struct keel_yaml *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_REANN_RATE] = v;
	return keel_yaml_uint(c, v, LB_CFG_PAIR_RATE_MIN, 1000000,
			      &x->p->reannounce_rate_max);
}

static int lb_cfg_pr_records_rate(struct keel_yaml *c, struct fy_node *v,
				  void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_RECORDS_RATE] = v;
	return keel_yaml_uint(c, v, LB_CFG_PAIR_RATE_MIN, LB_CFG_PAIR_RATE_MAX,
			      &x->p->records_rate_max);
}

static int lb_cfg_pr_batch_delay(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_BATCH_DELAY] = v;
	if (keel_yaml_duration_ms(c, v, 1, 100, &x->p->batch_delay_ms) == 0)
		return 0;
	/* keel_yaml_duration_ms() would say "1ms..0s". */
	return keel_yaml_fail(c, v, "must be a duration in 1ms..100ms");
}

static int lb_cfg_pr_bulk_rate(struct keel_yaml *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_BULK_RATE] = v;
	return keel_yaml_uint(c, v, LB_CFG_PAIR_BULK_MIN, LB_CFG_PAIR_RATE_MAX,
			      &x->p->bulk_rate);
}

/* A duration, or never (0). */
static int lb_cfg_pr_alone_after(struct keel_yaml *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;
	struct fy_node *r;
	const char *s;
	size_t len;
	int err;

	x->given[LB_PRF_ALONE_AFTER] = v;
	err = keel_yaml_resolve(c, v, &r);
	if (err)
		return err;
	if (r && fy_node_get_type(r) == FYNT_SCALAR &&
	    fy_node_get_style(r) == FYNS_PLAIN &&
	    (s = fy_node_get_scalar(r, &len)) && len == 5 &&
	    !memcmp(s, "never", 5)) {
		x->p->alone_after_ms = 0;
		return 0;
	}
	if (keel_yaml_duration_ms(c, v, 1000, LB_CFG_PAIR_HOUR_MS,
				  &x->p->alone_after_ms) == 0)
		return 0;
	return keel_yaml_fail(c, v, "must be a duration in 1s..3600s or never");
}

static int lb_cfg_pr_tables_differ(struct keel_yaml *c, struct fy_node *v,
				   void *obj)
{
	struct lb_cfg_pair_ctx *x = obj;

	x->given[LB_PRF_TABLES_DIFFER] = v;
	return keel_yaml_duration_ms(c, v, 1000, LB_CFG_PAIR_HOUR_MS,
				     &x->p->tables_differ_after_ms);
}

static const struct keel_yaml_field lb_cfg_pair_fields[] = {
	[LB_PRF_NODE_ID] = { "node_id", lb_cfg_pr_node_id, true },
	[LB_PRF_LISTEN] = { "listen", lb_cfg_pr_listen, true },
	[LB_PRF_PEERS] = { "peers", lb_cfg_pr_peers, true },
	[LB_PRF_KEY_FILE] = { "key_file", lb_cfg_pr_key_file, true },
	[LB_PRF_KEY_ID] = { "key_id", lb_cfg_pr_key_id, false },
	[LB_PRF_PREV_FILE] = { "previous_key_file", lb_cfg_pr_prev_file,
			       false },
	[LB_PRF_PREV_ID] = { "previous_key_id", lb_cfg_pr_prev_id, false },
	[LB_PRF_MTU] = { "mtu", lb_cfg_pr_mtu, false },
	[LB_PRF_HELLO] = { "hello_interval", lb_cfg_pr_hello, false },
	[LB_PRF_DEAD_AFTER] = { "dead_after", lb_cfg_pr_dead_after, false },
	[LB_PRF_REANNOUNCE] = { "reannounce", lb_cfg_pr_reannounce, false },
	[LB_PRF_REANN_RATE] = { "reannounce_rate_max", lb_cfg_pr_reann_rate,
				false },
	[LB_PRF_RECORDS_RATE] = { "records_rate_max", lb_cfg_pr_records_rate,
				  false },
	[LB_PRF_BATCH_DELAY] = { "batch_delay", lb_cfg_pr_batch_delay, false },
	[LB_PRF_BULK_RATE] = { "bulk_rate", lb_cfg_pr_bulk_rate, false },
	[LB_PRF_ALONE_AFTER] = { "alone_after", lb_cfg_pr_alone_after, false },
	[LB_PRF_TABLES_DIFFER] = { "tables_differ_after",
				   lb_cfg_pr_tables_differ, false },
};
_Static_assert(LB_CFG_N(lb_cfg_pair_fields) <= KEEL_YAML_FIELDS_MAX,
	       "keel_yaml_map() tracks at most KEEL_YAML_FIELDS_MAX keys");

/* Checks across the pair's keys; peers against listen. */
static int lb_cfg_pair_check(struct keel_yaml *c, struct fy_node *m,
			     struct lb_cfg_pair_ctx *x)
{
	struct lb_cfg_pair *p = x->p;
	struct fy_node *a, *seq;
	size_t plen = c->plen, i;
	int err;

	err = lb_cfg_prev_key_check(c, m, x->given[LB_PRF_PREV_FILE],
				    x->given[LB_PRF_PREV_ID],
				    p->previous_key_id, p->key_id);
	if (err)
		return err;
	if (x->given[LB_PRF_PREV_FILE] &&
	    !strcmp(p->previous_key_file, p->key_file))
		return keel_yaml_fail_key(c, x->given[LB_PRF_PREV_FILE],
					  "previous_key_file",
					  "same file as key_file");
	if (!x->given[LB_PRF_DEAD_AFTER])
		p->dead_after_ms = 5 * p->hello_interval_ms;
	else if (p->dead_after_ms < 3 * p->hello_interval_ms)
		return keel_yaml_fail_key(
			c, x->given[LB_PRF_DEAD_AFTER], "dead_after",
			"must be at least 3 x hello_interval (%ums)",
			3 * p->hello_interval_ms);
	err = keel_yaml_resolve(c, x->given[LB_PRF_PEERS], &seq);
	for (i = 0; i < p->n_peers && !err; i++) {
		const struct lb_cfg_peer *pe = &p->peers[i];

		keel_yaml_push_key(c, "peers", 5);
		keel_yaml_push_index(c, i);
		a = fy_node_mapping_lookup_by_string(keel_yaml_item(seq, i),
						     "address", 7);
		if (lb_cfg_peer_same(pe, p->listen_family, p->listen_addr,
				     p->listen_port))
			err = keel_yaml_fail_key(c, a, "address",
						 "is pair.listen");
		else if (!lb_cfg_pair_reaches(p, pe->family))
			err = keel_yaml_fail_key(
				c, a, "address",
				"an IPv%c peer cannot be reached from listen %s (only [::] takes both families)",
				pe->family == KEEL_F_INET ? '4' : '6',
				p->listen);
		keel_yaml_pop(c, plen);
	}
	return err;
}

static int lb_cfg_pair(struct keel_yaml *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct lb_cfg_pair_ctx x = { .p = &cfg->pair };
	struct fy_node *m;
	int err;

	err = keel_yaml_collection(c, v, FYNT_MAPPING, true, &m);
	if (!err)
		err = keel_yaml_map(c, m, lb_cfg_pair_fields,
				    LB_CFG_N(lb_cfg_pair_fields), &x);
	if (!err)
		err = lb_cfg_pair_check(c, m, &x);
	if (err)
		return err;
	cfg->pair.on = true;
	lb_cx(c)->pair_key = x.given[LB_PRF_KEY_FILE];
	lb_cx(c)->pair_prev = x.given[LB_PRF_PREV_FILE];
	return 0;
}

/*
 * Every real server holds the agents' key; with it a real could forge
 * sync records and steer flows.  Compared by name here, by bytes in
 * lbd --check (lbd_main.c), once both sections are read.
 */
static int lb_cfg_pair_keys_check(struct keel_yaml *c)
{
	const struct lb_cfg_ctx *cx = lb_cx(c);
	const struct lb_cfg_agents *a = &cx->cfg->agents;
	const struct lb_cfg_pair *p = &cx->cfg->pair;
	struct {
		const char *file, *key;
		struct fy_node *n;
	} mine[] = {
		{ p->key_file, "key_file", cx->pair_key },
		{ p->previous_key_file, "previous_key_file", cx->pair_prev },
	};
	const char *theirs[] = { a->key_file, a->previous_key_file };
	size_t plen = c->plen, i, j;
	int err = 0;

	if (!p->on)
		return 0;
	for (i = 0; i < LB_CFG_N(mine) && !err; i++)
		for (j = 0; j < LB_CFG_N(theirs) && !err; j++) {
			if (!mine[i].file[0] || strcmp(mine[i].file, theirs[j]))
				continue;
			keel_yaml_push_key(c, "pair", 4);
			err = keel_yaml_fail_key(
				c, mine[i].n, mine[i].key,
				"same file as agents.%s (every real server holds that key)",
				j ? "previous_key_file" : "key_file");
			keel_yaml_pop(c, plen);
		}
	return err;
}

static const struct keel_yaml_field lb_cfg_root_fields[] = {
	{ "instance", lb_cfg_instance, false },
	{ "user", lb_cfg_user, false },
	{ "bpffs", lb_cfg_bpffs, false },
	{ "conn_table_size", lb_cfg_conn_table, false },
	{ "conn_insert_limit", lb_cfg_conn_inserts, false },
	{ "interfaces", lb_cfg_interfaces, true },
	{ "control", lb_cfg_control, false },
	{ "metrics", lb_cfg_metrics, false },
	{ "state_file", lb_cfg_state_file, false },
	{ "timers", lb_cfg_timers, false },
	{ "services", lb_cfg_services, false },
	{ "agents", lb_cfg_agents, false },
	{ "pair", lb_cfg_pair, false },
};
_Static_assert(LB_CFG_N(lb_cfg_root_fields) <= KEEL_YAML_FIELDS_MAX,
	       "keel_yaml_map() tracks at most KEEL_YAML_FIELDS_MAX keys");

static void lb_cfg_defaults(struct lb_config *cfg)
{
	snprintf(cfg->instance, sizeof(cfg->instance), "default");
	snprintf(cfg->user, sizeof(cfg->user), "keel");
	cfg->ctl_max_conns = KEEL_CTLSOCK_CONNS;
	cfg->metrics_max_conns = KEEL_METRICS_CONNS;
	snprintf(cfg->bpffs, sizeof(cfg->bpffs), "/sys/fs/bpf");
	cfg->conn_table_size = KEEL_CONN_TABLE_SIZE;
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen),
		 "127.0.0.1:9450");
	cfg->neigh_refresh_ms = 1000;
	cfg->agents.key_id = 1;
	cfg->agents.interval_ms = 100;
	cfg->agents.dead_after_ms = 300;
	cfg->agents.keep_flows_ms = 5000;
	cfg->pair.key_id = 1;
	cfg->pair.mtu = 1500;
	cfg->pair.hello_interval_ms = 200;
	cfg->pair.dead_after_ms = 1000;
	cfg->pair.reannounce_ms = 60000;
	cfg->pair.reannounce_rate_max = 50000;
	cfg->pair.records_rate_max = 200000;
	cfg->pair.batch_delay_ms = 10;
	cfg->pair.bulk_rate = 500000;
	cfg->pair.alone_after_ms = 30000;
	cfg->pair.tables_differ_after_ms = 5000;
}

static int lb_cfg_root(struct keel_yaml *c, struct fy_node *root, void *obj)
{
	int err;

	err = keel_yaml_map(c, root, lb_cfg_root_fields,
			    LB_CFG_N(lb_cfg_root_fields), obj);
	if (!err)
		err = lb_cfg_agents_check(c);
	return err ? err : lb_cfg_pair_keys_check(c);
}

int lb_config_parse(const char *buf, size_t len, const char *file,
		    struct lb_config *out, struct lb_config_error *err)
{
	struct lb_config_error scratch = { 0 };
	struct lb_cfg_ctx c = { .cfg = out };
	int ret;

	keel_yaml_init(&c.y, err ? err : &scratch, file, buf, len, 0);
	memset(out, 0, sizeof(*out));
	lb_cfg_defaults(out);
	ret = keel_yaml_load(&c.y, LB_CFG_FILE_MAX, lb_cfg_root, out);
	if (ret) {
		lb_config_free(out);
		return ret;
	}
	if (!c.have_socket)
		snprintf(out->ctl_socket, sizeof(out->ctl_socket),
			 "/run/keel/%s.sock", out->instance);
	if (!c.have_state)
		snprintf(out->state_file, sizeof(out->state_file),
			 "/var/lib/keel/%s.state", out->instance);
	ret = lb_config_index(out);
	if (ret)
		lb_config_free(out);
	return ret;
}

int lb_config_index(struct lb_config *c)
{
	size_t i, j;

	for (i = 0; i < c->n_services; i++) {
		struct lb_cfg_service *s = &c->services[i];

		if (lb_htab_add(&c->svc_idx, lb_htab_hash_vip(&s->key), i))
			return -ENOMEM;
		for (j = 0; j < s->n_reals; j++)
			if (lb_htab_add(&s->real_idx,
					lb_htab_hash_addr(s->reals[j].family,
							  s->reals[j].addr),
					j))
				return -ENOMEM;
	}
	return 0;
}

const struct lb_cfg_service *lb_cfg_find_service(const struct lb_config *cfg,
						 const struct keel_vip_key *k)
{
	uint32_t cur = LB_HTAB_START, i;

	while ((i = lb_htab_next(&cfg->svc_idx, lb_htab_hash_vip(k), &cur)) !=
	       LB_HTAB_NONE)
		if (!memcmp(&cfg->services[i].key, k, sizeof(*k)))
			return &cfg->services[i];
	return NULL;
}

const struct lb_cfg_real *lb_cfg_find_real(const struct lb_cfg_service *s,
					   uint8_t family, const __be32 addr[4])
{
	uint32_t cur = LB_HTAB_START, j;

	while ((j = lb_htab_next(&s->real_idx, lb_htab_hash_addr(family, addr),
				 &cur)) != LB_HTAB_NONE)
		if (s->reals[j].family == family &&
		    !memcmp(s->reals[j].addr, addr, 16))
			return &s->reals[j];
	return NULL;
}

static int lb_config_parse_any(const char *buf, size_t len, const char *file,
			       void *out, struct keel_yaml_error *err)
{
	return lb_config_parse(buf, len, file, out, err);
}

/* lb_config_parse() on the file (keel_yaml_load_file). */
int lb_config_load(const char *file, struct lb_config *out,
		   struct lb_config_error *err)
{
	memset(out, 0, sizeof(*out));
	return keel_yaml_load_file(file, LB_CFG_FILE_MAX, lb_config_parse_any,
				   out, err, NULL);
}

void lb_config_free(struct lb_config *c)
{
	size_t i, j;

	if (!c)
		return;
	for (i = 0; i < c->n_services; i++) {
		for (j = 0; j < c->services[i].n_reals; j++)
			free(c->services[i].reals[j].health);
		free(c->services[i].reals);
		lb_htab_free(&c->services[i].real_idx);
	}
	free(c->services);
	lb_htab_free(&c->svc_idx);
	memset(c, 0, sizeof(*c));
}

int lb_config_error_format(const struct lb_config_error *e, char *buf,
			   size_t size)
{
	return keel_yaml_error_format(e, buf, size);
}
