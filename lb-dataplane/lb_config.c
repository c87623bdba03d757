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

#include "keel_health.h" /* KEEL_RISEFALL_MAX */
#include "lb_addr.h"
#include "lb_config.h"
#include "lb_maglev.h"

/* Far above any real configuration; bounds the parser's memory. */
#define LB_CFG_FILE_MAX ((size_t)1 << 20)
#define LB_CFG_SCALAR_MAX LB_CFG_PATH_MAX /* longest value we accept + 1 */
#define LB_CFG_REALS_MAX (KEEL_MAX_REALS - 1) /* id 0 is never a real */
#define LB_CFG_NEIGH_MIN_MS 100
#define LB_CFG_NEIGH_MAX_MS 60000
#define LB_CFG_CONN_MIN 1024
#define LB_CFG_CONN_MAX 16777216
#define LB_CFG_FIELDS_MAX 16 /* keys of the largest mapping, see lb_cfg_map() */

struct lb_cfg_pos {
	int line; /* 1-based; 0 unknown */
	int col;
};

struct lb_cfg_ctx {
	struct lb_config *cfg;
	struct lb_config_error *err;
	/* Where to point when a node has no token of its own (null value). */
	struct lb_cfg_pos here;
	char path[sizeof(((struct lb_config_error *)0)->key)];
	size_t plen;
	size_t n_reals; /* in all services so far */
	bool have_socket, have_state;
	const char *buf; /* the raw input, for lb_cfg_text() */
	size_t len;
};

/* A key of one mapping and the function that parses its value. */
struct lb_cfg_field {
	const char *name;
	int (*parse)(struct lb_cfg_ctx *c, struct fy_node *v, void *obj);
	bool required;
};

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

/* Copy user text into a message: printable ASCII only, bounded. */
static void lb_cfg_quote(char *dst, size_t size, const char *s, size_t len)
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

static void lb_cfg_node_pos(const struct lb_cfg_ctx *c, struct fy_node *n,
			    struct lb_cfg_pos *pos)
{
	const struct fy_mark *m;
	struct fy_token *t;
	void *it = NULL;

	*pos = c->here;
	/*
	 * libfyaml 0.7 exposes marks of tokens only: a collection is placed
	 * at its first scalar, which is where an operator looks for it.
	 */
	while (n) {
		switch (fy_node_get_type(n)) {
		case FYNT_SCALAR:
			t = fy_node_get_scalar_token(n);
			m = t ? fy_token_start_mark(t) : NULL;
			if (m) {
				pos->line = m->line + 1;
				pos->col = m->column + 1;
			}
			return;
		case FYNT_MAPPING: {
			struct fy_node_pair *p =
				fy_node_mapping_iterate(n, &it);

			n = p ? fy_node_pair_key(p) : NULL;
			break;
		}
		case FYNT_SEQUENCE:
			n = fy_node_sequence_iterate(n, &it);
			break;
		default:
			return;
		}
		it = NULL;
	}
}

static void lb_cfg_push_key(struct lb_cfg_ctx *c, const char *k, size_t len)
{
	char q[64];
	int n;

	lb_cfg_quote(q, sizeof(q), k, len);
	n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s",
		     c->plen ? "." : "", q);
	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ?
				   (size_t)n :
				   sizeof(c->path) - c->plen - 1;
}

static void lb_cfg_push_index(struct lb_cfg_ctx *c, size_t i)
{
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]",
			 i);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ?
				   (size_t)n :
				   sizeof(c->path) - c->plen - 1;
}

static void lb_cfg_pop(struct lb_cfg_ctx *c, size_t plen)
{
	c->plen = plen;
	c->path[plen] = '\0';
}

static void lb_cfg_vfail_at(struct lb_cfg_ctx *c, const struct lb_cfg_pos *pos,
			    const char *fmt, va_list ap)
{
	struct lb_config_error *e = c->err;

	e->line = pos->line;
	e->column = pos->col;
	snprintf(e->key, sizeof(e->key), "%s", c->path);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

__attribute__((format(printf, 3, 4))) static int
lb_cfg_fail(struct lb_cfg_ctx *c, struct fy_node *n, const char *fmt, ...)
{
	struct lb_cfg_pos pos;
	va_list ap;

	lb_cfg_node_pos(c, n, &pos);
	va_start(ap, fmt);
	lb_cfg_vfail_at(c, &pos, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An error about child key k of the current path (e.g. it is missing). */
__attribute__((format(printf, 4, 5))) static int
lb_cfg_fail_key(struct lb_cfg_ctx *c, struct fy_node *n, const char *k,
		const char *fmt, ...)
{
	struct lb_cfg_pos pos;
	size_t plen = c->plen;
	va_list ap;

	lb_cfg_node_pos(c, n, &pos);
	lb_cfg_push_key(c, k, strlen(k));
	va_start(ap, fmt);
	lb_cfg_vfail_at(c, &pos, fmt, ap);
	va_end(ap);
	lb_cfg_pop(c, plen);
	return -EINVAL;
}

static const char *lb_cfg_type_name(struct fy_node *n)
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
 * A scalar's text.  libfyaml 0.7.12 leaks a buffer when it unescapes a
 * single-quoted scalar holding '' (found by fuzz_config), so such scalars
 * are refused from the raw input before the text is asked for: no keel
 * value contains a quote.
 */
static int lb_cfg_text(struct lb_cfg_ctx *c, struct fy_node *n, const char **s,
		       size_t *len)
{
	struct fy_token *t;
	const struct fy_mark *a, *b;
	size_t i;

	*s = NULL;
	*len = 0;
	if (fy_node_get_style(n) == FYNS_SINGLE_QUOTED) {
		t = fy_node_get_scalar_token(n);
		a = t ? fy_token_start_mark(t) : NULL;
		b = t ? fy_token_end_mark(t) : NULL;
		if (!a || !b || b->input_pos > c->len ||
		    a->input_pos > b->input_pos)
			return lb_cfg_fail(c, n,
					   "cannot read this quoted value");
		for (i = a->input_pos + 1; i + 2 < b->input_pos; i++)
			if (c->buf[i] == '\'' && c->buf[i + 1] == '\'')
				return lb_cfg_fail(
					c, n,
					"quotes inside a quoted value are not allowed");
	}
	*s = fy_node_get_scalar(n, len);
	if (!*s)
		*len = 0;
	return 0;
}

/* YAML 1.2 core schema nulls; quoted text is never null. */
static bool lb_cfg_is_null(struct fy_node *n)
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
	for (i = 0; i < LB_CFG_N(nulls); i++)
		if (len == strlen(nulls[i]) && memcmp(s, nulls[i], len) == 0)
			return true;
	return false;
}

/*
 * Follow an alias and refuse tags.  *out is NULL for a missing value
 * (libfyaml has no node for "key:" in some forms).
 */
static int lb_cfg_resolve(struct lb_cfg_ctx *c, struct fy_node *n,
			  struct fy_node **out)
{
	struct fy_node *r = n;

	if (n && fy_node_is_alias(n)) {
		r = fy_node_resolve_alias(n);
		if (!r)
			return lb_cfg_fail(c, n,
					   "alias without a matching anchor");
	}
	if (r && fy_node_get_tag(r, NULL))
		return lb_cfg_fail(c, n, "YAML tags are not supported");
	*out = r;
	return 0;
}

/*
 * Resolve n and require type.  A key with no value ("services:", all
 * entries commented out) is an empty collection, *out NULL; an empty
 * list item is a mistake.
 */
static int lb_cfg_collection(struct lb_cfg_ctx *c, struct fy_node *n,
			     enum fy_node_type type, bool null_ok,
			     struct fy_node **out)
{
	const char *want = type == FYNT_MAPPING ? "a mapping" : "a list";
	int err = lb_cfg_resolve(c, n, out);

	if (err)
		return err;
	if (!*out || lb_cfg_is_null(*out)) {
		*out = NULL;
		if (!null_ok)
			return lb_cfg_fail(c, n, "expected %s, got no value",
					   want);
		return 0;
	}
	if (fy_node_get_type(*out) != type)
		return lb_cfg_fail(c, n, "expected %s, got %s", want,
				   lb_cfg_type_name(*out));
	return 0;
}

/*
 * The text of a scalar value, NUL-terminated in buf.  plain: the value
 * must be unquoted (numbers, booleans), else any style will do.
 */
static int lb_cfg_scalar(struct lb_cfg_ctx *c, struct fy_node *n, char *buf,
			 size_t size, bool plain)
{
	struct fy_node *r;
	const char *s;
	size_t len;
	int err;

	buf[0] = '\0';
	err = lb_cfg_resolve(c, n, &r);
	if (err)
		return err;
	if (!r || lb_cfg_is_null(r))
		return lb_cfg_fail(c, n, "no value");
	if (fy_node_get_type(r) != FYNT_SCALAR)
		return lb_cfg_fail(
			c, n, "expected a scalar, got %s%s",
			lb_cfg_type_name(r),
			fy_node_get_type(r) == FYNT_SEQUENCE ?
				" (quote values that start with '[')" :
				"");
	if (plain && fy_node_get_style(r) != FYNS_PLAIN)
		return lb_cfg_fail(c, n, "must not be quoted");
	err = lb_cfg_text(c, r, &s, &len);
	if (err)
		return err;
	if (len >= size)
		return lb_cfg_fail(c, n, "too long (max %zu bytes)", size - 1);
	if (len && memchr(s, '\0', len))
		return lb_cfg_fail(c, n, "contains a NUL byte");
	if (len)
		memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/* Strict unsigned decimal: no sign, no leading zero, no other base. */
static bool lb_cfg_decimal(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

static int lb_cfg_uint(struct lb_cfg_ctx *c, struct fy_node *n,
		       unsigned long min, unsigned long max, uint32_t *out)
{
	char buf[LB_CFG_SCALAR_MAX];
	unsigned long v;
	int err;

	err = lb_cfg_scalar(c, n, buf, sizeof(buf), true);
	if (err)
		return err;
	if (!lb_cfg_decimal(buf, ULONG_MAX, &v) || v < min || v > max)
		return lb_cfg_fail(c, n, "must be an integer in %lu..%lu", min,
				   max);
	*out = v;
	return 0;
}

static int lb_cfg_bool(struct lb_cfg_ctx *c, struct fy_node *n, bool *out)
{
	char buf[8];

	if (lb_cfg_scalar(c, n, buf, sizeof(buf), true) == 0) {
		if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0) {
			*out = buf[0] == 't';
			return 0;
		}
	}
	return lb_cfg_fail(c, n, "must be true or false");
}

/* A duration: integer and unit, "250ms" or "2s". */
static int lb_cfg_duration_ms(struct lb_cfg_ctx *c, struct fy_node *n,
			      uint32_t min, uint32_t max, uint32_t *out)
{
	char buf[32], *unit;
	unsigned long v, scale;
	int err;

	err = lb_cfg_scalar(c, n, buf, sizeof(buf), true);
	if (err)
		return err;
	unit = buf + strspn(buf, "0123456789");
	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else
		return lb_cfg_fail(c, n,
				   "must be a duration such as 250ms or 2s");
	*unit = '\0';
	if (!lb_cfg_decimal(buf, ULONG_MAX / 1000, &v) || v * scale < min ||
	    v * scale > max)
		return lb_cfg_fail(c, n, "must be a duration in %ums..%us", min,
				   max / 1000);
	*out = v * scale;
	return 0;
}

/* An absolute path that fits size bytes with its NUL. */
static int lb_cfg_path(struct lb_cfg_ctx *c, struct fy_node *n, char *out,
		       size_t size)
{
	char buf[LB_CFG_SCALAR_MAX];
	size_t i;
	int err;

	err = lb_cfg_scalar(c, n, buf, size, false);
	if (err)
		return err;
	if (buf[0] != '/')
		return lb_cfg_fail(c, n, "must be an absolute path");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return lb_cfg_fail(c, n,
					   "contains a control character");
	memcpy(out, buf, i + 1);
	return 0;
}

/* Addresses a VIP or real can never have. */
static bool lb_cfg_addr_usable(uint8_t family, const __be32 a[4])
{
	const uint8_t *b = (const uint8_t *)a;
	static const uint8_t zero[16];

	if (family == KEEL_F_INET)
		return a[0] != 0 && (b[0] & 0xf0) != 0xe0 && a[0] != 0xffffffff;
	return memcmp(b, zero, 16) != 0 && b[0] != 0xff;
}

static int lb_cfg_addr(struct lb_cfg_ctx *c, struct fy_node *n, uint8_t *family,
		       __be32 addr[4])
{
	char buf[64], q[48];
	int err;

	err = lb_cfg_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	if (lb_addr_parse(buf, family, addr)) {
		lb_cfg_quote(q, sizeof(q), buf, strlen(buf));
		return lb_cfg_fail(c, n,
				   "\"%s\" is not an IPv4 or IPv6 address", q);
	}
	if (!lb_cfg_addr_usable(*family, addr))
		return lb_cfg_fail(
			c, n, "unspecified, multicast or broadcast address");
	return 0;
}

/* The node of the i-th item of seq, aliases followed. */
static struct fy_node *lb_cfg_item(struct fy_node *seq, size_t i)
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

static int lb_cfg_key_text(struct lb_cfg_ctx *c, struct fy_node *k,
			   const char **s, size_t *len)
{
	struct fy_node *r;
	int err;

	err = lb_cfg_resolve(c, k, &r);
	if (err)
		return err;
	if (!r || fy_node_get_type(r) != FYNT_SCALAR || lb_cfg_is_null(r))
		return lb_cfg_fail(c, k, "keys must be plain names");
	return lb_cfg_text(c, r, s, len);
}

/*
 * Walk mapping n (resolved, or NULL for an empty one) against fields:
 * unknown keys, duplicate keys and missing required keys are errors.
 */
static int lb_cfg_map(struct lb_cfg_ctx *c, struct fy_node *n,
		      const struct lb_cfg_field *fields, size_t nfields,
		      void *obj)
{
	struct fy_node *seen[LB_CFG_FIELDS_MAX] = { NULL };
	struct lb_cfg_pos here = c->here, pos;
	size_t plen = c->plen, len = 0, i;
	struct fy_node_pair *p;
	void *it = NULL;
	const char *k = NULL;
	int err = 0;

	while (n && (p = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *kn = fy_node_pair_key(p);

		err = lb_cfg_key_text(c, kn, &k, &len);
		if (err)
			break;
		for (i = 0; i < nfields; i++)
			if (strlen(fields[i].name) == len &&
			    memcmp(fields[i].name, k, len) == 0)
				break;
		lb_cfg_push_key(c, k, len);
		if (i == nfields) {
			char list[112];
			size_t j, o = 0;

			if (len == 2 && memcmp(k, "<<", 2) == 0) {
				err = lb_cfg_fail(
					c, kn, "merge keys are not supported");
				break;
			}
			for (j = 0; j < nfields && o < sizeof(list); j++)
				o += snprintf(list + o, sizeof(list) - o,
					      "%s%s", j ? ", " : "",
					      fields[j].name);
			err = lb_cfg_fail(c, kn, "unknown key; expected %s",
					  list);
			break;
		}
		if (seen[i]) {
			lb_cfg_node_pos(c, seen[i], &pos);
			err = lb_cfg_fail(c, kn,
					  "duplicate key (first at line %d)",
					  pos.line);
			break;
		}
		seen[i] = kn;
		lb_cfg_node_pos(c, kn, &c->here);
		err = fields[i].parse(c, fy_node_pair_value(p), obj);
		c->here = here;
		if (err)
			break;
		lb_cfg_pop(c, plen);
	}
	if (err)
		return err;
	for (i = 0; i < nfields; i++)
		if (fields[i].required && !seen[i])
			return lb_cfg_fail_key(c, n, fields[i].name,
					       "required key missing");
	return 0;
}

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

static int lb_cfg_iface_name(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_iface *ifc = obj;
	char buf[sizeof(ifc->name)];
	size_t i;
	int err;

	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* The kernel's dev_valid_name() rules. */
	if (!buf[0] || strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return lb_cfg_fail(c, v, "not a valid interface name");
	for (i = 0; buf[i]; i++)
		if (buf[i] == '/' || buf[i] == ':' ||
		    (unsigned char)buf[i] <= 0x20 || buf[i] == 0x7f)
			return lb_cfg_fail(c, v, "not a valid interface name");
	memcpy(ifc->name, buf, sizeof(buf));
	return 0;
}

static int lb_cfg_iface_mode(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_iface *ifc = obj;
	char buf[16];

	if (lb_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "native") == 0 || strcmp(buf, "generic") == 0) {
			ifc->generic = buf[0] == 'g';
			return 0;
		}
	}
	return lb_cfg_fail(c, v, "must be native or generic");
}

static const struct lb_cfg_field lb_cfg_iface_fields[] = {
	{ "name", lb_cfg_iface_name, true },
	{ "mode", lb_cfg_iface_mode, false },
};

static int lb_cfg_interfaces(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct fy_node *seq, *item, *m;
	struct lb_cfg_pos here = c->here;
	size_t plen = c->plen, i, j;
	void *it = NULL;
	int err;

	err = lb_cfg_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err)
		return err;
	if (!seq || fy_node_sequence_item_count(seq) == 0)
		return lb_cfg_fail(c, v, "at least one interface is required");
	for (i = 0; (item = fy_node_sequence_iterate(seq, &it)); i++) {
		lb_cfg_push_index(c, i);
		if (i == LB_CFG_IFACES_MAX)
			return lb_cfg_fail(c, item,
					   "too many interfaces (max %d)",
					   LB_CFG_IFACES_MAX);
		lb_cfg_node_pos(c, item, &c->here);
		err = lb_cfg_collection(c, item, FYNT_MAPPING, false, &m);
		if (!err)
			err = lb_cfg_map(c, m, lb_cfg_iface_fields,
					 LB_CFG_N(lb_cfg_iface_fields),
					 &cfg->ifaces[i]);
		for (j = 0; !err && j < i; j++)
			if (strcmp(cfg->ifaces[j].name, cfg->ifaces[i].name) ==
			    0)
				err = lb_cfg_fail_key(
					c,
					fy_node_mapping_lookup_by_string(
						m, "name", 4),
					"name",
					"duplicate interface (same as interfaces[%zu])",
					j);
		c->here = here;
		if (err)
			return err;
		cfg->n_ifaces = i + 1;
		lb_cfg_pop(c, plen);
	}
	return 0;
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

static int lb_cfg_hc_type(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[16];
	size_t i;

	x->given[LB_HCF_TYPE] = v;
	if (lb_cfg_scalar(c, v, buf, sizeof(buf), false) == 0)
		for (i = 0; i < LB_CFG_N(lb_cfg_hc_names); i++)
			if (strcmp(buf, lb_cfg_hc_names[i]) == 0) {
				x->h->type = i;
				return 0;
			}
	return lb_cfg_fail(c, v, "must be none, agent, tcp or http");
}

static int lb_cfg_hc_port(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	uint32_t port;
	int err;

	x->given[LB_HCF_PORT] = v;
	err = lb_cfg_uint(c, v, 1, 65535, &port);
	if (!err)
		x->h->port = port;
	return err;
}

static int lb_cfg_hc_interval(struct lb_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	x->given[LB_HCF_INTERVAL] = v;
	return lb_cfg_duration_ms(c, v, LB_CFG_HC_INTERVAL_MIN,
				  LB_CFG_HC_INTERVAL_MAX, &x->h->interval_ms);
}

static int lb_cfg_hc_timeout(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	x->given[LB_HCF_TIMEOUT] = v;
	return lb_cfg_duration_ms(c, v, LB_CFG_HC_TIMEOUT_MIN,
				  LB_CFG_HC_INTERVAL_MAX, &x->h->timeout_ms);
}

static int lb_cfg_hc_risefall(struct lb_cfg_ctx *c, struct fy_node *v,
			      struct lb_cfg_hc_ctx *x, int f, uint16_t *out)
{
	uint32_t n;
	int err;

	x->given[f] = v;
	err = lb_cfg_uint(c, v, 1, KEEL_RISEFALL_MAX, &n);
	if (!err)
		*out = n;
	return err;
}

static int lb_cfg_hc_rise(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;

	return lb_cfg_hc_risefall(c, v, x, LB_HCF_RISE, &x->h->rise);
}

static int lb_cfg_hc_fall(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
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

static int lb_cfg_hc_path(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[LB_CFG_HC_PATH_MAX];
	int err;

	x->given[LB_HCF_PATH] = v;
	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* RFC 9112 section 3.2: origin-form; '#' never goes on the wire. */
	if (buf[0] != '/' || !lb_cfg_visible(buf, "#"))
		return lb_cfg_fail(
			c, v,
			"must start with / and hold no spaces, '#' or control characters");
	memcpy(x->h->path, buf, sizeof(buf));
	return 0;
}

/* One status or a range, "200" or "200-399", within 100..599. */
static int lb_cfg_hc_expect(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	unsigned long lo, hi;
	char buf[16], *dash;

	x->given[LB_HCF_EXPECT] = v;
	if (lb_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		dash = strchr(buf, '-');
		if (dash)
			*dash = '\0';
		if (lb_cfg_decimal(buf, 599, &lo) &&
		    (!dash || lb_cfg_decimal(dash + 1, 599, &hi))) {
			if (!dash)
				hi = lo;
			if (lo >= 100 && lo <= hi) {
				x->h->status_min = lo;
				x->h->status_max = hi;
				return 0;
			}
		}
	}
	return lb_cfg_fail(
		c, v,
		"must be a status or a range within 100..599, e.g. 200-399");
}

static int lb_cfg_hc_host(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_hc_ctx *x = obj;
	char buf[LB_CFG_HC_HOST_MAX];
	int err;

	x->given[LB_HCF_HOST] = v;
	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* RFC 9110 section 7.2: uri-host [ ":" port ], no userinfo. */
	if (!buf[0] || !lb_cfg_visible(buf, "/?#@\"\\"))
		return lb_cfg_fail(c, v,
				   "must be a host name or address[:port]");
	memcpy(x->h->host, buf, sizeof(buf));
	return 0;
}

static const struct lb_cfg_field lb_cfg_hc_fields[] = {
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
static int lb_cfg_health(struct lb_cfg_ctx *c, struct fy_node *v,
			 struct lb_cfg_health *h)
{
	struct lb_cfg_hc_ctx x = { .h = h };
	struct lb_cfg_pos pos;
	struct fy_node *m;
	size_t i;
	int err;

	memset(h, 0, sizeof(*h));
	err = lb_cfg_collection(c, v, FYNT_MAPPING, false, &m);
	if (err)
		return err;
	lb_cfg_node_pos(c, m, &pos);
	h->line = pos.line;
	h->column = pos.col;
	err = lb_cfg_map(c, m, lb_cfg_hc_fields, LB_CFG_N(lb_cfg_hc_fields),
			 &x);
	if (err)
		return err;
	for (i = 0; i < LB_HCF__MAX; i++)
		if (x.given[i] && !(lb_cfg_hc_keys[h->type] & (1U << i)))
			return lb_cfg_fail_key(c, x.given[i],
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
		return lb_cfg_fail_key(
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
static int lb_cfg_lw_enabled(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_bool(c, v, &lw->enabled);
}

static int lb_cfg_lw_metric(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;
	char buf[16];

	if (lb_cfg_scalar(c, v, buf, sizeof(buf), false) == 0) {
		if (strcmp(buf, "connections") == 0) {
			lw->metric = LB_LOADW_CONNS;
			return 0;
		}
		if (strcmp(buf, "load") == 0) {
			lw->metric = LB_LOADW_LOAD;
			return 0;
		}
	}
	return lb_cfg_fail(c, v, "must be connections or load");
}

static int lb_cfg_lw_period(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_duration_ms(c, v, 1000, 3600000, &lw->period_ms);
}

static int lb_cfg_lw_pct(struct lb_cfg_ctx *c, struct fy_node *v,
			 unsigned long min, unsigned long max, uint16_t *out)
{
	uint32_t n;
	int err;

	err = lb_cfg_uint(c, v, min, max, &n);
	if (!err)
		*out = n;
	return err;
}

static int lb_cfg_lw_smoothing(struct lb_cfg_ctx *c, struct fy_node *v,
			       void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 1, 100, &lw->alpha_pct);
}

static int lb_cfg_lw_min(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 1, 100, &lw->min_pct);
}

static int lb_cfg_lw_max(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 100, 1000, &lw->max_pct);
}

static int lb_cfg_lw_deadband(struct lb_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct lb_loadw_cfg *lw = obj;

	return lb_cfg_lw_pct(c, v, 0, 100, &lw->deadband_pct);
}

static const struct lb_cfg_field lb_cfg_lw_fields[] = {
	{ "enabled", lb_cfg_lw_enabled, false },
	{ "metric", lb_cfg_lw_metric, false },
	{ "period", lb_cfg_lw_period, false },
	{ "smoothing", lb_cfg_lw_smoothing, false },
	{ "min", lb_cfg_lw_min, false },
	{ "max", lb_cfg_lw_max, false },
	{ "deadband", lb_cfg_lw_deadband, false },
};

static int lb_cfg_real_address(struct lb_cfg_ctx *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_real *r = obj;

	return lb_cfg_addr(c, v, &r->family, r->addr);
}

static int lb_cfg_real_weight(struct lb_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct lb_cfg_real *r = obj;

	return lb_cfg_uint(c, v, 0, 65535, &r->weight);
}

static int lb_cfg_real_health_key(struct lb_cfg_ctx *c, struct fy_node *v,
				  void *obj)
{
	struct lb_cfg_real *r = obj;

	r->health = malloc(sizeof(*r->health));
	if (!r->health)
		return -ENOMEM;
	return lb_cfg_health(c, v, r->health);
}

static const struct lb_cfg_field lb_cfg_real_fields[] = {
	{ "address", lb_cfg_real_address, true },
	{ "weight", lb_cfg_real_weight, false },
	{ "health", lb_cfg_real_health_key, false },
};

static int lb_cfg_svc_vip(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;

	return lb_cfg_addr(c, v, &s->svc->key.family, s->svc->key.addr);
}

static int lb_cfg_svc_port(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	uint32_t port = 0;
	int err;

	s->port = v;
	err = lb_cfg_uint(c, v, 0, 65535, &port);
	if (!err)
		s->svc->key.port = htons(port);
	return err;
}

static int lb_cfg_svc_proto(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	char buf[16];

	s->proto = v;
	if (lb_cfg_scalar(c, v, buf, sizeof(buf), false) == 0 &&
	    lb_proto_parse(buf, &s->svc->key.proto) == 0)
		return 0;
	return lb_cfg_fail(c, v, "must be tcp, udp, icmp, icmpv6 or 1..255");
}

static int lb_cfg_svc_persistent(struct lb_cfg_ctx *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	bool on = false;
	int err;

	err = lb_cfg_bool(c, v, &on);
	if (!err && on)
		s->svc->flags |= KEEL_SVC_F_PERSISTENT;
	return err;
}

static int lb_cfg_svc_ring(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	int err;

	err = lb_cfg_uint(c, v, 2, KEEL_RING_SIZE_MAX, &s->svc->ring_size);
	if (!err && !lb_maglev_is_prime(s->svc->ring_size))
		return lb_cfg_fail(c, v, "must be a prime (e.g. 65537)");
	return err;
}

static int lb_cfg_svc_reals(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	struct lb_cfg_pos here = c->here;
	struct fy_node *seq, *item, *m;
	size_t plen = c->plen, n, i;
	void *it = NULL;
	int err;

	err = lb_cfg_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err || !seq)
		return err;
	s->reals = seq;
	n = fy_node_sequence_item_count(seq);
	if (n == 0)
		return 0;
	if (n > LB_CFG_REALS_MAX - c->n_reals) {
		lb_cfg_push_index(c, LB_CFG_REALS_MAX - c->n_reals);
		return lb_cfg_fail(
			c, lb_cfg_item(seq, LB_CFG_REALS_MAX - c->n_reals),
			"too many reals (max %d in all services)",
			LB_CFG_REALS_MAX);
	}
	s->svc->reals = calloc(n, sizeof(*s->svc->reals));
	if (!s->svc->reals)
		return -ENOMEM;
	for (i = 0; i < n && (item = fy_node_sequence_iterate(seq, &it)); i++) {
		struct lb_cfg_real *r = &s->svc->reals[i];
		struct lb_cfg_pos pos;

		lb_cfg_push_index(c, i);
		lb_cfg_node_pos(c, item, &pos);
		c->here = pos;
		r->weight = 1;
		r->line = pos.line;
		/* Counted before the walk so that lb_config_free() sees it. */
		s->svc->n_reals = i + 1;
		err = lb_cfg_collection(c, item, FYNT_MAPPING, false, &m);
		if (!err)
			err = lb_cfg_map(c, m, lb_cfg_real_fields,
					 LB_CFG_N(lb_cfg_real_fields), r);
		c->here = here;
		if (err)
			return err;
		lb_cfg_pop(c, plen);
	}
	c->n_reals += s->svc->n_reals;
	return 0;
}

static int lb_cfg_svc_health(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;

	return lb_cfg_health(c, v, &s->svc->health);
}

static int lb_cfg_svc_load_aware(struct lb_cfg_ctx *c, struct fy_node *v,
				 void *obj)
{
	struct lb_cfg_svc_ctx *s = obj;
	struct fy_node *m;
	int err;

	s->load_aware = v;
	err = lb_cfg_collection(c, v, FYNT_MAPPING, true, &m);
	if (!err)
		err = lb_cfg_map(c, m, lb_cfg_lw_fields,
				 LB_CFG_N(lb_cfg_lw_fields),
				 &s->svc->load_aware);
	if (!err && lb_loadw_cfg_check(&s->svc->load_aware))
		err = lb_cfg_fail(c, v, "values out of range");
	return err;
}

static const struct lb_cfg_field lb_cfg_svc_fields[] = {
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
static int lb_cfg_fail_real(struct lb_cfg_ctx *c, struct lb_cfg_svc_ctx *s,
			    size_t i, const char *msg, size_t other)
{
	struct fy_node *item = lb_cfg_item(s->reals, i), *a = NULL;
	size_t plen = c->plen;
	char ref[96] = "";
	int err;

	if (item && fy_node_get_type(item) == FYNT_MAPPING)
		a = fy_node_mapping_lookup_by_string(item, "address", 7);
	if (other != (size_t)-1)
		snprintf(ref, sizeof(ref), " (same as reals[%zu], line %d)",
			 other, s->svc->reals[other].line);
	lb_cfg_push_key(c, "reals", 5);
	lb_cfg_push_index(c, i);
	lb_cfg_push_key(c, "address", 7);
	err = lb_cfg_fail(c, a ? a : item, "%s%s", msg, ref);
	lb_cfg_pop(c, plen);
	return err;
}

/*
 * An error about a health mapping found after it was read: at its stored
 * position, key [services[svc].]reals[real].health.key (svc, real -1:
 * not part of the path).
 */
__attribute__((format(printf, 6, 7))) static int
lb_cfg_fail_hc(struct lb_cfg_ctx *c, const struct lb_cfg_health *h, ssize_t svc,
	       ssize_t real, const char *key, const char *fmt, ...)
{
	struct lb_cfg_pos pos = { h->line, h->column };
	size_t plen = c->plen;
	va_list ap;

	if (svc >= 0) {
		lb_cfg_push_key(c, "services", 8);
		lb_cfg_push_index(c, svc);
	}
	if (real >= 0) {
		lb_cfg_push_key(c, "reals", 5);
		lb_cfg_push_index(c, real);
	}
	lb_cfg_push_key(c, "health", 6);
	lb_cfg_push_key(c, key, strlen(key));
	va_start(ap, fmt);
	lb_cfg_vfail_at(c, &pos, fmt, ap);
	va_end(ap);
	lb_cfg_pop(c, plen);
	return -EINVAL;
}

/* A probe needs a port: its own or the service's. */
static int lb_cfg_hc_check(struct lb_cfg_ctx *c,
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
static int lb_cfg_svc_check(struct lb_cfg_ctx *c, struct lb_cfg_svc_ctx *s)
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
		return lb_cfg_fail_key(
			c, s->load_aware, "load_aware",
			"needs the service's health type agent (the load comes from the agents' reports)");

	/* Only TCP and UDP carry ports in the data plane's flow key. */
	if (svc->key.port && proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return lb_cfg_fail_key(c, s->port, "port",
				       "a port needs protocol tcp or udp");
	if ((proto == IPPROTO_ICMP && fam != KEEL_F_INET) ||
	    (proto == IPPROTO_ICMPV6 && fam != KEEL_F_INET6))
		return lb_cfg_fail_key(c, s->proto, "protocol",
				       "%s does not match the vip's family",
				       lb_proto_name(proto));
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

static int lb_cfg_services(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct lb_cfg_pos here = c->here;
	struct fy_node *seq, *item, *m;
	size_t plen = c->plen, n, i, dup, orig;
	struct lb_cfg_dup *d;
	void *it = NULL;
	bool found;
	int err;

	err = lb_cfg_collection(c, v, FYNT_SEQUENCE, true, &seq);
	if (err || !seq)
		return err;
	n = fy_node_sequence_item_count(seq);
	if (n > KEEL_MAX_SERVICES) {
		lb_cfg_push_index(c, KEEL_MAX_SERVICES);
		return lb_cfg_fail(c, lb_cfg_item(seq, KEEL_MAX_SERVICES),
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
		struct lb_cfg_pos pos;

		lb_cfg_push_index(c, i);
		lb_cfg_node_pos(c, item, &pos);
		c->here = pos;
		s.svc->line = pos.line;
		s.svc->ring_size = KEEL_RING_SIZE_DEFAULT;
		lb_loadw_cfg_default(&s.svc->load_aware);
		/* Counted before the walk so that lb_config_free() sees reals. */
		cfg->n_services = i + 1;
		err = lb_cfg_collection(c, item, FYNT_MAPPING, false, &m);
		if (!err)
			err = lb_cfg_map(c, m, lb_cfg_svc_fields,
					 LB_CFG_N(lb_cfg_svc_fields), &s);
		if (!err)
			err = lb_cfg_svc_check(c, &s);
		c->here = here;
		if (err)
			return err;
		lb_cfg_pop(c, plen);
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
		lb_cfg_push_index(c, dup);
		return lb_cfg_fail(
			c, lb_cfg_item(seq, dup),
			"duplicate service (same vip, port and protocol as services[%zu], line %d)",
			orig, cfg->services[orig].line);
	}
	return 0;
}

/* ---- top level ---- */

static int lb_cfg_instance(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	char buf[LB_CFG_NAME_MAX];
	int err;

	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* It names files and a bpffs directory. */
	if (!buf[0] || strspn(buf, lb_cfg_name_chars) != strlen(buf) ||
	    strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
		return lb_cfg_fail(c, v, "must be 1..63 of A-Z a-z 0-9 _ . -");
	memcpy(cfg->instance, buf, sizeof(buf));
	return 0;
}

static int lb_cfg_bpffs(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return lb_cfg_path(c, v, cfg->bpffs, sizeof(cfg->bpffs));
}

static int lb_cfg_conn_table(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return lb_cfg_uint(c, v, LB_CFG_CONN_MIN, LB_CFG_CONN_MAX,
			   &cfg->conn_table_size);
}

static int lb_cfg_state_file(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	c->have_state = true;
	return lb_cfg_path(c, v, cfg->state_file, sizeof(cfg->state_file));
}

static int lb_cfg_ctl_socket(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	c->have_socket = true;
	return lb_cfg_path(c, v, cfg->ctl_socket, sizeof(cfg->ctl_socket));
}

static int lb_cfg_ctl_group(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	char buf[LB_CFG_NAME_MAX];
	int err;

	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	/* POSIX portable names; "" leaves the socket to root. */
	if (strspn(buf, lb_cfg_name_chars) != strlen(buf) || buf[0] == '-')
		return lb_cfg_fail(
			c, v,
			"must be a group name (A-Z a-z 0-9 _ . -) or \"\"");
	memcpy(cfg->ctl_group, buf, sizeof(buf));
	return 0;
}

/* An optional mapping section (control, metrics, timers) of the root. */
static int lb_cfg_section(struct lb_cfg_ctx *c, struct fy_node *v, void *obj,
			  const struct lb_cfg_field *fields, size_t n)
{
	struct fy_node *m;
	int err;

	err = lb_cfg_collection(c, v, FYNT_MAPPING, true, &m);
	if (err)
		return err;
	return lb_cfg_map(c, m, fields, n, obj);
}

#define LB_CFG_SECTION(name, fields)                                        \
	static int lb_cfg_##name(struct lb_cfg_ctx *c, struct fy_node *v,   \
				 void *obj)                                 \
	{                                                                   \
		return lb_cfg_section(c, v, obj, fields, LB_CFG_N(fields)); \
	}

static const struct lb_cfg_field lb_cfg_control_fields[] = {
	{ "socket", lb_cfg_ctl_socket, false },
	{ "group", lb_cfg_ctl_group, false },
};

LB_CFG_SECTION(control, lb_cfg_control_fields)

/* HOST:PORT or [V6]:PORT with an address literal, or "" / off. */
static int lb_cfg_hostport(struct lb_cfg_ctx *c, struct fy_node *v,
			   char out[LB_CFG_NAME_MAX])
{
	char buf[LB_CFG_NAME_MAX];
	__be32 addr[4];
	uint16_t port;
	uint8_t fam;
	int err;

	err = lb_cfg_scalar(c, v, buf, sizeof(buf), false);
	if (err)
		return err;
	if (!buf[0] || strcmp(buf, "off") == 0) {
		out[0] = '\0';
		return 0;
	}
	err = lb_hostport_parse(buf, strlen(buf), true, &fam, addr, &port);
	if (err && err != -ERANGE)
		return lb_cfg_fail(
			c, v, "must be ADDRESS:PORT, [IPV6]:PORT, \"\" or off");
	if (err || port == 0)
		return lb_cfg_fail(c, v, "port must be in 1..65535");
	memcpy(out, buf, sizeof(buf));
	return 0;
}

static int lb_cfg_listen(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return lb_cfg_hostport(c, v, cfg->metrics_listen);
}

static const struct lb_cfg_field lb_cfg_metrics_fields[] = {
	{ "listen", lb_cfg_listen, false },
};

LB_CFG_SECTION(metrics, lb_cfg_metrics_fields)

static int lb_cfg_neigh(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;

	return lb_cfg_duration_ms(c, v, LB_CFG_NEIGH_MIN_MS,
				  LB_CFG_NEIGH_MAX_MS, &cfg->neigh_refresh_ms);
}

static const struct lb_cfg_field lb_cfg_timer_fields[] = {
	{ "neighbour_refresh", lb_cfg_neigh, false },
};

LB_CFG_SECTION(timers, lb_cfg_timer_fields)

/* ---- agents: the report receiver ---- */

#define LB_CFG_AGENT_INTERVAL_MIN 10
#define LB_CFG_AGENT_INTERVAL_MAX 10000
#define LB_CFG_DEAD_AFTER_MAX 60000

enum {
	LB_AGF_LISTEN,
	LB_AGF_KEY_FILE,
	LB_AGF_KEY_ID,
	LB_AGF_PREV_FILE,
	LB_AGF_PREV_ID,
	LB_AGF_INTERVAL,
	LB_AGF_DEAD_AFTER,
	LB_AGF__MAX,
};

struct lb_cfg_agents_ctx {
	struct lb_cfg_agents *a;
	struct fy_node *given[LB_AGF__MAX];
};

static int lb_cfg_ag_listen(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_LISTEN] = v;
	return lb_cfg_hostport(c, v, x->a->listen);
}

static int lb_cfg_ag_key_file(struct lb_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_KEY_FILE] = v;
	return lb_cfg_path(c, v, x->a->key_file, sizeof(x->a->key_file));
}

static int lb_cfg_ag_key_id(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_KEY_ID] = v;
	return lb_cfg_uint(c, v, 0, UINT32_MAX, &x->a->key_id);
}

static int lb_cfg_ag_prev_file(struct lb_cfg_ctx *c, struct fy_node *v,
			       void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_PREV_FILE] = v;
	return lb_cfg_path(c, v, x->a->previous_key_file,
			   sizeof(x->a->previous_key_file));
}

static int lb_cfg_ag_prev_id(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_PREV_ID] = v;
	return lb_cfg_uint(c, v, 0, UINT32_MAX, &x->a->previous_key_id);
}

static int lb_cfg_ag_interval(struct lb_cfg_ctx *c, struct fy_node *v,
			      void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_INTERVAL] = v;
	return lb_cfg_duration_ms(c, v, LB_CFG_AGENT_INTERVAL_MIN,
				  LB_CFG_AGENT_INTERVAL_MAX,
				  &x->a->interval_ms);
}

static int lb_cfg_ag_dead_after(struct lb_cfg_ctx *c, struct fy_node *v,
				void *obj)
{
	struct lb_cfg_agents_ctx *x = obj;

	x->given[LB_AGF_DEAD_AFTER] = v;
	return lb_cfg_duration_ms(c, v, 2 * LB_CFG_AGENT_INTERVAL_MIN,
				  LB_CFG_DEAD_AFTER_MAX, &x->a->dead_after_ms);
}

static const struct lb_cfg_field lb_cfg_agents_fields[] = {
	[LB_AGF_LISTEN] = { "listen", lb_cfg_ag_listen, false },
	[LB_AGF_KEY_FILE] = { "key_file", lb_cfg_ag_key_file, false },
	[LB_AGF_KEY_ID] = { "key_id", lb_cfg_ag_key_id, false },
	[LB_AGF_PREV_FILE] = { "previous_key_file", lb_cfg_ag_prev_file,
			       false },
	[LB_AGF_PREV_ID] = { "previous_key_id", lb_cfg_ag_prev_id, false },
	[LB_AGF_INTERVAL] = { "interval", lb_cfg_ag_interval, false },
	[LB_AGF_DEAD_AFTER] = { "dead_after", lb_cfg_ag_dead_after, false },
};

static int lb_cfg_agents(struct lb_cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct lb_config *cfg = obj;
	struct lb_cfg_agents_ctx x = { .a = &cfg->agents };
	struct lb_cfg_agents *a = &cfg->agents;
	struct fy_node *m;
	int err;

	err = lb_cfg_collection(c, v, FYNT_MAPPING, true, &m);
	if (!err)
		err = lb_cfg_map(c, m, lb_cfg_agents_fields,
				 LB_CFG_N(lb_cfg_agents_fields), &x);
	if (err)
		return err;
	if (a->listen[0] && !a->key_file[0])
		return lb_cfg_fail_key(c, m, "key_file",
				       "required when listen is set");
	if (!x.given[LB_AGF_PREV_FILE] != !x.given[LB_AGF_PREV_ID])
		return lb_cfg_fail_key(
			c, m,
			x.given[LB_AGF_PREV_FILE] ? "previous_key_id" :
						    "previous_key_file",
			"previous_key_file and previous_key_id go together");
	if (x.given[LB_AGF_PREV_ID] && a->previous_key_id == a->key_id)
		return lb_cfg_fail_key(c, x.given[LB_AGF_PREV_ID],
				       "previous_key_id",
				       "must differ from key_id (%u)",
				       a->key_id);
	if (!x.given[LB_AGF_DEAD_AFTER])
		a->dead_after_ms = 3 * a->interval_ms;
	else if (a->dead_after_ms <= a->interval_ms)
		return lb_cfg_fail_key(c, x.given[LB_AGF_DEAD_AFTER],
				       "dead_after",
				       "must be longer than interval (%ums)",
				       a->interval_ms);
	return 0;
}

/* Agent health everywhere needs the receiver. */
static int lb_cfg_agents_check(struct lb_cfg_ctx *c)
{
	const struct lb_config *cfg = c->cfg;
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

static const struct lb_cfg_field lb_cfg_root_fields[] = {
	{ "instance", lb_cfg_instance, false },
	{ "bpffs", lb_cfg_bpffs, false },
	{ "conn_table_size", lb_cfg_conn_table, false },
	{ "interfaces", lb_cfg_interfaces, true },
	{ "control", lb_cfg_control, false },
	{ "metrics", lb_cfg_metrics, false },
	{ "state_file", lb_cfg_state_file, false },
	{ "timers", lb_cfg_timers, false },
	{ "services", lb_cfg_services, false },
	{ "agents", lb_cfg_agents, false },
};
_Static_assert(LB_CFG_N(lb_cfg_root_fields) <= LB_CFG_FIELDS_MAX,
	       "lb_cfg_map() tracks at most LB_CFG_FIELDS_MAX keys");

static void lb_cfg_defaults(struct lb_config *cfg)
{
	snprintf(cfg->instance, sizeof(cfg->instance), "default");
	snprintf(cfg->bpffs, sizeof(cfg->bpffs), "/sys/fs/bpf");
	cfg->conn_table_size = KEEL_CONN_TABLE_SIZE;
	snprintf(cfg->metrics_listen, sizeof(cfg->metrics_listen),
		 "127.0.0.1:9450");
	cfg->neigh_refresh_ms = 1000;
	cfg->agents.key_id = 1;
	cfg->agents.interval_ms = 100;
	cfg->agents.dead_after_ms = 300;
}

static void lb_cfg_noop_output(struct fy_diag *diag, void *user,
			       const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* The first error libfyaml collected, as ours. */
static int lb_cfg_syntax_error(struct lb_cfg_ctx *c, struct fy_diag *diag)
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
static size_t lb_cfg_utf8(const unsigned char *s, size_t n, uint32_t *cp)
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
	/* The lead byte keeps 7 - len payload bits. */
	*cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond Unicode are not UTF-8. */
	if (*cp < min[len] || *cp > 0x10ffff ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/* YAML 1.2 section 5.1, c-printable. */
static bool lb_cfg_printable(uint32_t cp)
{
	return cp == 0x09 || cp == 0x0a || cp == 0x0d ||
	       (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
	       (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	       cp >= 0x10000;
}

/*
 * Only UTF-8 text made of YAML's printable characters reaches libfyaml.
 * Besides being the YAML rule, this keeps libfyaml 0.7.12 off paths that
 * misbehave: it ends its input at a NUL and drops the rest without a
 * word, passes some malformed UTF-8 through into values, and loops
 * forever on malformed UTF-8 in a reserved directive ("%Y \xe9").
 */
static int lb_cfg_check_text(struct lb_cfg_ctx *c, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	struct lb_cfg_pos pos = { 1, 1 };
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = lb_cfg_utf8(s + i, len - i, &cp);
		c->here = pos;
		if (!n)
			return lb_cfg_fail(c, NULL, "not valid UTF-8");
		if (cp == 0)
			return lb_cfg_fail(c, NULL, "NUL byte in the file");
		if (!lb_cfg_printable(cp))
			return lb_cfg_fail(
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
	c->here = (struct lb_cfg_pos){ 0, 0 };
	return 0;
}

static int lb_cfg_document(struct lb_cfg_ctx *c, struct fy_parser *fyp,
			   struct fy_diag *diag)
{
	struct fy_document *doc, *next = NULL;
	struct fy_node *root;
	int err;

	doc = fy_parse_load_document(fyp);
	if (!doc) {
		if (fy_diag_got_error(diag))
			return lb_cfg_syntax_error(c, diag);
		return lb_cfg_fail(c, NULL, "empty document");
	}
	root = fy_document_root(doc);
	next = fy_parse_load_document(fyp);
	if (next) {
		err = lb_cfg_fail(c, fy_document_root(next),
				  "more than one YAML document");
		goto out;
	}
	if (fy_diag_got_error(diag)) {
		err = lb_cfg_syntax_error(c, diag);
		goto out;
	}
	err = lb_cfg_resolve(c, root, &root);
	if (err)
		goto out;
	if (!root || lb_cfg_is_null(root)) {
		err = lb_cfg_fail(c, NULL, "empty document");
		goto out;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		err = lb_cfg_fail(c, root, "the top level must be a mapping");
		goto out;
	}
	lb_cfg_node_pos(c, root, &c->here);
	err = lb_cfg_map(c, root, lb_cfg_root_fields,
			 LB_CFG_N(lb_cfg_root_fields), c->cfg);
out:
	if (next)
		fy_parse_document_destroy(fyp, next);
	fy_parse_document_destroy(fyp, doc);
	return err;
}

int lb_config_parse(const char *buf, size_t len, const char *file,
		    struct lb_config *out, struct lb_config_error *err)
{
	struct lb_config_error scratch = { 0 };
	struct lb_cfg_ctx c = { .cfg = out };
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
	lb_cfg_defaults(out);

	if (!buf || len == 0) {
		ret = lb_cfg_fail(&c, NULL, "empty document");
		goto out;
	}
	if (len > LB_CFG_FILE_MAX) {
		ret = lb_cfg_fail(&c, NULL, "larger than %zu bytes",
				  LB_CFG_FILE_MAX);
		goto out;
	}
	ret = lb_cfg_check_text(&c, buf, len);
	if (ret)
		goto out;
	/* Diagnostics are collected for the caller, never printed. */
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = lb_cfg_noop_output;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag) {
		ret = -ENOMEM;
		goto out;
	}
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	/* Duplicate keys are reported by lb_cfg_map() with their path. */
	pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
		     FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE |
		     FYPCF_ALLOW_DUPLICATE_KEYS;
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	if (!fyp || fy_parser_set_string(fyp, buf, len)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = lb_cfg_document(&c, fyp, diag);
	if (!ret)
		ret = lb_cfg_agents_check(&c);
	if (ret)
		goto out;
	if (!c.have_socket)
		snprintf(out->ctl_socket, sizeof(out->ctl_socket),
			 "/run/keel/%s.sock", out->instance);
	if (!c.have_state)
		snprintf(out->state_file, sizeof(out->state_file),
			 "/var/lib/keel/%s.state", out->instance);
out:
	if (fyp)
		fy_parser_destroy(fyp);
	if (diag)
		fy_diag_destroy(diag);
	if (ret == -ENOMEM)
		snprintf(c.err->msg, sizeof(c.err->msg), "out of memory");
	if (ret)
		lb_config_free(out);
	return ret;
}

int lb_config_load(const char *file, struct lb_config *out,
		   struct lb_config_error *err)
{
	struct lb_config_error scratch = { 0 };
	char *buf = NULL, ebuf[96];
	size_t len = 0;
	struct stat st;
	ssize_t n;
	int fd, ret;

	if (!err)
		err = &scratch;
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "not a regular file");
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > LB_CFG_FILE_MAX) {
		snprintf(err->msg, sizeof(err->msg), "larger than %zu bytes",
			 LB_CFG_FILE_MAX);
		ret = -EFBIG;
		goto out;
	}
	/* One byte more than stat says, to see a file that grew. */
	buf = malloc(st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto fail;
	}
	while (len <= (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > (size_t)st.st_size) {
		snprintf(err->msg, sizeof(err->msg), "changed while read");
		ret = -EAGAIN;
		goto out;
	}
	ret = lb_config_parse(buf, len, file, out, err);
	goto out;
fail:
	/* GNU strerror_r(): _GNU_SOURCE is set project-wide. */
	snprintf(err->msg, sizeof(err->msg), "cannot read: %s",
		 strerror_r(-ret, ebuf, sizeof(ebuf)));
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
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
	}
	free(c->services);
	memset(c, 0, sizeof(*c));
}

int lb_config_error_format(const struct lb_config_error *e, char *buf,
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
