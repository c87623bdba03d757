// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_state_codec.c - the state file's JSON: parse, check, dump, compare
 * (lb_state.h).  Pure: no I/O, no logging; fuzz_state links it alone.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_addr.h"
#include "keel_prime.h"
#include "lb_state.h"
#include "lb_state_json.h"

#define LB_STATE_VERSION 1
#define LB_WEIGHT_MAX 65535

/* ---- the lists, described once for parse, dump and checks ---- */

enum lb_st_list_id {
	LB_ST_ADMIN,
	LB_ST_SVC_ADDED,
	LB_ST_SVC_REMOVED,
	LB_ST_REAL_ADDED,
	LB_ST_REAL_REMOVED,
	LB_ST__NLISTS,
};

enum lb_st_kind {
	LB_ST_SERVICE, /* string -> struct keel_vip_key */
	LB_ST_REAL, /* string -> family, addr of a struct lb_state_real_ref */
	LB_ST_BOOL, /* bool */
	LB_ST_FLAG, /* bool -> bit in a uint32_t */
	LB_ST_UINT, /* integer min..max -> uint32_t */
	LB_ST_PRIME, /* the same, and prime (a Maglev ring size) */
	LB_ST_UINT_OPT, /* the same or null; sets the bool at off2 if given */
};

struct lb_st_member {
	const char *name;
	enum lb_st_kind kind;
	bool required;
	size_t off, off2;
	uint32_t min, max, bit;
};

struct lb_st_list {
	const char *name;
	const struct lb_st_member *members; /* NULL: elements are services */
	size_t n_members;
	size_t size; /* of one element */
	size_t key_off; /* the element's key */
	size_t max; /* no real state can hold more */
	uint32_t weight_default; /* LB_ST_REAL_ADDED */
	bool key_is_ref; /* struct lb_state_real_ref, else keel_vip_key */
};

#define LB_ST_N(a) (sizeof(a) / sizeof((a)[0]))

#define LB_ST_M(n, k, req, type, field)              \
	.name = (n), .kind = (k), .required = (req), \
	.off = offsetof(type, field)

static const struct lb_st_member lb_st_admin_members[] = {
	{ LB_ST_M("service", LB_ST_SERVICE, true, struct lb_state_admin,
		  ref.svc) },
	{ LB_ST_M("real", LB_ST_REAL, true, struct lb_state_admin, ref) },
	{ LB_ST_M("drain", LB_ST_BOOL, false, struct lb_state_admin, drain) },
	{ LB_ST_M("down", LB_ST_BOOL, false, struct lb_state_admin, down) },
	{ LB_ST_M("weight", LB_ST_UINT_OPT, false, struct lb_state_admin,
		  weight),
	  .off2 = offsetof(struct lb_state_admin, has_weight),
	  .max = LB_WEIGHT_MAX },
};

static const struct lb_st_member lb_st_svc_members[] = {
	{ LB_ST_M("service", LB_ST_SERVICE, true, struct lb_state_svc, svc) },
	{ LB_ST_M("persistent", LB_ST_FLAG, false, struct lb_state_svc, flags),
	  .bit = KEEL_SVC_F_PERSISTENT },
	/*
	 * Prime here, not only where the ring is built: a bad size found
	 * then would stop lbd instead of getting the file ignored.
	 */
	{ LB_ST_M("ring_size", LB_ST_PRIME, false, struct lb_state_svc,
		  ring_size),
	  .min = 2, .max = KEEL_RING_SIZE_MAX },
};

static const struct lb_st_member lb_st_real_members[] = {
	{ LB_ST_M("service", LB_ST_SERVICE, true, struct lb_state_real,
		  ref.svc) },
	{ LB_ST_M("real", LB_ST_REAL, true, struct lb_state_real, ref) },
	{ LB_ST_M("weight", LB_ST_UINT, false, struct lb_state_real, weight),
	  .max = LB_WEIGHT_MAX },
};

static const struct lb_st_member lb_st_ref_members[] = {
	{ LB_ST_M("service", LB_ST_SERVICE, true, struct lb_state_real_ref,
		  svc) },
	/* The element is the reference itself. */
	{ .name = "real", .kind = LB_ST_REAL, .required = true, .off = 0 },
};

static const struct lb_st_list lb_st_lists[LB_ST__NLISTS] = {
	[LB_ST_ADMIN] = { .name = "admin",
			  .members = lb_st_admin_members,
			  .n_members = LB_ST_N(lb_st_admin_members),
			  .size = sizeof(struct lb_state_admin),
			  .key_off = offsetof(struct lb_state_admin, ref),
			  .key_is_ref = true,
			  .max = KEEL_MAX_REALS },
	[LB_ST_SVC_ADDED] = { .name = "services_added",
			      .members = lb_st_svc_members,
			      .n_members = LB_ST_N(lb_st_svc_members),
			      .size = sizeof(struct lb_state_svc),
			      .key_off = offsetof(struct lb_state_svc, svc),
			      .max = KEEL_MAX_SERVICES },
	[LB_ST_SVC_REMOVED] = { .name = "services_removed",
				.size = sizeof(struct keel_vip_key),
				.max = KEEL_MAX_SERVICES },
	[LB_ST_REAL_ADDED] = { .name = "reals_added",
			       .members = lb_st_real_members,
			       .n_members = LB_ST_N(lb_st_real_members),
			       .size = sizeof(struct lb_state_real),
			       .key_off = offsetof(struct lb_state_real, ref),
			       .key_is_ref = true,
			       .max = KEEL_MAX_REALS,
			       .weight_default = 1 },
	[LB_ST_REAL_REMOVED] = { .name = "reals_removed",
				 .members = lb_st_ref_members,
				 .n_members = LB_ST_N(lb_st_ref_members),
				 .size = sizeof(struct lb_state_real_ref),
				 .key_is_ref = true,
				 .max = KEEL_MAX_REALS },
};

static void lb_st_list_get(const struct lb_state *st, enum lb_st_list_id id,
			   const void **arr, size_t *n)
{
	switch (id) {
	case LB_ST_ADMIN:
		*arr = st->admin;
		*n = st->n_admin;
		break;
	case LB_ST_SVC_ADDED:
		*arr = st->svc_added;
		*n = st->n_svc_added;
		break;
	case LB_ST_SVC_REMOVED:
		*arr = st->svc_removed;
		*n = st->n_svc_removed;
		break;
	case LB_ST_REAL_ADDED:
		*arr = st->real_added;
		*n = st->n_real_added;
		break;
	default:
		*arr = st->real_removed;
		*n = st->n_real_removed;
		break;
	}
}

static void lb_st_list_set(struct lb_state *st, enum lb_st_list_id id,
			   void *arr, size_t n)
{
	switch (id) {
	case LB_ST_ADMIN:
		st->admin = arr;
		st->n_admin = n;
		break;
	case LB_ST_SVC_ADDED:
		st->svc_added = arr;
		st->n_svc_added = n;
		break;
	case LB_ST_SVC_REMOVED:
		st->svc_removed = arr;
		st->n_svc_removed = n;
		break;
	case LB_ST_REAL_ADDED:
		st->real_added = arr;
		st->n_real_added = n;
		break;
	default:
		st->real_removed = arr;
		st->n_real_removed = n;
		break;
	}
}

/* ---- messages ---- */

struct lb_st_ctx {
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
lb_st_fail(struct lb_st_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (c && c->err && c->errlen) {
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

/* ---- consistency across entries: shared by parse and dump ---- */

struct lb_st_key {
	struct lb_state_real_ref ref; /* service lists: ref.svc only */
	size_t idx;
};

static int lb_st_key_sort_cmp(const void *a, const void *b)
{
	const struct lb_st_key *x = a, *y = b;
	int d = lb_state_ref_cmp(&x->ref, &y->ref);

	if (d)
		return d;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int lb_st_key_find_cmp(const void *a, const void *b)
{
	const struct lb_st_key *x = a, *y = b;

	return lb_state_ref_cmp(&x->ref, &y->ref);
}

static struct lb_st_key lb_st_key_of(const struct lb_st_list *l,
				     const void *arr, size_t i)
{
	const char *e = (const char *)arr + i * l->size + l->key_off;
	struct lb_st_key k;

	memset(&k, 0, sizeof(k));
	if (l->key_is_ref)
		k.ref = lb_state_ref_canon((const struct lb_state_real_ref *)e);
	else
		k.ref.svc = lb_state_key_canon((const struct keel_vip_key *)e);
	k.idx = i;
	return k;
}

/* The entry of list id whose key is probe (only probe->ref counts). */
static const struct lb_st_key *lb_st_lookup(struct lb_st_key *const keys[],
					    const size_t n[],
					    enum lb_st_list_id id,
					    const struct lb_st_key *probe)
{
	if (!n[id])
		return NULL;
	return bsearch(probe, keys[id], n[id], sizeof(*probe),
		       lb_st_key_find_cmp);
}

/*
 * Entries that lbd's own edits never produce together: two entries for
 * one key, a key both added and removed, reals or overrides under a
 * removed service, an override of a removed real.  Such a file was
 * written by hand or damaged; applying it would be guesswork.
 */
static int lb_st_check(const struct lb_state *st, struct lb_st_ctx *c)
{
	static const struct {
		enum lb_st_list_id list, in;
		bool svc_only;
	} conflicts[] = {
		{ LB_ST_SVC_ADDED, LB_ST_SVC_REMOVED, false },
		{ LB_ST_REAL_ADDED, LB_ST_REAL_REMOVED, false },
		{ LB_ST_ADMIN, LB_ST_REAL_REMOVED, false },
		{ LB_ST_ADMIN, LB_ST_SVC_REMOVED, true },
		{ LB_ST_REAL_ADDED, LB_ST_SVC_REMOVED, true },
		{ LB_ST_REAL_REMOVED, LB_ST_SVC_REMOVED, true },
	};
	struct lb_st_key *keys[LB_ST__NLISTS] = { NULL };
	size_t n[LB_ST__NLISTS], i, j;
	const void *arr;
	int id, ret = 0;

	for (id = 0; id < LB_ST__NLISTS; id++) {
		const struct lb_st_list *l = &lb_st_lists[id];

		lb_st_list_get(st, id, &arr, &n[id]);
		if (!n[id])
			continue;
		keys[id] = calloc(n[id], sizeof(*keys[id]));
		if (!keys[id]) {
			ret = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n[id]; i++)
			keys[id][i] = lb_st_key_of(l, arr, i);
		qsort(keys[id], n[id], sizeof(*keys[id]), lb_st_key_sort_cmp);
		for (i = 1; i < n[id]; i++) {
			if (lb_state_ref_cmp(&keys[id][i - 1].ref,
					     &keys[id][i].ref) == 0) {
				ret = lb_st_fail(
					c, "%s[%zu]: duplicate of %s[%zu]",
					l->name, keys[id][i].idx, l->name,
					keys[id][i - 1].idx);
				goto out;
			}
		}
	}
	for (j = 0; j < LB_ST_N(conflicts); j++) {
		enum lb_st_list_id a = conflicts[j].list, b = conflicts[j].in;

		lb_st_list_get(st, a, &arr, &n[a]);
		for (i = 0; i < n[a]; i++) {
			struct lb_st_key probe =
				lb_st_key_of(&lb_st_lists[a], arr, i);
			const struct lb_st_key *hit;

			if (conflicts[j].svc_only) {
				probe.ref.family = 0;
				memset(probe.ref.addr, 0,
				       sizeof(probe.ref.addr));
			}
			hit = lb_st_lookup(keys, n, b, &probe);
			if (hit) {
				ret = lb_st_fail(c, "%s[%zu]: %s is in %s[%zu]",
						 lb_st_lists[a].name, i,
						 conflicts[j].svc_only ?
							 "its service" :
							 "the same entry",
						 lb_st_lists[b].name, hit->idx);
				goto out;
			}
		}
	}
out:
	for (id = 0; id < LB_ST__NLISTS; id++)
		free(keys[id]);
	return ret;
}

/* ---- parse ---- */

static int lb_st_member(struct lb_st_ctx *c, const struct lb_st_list *l,
			size_t i, const struct lb_st_member *m, json_t *v,
			char *elem)
{
	struct lb_state_real_ref *ref;
	json_int_t x;

	switch (m->kind) {
	case LB_ST_SERVICE:
		if (!json_is_string(v))
			return lb_st_fail(c, "%s[%zu].%s: must be a string",
					  l->name, i, m->name);
		if (keel_vip_parse(json_string_value(v),
				   (struct keel_vip_key *)(elem + m->off)))
			return lb_st_fail(
				c,
				"%s[%zu].%s: not a service (ADDR:PORT/PROTO)",
				l->name, i, m->name);
		return 0;
	case LB_ST_REAL:
		ref = (struct lb_state_real_ref *)(elem + m->off);
		if (!json_is_string(v))
			return lb_st_fail(c, "%s[%zu].%s: must be a string",
					  l->name, i, m->name);
		if (keel_addr_parse(json_string_value(v), &ref->family,
				    ref->addr))
			return lb_st_fail(
				c, "%s[%zu].%s: not an IPv4 or IPv6 address",
				l->name, i, m->name);
		return 0;
	case LB_ST_BOOL:
	case LB_ST_FLAG:
		if (!json_is_boolean(v))
			return lb_st_fail(c,
					  "%s[%zu].%s: must be true or false",
					  l->name, i, m->name);
		if (m->kind == LB_ST_BOOL)
			*(bool *)(elem + m->off) = json_is_true(v);
		else if (json_is_true(v))
			*(uint32_t *)(elem + m->off) |= m->bit;
		return 0;
	case LB_ST_UINT:
	case LB_ST_UINT_OPT:
	case LB_ST_PRIME:
		if (m->kind == LB_ST_UINT_OPT && json_is_null(v))
			return 0;
		x = json_is_integer(v) ? json_integer_value(v) : -1;
		if (x < m->min || x > m->max)
			return lb_st_fail(
				c, "%s[%zu].%s: must be an integer %u..%u%s",
				l->name, i, m->name, m->min, m->max,
				m->kind == LB_ST_UINT_OPT ? " or null" : "");
		if (m->kind == LB_ST_PRIME && !keel_is_prime(x))
			return lb_st_fail(
				c, "%s[%zu].%s: must be a prime (e.g. 65537)",
				l->name, i, m->name);
		*(uint32_t *)(elem + m->off) = x;
		if (m->kind == LB_ST_UINT_OPT)
			*(bool *)(elem + m->off2) = true;
		return 0;
	}
	return -EINVAL;
}

static int lb_st_elem(struct lb_st_ctx *c, const struct lb_st_list *l, size_t i,
		      json_t *v, char *elem)
{
	const struct lb_state_real_ref *ref;
	const char *name;
	size_t k;
	void *it;
	int err;

	if (!l->members) {
		if (!json_is_string(v))
			return lb_st_fail(c, "%s[%zu]: must be a string",
					  l->name, i);
		if (keel_vip_parse(json_string_value(v),
				   (struct keel_vip_key *)elem))
			return lb_st_fail(
				c, "%s[%zu]: not a service (ADDR:PORT/PROTO)",
				l->name, i);
		return 0;
	}
	if (!json_is_object(v))
		return lb_st_fail(c, "%s[%zu]: must be an object", l->name, i);
	if (l->weight_default)
		((struct lb_state_real *)elem)->weight = l->weight_default;
	for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
		name = json_object_iter_key(it);
		for (k = 0; k < l->n_members; k++)
			if (strcmp(name, l->members[k].name) == 0)
				break;
		if (k == l->n_members)
			return lb_st_fail(c, "%s[%zu].%s: unknown member",
					  l->name, i, name);
		err = lb_st_member(c, l, i, &l->members[k],
				   json_object_iter_value(it), elem);
		if (err)
			return err;
	}
	for (k = 0; k < l->n_members; k++)
		if (l->members[k].required &&
		    !json_object_get(v, l->members[k].name))
			return lb_st_fail(c, "%s[%zu].%s: missing", l->name, i,
					  l->members[k].name);
	if (l->key_is_ref) {
		ref = (const struct lb_state_real_ref *)(elem + l->key_off);
		if (ref->family != ref->svc.family)
			return lb_st_fail(
				c,
				"%s[%zu].real: address family differs from the service's",
				l->name, i);
	}
	return 0;
}

static int lb_st_list_parse(struct lb_st_ctx *c, struct lb_state *st,
			    enum lb_st_list_id id, json_t *v)
{
	const struct lb_st_list *l = &lb_st_lists[id];
	size_t n, i;
	char *arr;
	int err;

	if (!json_is_array(v))
		return lb_st_fail(c, "%s: must be an array", l->name);
	n = json_array_size(v);
	if (n > l->max)
		return lb_st_fail(c, "%s: more than %zu entries", l->name,
				  l->max);
	if (!n)
		return 0;
	arr = calloc(n, l->size);
	if (!arr) {
		lb_st_fail(c, "out of memory");
		return -ENOMEM;
	}
	lb_st_list_set(st, id, arr, n);
	for (i = 0; i < n; i++) {
		err = lb_st_elem(c, l, i, json_array_get(v, i),
				 arr + i * l->size);
		if (err)
			return err;
	}
	return 0;
}

/*
 * "site": {"drained": bool, "since": seconds or null, "reason": text or
 * null}.  lbd writes it only while the site is drained; a hand-written
 * {"drained": true} without since or reason is a drain all the same.
 */
static int lb_st_site_parse(struct lb_st_ctx *c, json_t *v,
			    struct lb_state_site *site)
{
	json_t *m, *drained, *since, *reason;
	const char *key;

	if (!json_is_object(v))
		return lb_st_fail(c, "site: must be an object");
	json_object_foreach(v, key, m)
	{
		if (strcmp(key, "drained") && strcmp(key, "since") &&
		    strcmp(key, "reason"))
			return lb_st_fail(c, "site.%s: unknown member", key);
	}
	drained = json_object_get(v, "drained");
	since = json_object_get(v, "since");
	reason = json_object_get(v, "reason");
	if (!drained)
		return lb_st_fail(c, "site.drained: missing");
	if (!json_is_boolean(drained))
		return lb_st_fail(c, "site.drained: must be true or false");
	if (json_is_null(since))
		since = NULL;
	if (json_is_null(reason))
		reason = NULL;
	if (since && (!json_is_integer(since) || json_integer_value(since) < 0))
		return lb_st_fail(
			c,
			"site.since: must be an integer >= 0 (unix seconds) or null");
	if (reason && (!json_is_string(reason) ||
		       !keel_ctl_text_ok(json_string_value(reason),
					 json_string_length(reason))))
		return lb_st_fail(
			c,
			"site.reason: must be a string of 1..%d bytes without control characters, or null",
			KEEL_CTL_REASON_MAX - 1);
	if (json_is_false(drained)) {
		if (since || reason)
			return lb_st_fail(
				c, "site: since and reason only when drained");
		return 0;
	}
	site->drained = true;
	if (since) {
		site->has_since = true;
		site->since = json_integer_value(since);
	}
	if (reason)
		memcpy(site->reason, json_string_value(reason),
		       json_string_length(reason) + 1);
	return 0;
}

static int lb_st_parse_root(struct lb_st_ctx *c, json_t *root,
			    struct lb_state *st)
{
	const char *name;
	json_t *v;
	void *it;
	int id, err;

	if (!json_is_object(root))
		return lb_st_fail(c, "the file must hold a JSON object");
	for (it = json_object_iter(root); it;
	     it = json_object_iter_next(root, it)) {
		name = json_object_iter_key(it);
		if (strcmp(name, "version") == 0 || strcmp(name, "site") == 0)
			continue;
		for (id = 0; id < LB_ST__NLISTS; id++)
			if (strcmp(name, lb_st_lists[id].name) == 0)
				break;
		if (id == LB_ST__NLISTS)
			return lb_st_fail(c, "%s: unknown member", name);
	}
	v = json_object_get(root, "version");
	if (!v)
		return lb_st_fail(c, "version: missing");
	if (!json_is_integer(v))
		return lb_st_fail(c, "version: must be an integer");
	if (json_integer_value(v) != LB_STATE_VERSION)
		return lb_st_fail(c,
				  "version: %" JSON_INTEGER_FORMAT
				  " not supported (this lbd reads %d)",
				  json_integer_value(v), LB_STATE_VERSION);
	v = json_object_get(root, "site");
	if (v) {
		err = lb_st_site_parse(c, v, &st->site);
		if (err)
			return err;
	}
	for (id = 0; id < LB_ST__NLISTS; id++) {
		v = json_object_get(root, lb_st_lists[id].name);
		if (!v)
			continue;
		err = lb_st_list_parse(c, st, id, v);
		if (err)
			return err;
	}
	err = lb_st_check(st, c);
	if (err == -ENOMEM)
		lb_st_fail(c, "out of memory");
	return err;
}

int lb_state_parse(const char *buf, size_t len, struct lb_state *out, char *err,
		   size_t errlen)
{
	struct lb_st_ctx c = { err, errlen };
	struct lb_state st;
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	if (err && errlen)
		err[0] = '\0';
	if (len > LB_STATE_MAX_BYTES)
		return lb_st_fail(&c, "larger than %u bytes",
				  LB_STATE_MAX_BYTES);
	root = json_loadb(len ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return lb_st_fail(&c, "line %d column %d: %s", jerr.line,
				  jerr.column, jerr.text);
	ret = lb_st_parse_root(&c, root, &st);
	json_decref(root);
	if (ret) {
		lb_state_free(&st);
		return ret;
	}
	*out = st;
	return 0;
}

/* ---- dump ---- */

static int lb_st_set(json_t *o, const char *name, json_t *v)
{
	return json_object_set_new(o, name, v) ? -ENOMEM : 0;
}

static int lb_st_set_svc(json_t *o, const struct keel_vip_key *k)
{
	char buf[80];

	if (keel_vip_format(k, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return lb_st_set(o, "service", json_string(buf));
}

/* A member pair (service, real) for the entries that name a real. */
static int lb_st_set_ref(json_t *o, const struct lb_state_real_ref *r)
{
	char buf[64];
	int err;

	if (r->family != r->svc.family)
		return -EINVAL;
	err = lb_st_set_svc(o, &r->svc);
	if (err)
		return err;
	if (keel_addr_format(r->family, r->addr, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return lb_st_set(o, "real", json_string(buf));
}

static int lb_st_dump_elem(enum lb_st_list_id id, const void *e, json_t **out)
{
	const struct lb_state_admin *a = e;
	const struct lb_state_svc *s = e;
	const struct lb_state_real *r = e;
	char buf[80];
	json_t *o;
	int err;

	if (id == LB_ST_SVC_REMOVED) {
		if (keel_vip_format(e, buf, sizeof(buf)) < 0)
			return -EINVAL;
		*out = json_string(buf);
		return *out ? 0 : -ENOMEM;
	}
	o = json_object();
	if (!o)
		return -ENOMEM;
	switch (id) {
	case LB_ST_ADMIN:
		err = lb_st_set_ref(o, &a->ref);
		if (!err)
			err = lb_st_set(o, "drain", json_boolean(a->drain));
		if (!err)
			err = lb_st_set(o, "down", json_boolean(a->down));
		if (!err && a->has_weight)
			err = a->weight > LB_WEIGHT_MAX ?
				      -EINVAL :
				      lb_st_set(o, "weight",
						json_integer(a->weight));
		break;
	case LB_ST_SVC_ADDED:
		err = lb_st_set_svc(o, &s->svc);
		if (!err && (s->flags & ~KEEL_SVC_F_PERSISTENT))
			err = -EINVAL;
		if (!err)
			err = lb_st_set(o, "persistent",
					json_boolean(s->flags &
						     KEEL_SVC_F_PERSISTENT));
		/* 0 (the default) is written as an absent member. */
		if (!err && s->ring_size) {
			if (s->ring_size > KEEL_RING_SIZE_MAX ||
			    !keel_is_prime(s->ring_size))
				err = -EINVAL;
			else
				err = lb_st_set(o, "ring_size",
						json_integer(s->ring_size));
		}
		break;
	case LB_ST_REAL_ADDED:
		err = lb_st_set_ref(o, &r->ref);
		if (!err)
			err = r->weight > LB_WEIGHT_MAX ?
				      -EINVAL :
				      lb_st_set(o, "weight",
						json_integer(r->weight));
		break;
	default:
		err = lb_st_set_ref(o, e);
		break;
	}
	if (err) {
		json_decref(o);
		return err;
	}
	*out = o;
	return 0;
}

/*
 * Written only while drained: an undrained site leaves no trace, and a
 * file without a drain stays readable by an lbd that predates "site".
 */
static int lb_st_site_dump(const struct lb_state_site *site, json_t *root)
{
	size_t len = strnlen(site->reason, sizeof(site->reason));
	json_t *o;

	if (len == sizeof(site->reason) ||
	    (len && !keel_ctl_text_ok(site->reason, len)) ||
	    (site->has_since && site->since < 0))
		return -EINVAL;
	if (!site->drained)
		return site->has_since || len ? -EINVAL : 0;
	o = json_object();
	if (lb_st_set(root, "site", o))
		return -ENOMEM;
	if (lb_st_set(o, "drained", json_true()) ||
	    lb_st_set(o, "since",
		      site->has_since ? json_integer(site->since) :
					json_null()))
		return -ENOMEM;
	/* NULL for text that is not UTF-8: parse would refuse it. */
	if (!len)
		return lb_st_set(o, "reason", json_null());
	return lb_st_set(o, "reason", json_stringn(site->reason, len)) ?
		       -EINVAL :
		       0;
}

/* For version 2 (lb_admin_codec.c): the site is the same object. */
int lb_state_site_from_json(json_t *v, struct lb_state_site *site, char *err,
			    size_t errlen)
{
	struct lb_st_ctx c = { err, errlen };

	return lb_st_site_parse(&c, v, site);
}

int lb_state_site_to_json(const struct lb_state_site *site, json_t *root)
{
	return lb_st_site_dump(site, root);
}

/*
 * Refuse to write what lb_state_parse() would refuse to read: a state
 * saved must be a state that loads.
 */
int lb_state_dump_text(const struct lb_state *st, char **text)
{
	json_t *root, *a, *e;
	const void *arr;
	size_t n, i;
	int id, err;

	*text = NULL;
	err = lb_st_check(st, NULL);
	if (err)
		return err == -EBADMSG ? -EINVAL : err;
	root = json_object();
	if (!root)
		return -ENOMEM;
	err = lb_st_set(root, "version", json_integer(LB_STATE_VERSION));
	if (!err)
		err = lb_st_site_dump(&st->site, root);
	for (id = 0; !err && id < LB_ST__NLISTS; id++) {
		a = json_array();
		err = lb_st_set(root, lb_st_lists[id].name, a);
		lb_st_list_get(st, id, &arr, &n);
		for (i = 0; !err && i < n; i++) {
			err = lb_st_dump_elem(id,
					      (const char *)arr +
						      i * lb_st_lists[id].size,
					      &e);
			if (!err && json_array_append_new(a, e))
				err = -ENOMEM;
		}
	}
	if (!err) {
		*text = json_dumps(root, JSON_INDENT(2));
		if (!*text)
			err = -ENOMEM;
	}
	json_decref(root);
	return err;
}

char *lb_state_dump(const struct lb_state *st)
{
	char *text;

	lb_state_dump_text(st, &text);
	return text;
}

bool lb_state_equal(const struct lb_state *a, const struct lb_state *b)
{
	size_t i;

	if (a->n_admin != b->n_admin || a->n_svc_added != b->n_svc_added ||
	    a->n_svc_removed != b->n_svc_removed ||
	    a->n_real_added != b->n_real_added ||
	    a->n_real_removed != b->n_real_removed)
		return false;
	if (a->site.drained != b->site.drained ||
	    a->site.has_since != b->site.has_since ||
	    (a->site.has_since && a->site.since != b->site.since) ||
	    strncmp(a->site.reason, b->site.reason, sizeof(a->site.reason)))
		return false;
	for (i = 0; i < a->n_admin; i++) {
		const struct lb_state_admin *x = &a->admin[i],
					    *y = &b->admin[i];

		if (lb_state_ref_cmp(&x->ref, &y->ref) ||
		    x->drain != y->drain || x->down != y->down ||
		    x->has_weight != y->has_weight ||
		    (x->has_weight && x->weight != y->weight))
			return false;
	}
	for (i = 0; i < a->n_svc_added; i++) {
		const struct lb_state_svc *x = &a->svc_added[i];
		const struct lb_state_svc *y = &b->svc_added[i];

		if (!lb_state_key_eq(&x->svc, &y->svc) ||
		    x->flags != y->flags || x->ring_size != y->ring_size)
			return false;
	}
	for (i = 0; i < a->n_svc_removed; i++)
		if (!lb_state_key_eq(&a->svc_removed[i], &b->svc_removed[i]))
			return false;
	for (i = 0; i < a->n_real_added; i++)
		if (lb_state_ref_cmp(&a->real_added[i].ref,
				     &b->real_added[i].ref) ||
		    a->real_added[i].weight != b->real_added[i].weight)
			return false;
	for (i = 0; i < a->n_real_removed; i++)
		if (lb_state_ref_cmp(&a->real_removed[i], &b->real_removed[i]))
			return false;
	return true;
}

void lb_state_free(struct lb_state *st)
{
	free(st->admin);
	free(st->svc_added);
	free(st->svc_removed);
	free(st->real_added);
	free(st->real_removed);
	memset(st, 0, sizeof(*st));
}
