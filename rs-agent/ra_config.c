// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_config.c - parse and validate rs-agent's YAML configuration
 * (libfyaml).  Format: docs/rs-agent.md.
 *
 * The schema walker below follows lb-dataplane/lb_config.c (same rules,
 * same messages, same libfyaml 0.7.12 workarounds: the input is checked
 * as YAML-legal UTF-8 before libfyaml sees it, single-quoted scalars
 * holding '' are refused, aliases are followed by hand and tags and merge
 * keys refused).  It is a reduced mirror, not a shared module, because
 * lb_config.c keeps its helpers static; see rs-agent/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "keel_health.h"
#include "lb_addr.h"
#include "ra_config.h"

#define RA_CFG_FILE_MAX ((size_t)1 << 20)
#define RA_CFG_SCALAR_MAX KEEL_PROBE_CMD_MAX /* longest value + 1 */
#define RA_CFG_FIELDS_MAX 16
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

struct ra_cfg_pos {
	int line;
	int col;
};

struct ra_cfg_ctx {
	struct ra_config *cfg;
	struct ra_config_error *err;
	struct ra_cfg_pos here;
	char path[sizeof(((struct ra_config_error *)0)->key)];
	size_t plen;
	const char *buf;
	size_t len;
	uint16_t rise, fall; /* top level: every check's default */
	struct fy_node *lbs, *services; /* for checks after the walk */
};

struct ra_cfg_field {
	const char *name;
	int (*parse)(struct ra_cfg_ctx *c, struct fy_node *v, void *obj);
	bool required;
};

/* ---- the schema walker (mirrors lb_config.c) ---- */

static void ra_cfg_quote(char *dst, size_t size, const char *s, size_t len)
{
	size_t i, n = 0, max = 40;

	for (i = 0; i < len && i < max && n + 4 < size; i++)
		dst[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < len && n + 4 < size) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* libfyaml 0.7 marks tokens only: a collection is placed at its first scalar. */
static void ra_cfg_node_pos(const struct ra_cfg_ctx *c, struct fy_node *n,
			    struct ra_cfg_pos *pos)
{
	const struct fy_mark *m;
	struct fy_token *t;
	void *it = NULL;

	*pos = c->here;
	while (n) {
		if (fy_node_get_type(n) == FYNT_SCALAR) {
			t = fy_node_get_scalar_token(n);
			m = t ? fy_token_start_mark(t) : NULL;
			if (m) {
				pos->line = m->line + 1;
				pos->col = m->column + 1;
			}
			return;
		}
		if (fy_node_get_type(n) == FYNT_MAPPING) {
			struct fy_node_pair *p =
				fy_node_mapping_iterate(n, &it);

			n = p ? fy_node_pair_key(p) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
		it = NULL;
	}
}

static void ra_cfg_push(struct ra_cfg_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ra_cfg_push(struct ra_cfg_ctx *c, const char *fmt, ...)
{
	size_t room = sizeof(c->path) - c->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->plen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen += (size_t)n < room ? (size_t)n : room - 1;
}

static void ra_cfg_push_key(struct ra_cfg_ctx *c, const char *k, size_t len)
{
	char q[64];

	ra_cfg_quote(q, sizeof(q), k, len);
	ra_cfg_push(c, "%s%s", c->plen ? "." : "", q);
}

static void ra_cfg_pop(struct ra_cfg_ctx *c, size_t plen)
{
	c->plen = plen;
	c->path[plen] = '\0';
}

__attribute__((format(printf, 3, 4))) static int
ra_cfg_fail(struct ra_cfg_ctx *c, struct fy_node *n, const char *fmt, ...)
{
	struct ra_config_error *e = c->err;
	struct ra_cfg_pos pos;
	va_list ap;

	ra_cfg_node_pos(c, n, &pos);
	e->line = pos.line;
	e->column = pos.col;
	snprintf(e->key, sizeof(e->key), "%s", c->path);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *ra_cfg_type_name(struct fy_node *n)
{
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING:
		return "a mapping";
	case FYNT_SEQUENCE:
		return "a list";
	default:
		return "a scalar";
	}
}

/*
 * A scalar's text.  libfyaml 0.7.12 leaks when it unescapes a
 * single-quoted scalar holding '' (lb_config.c, fuzz_config): refused
 * from the raw input before the text is asked for.
 */
static int ra_cfg_text(struct ra_cfg_ctx *c, struct fy_node *n, const char **s,
		       size_t *len)
{
	const struct fy_mark *a, *b;
	struct fy_token *t;
	size_t i;

	*s = NULL;
	*len = 0;
	if (fy_node_get_style(n) == FYNS_SINGLE_QUOTED) {
		t = fy_node_get_scalar_token(n);
		a = t ? fy_token_start_mark(t) : NULL;
		b = t ? fy_token_end_mark(t) : NULL;
		if (!a || !b || b->input_pos > c->len ||
		    a->input_pos > b->input_pos)
			return ra_cfg_fail(c, n,
					   "cannot read this quoted value");
		for (i = a->input_pos + 1; i + 2 < b->input_pos; i++)
			if (c->buf[i] == '\'' && c->buf[i + 1] == '\'')
				return ra_cfg_fail(
					c, n,
					"quotes inside a quoted value are not allowed");
	}
	*s = fy_node_get_scalar(n, len);
	if (!*s)
		*len = 0;
	return 0;
}

/* YAML 1.2 core schema nulls; quoted text is never null. */
static bool ra_cfg_is_null(struct fy_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *s;
	size_t len, i;

	if (fy_node_get_type(n) != FYNT_SCALAR ||
	    fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	if (!s)
		return true;
	for (i = 0; i < RA_CFG_N(nulls); i++)
		if (len == strlen(nulls[i]) && memcmp(s, nulls[i], len) == 0)
			return true;
	return false;
}

static int ra_cfg_resolve(struct ra_cfg_ctx *c, struct fy_node *n,
			  struct fy_node **out)
{
	struct fy_node *r = n;

	if (n && fy_node_is_alias(n)) {
		r = fy_node_resolve_alias(n);
		if (!r)
			return ra_cfg_fail(c, n,
					   "alias without a matching anchor");
	}
	if (r && fy_node_get_tag(r, NULL))
		return ra_cfg_fail(c, n, "YAML tags are not supported");
	*out = r;
	return 0;
}

/* Resolve n and require type; no value is an empty collection (NULL). */
static int ra_cfg_collection(struct ra_cfg_ctx *c, struct fy_node *n,
			     enum fy_node_type type, bool null_ok,
			     struct fy_node **out)
{
	const char *want = type == FYNT_MAPPING ? "a mapping" : "a list";
	int err = ra_cfg_resolve(c, n, out);

	if (err)
		return err;
	if (!*out || ra_cfg_is_null(*out)) {
		*out = NULL;
		if (!null_ok)
			return ra_cfg_fail(c, n, "expected %s, got no value",
					   want);
		return 0;
	}
	if (fy_node_get_type(*out) != type)
		return ra_cfg_fail(c, n, "expected %s, got %s", want,
				   ra_cfg_type_name(*out));
	return 0;
}

/* A scalar's text, NUL-terminated; plain: must be unquoted. */
static int ra_cfg_scalar(struct ra_cfg_ctx *c, struct fy_node *n, char *buf,
			 size_t size, bool plain)
{
	struct fy_node *r;
	const char *s;
	size_t len;
	int err;

	buf[0] = '\0';
	err = ra_cfg_resolve(c, n, &r);
	if (err)
		return err;
	if (!r || ra_cfg_is_null(r))
		return ra_cfg_fail(c, n, "no value");
	if (fy_node_get_type(r) != FYNT_SCALAR)
		return ra_cfg_fail(
			c, n, "expected a scalar, got %s%s",
			ra_cfg_type_name(r),
			fy_node_get_type(r) == FYNT_SEQUENCE ?
				" (quote values that start with '[')" :
				"");
	if (plain && fy_node_get_style(r) != FYNS_PLAIN)
		return ra_cfg_fail(c, n, "must not be quoted");
	err = ra_cfg_text(c, r, &s, &len);
	if (err)
		return err;
	if (len >= size)
		return ra_cfg_fail(c, n, "too long (max %zu bytes)", size - 1);
	if (len && memchr(s, '\0', len))
		return ra_cfg_fail(c, n, "contains a NUL byte");
	if (len)
		memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/* Strict unsigned decimal: no sign, no leading zero, no other base. */
static bool ra_cfg_decimal(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

static int ra_cfg_uint(struct ra_cfg_ctx *c, struct fy_node *n,
		       unsigned long min, unsigned long max, uint32_t *out)
{
	char buf[32];
	unsigned long v;
	int err;

	err = ra_cfg_scalar(c, n, buf, sizeof(buf), true);
	if (err)
		return err;
	if (!ra_cfg_decimal(buf, ULONG_MAX, &v) || v < min || v > max)
		return ra_cfg_fail(c, n, "must be an integer in %lu..%lu", min,
				   max);
	*out = v;
	return 0;
}

static int ra_cfg_bool(struct ra_cfg_ctx *c, struct fy_node *n, bool *out)
{
	char buf[8];

	if (ra_cfg_scalar(c, n, buf, sizeof(buf), true) == 0) {
		if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0) {
			*out = buf[0] == 't';
			return 0;
		}
	}
	return ra_cfg_fail(c, n, "must be true or false");
}

/* A duration: integer and unit, "250ms" or "2s". */
static int ra_cfg_duration_ms(struct ra_cfg_ctx *c, struct fy_node *n,
			      uint32_t min, uint32_t max, uint32_t *out)
{
	char buf[32], *unit;
	unsigned long v, scale;
	int err;

	err = ra_cfg_scalar(c, n, buf, sizeof(buf), true);
	if (err)
		return err;
	unit = buf + strspn(buf, "0123456789");
	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else
		return ra_cfg_fail(c, n,
				   "must be a duration such as 250ms or 2s");
	*unit = '\0';
	if (!ra_cfg_decimal(buf, ULONG_MAX / 1000, &v) || v * scale < min ||
	    v * scale > max)
		return ra_cfg_fail(c, n, "must be a duration in %ums..%ums",
				   min, max);
	*out = v * scale;
	return 0;
}

/* Printable ASCII without blanks (paths, names, HTTP fields). */
static bool ra_cfg_graph(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static int ra_cfg_path(struct ra_cfg_ctx *c, struct fy_node *n, char *out,
		       size_t size)
{
	char buf[RA_CFG_PATH_MAX];
	size_t i;
	int err;

	err = ra_cfg_scalar(c, n, buf, size < sizeof(buf) ? size : sizeof(buf),
			    false);
	if (err)
		return err;
	if (buf[0] != '/')
		return ra_cfg_fail(c, n, "must be an absolute path");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return ra_cfg_fail(c, n,
					   "contains a control character");
	memcpy(out, buf, i + 1);
	return 0;
}

/* Addresses nothing can be reached at or serve from. */
static bool ra_cfg_addr_usable(const struct ra_cfg_addr *a)
{
	static const uint8_t zero[16];
	const uint8_t *b = a->addr;

	if (a->family == KEEL_F_INET)
		return memcmp(b, zero, 4) != 0 && (b[0] & 0xf0) != 0xe0 &&
		       memcmp(b, "\xff\xff\xff\xff", 4) != 0;
	return memcmp(b, zero, 16) != 0 && b[0] != 0xff;
}

static int ra_cfg_addr(struct ra_cfg_ctx *c, struct fy_node *n,
		       struct ra_cfg_addr *out)
{
	char buf[64], q[48];
	__be32 a[4];
	int err;

	err = ra_cfg_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	if (lb_addr_parse(buf, &out->family, a)) {
		ra_cfg_quote(q, sizeof(q), buf, strlen(buf));
		return ra_cfg_fail(c, n,
				   "\"%s\" is not an IPv4 or IPv6 address", q);
	}
	memcpy(out->addr, a, 16);
	if (!ra_cfg_addr_usable(out))
		return ra_cfg_fail(
			c, n, "unspecified, multicast or broadcast address");
	return 0;
}

static struct fy_node *ra_cfg_item(struct fy_node *seq, size_t i)
{
	struct fy_node *n = NULL, *r;
	void *it = NULL;

	while (i-- != (size_t)-1 && (n = fy_node_sequence_iterate(seq, &it)))
		;
	if (n && fy_node_is_alias(n)) {
		r = fy_node_resolve_alias(n);
		return r ? r : n;
	}
	return n;
}

/* Walk mapping n (NULL: empty) against fields. */
static int ra_cfg_map(struct ra_cfg_ctx *c, struct fy_node *n,
		      const struct ra_cfg_field *fields, size_t nfields,
		      void *obj)
{
	struct fy_node *seen[RA_CFG_FIELDS_MAX] = { NULL };
	struct ra_cfg_pos here = c->here, pos;
	size_t plen = c->plen, len = 0, i, j, o;
	struct fy_node_pair *p;
	struct fy_node *kn, *r;
	const char *k = NULL;
	void *it = NULL;
	char list[160];
	int err = 0;

	while (n && (p = fy_node_mapping_iterate(n, &it))) {
		kn = fy_node_pair_key(p);
		err = ra_cfg_resolve(c, kn, &r);
		if (err)
			return err;
		if (!r || fy_node_get_type(r) != FYNT_SCALAR ||
		    ra_cfg_is_null(r))
			return ra_cfg_fail(c, kn, "keys must be plain names");
		err = ra_cfg_text(c, r, &k, &len);
		if (err)
			return err;
		for (i = 0; i < nfields; i++)
			if (strlen(fields[i].name) == len &&
			    memcmp(fields[i].name, k, len) == 0)
				break;
		ra_cfg_push_key(c, k, len);
		if (i == nfields) {
			if (len == 2 && memcmp(k, "<<", 2) == 0)
				return ra_cfg_fail(
					c, kn, "merge keys are not supported");
			for (j = 0, o = 0; j < nfields && o < sizeof(list); j++)
				o += snprintf(list + o, sizeof(list) - o,
					      "%s%s", j ? ", " : "",
					      fields[j].name);
			return ra_cfg_fail(c, kn, "unknown key; expected %s",
					   list);
		}
		if (seen[i]) {
			ra_cfg_node_pos(c, seen[i], &pos);
			return ra_cfg_fail(c, kn,
					   "duplicate key (first at line %d)",
					   pos.line);
		}
		seen[i] = kn;
		ra_cfg_node_pos(c, kn, &c->here);
		err = fields[i].parse(c, fy_node_pair_value(p), obj);
		c->here = here;
		if (err)
			return err;
		ra_cfg_pop(c, plen);
	}
	for (i = 0; i < nfields; i++) {
		if (fields[i].required && !seen[i]) {
			ra_cfg_push_key(c, fields[i].name,
					strlen(fields[i].name));
			err = ra_cfg_fail(c, n, "required key missing");
			ra_cfg_pop(c, plen);
			return err;
		}
	}
	return 0;
}

/*
 * Walk list v: at most max items, each passed to item() with the path
 * at "[i]".  *nodes (may be NULL) keeps the resolved list.
 */
static int ra_cfg_list(struct ra_cfg_ctx *c, struct fy_node *v, size_t max,
		       const char *what, struct fy_node **nodes,
		       int (*item)(struct ra_cfg_ctx *c, struct fy_node *n,
				   size_t i))
{
	struct ra_cfg_pos here = c->here;
	size_t plen = c->plen, i;
	struct fy_node *seq, *n;
	void *it = NULL;
	int err;

	err = ra_cfg_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err)
		return err;
	if (nodes)
		*nodes = seq;
	for (i = 0; seq && (n = fy_node_sequence_iterate(seq, &it)); i++) {
		ra_cfg_push(c, "[%zu]", i);
		if (i == max)
			return ra_cfg_fail(c, n, "too many %s (max %zu)", what,
					   max);
		ra_cfg_node_pos(c, n, &c->here);
		err = item(c, n, i);
		c->here = here;
		if (err)
			return err;
		ra_cfg_pop(c, plen);
	}
	return 0;
}

/* ---- lbs ---- */

static int ra_cfg_lb(struct ra_cfg_ctx *c, struct fy_node *n, size_t i)
{
	struct ra_cfg_lb *lb = &c->cfg->lbs[i];
	char buf[64], *colon;
	bool has_port;
	__be32 a[4];
	size_t j;
	int err;

	err = ra_cfg_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	err = lb_hostport_parse(buf, strlen(buf), false, &lb->a.family, a,
				&lb->port);
	if (err && err != -ERANGE)
		return ra_cfg_fail(
			c, n,
			"must be ADDRESS, ADDRESS:PORT, [IPV6] or [IPV6]:PORT");
	colon = strrchr(buf, ':');
	has_port = buf[0] == '[' ? strstr(buf, "]:") != NULL : colon != NULL;
	if (err || (has_port && lb->port == 0))
		return ra_cfg_fail(c, n, "port must be in 1..65535");
	if (!has_port)
		lb->port = RA_CFG_LB_PORT_DEFAULT;
	memcpy(lb->a.addr, a, 16);
	if (!ra_cfg_addr_usable(&lb->a))
		return ra_cfg_fail(
			c, n, "unspecified, multicast or broadcast address");
	for (j = 0; j < i; j++)
		if (memcmp(&c->cfg->lbs[j], lb, sizeof(*lb)) == 0)
			return ra_cfg_fail(
				c, n, "duplicate LB (same as lbs[%zu])", j);
	c->cfg->n_lbs = i + 1;
	return 0;
}

static int ra_cfg_lbs(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	int err;

	(void)obj;
	err = ra_cfg_list(c, v, RA_CFG_LBS_MAX, "LBs", &c->lbs, ra_cfg_lb);
	if (!err && !c->cfg->n_lbs)
		return ra_cfg_fail(c, v, "at least one LB is required");
	return err;
}

/* ---- interfaces ---- */

static int ra_cfg_iface(struct ra_cfg_ctx *c, struct fy_node *n, size_t i)
{
	char buf[RA_CFG_IFNAME_MAX];
	size_t j;
	int err;

	err = ra_cfg_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	/* The kernel's dev_valid_name() rules. */
	if (!buf[0] || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0 ||
	    strpbrk(buf, "/:") || !ra_cfg_graph(buf))
		return ra_cfg_fail(c, n, "not a valid interface name");
	if (strcmp(buf, "lo") == 0)
		return ra_cfg_fail(
			c, n,
			"lo holds the VIPs; it is not a serving interface");
	for (j = 0; j < i; j++)
		if (strcmp(c->cfg->ifaces[j], buf) == 0)
			return ra_cfg_fail(
				c, n,
				"duplicate interface (same as interfaces[%zu])",
				j);
	memcpy(c->cfg->ifaces[i], buf, sizeof(buf));
	c->cfg->n_ifaces = i + 1;
	return 0;
}

static int ra_cfg_interfaces(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_list(c, v, RA_CFG_IFACES_MAX, "interfaces", NULL,
			   ra_cfg_iface);
}

/* ---- services and their checks ---- */

struct ra_cfg_check_ctx {
	struct ra_cfg_service *svc;
	struct fy_node *node; /* the check mapping, or NULL */
	struct fy_node *type, *port, *address, *http, *command;
	const char *http_key; /* the first http-only key given */
	bool have_interval, have_timeout, have_rise, have_fall;
};

static int ra_cfg_chk_type(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char buf[16];

	k->type = v;
	if (ra_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "tcp") == 0)
			k->svc->check.spec.type = KEEL_PROBE_TCP;
		else if (strcmp(buf, "http") == 0)
			k->svc->check.spec.type = KEEL_PROBE_HTTP;
		else if (strcmp(buf, "command") == 0)
			k->svc->check.spec.type = KEEL_PROBE_CMD;
		if (k->svc->check.spec.type)
			return 0;
	}
	return ra_cfg_fail(c, v, "must be tcp, http or command");
}

static int ra_cfg_chk_port(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	uint32_t port = 0;
	int err;

	k->port = v;
	err = ra_cfg_uint(c, v, 1, 65535, &port);
	k->svc->check.spec.port = port;
	return err;
}

static int ra_cfg_chk_address(struct ra_cfg_ctx *c, struct fy_node *v,
			      void *obj)
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

static int ra_cfg_chk_path(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *path = k->svc->check.spec.path;
	int err;

	if (!k->http) {
		k->http = v;
		k->http_key = "path";
	}
	err = ra_cfg_scalar(c, v, path, KEEL_PROBE_PATH_MAX, false);
	if (!err && (path[0] != '/' || !ra_cfg_graph(path)))
		return ra_cfg_fail(
			c, v,
			"must start with / and hold no blank or control character");
	return err;
}

static int ra_cfg_chk_host(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *host = k->svc->check.spec.host;
	int err;

	if (!k->http) {
		k->http = v;
		k->http_key = "host";
	}
	err = ra_cfg_scalar(c, v, host, KEEL_PROBE_HOST_MAX, false);
	if (!err && (!host[0] || !ra_cfg_graph(host)))
		return ra_cfg_fail(
			c, v,
			"must be a host name without blanks or control characters");
	return err;
}

/* "200" or "200-399": the HTTP status codes that mean up. */
static int ra_cfg_chk_expect(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	unsigned long lo, hi;
	char buf[16], *dash;

	if (!k->http) {
		k->http = v;
		k->http_key = "expect";
	}
	if (ra_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (ra_cfg_decimal(buf, 599, &lo) && lo >= 100 &&
		    (!dash ||
		     (ra_cfg_decimal(dash + 1, 599, &hi) && hi >= lo))) {
			k->svc->check.spec.status_min = lo;
			k->svc->check.spec.status_max = dash ? hi : lo;
			return 0;
		}
	}
	return ra_cfg_fail(
		c, v,
		"must be a status (200) or a range (200-399) in 100..599");
}

static int ra_cfg_chk_command(struct ra_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct ra_cfg_check_ctx *k = obj;
	char *cmd = k->svc->check.spec.cmd;
	size_t i;
	int err;

	k->command = v;
	err = ra_cfg_scalar(c, v, cmd, KEEL_PROBE_CMD_MAX, false);
	if (err)
		return err;
	if (!cmd[strspn(cmd, " \t")])
		return ra_cfg_fail(c, v, "must not be empty");
	for (i = 0; cmd[i]; i++)
		if ((unsigned char)cmd[i] < 0x20 && cmd[i] != '\t')
			return ra_cfg_fail(c, v,
					   "contains a control character");
	return 0;
}

static int ra_cfg_chk_timeout(struct ra_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_timeout = true;
	return ra_cfg_duration_ms(c, v, RA_CFG_CHECK_MIN_MS,
				  RA_CFG_CHECK_MAX_MS,
				  &k->svc->check.spec.timeout_ms);
}

static int ra_cfg_chk_interval(struct ra_cfg_ctx *c, struct fy_node *v,
			       void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_interval = true;
	return ra_cfg_duration_ms(c, v, RA_CFG_CHECK_MIN_MS,
				  RA_CFG_CHECK_MAX_MS,
				  &k->svc->check.interval_ms);
}

static int ra_cfg_u16(struct ra_cfg_ctx *c, struct fy_node *v, uint16_t *out)
{
	uint32_t x = 0;
	int err;

	err = ra_cfg_uint(c, v, 1, KEEL_RISEFALL_MAX, &x);
	*out = x;
	return err;
}

static int ra_cfg_chk_rise(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_rise = true;
	return ra_cfg_u16(c, v, &k->svc->check.rise);
}

static int ra_cfg_chk_fall(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_check_ctx *k = obj;

	k->have_fall = true;
	return ra_cfg_u16(c, v, &k->svc->check.fall);
}

static const struct ra_cfg_field ra_cfg_check_fields[] = {
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

static int ra_cfg_svc_vip(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;

	s->vip = v;
	return ra_cfg_addr(c, v, &s->svc->vip);
}

static int ra_cfg_svc_port(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	uint32_t port = 0;
	int err;

	err = ra_cfg_uint(c, v, 0, 65535, &port);
	s->svc->port = port;
	return err;
}

static int ra_cfg_svc_proto(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	char buf[8];

	if (ra_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "tcp") == 0)
			s->svc->proto = IPPROTO_TCP;
		else if (strcmp(buf, "udp") == 0)
			s->svc->proto = IPPROTO_UDP;
		if (s->svc->proto)
			return 0;
	}
	return ra_cfg_fail(c, v, "must be tcp or udp");
}

static int ra_cfg_svc_check(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct ra_cfg_svc_ctx *s = obj;
	struct fy_node *m;
	int err;

	err = ra_cfg_collection(c, v, FYNT_MAPPING, false, &m);
	if (err)
		return err;
	s->check = m;
	s->have_check = true;
	return 0;
}

static const struct ra_cfg_field ra_cfg_svc_fields[] = {
	{ "vip", ra_cfg_svc_vip, true },
	{ "port", ra_cfg_svc_port, true },
	{ "protocol", ra_cfg_svc_proto, true },
	{ "check", ra_cfg_svc_check, false },
};

/* A key of the check that its type does not take (or lacks). */
static int ra_cfg_chk_misfit(struct ra_cfg_ctx *c, struct fy_node *n,
			     const char *key, const char *why)
{
	size_t plen = c->plen;
	int err;

	ra_cfg_push(c, ".check.%s", key);
	err = ra_cfg_fail(c, n, "%s", why);
	ra_cfg_pop(c, plen);
	return err;
}

/*
 * The check, once the service is known: the defaults that depend on the
 * service, and the keys each type takes.
 */
static int ra_cfg_check_walk(struct ra_cfg_ctx *c, struct ra_cfg_svc_ctx *s)
{
	struct ra_cfg_check_ctx k = { .svc = s->svc, .node = s->check };
	struct ra_cfg_check *chk = &s->svc->check;
	struct keel_probe_spec *sp = &chk->spec;
	size_t plen = c->plen;
	int err;

	ra_cfg_push(c, ".check");
	err = ra_cfg_map(c, s->check, ra_cfg_check_fields,
			 RA_CFG_N(ra_cfg_check_fields), &k);
	ra_cfg_pop(c, plen);
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

static int ra_cfg_service(struct ra_cfg_ctx *c, struct fy_node *n, size_t i)
{
	struct ra_cfg_svc_ctx s = { .svc = &c->cfg->svc[i] };
	struct ra_cfg_pos pos;
	struct fy_node *m;
	size_t j;
	int err;

	ra_cfg_node_pos(c, n, &pos);
	s.svc->line = pos.line;
	err = ra_cfg_collection(c, n, FYNT_MAPPING, false, &m);
	if (!err)
		err = ra_cfg_map(c, m, ra_cfg_svc_fields,
				 RA_CFG_N(ra_cfg_svc_fields), &s);
	if (!err)
		err = ra_cfg_check_walk(c, &s);
	if (err)
		return err;
	for (j = 0; j < i; j++) {
		const struct ra_cfg_service *o = &c->cfg->svc[j];

		if (memcmp(&o->vip, &s.svc->vip, sizeof(o->vip)) == 0 &&
		    o->port == s.svc->port && o->proto == s.svc->proto)
			return ra_cfg_fail(
				c, s.vip,
				"duplicate service (same vip, port and protocol as services[%zu], line %d)",
				j, o->line);
	}
	c->cfg->n_services = i + 1;
	return 0;
}

static int ra_cfg_services(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	int err;

	(void)obj;
	err = ra_cfg_list(c, v, KEEL_REPORT_MAX, "services", &c->services,
			  ra_cfg_service);
	if (!err && !c->cfg->n_services)
		return ra_cfg_fail(c, v, "at least one service is required");
	return err;
}

/* ---- top level ---- */

static int ra_cfg_key_file(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_path(c, v, c->cfg->key_file, sizeof(c->cfg->key_file));
}

static int ra_cfg_key_id(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_uint(c, v, 0, UINT32_MAX, &c->cfg->key_id);
}

static int ra_cfg_real(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_addr(c, v, &c->cfg->real);
}

static int ra_cfg_interval(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_duration_ms(c, v, RA_CFG_INTERVAL_MIN,
				  RA_CFG_INTERVAL_MAX, &c->cfg->interval_ms);
}

static int ra_cfg_rise_top(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_u16(c, v, &c->rise);
}

static int ra_cfg_fall_top(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_u16(c, v, &c->fall);
}

static int ra_cfg_state_dir(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_path(c, v, c->cfg->state_dir, sizeof(c->cfg->state_dir));
}

static int ra_cfg_manage(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_bool(c, v, &c->cfg->manage_network);
}

static int ra_cfg_ctl_socket(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	(void)obj;
	return ra_cfg_path(c, v, c->cfg->ctl_socket,
			   sizeof(c->cfg->ctl_socket));
}

static int ra_cfg_ctl_group(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	char buf[RA_CFG_NAME_MAX];
	int err;

	(void)obj;
	err = ra_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* POSIX portable names; "" leaves the socket to root's group. */
	if (strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789_.-") != strlen(buf) ||
	    buf[0] == '-')
		return ra_cfg_fail(
			c, v,
			"must be a group name (A-Z a-z 0-9 _ . -) or \"\"");
	memcpy(c->cfg->ctl_group, buf, sizeof(buf));
	return 0;
}

static int ra_cfg_listen(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	char buf[RA_CFG_NAME_MAX];
	uint16_t port;
	__be32 a[4];
	uint8_t fam;
	int err;

	(void)obj;
	err = ra_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	if (!buf[0] || strcmp(buf, "off") == 0) {
		c->cfg->metrics_listen[0] = '\0';
		return 0;
	}
	err = lb_hostport_parse(buf, strlen(buf), true, &fam, a, &port);
	if (err && err != -ERANGE)
		return ra_cfg_fail(
			c, v, "must be ADDRESS:PORT, [IPV6]:PORT, \"\" or off");
	if (err || port == 0)
		return ra_cfg_fail(c, v, "port must be in 1..65535");
	memcpy(c->cfg->metrics_listen, buf, sizeof(buf));
	return 0;
}

static const struct ra_cfg_field ra_cfg_control_fields[] = {
	{ "socket", ra_cfg_ctl_socket, false },
	{ "group", ra_cfg_ctl_group, false },
};

static const struct ra_cfg_field ra_cfg_metrics_fields[] = {
	{ "listen", ra_cfg_listen, false },
};

static int ra_cfg_control(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err;

	err = ra_cfg_collection(c, v, FYNT_MAPPING, true, &m);
	return err ? err :
		     ra_cfg_map(c, m, ra_cfg_control_fields,
				RA_CFG_N(ra_cfg_control_fields), obj);
}

static int ra_cfg_metrics(struct ra_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err;

	err = ra_cfg_collection(c, v, FYNT_MAPPING, true, &m);
	return err ? err :
		     ra_cfg_map(c, m, ra_cfg_metrics_fields,
				RA_CFG_N(ra_cfg_metrics_fields), obj);
}

static const struct ra_cfg_field ra_cfg_root_fields[] = {
	{ "lbs", ra_cfg_lbs, true },
	{ "key_file", ra_cfg_key_file, true },
	{ "key_id", ra_cfg_key_id, false },
	{ "real", ra_cfg_real, true },
	{ "interval", ra_cfg_interval, false },
	{ "rise", ra_cfg_rise_top, false },
	{ "fall", ra_cfg_fall_top, false },
	{ "interfaces", ra_cfg_interfaces, false },
	{ "control", ra_cfg_control, false },
	{ "state_dir", ra_cfg_state_dir, false },
	{ "metrics", ra_cfg_metrics, false },
	{ "manage_network", ra_cfg_manage, false },
	{ "services", ra_cfg_services, true },
};
_Static_assert(RA_CFG_N(ra_cfg_root_fields) <= RA_CFG_FIELDS_MAX,
	       "ra_cfg_map() tracks at most RA_CFG_FIELDS_MAX keys");
_Static_assert(RA_CFG_N(ra_cfg_check_fields) <= RA_CFG_FIELDS_MAX,
	       "ra_cfg_map() tracks at most RA_CFG_FIELDS_MAX keys");

/* Checks across keys, once every key is read (any order). */
static int ra_cfg_final(struct ra_cfg_ctx *c)
{
	struct ra_config *cfg = c->cfg;
	const char *rf = cfg->real.family == KEEL_F_INET ? "IPv4" : "IPv6";
	const char *other = cfg->real.family == KEEL_F_INET ? "IPv6" : "IPv4";
	struct fy_node *item, *vip;
	size_t i;

	for (i = 0; i < cfg->n_lbs; i++) {
		if (cfg->lbs[i].a.family == cfg->real.family)
			continue;
		ra_cfg_push(c, "lbs[%zu]", i);
		return ra_cfg_fail(
			c, ra_cfg_item(c->lbs, i),
			"an %s LB, but real is %s: reports leave from the real's address",
			other, rf);
	}
	for (i = 0; i < cfg->n_services; i++) {
		struct ra_cfg_check *k = &cfg->svc[i].check;

		k->rise = k->rise ? k->rise : c->rise;
		k->fall = k->fall ? k->fall : c->fall;
		if (cfg->svc[i].vip.family == cfg->real.family)
			continue;
		item = ra_cfg_item(c->services, i);
		vip = item && fy_node_get_type(item) == FYNT_MAPPING ?
			      fy_node_mapping_lookup_by_string(item, "vip", 3) :
			      item;
		ra_cfg_push(c, "services[%zu].vip", i);
		return ra_cfg_fail(
			c, vip,
			"an %s vip, but real is %s: lbd pairs a service with reals of its family (run one agent per family)",
			other, rf);
	}
	return 0;
}

static void ra_cfg_noop_output(struct fy_diag *diag, void *user,
			       const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

static int ra_cfg_syntax_error(struct ra_cfg_ctx *c, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	e = fy_diag_errors_iterate(diag, &it);
	c->err->line = e ? e->line : 0;
	c->err->column = e ? e->column : 0;
	snprintf(c->err->msg, sizeof(c->err->msg), "YAML syntax error: %s",
		 e && e->msg ? e->msg : "unknown");
	return -EINVAL;
}

/* Decode one UTF-8 sequence at s (n > 0 bytes left); 0 if malformed. */
static size_t ra_cfg_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	*cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	if (*cp < min[len] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Only YAML-printable UTF-8 reaches libfyaml (YAML 1.2 section 5.1):
 * libfyaml 0.7.12 stops at a NUL without a word, passes some malformed
 * UTF-8 into values and can loop on it (lb_config.c).
 */
static int ra_cfg_check_text(struct ra_cfg_ctx *c, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	struct ra_cfg_pos pos = { 1, 1 };
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = ra_cfg_utf8(s + i, len - i, &cp);
		c->here = pos;
		if (!n)
			return ra_cfg_fail(c, NULL, "not valid UTF-8");
		if (cp == 0)
			return ra_cfg_fail(c, NULL, "NUL byte in the file");
		if (!(cp == 0x09 || cp == 0x0a || cp == 0x0d ||
		      (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
		      (cp >= 0xa0 && cp <= 0xd7ff) ||
		      (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000))
			return ra_cfg_fail(
				c, NULL,
				"character U+%04X is not allowed in YAML", cp);
		if (cp == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
		i += n;
	}
	c->here = (struct ra_cfg_pos){ 0, 0 };
	return 0;
}

static int ra_cfg_document(struct ra_cfg_ctx *c, struct fy_parser *fyp,
			   struct fy_diag *diag)
{
	struct fy_document *doc, *next = NULL;
	struct fy_node *root;
	int err;

	doc = fy_parse_load_document(fyp);
	if (!doc) {
		if (fy_diag_got_error(diag))
			return ra_cfg_syntax_error(c, diag);
		return ra_cfg_fail(c, NULL, "empty document");
	}
	next = fy_parse_load_document(fyp);
	if (next) {
		err = ra_cfg_fail(c, fy_document_root(next),
				  "more than one YAML document");
		goto out;
	}
	if (fy_diag_got_error(diag)) {
		err = ra_cfg_syntax_error(c, diag);
		goto out;
	}
	err = ra_cfg_resolve(c, fy_document_root(doc), &root);
	if (err)
		goto out;
	if (!root || ra_cfg_is_null(root)) {
		err = ra_cfg_fail(c, NULL, "empty document");
		goto out;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		err = ra_cfg_fail(c, root, "the top level must be a mapping");
		goto out;
	}
	ra_cfg_node_pos(c, root, &c->here);
	err = ra_cfg_map(c, root, ra_cfg_root_fields,
			 RA_CFG_N(ra_cfg_root_fields), c->cfg);
	if (!err)
		err = ra_cfg_final(c);
out:
	if (next)
		fy_parse_document_destroy(fyp, next);
	fy_parse_document_destroy(fyp, doc);
	return err;
}

static void ra_cfg_defaults(struct ra_config *cfg)
{
	cfg->key_id = 1;
	cfg->interval_ms = RA_CFG_INTERVAL_DEFAULT;
	cfg->manage_network = true;
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "%s",
		 RA_CFG_SOCKET_DEFAULT);
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 RA_CFG_STATE_DIR_DEFAULT);
}

int ra_config_parse(const char *buf, size_t len, const char *file,
		    struct ra_config *out, struct ra_config_error *err)
{
	struct ra_config_error scratch = { 0 };
	struct ra_cfg_ctx c = { .cfg = out,
				.rise = RA_CFG_RISE_DEFAULT,
				.fall = RA_CFG_FALL_DEFAULT };
	struct fy_parser *fyp = NULL;
	struct fy_diag *diag = NULL;
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	int ret;

	c.err = err ? err : &scratch;
	c.buf = buf;
	c.len = len;
	memset(c.err, 0, sizeof(*c.err));
	snprintf(c.err->file, sizeof(c.err->file), "%s", file ? file : "-");
	memset(out, 0, sizeof(*out));
	ra_cfg_defaults(out);
	if (!buf || len == 0) {
		ret = ra_cfg_fail(&c, NULL, "empty document");
		goto out;
	}
	if (len > RA_CFG_FILE_MAX) {
		ret = ra_cfg_fail(&c, NULL, "larger than %zu bytes",
				  RA_CFG_FILE_MAX);
		goto out;
	}
	ret = ra_cfg_check_text(&c, buf, len);
	if (ret)
		goto out;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = ra_cfg_noop_output;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag) {
		ret = -ENOMEM;
		goto out;
	}
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	/* Duplicate keys are reported by ra_cfg_map() with their path. */
	pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
		     FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE |
		     FYPCF_ALLOW_DUPLICATE_KEYS;
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	if (!fyp || fy_parser_set_string(fyp, buf, len)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ra_cfg_document(&c, fyp, diag);
out:
	if (fyp)
		fy_parser_destroy(fyp);
	if (diag)
		fy_diag_destroy(diag);
	if (ret == -ENOMEM)
		snprintf(c.err->msg, sizeof(c.err->msg), "out of memory");
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/* A whole regular file of at most max bytes; *buf is malloc'ed. */
static int ra_cfg_read(const char *file, size_t max, char **bufp, size_t *lenp,
		       struct stat *st, char *msg, size_t msglen)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(msg, msglen, "cannot read: %s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, st) < 0) {
		ret = -errno;
		snprintf(msg, msglen, "cannot read: %s", strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st->st_size > max) {
		snprintf(msg, msglen, "larger than %zu bytes", max);
		ret = -EFBIG;
		goto out;
	}
	/* One byte more than stat says, to see a file that grew. */
	buf = malloc(st->st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	while (len <= (size_t)st->st_size) {
		n = read(fd, buf + len, st->st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(msg, msglen, "cannot read: %s",
				 strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > (size_t)st->st_size) {
		snprintf(msg, msglen, "changed while read");
		ret = -EAGAIN;
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

int ra_config_load(const char *file, struct ra_config *out,
		   struct ra_config_error *err)
{
	struct ra_config_error scratch = { 0 };
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int ret;

	if (!err)
		err = &scratch;
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	ret = ra_cfg_read(file, RA_CFG_FILE_MAX, &buf, &len, &st, err->msg,
			  sizeof(err->msg));
	if (ret)
		return ret;
	ret = ra_config_parse(buf, len, file, out, err);
	free(buf);
	return ret;
}

int ra_config_error_format(const struct ra_config_error *e, char *buf,
			   size_t size)
{
	char line[16] = "";
	int n;

	if (e->line > 0)
		snprintf(line, sizeof(line), ":%d", e->line);
	n = snprintf(buf, size, "%s%s: %s%s%s", e->file, line, e->key,
		     e->key[0] ? ": " : "", e->msg);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

static int ra_cfg_hex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ra_config_key_load(const char *path, uint8_t key[KEEL_REPORT_KEY_LEN],
		       char *msg, size_t msglen)
{
	char *buf = NULL, why[96];
	size_t len = 0, i;
	struct stat st;
	int ret, hi, lo;

	ret = ra_cfg_read(path, 4096, &buf, &len, &st, why, sizeof(why));
	if (ret) {
		snprintf(msg, msglen, "key file %s: %s", path, why);
		return ret;
	}
	/* A key others can read is a key others can sign with. */
	if (st.st_mode & 077) {
		snprintf(
			msg, msglen,
			"key file %s: mode %04o lets group or others read it (chmod 600)",
			path, (unsigned)(st.st_mode & 07777));
		ret = -EPERM;
		goto out;
	}
	if (len == KEEL_REPORT_KEY_LEN) {
		memcpy(key, buf, KEEL_REPORT_KEY_LEN);
		goto out;
	}
	if (len == 2 * KEEL_REPORT_KEY_LEN + 1 && buf[len - 1] == '\n')
		len--;
	if (len != 2 * KEEL_REPORT_KEY_LEN) {
		snprintf(
			msg, msglen,
			"key file %s: must hold 64 hex digits or 32 raw bytes, holds %zu bytes",
			path, len);
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < KEEL_REPORT_KEY_LEN; i++) {
		hi = ra_cfg_hex((unsigned char)buf[2 * i]);
		lo = ra_cfg_hex((unsigned char)buf[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(msg, msglen,
				 "key file %s: not a hex digit at byte %zu",
				 path, 2 * i + (hi < 0 ? 0 : 1));
			ret = -EINVAL;
			goto out;
		}
		key[i] = hi << 4 | lo;
	}
out:
	if (buf) {
		/* The key stays in key[] only. */
		memset(buf, 0, len);
		free(buf);
	}
	return ret;
}
