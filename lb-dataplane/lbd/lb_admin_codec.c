// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_admin_codec.c - state file version 2 (docs/state-file.md): the
 * admin registers with their stamps, and the site.  Pure: no I/O, no
 * logging; fuzz_state links it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_addr.h"
#include "keel_prime.h"
#include "lb_admin.h"
#include "lb_state_json.h"

#define LB_ADM_WEIGHT_MAX 65535

struct lb_adm_ctx {
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
lb_adm_fail(struct lb_adm_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
		/* Member names come from the file: keep them to one log line. */
		for (p = c->err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	return -EBADMSG;
}

static const char *const lb_adm_presence_names[] = {
	[LB_ADMIN_CONFIG] = "config",
	[LB_ADMIN_ADDED] = "added",
	[LB_ADMIN_REMOVED] = "removed",
};

int lb_admin_file_version(const char *buf, size_t len, int *version)
{
	json_t *root, *v;
	int ret = -EBADMSG;

	if (len > LB_STATE_MAX_BYTES)
		return -EBADMSG;
	root = json_loadb(len ? buf : "", len, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return -EBADMSG;
	v = json_object_get(root, "version");
	if (json_is_integer(v) && json_integer_value(v) == LB_STATE_V2) {
		*version = LB_STATE_V2;
		ret = 0;
	} else if (json_is_object(root)) {
		/* Anything else is v1's to read or refuse, with its words. */
		*version = 1;
		ret = 0;
	}
	json_decref(root);
	return ret;
}

/* ---- parse ---- */

/* [ms, counter, node] */
static int lb_adm_stamp(json_t *v, struct keel_stamp *at)
{
	json_int_t ms, ctr, node;

	if (!json_is_array(v) || json_array_size(v) != 3 ||
	    !json_is_integer(json_array_get(v, 0)) ||
	    !json_is_integer(json_array_get(v, 1)) ||
	    !json_is_integer(json_array_get(v, 2)))
		return -EBADMSG;
	ms = json_integer_value(json_array_get(v, 0));
	ctr = json_integer_value(json_array_get(v, 1));
	node = json_integer_value(json_array_get(v, 2));
	if (ms < 0 || (uint64_t)ms > KEEL_HLC_MS_MAX || ctr < 0 ||
	    ctr > UINT16_MAX || node < 1 || node > UINT16_MAX)
		return -EBADMSG;
	at->hlc = keel_hlc_pack(ms, ctr);
	at->node = node;
	return 0;
}

static int lb_adm_hlc(struct lb_adm_ctx *c, json_t *v, uint64_t *hlc)
{
	json_int_t ms, ctr;

	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_integer(json_array_get(v, 0)) ||
	    !json_is_integer(json_array_get(v, 1)))
		return lb_adm_fail(c, "hlc: must be [ms, counter]");
	ms = json_integer_value(json_array_get(v, 0));
	ctr = json_integer_value(json_array_get(v, 1));
	if (ms < 0 || (uint64_t)ms > KEEL_HLC_MS_MAX || ctr < 0 ||
	    ctr > UINT16_MAX)
		return lb_adm_fail(c, "hlc: must be [ms, counter]");
	*hlc = keel_hlc_pack(ms, ctr);
	return 0;
}

/* Only the members named (NULL-terminated) are allowed. */
static int lb_adm_members(struct lb_adm_ctx *c, const char *list, size_t i,
			  json_t *o, const char *const names[])
{
	const char *key;
	json_t *m;
	size_t k;

	if (!json_is_object(o))
		return lb_adm_fail(c, "%s[%zu]: must be an object", list, i);
	json_object_foreach(o, key, m)
	{
		for (k = 0; names[k]; k++)
			if (!strcmp(key, names[k]))
				break;
		if (!names[k])
			return lb_adm_fail(c, "%s[%zu].%s: unknown member",
					   list, i, key);
	}
	return 0;
}

static int lb_adm_presence(struct lb_adm_ctx *c, const char *list, size_t i,
			   json_t *v, uint32_t *out)
{
	const char *s = json_string_value(v);
	uint32_t p;

	for (p = 0; s && p < 3; p++)
		if (!strcmp(s, lb_adm_presence_names[p])) {
			*out = p;
			return 0;
		}
	return lb_adm_fail(
		c,
		"%s[%zu].presence: must be \"config\", \"added\" or \"removed\"",
		list, i);
}

/* v's stamp member "<name>_at" (or "at"): required with the field. */
static int lb_adm_at(struct lb_adm_ctx *c, const char *list, size_t i,
		     json_t *o, const char *name, struct keel_stamp *at)
{
	json_t *v = json_object_get(o, name);

	if (!v)
		return lb_adm_fail(c, "%s[%zu].%s: missing", list, i, name);
	if (lb_adm_stamp(v, at))
		return lb_adm_fail(c, "%s[%zu].%s: must be [ms, counter, node]",
				   list, i, name);
	return 0;
}

static int lb_adm_put(struct lb_adm_ctx *c, struct lb_admin *a,
		      const char *list, size_t i, const struct lb_admin_reg *r)
{
	if (lb_admin_reg_check(r))
		return lb_adm_fail(c, "%s[%zu]: not a valid register", list, i);
	if (lb_admin_get(a, r))
		return lb_adm_fail(c, "%s[%zu]: duplicate of an earlier entry",
				   list, i);
	if (lb_admin_merge(a, r, 1, NULL, NULL, NULL)) {
		lb_adm_fail(c, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int lb_adm_service(struct lb_adm_ctx *c, struct lb_admin *a, size_t i,
			  json_t *o)
{
	static const char *const names[] = { "service",	   "presence",	"at",
					     "persistent", "ring_size", NULL };
	struct lb_admin_reg r;
	json_t *v;
	json_int_t x;
	int err;

	err = lb_adm_members(c, "services", i, o, names);
	if (err)
		return err;
	memset(&r, 0, sizeof(r));
	r.object = LB_ADMIN_SERVICE;
	r.field = LB_ADMIN_PRESENCE;
	v = json_object_get(o, "service");
	if (!v)
		return lb_adm_fail(c, "services[%zu].service: missing", i);
	if (!json_is_string(v) || keel_vip_parse(json_string_value(v), &r.svc))
		return lb_adm_fail(
			c,
			"services[%zu].service: not a service (ADDR:PORT/PROTO)",
			i);
	r.svc = lb_state_key_canon(&r.svc);
	v = json_object_get(o, "presence");
	if (!v)
		return lb_adm_fail(c, "services[%zu].presence: missing", i);
	err = lb_adm_presence(c, "services", i, v, &r.value);
	if (!err)
		err = lb_adm_at(c, "services", i, o, "at", &r.at);
	if (err)
		return err;
	v = json_object_get(o, "persistent");
	if (v) {
		if (r.value != LB_ADMIN_ADDED)
			return lb_adm_fail(
				c, "services[%zu].persistent: only when added",
				i);
		if (!json_is_boolean(v))
			return lb_adm_fail(
				c,
				"services[%zu].persistent: must be true or false",
				i);
		r.arg1 = json_is_true(v) ? KEEL_SVC_F_PERSISTENT : 0;
	}
	v = json_object_get(o, "ring_size");
	if (v) {
		if (r.value != LB_ADMIN_ADDED)
			return lb_adm_fail(
				c, "services[%zu].ring_size: only when added",
				i);
		x = json_is_integer(v) ? json_integer_value(v) : -1;
		if (x < 2 || x > KEEL_RING_SIZE_MAX || !keel_is_prime(x))
			return lb_adm_fail(
				c,
				"services[%zu].ring_size: must be a prime 2..%u (e.g. 65537)",
				i, KEEL_RING_SIZE_MAX);
		r.arg2 = x;
	}
	return lb_adm_put(c, a, "services", i, &r);
}

static int lb_adm_bool(struct lb_adm_ctx *c, size_t i, const char *name,
		       json_t *v, uint32_t *out)
{
	if (!json_is_boolean(v))
		return lb_adm_fail(c, "reals[%zu].%s: must be true or false", i,
				   name);
	*out = json_is_true(v);
	return 0;
}

static int lb_adm_real(struct lb_adm_ctx *c, struct lb_admin *a, size_t i,
		       json_t *o)
{
	static const char *const names[] = {
		"service",     "real",	 "presence",  "presence_at",
		"real_weight", "drain",	 "drain_at",  "down",
		"down_at",     "weight", "weight_at", NULL
	};
	static const struct {
		const char *name, *at;
		uint8_t field;
	} fields[] = {
		{ "presence", "presence_at", LB_ADMIN_PRESENCE },
		{ "drain", "drain_at", LB_ADMIN_DRAIN },
		{ "down", "down_at", LB_ADMIN_DOWN },
		{ "weight", "weight_at", LB_ADMIN_WEIGHT },
	};
	struct lb_admin_reg base, r;
	json_t *v, *rw;
	json_int_t x;
	size_t k, n = 0;
	int err;

	err = lb_adm_members(c, "reals", i, o, names);
	if (err)
		return err;
	memset(&base, 0, sizeof(base));
	base.object = LB_ADMIN_REAL;
	v = json_object_get(o, "service");
	if (!v)
		return lb_adm_fail(c, "reals[%zu].service: missing", i);
	if (!json_is_string(v) ||
	    keel_vip_parse(json_string_value(v), &base.svc))
		return lb_adm_fail(
			c,
			"reals[%zu].service: not a service (ADDR:PORT/PROTO)",
			i);
	base.svc = lb_state_key_canon(&base.svc);
	v = json_object_get(o, "real");
	if (!v)
		return lb_adm_fail(c, "reals[%zu].real: missing", i);
	if (!json_is_string(v) ||
	    keel_addr_parse(json_string_value(v), &base.family, base.addr))
		return lb_adm_fail(
			c, "reals[%zu].real: not an IPv4 or IPv6 address", i);
	if (base.family != base.svc.family)
		return lb_adm_fail(
			c,
			"reals[%zu].real: address family differs from the service's",
			i);
	rw = json_object_get(o, "real_weight");
	for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		v = json_object_get(o, fields[k].name);
		if (!v) {
			if (json_object_get(o, fields[k].at))
				return lb_adm_fail(
					c,
					"reals[%zu].%s: missing (%s is given)",
					i, fields[k].name, fields[k].at);
			continue;
		}
		r = base;
		r.field = fields[k].field;
		switch (r.field) {
		case LB_ADMIN_PRESENCE:
			err = lb_adm_presence(c, "reals", i, v, &r.value);
			/* As in version 1, an added real weighs 1 by default. */
			if (!err && r.value == LB_ADMIN_ADDED)
				r.arg1 = 1;
			if (err || !rw)
				break;
			x = json_is_integer(rw) ? json_integer_value(rw) : -1;
			if (r.value != LB_ADMIN_ADDED)
				return lb_adm_fail(
					c,
					"reals[%zu].real_weight: only when added",
					i);
			if (x < 0 || x > LB_ADM_WEIGHT_MAX)
				return lb_adm_fail(
					c,
					"reals[%zu].real_weight: must be an integer 0..%u",
					i, LB_ADM_WEIGHT_MAX);
			r.arg1 = x;
			break;
		case LB_ADMIN_WEIGHT:
			if (json_is_null(v)) {
				r.value = LB_ADMIN_WEIGHT_NONE;
				break;
			}
			x = json_is_integer(v) ? json_integer_value(v) : -1;
			if (x < 0 || x > LB_ADM_WEIGHT_MAX)
				return lb_adm_fail(
					c,
					"reals[%zu].weight: must be an integer 0..%u or null",
					i, LB_ADM_WEIGHT_MAX);
			r.value = x;
			break;
		default:
			err = lb_adm_bool(c, i, fields[k].name, v, &r.value);
			break;
		}
		if (!err)
			err = lb_adm_at(c, "reals", i, o, fields[k].at, &r.at);
		if (!err)
			err = lb_adm_put(c, a, "reals", i, &r);
		if (err)
			return err;
		n++;
	}
	if (rw && !json_object_get(o, "presence"))
		return lb_adm_fail(c, "reals[%zu].real_weight: only when added",
				   i);
	if (!n)
		return lb_adm_fail(c, "reals[%zu]: holds no register", i);
	return 0;
}

static int lb_adm_list(struct lb_adm_ctx *c, struct lb_admin *a, json_t *root,
		       const char *name, size_t max,
		       int (*one)(struct lb_adm_ctx *, struct lb_admin *,
				  size_t, json_t *))
{
	json_t *v = json_object_get(root, name);
	size_t i;
	int err;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return lb_adm_fail(c, "%s: must be an array", name);
	if (json_array_size(v) > max)
		return lb_adm_fail(c, "%s: more than %zu entries", name, max);
	for (i = 0; i < json_array_size(v); i++) {
		err = one(c, a, i, json_array_get(v, i));
		if (err)
			return err;
	}
	return 0;
}

static int lb_adm_root(struct lb_adm_ctx *c, json_t *root, struct lb_admin *a,
		       struct lb_state_site *site)
{
	const char *key;
	uint64_t hlc = 0;
	json_t *v;
	int err;

	if (!json_is_object(root))
		return lb_adm_fail(c, "the file must hold a JSON object");
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "version") && strcmp(key, "hlc") &&
		    strcmp(key, "services") && strcmp(key, "reals") &&
		    strcmp(key, "site"))
			return lb_adm_fail(c, "%s: unknown member", key);
	}
	v = json_object_get(root, "version");
	if (!v)
		return lb_adm_fail(c, "version: missing");
	if (!json_is_integer(v) || json_integer_value(v) != LB_STATE_V2)
		return lb_adm_fail(c, "version: must be 2");
	v = json_object_get(root, "hlc");
	if (!v)
		return lb_adm_fail(c, "hlc: missing");
	err = lb_adm_hlc(c, v, &hlc);
	if (err)
		return err;
	v = json_object_get(root, "site");
	if (v) {
		err = lb_state_site_from_json(v, site, c->err, c->errlen);
		if (err)
			return err;
	}
	err = lb_adm_list(c, a, root, "services", KEEL_MAX_SERVICES,
			  lb_adm_service);
	if (!err)
		err = lb_adm_list(c, a, root, "reals", KEEL_MAX_REALS,
				  lb_adm_real);
	/* The clock never goes back below a stamp it holds. */
	keel_hlc_observe(&a->hlc, hlc);
	return err;
}

int lb_admin_parse(const char *buf, size_t len, struct lb_admin *a,
		   struct lb_state_site *site, char *err, size_t errlen)
{
	struct lb_adm_ctx c = { err, errlen };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(a, 0, sizeof(*a));
	memset(site, 0, sizeof(*site));
	if (err && errlen)
		err[0] = '\0';
	if (len > LB_STATE_MAX_BYTES)
		return lb_adm_fail(&c, "larger than %u bytes",
				   LB_STATE_MAX_BYTES);
	root = json_loadb(len ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return lb_adm_fail(&c, "line %d column %d: %s", jerr.line,
				   jerr.column, jerr.text);
	ret = lb_adm_root(&c, root, a, site);
	json_decref(root);
	if (ret) {
		lb_admin_free(a);
		memset(site, 0, sizeof(*site));
	}
	return ret;
}

/* ---- dump ---- */

static int lb_adm_set(json_t *o, const char *name, json_t *v)
{
	return json_object_set_new(o, name, v) ? -ENOMEM : 0;
}

static json_t *lb_adm_stamp_json(const struct keel_stamp *at)
{
	return json_pack("[IIi]", (json_int_t)keel_hlc_ms(at->hlc),
			 (json_int_t)keel_hlc_ctr(at->hlc), (int)at->node);
}

static int lb_adm_dump_svc(const struct lb_admin_reg *r, json_t *list)
{
	char buf[80];
	json_t *o = json_object();
	int err;

	if (!o || json_array_append_new(list, o))
		return -ENOMEM;
	if (keel_vip_format(&r->svc, buf, sizeof(buf)) < 0)
		return -EINVAL;
	err = lb_adm_set(o, "service", json_string(buf));
	if (!err)
		err = lb_adm_set(o, "presence",
				 json_string(lb_adm_presence_names[r->value]));
	if (!err && r->value == LB_ADMIN_ADDED)
		err = lb_adm_set(o, "persistent",
				 json_boolean(r->arg1 & KEEL_SVC_F_PERSISTENT));
	if (!err && r->value == LB_ADMIN_ADDED && r->arg2)
		err = lb_adm_set(o, "ring_size", json_integer(r->arg2));
	if (!err)
		err = lb_adm_set(o, "at", lb_adm_stamp_json(&r->at));
	return err;
}

/* The registers r[0..n) of one real. */
static int lb_adm_dump_real(const struct lb_admin_reg *r, size_t n,
			    json_t *list)
{
	static const char *const at_names[] = {
		[LB_ADMIN_PRESENCE] = "presence_at",
		[LB_ADMIN_DRAIN] = "drain_at",
		[LB_ADMIN_DOWN] = "down_at",
		[LB_ADMIN_WEIGHT] = "weight_at",
	};
	char buf[80];
	json_t *o = json_object(), *v;
	size_t i;
	int err;

	if (!o || json_array_append_new(list, o))
		return -ENOMEM;
	if (keel_vip_format(&r->svc, buf, sizeof(buf)) < 0)
		return -EINVAL;
	err = lb_adm_set(o, "service", json_string(buf));
	if (err)
		return err;
	if (keel_addr_format(r->family, r->addr, buf, sizeof(buf)) < 0)
		return -EINVAL;
	err = lb_adm_set(o, "real", json_string(buf));
	for (i = 0; !err && i < n; i++) {
		switch (r[i].field) {
		case LB_ADMIN_PRESENCE:
			v = json_string(lb_adm_presence_names[r[i].value]);
			err = lb_adm_set(o, "presence", v);
			if (!err && r[i].value == LB_ADMIN_ADDED)
				err = lb_adm_set(o, "real_weight",
						 json_integer(r[i].arg1));
			break;
		case LB_ADMIN_DRAIN:
			err = lb_adm_set(o, "drain", json_boolean(r[i].value));
			break;
		case LB_ADMIN_DOWN:
			err = lb_adm_set(o, "down", json_boolean(r[i].value));
			break;
		default:
			v = r[i].value == LB_ADMIN_WEIGHT_NONE ?
				    json_null() :
				    json_integer(r[i].value);
			err = lb_adm_set(o, "weight", v);
			break;
		}
		if (!err)
			err = lb_adm_set(o, at_names[r[i].field],
					 lb_adm_stamp_json(&r[i].at));
	}
	return err;
}

int lb_admin_dump_text(const struct lb_admin *a,
		       const struct lb_state_site *site, char **text)
{
	json_t *root, *svcs, *reals;
	size_t i, j, k;
	int err;

	*text = NULL;
	root = json_object();
	if (!root)
		return -ENOMEM;
	svcs = json_array();
	reals = json_array();
	err = lb_adm_set(root, "version", json_integer(LB_STATE_V2));
	if (!err)
		err = lb_adm_set(root, "hlc",
				 json_pack("[II]",
					   (json_int_t)keel_hlc_ms(a->hlc),
					   (json_int_t)keel_hlc_ctr(a->hlc)));
	if (!err)
		err = lb_state_site_to_json(site, root);
	if (!err)
		err = lb_adm_set(root, "services", svcs);
	if (!err)
		err = lb_adm_set(root, "reals", reals);
	for (i = 0; !err && i < a->n; i++) {
		const struct lb_admin_svc *s = &a->svcs[i];

		for (j = 0; !err && j < s->n; j++)
			if (lb_admin_reg_check(&s->regs[j]))
				err = -EINVAL;
		j = 0;
		if (!err && s->n && s->regs[0].object == LB_ADMIN_SERVICE) {
			err = lb_adm_dump_svc(&s->regs[0], svcs);
			j = 1;
		}
		while (!err && j < s->n) {
			for (k = j + 1; k < s->n; k++)
				if (s->regs[k].family != s->regs[j].family ||
				    memcmp(s->regs[k].addr, s->regs[j].addr,
					   sizeof(s->regs[j].addr)))
					break;
			err = lb_adm_dump_real(&s->regs[j], k - j, reals);
			j = k;
		}
	}
	/* Never write what lb_admin_parse() refuses (tombstones are kept:
	 * a store past the limits refuses the change instead). */
	if (!err && (json_array_size(svcs) > KEEL_MAX_SERVICES ||
		     json_array_size(reals) > KEEL_MAX_REALS))
		err = -ENOSPC;
	if (!err) {
		*text = json_dumps(root, JSON_INDENT(2));
		if (!*text)
			err = -ENOMEM;
	}
	json_decref(root);
	return err;
}
