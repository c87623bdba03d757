// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_json - member tables <-> JSON for the control answers
 * (keel_ctl_json.h has the compatibility rule).
 *
 * The parser names the member it refuses by its path
 * ("services[2].reals[0].state") and caps what it allocates at a budget
 * proportional to the line, so that a hostile line of empty objects
 * cannot make it allocate gigabytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_ctl_json.h"

/* Bytes of structs per byte of JSON a parse may allocate, and a floor. */
#define CJ_BUDGET_RATIO 64
#define CJ_BUDGET_MIN (64U << 10)
#define CJ_PATH_MAX 160

struct cj_ctx {
	char path[CJ_PATH_MAX];
	size_t budget;
	char *err;
	size_t errlen;
};

static void *cj_at(const void *p, size_t off)
{
	return (char *)p + off;
}

static bool cj_has(const struct keel_cj_member *m, const void *p)
{
	return !m->has_off || *(const bool *)cj_at(p, m->has_off - 1);
}

static void cj_set_has(const struct keel_cj_member *m, void *p, bool v)
{
	if (m->has_off)
		*(bool *)cj_at(p, m->has_off - 1) = v;
}

/* ---- encode ---- */

/* A daemon's text may hold cut-off bytes; JSON strings must be UTF-8. */
static json_t *cj_string(const char *s, size_t size, int *err)
{
	size_t len = strnlen(s, size);
	json_t *v;
	char *copy;
	size_t i;

	if (len == size) {
		*err = -EINVAL;
		return NULL;
	}
	v = json_stringn(s, len);
	if (v)
		return v;
	copy = malloc(len + 1);
	if (!copy) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
	copy[len] = '\0';
	v = json_stringn(copy, len);
	free(copy);
	if (!v)
		*err = -ENOMEM;
	return v;
}

static json_t *cj_encode_obj(const struct keel_cj_obj *o, const void *in,
			     int *err);

static json_t *cj_encode_arr(const struct keel_cj_member *m, const void *in,
			     int *err)
{
	const char *elems = *(char *const *)cj_at(in, m->off);
	size_t i, n = *(const size_t *)cj_at(in, m->n_off);
	const struct keel_ctl_count *c;
	json_t *a, *v;

	a = m->type == KEEL_CJ_COUNTS ? json_object() : json_array();
	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		switch (m->type) {
		case KEEL_CJ_ARR:
			v = cj_encode_obj(m->sub, elems + i * m->size, err);
			break;
		case KEEL_CJ_STRS:
			v = cj_string(elems + i * m->size, m->size, err);
			break;
		default:
			c = (const struct keel_ctl_count *)(const void *)elems +
			    i;
			if (strnlen(c->name, sizeof(c->name)) ==
			    sizeof(c->name)) {
				*err = -EINVAL;
				goto fail;
			}
			v = json_integer((json_int_t)c->value);
			if (!v || json_object_set_new(a, c->name, v)) {
				*err = -ENOMEM;
				goto fail;
			}
			continue;
		}
		if (!v || json_array_append_new(a, v)) {
			if (v)
				*err = -ENOMEM;
			goto fail;
		}
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *cj_encode_member(const struct keel_cj_member *m, const void *in,
				int *err)
{
	const void *p = cj_at(in, m->off);
	uint8_t e;
	json_t *v = NULL;

	switch (m->type) {
	case KEEL_CJ_STR:
		return cj_string(p, m->size, err);
	case KEEL_CJ_BOOL:
		v = json_boolean(*(const bool *)p);
		break;
	case KEEL_CJ_U32:
		v = json_integer(*(const uint32_t *)p);
		break;
	case KEEL_CJ_U64:
		v = json_integer((json_int_t) * (const uint64_t *)p);
		break;
	case KEEL_CJ_I64:
		v = json_integer(*(const int64_t *)p);
		break;
	case KEEL_CJ_REAL:
		/* NULL for a NaN or an infinity, which JSON cannot hold. */
		v = json_real(*(const double *)p);
		if (!v) {
			*err = -EINVAL;
			return NULL;
		}
		return v;
	case KEEL_CJ_ENUM:
		e = *(const uint8_t *)p;
		if (e >= m->n_names) {
			*err = -EINVAL;
			return NULL;
		}
		v = json_string(m->names[e]);
		break;
	case KEEL_CJ_OBJ:
		return cj_encode_obj(m->sub, p, err);
	default:
		return cj_encode_arr(m, in, err);
	}
	if (!v)
		*err = -ENOMEM;
	return v;
}

static json_t *cj_encode_obj(const struct keel_cj_obj *o, const void *in,
			     int *err)
{
	json_t *obj = json_object(), *v;
	size_t i;

	if (!obj) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < o->n; i++) {
		const struct keel_cj_member *m = &o->m[i];

		if (!(m->flags & KEEL_CJ_SEEN) && !cj_has(m, in)) {
			if (!(m->flags & KEEL_CJ_NULL))
				continue;
			v = json_null();
		} else {
			v = cj_encode_member(m, in, err);
			if (!v)
				goto fail;
		}
		if (json_object_set_new(obj, m->name, v)) {
			*err = -ENOMEM;
			goto fail;
		}
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

int keel_cj_answer_encode(const struct keel_cj_obj *o, const void *in,
			  char *buf, size_t size)
{
	json_t *obj = NULL, *body;
	int err = -ENOMEM;
	size_t n;

	obj = json_object();
	if (!obj ||
	    (o->ok_first && json_object_set_new(obj, "ok", json_true())))
		goto out;
	body = cj_encode_obj(o, in, &err);
	if (!body)
		goto out;
	if (json_object_update(obj, body)) {
		json_decref(body);
		err = -ENOMEM;
		goto out;
	}
	json_decref(body);
	if (!o->ok_first && json_object_set_new(obj, "ok", json_true())) {
		err = -ENOMEM;
		goto out;
	}
	n = json_dumpb(obj, buf, size, JSON_COMPACT);
	if (!n) {
		err = -ENOMEM;
		goto out;
	}
	/* json_dumpb says how much it needed when buf was too small. */
	if (n + 2 > size) {
		err = -ENOSPC;
		goto out;
	}
	buf[n] = '\n';
	buf[n + 1] = '\0';
	err = (int)n + 1;
out:
	json_decref(obj);
	return err;
}

/* ---- parse ---- */

__attribute__((format(printf, 3, 4))) static int
cj_fail(struct cj_ctx *c, int ret, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	char *p;

	if (!c->err || !c->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path[0])
		snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	for (p = c->err; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return ret;
}

/* The path grows by ".name" or "[i]"; cut paths stay cut (messages only). */
static size_t cj_push(struct cj_ctx *c, const char *name, size_t idx)
{
	size_t len = strlen(c->path);

	if (name)
		snprintf(c->path + len, sizeof(c->path) - len, "%s%s",
			 len ? "." : "", name);
	else
		snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", idx);
	return len;
}

static void cj_pop(struct cj_ctx *c, size_t len)
{
	c->path[len] = '\0';
}

static int cj_parse_obj(struct cj_ctx *c, const struct keel_cj_obj *o,
			json_t *j, void *out);

static int cj_parse_str(struct cj_ctx *c, json_t *v, char *dst, size_t size)
{
	size_t len;

	if (!json_is_string(v))
		return cj_fail(c, -EBADMSG, "must be a string");
	len = json_string_length(v);
	if (len >= size || strlen(json_string_value(v)) != len)
		return cj_fail(c, -ERANGE,
			       "must be a string of at most %zu bytes, no NUL",
			       size - 1);
	memcpy(dst, json_string_value(v), len + 1);
	return 0;
}

static int cj_parse_int(struct cj_ctx *c, json_t *v, json_int_t min,
			json_int_t max, json_int_t *n)
{
	if (!json_is_integer(v))
		return cj_fail(c, -EBADMSG, "must be an integer");
	*n = json_integer_value(v);
	if (*n < min || *n > max)
		return cj_fail(c, -ERANGE, "must be %lld..%lld", (long long)min,
			       (long long)max);
	return 0;
}

/* n elements of size, within the budget (checked by the caller). */
static void *cj_alloc(struct cj_ctx *c, size_t n, size_t size)
{
	c->budget -= n * size;
	return calloc(n, size);
}

static int cj_parse_arr(struct cj_ctx *c, const struct keel_cj_member *m,
			json_t *v, void *out)
{
	bool counts = m->type == KEEL_CJ_COUNTS;
	size_t i, n, size, len;
	struct keel_ctl_count *cnt;
	json_int_t k = 0;
	const char *key;
	json_t *e;
	char *elems;
	int ret;

	if (counts ? !json_is_object(v) : !json_is_array(v))
		return cj_fail(c, -EBADMSG, "must be %s",
			       counts ? "an object" : "an array");
	n = counts ? json_object_size(v) : json_array_size(v);
	if (n > m->max)
		return cj_fail(c, -ERANGE, "more than %u elements", m->max);
	if (!n)
		return 0;
	size = counts ? sizeof(*cnt) : m->size;
	if (size > c->budget / n)
		return cj_fail(c, -ERANGE, "more elements than the line holds");
	elems = cj_alloc(c, n, size);
	if (!elems)
		return cj_fail(c, -ENOMEM, "out of memory");
	*(char **)cj_at(out, m->off) = elems;
	*(size_t *)cj_at(out, m->n_off) = n;
	if (counts) {
		cnt = (struct keel_ctl_count *)(void *)elems;
		json_object_foreach(v, key, e)
		{
			len = cj_push(c, key, 0);
			if (strlen(key) >= sizeof(cnt->name))
				return cj_fail(c, -ERANGE, "name too long");
			ret = cj_parse_int(c, e, 0, INT64_MAX, &k);
			if (ret)
				return ret;
			cj_pop(c, len);
			snprintf(cnt->name, sizeof(cnt->name), "%s", key);
			cnt->value = (uint64_t)k;
			cnt++;
		}
		return 0;
	}
	json_array_foreach(v, i, e)
	{
		len = cj_push(c, NULL, i);
		if (m->type == KEEL_CJ_STRS)
			ret = cj_parse_str(c, e, elems + i * size, size);
		else
			ret = cj_parse_obj(c, m->sub, e, elems + i * size);
		if (ret)
			return ret;
		cj_pop(c, len);
	}
	return 0;
}

static int cj_parse_member(struct cj_ctx *c, const struct keel_cj_member *m,
			   json_t *v, void *out)
{
	void *p = cj_at(out, m->off);
	json_int_t n = 0;
	size_t i;
	int ret;

	switch (m->type) {
	case KEEL_CJ_STR:
		return cj_parse_str(c, v, p, m->size);
	case KEEL_CJ_BOOL:
		if (!json_is_boolean(v))
			return cj_fail(c, -EBADMSG, "must be true or false");
		*(bool *)p = json_is_true(v);
		return 0;
	case KEEL_CJ_U32:
		ret = cj_parse_int(c, v, 0, UINT32_MAX, &n);
		if (!ret)
			*(uint32_t *)p = (uint32_t)n;
		return ret;
	case KEEL_CJ_U64:
		ret = cj_parse_int(c, v, 0, INT64_MAX, &n);
		if (!ret)
			*(uint64_t *)p = (uint64_t)n;
		return ret;
	case KEEL_CJ_I64:
		ret = cj_parse_int(c, v, INT64_MIN, INT64_MAX, &n);
		if (!ret)
			*(int64_t *)p = n;
		return ret;
	case KEEL_CJ_REAL:
		if (!json_is_number(v))
			return cj_fail(c, -EBADMSG, "must be a number");
		*(double *)p = json_number_value(v);
		return 0;
	case KEEL_CJ_ENUM:
		if (!json_is_string(v))
			return cj_fail(c, -EBADMSG, "must be a string");
		for (i = 0; i < m->n_names; i++) {
			if (!strcmp(json_string_value(v), m->names[i]) &&
			    strlen(m->names[i]) == json_string_length(v)) {
				*(uint8_t *)p = (uint8_t)i;
				return 0;
			}
		}
		if (m->flags & KEEL_CJ_OPEN) {
			*(uint8_t *)p = 0;
			return 0;
		}
		return cj_fail(c, -ERANGE, "unknown value '%.32s'",
			       json_string_value(v));
	case KEEL_CJ_OBJ:
		return cj_parse_obj(c, m->sub, v, p);
	default:
		return cj_parse_arr(c, m, v, out);
	}
}

/* An older peer's count where the table has an array (KEEL_CJ_OR_COUNT). */
static int cj_parse_count(struct cj_ctx *c, json_t *v, uint32_t *count)
{
	json_int_t n = 0;
	int ret;

	ret = cj_parse_int(c, v, 0, UINT32_MAX, &n);
	if (!ret)
		*count = (uint32_t)n;
	return ret;
}

static int cj_parse_obj(struct cj_ctx *c, const struct keel_cj_obj *o,
			json_t *j, void *out)
{
	size_t i, len;
	json_t *v;
	int ret;

	if (!json_is_object(j))
		return cj_fail(c, -EBADMSG, "must be an object");
	for (i = 0; i < o->n; i++) {
		const struct keel_cj_member *m = &o->m[i];

		v = json_object_get(j, m->name);
		/* Absent: an older peer.  null: "none" where the table allows. */
		if (!v || (json_is_null(v) && (m->flags & KEEL_CJ_NULL)))
			continue;
		len = cj_push(c, m->name, 0);
		if ((m->flags & KEEL_CJ_OR_COUNT) && json_is_integer(v)) {
			ret = cj_parse_count(c, v, cj_at(out, m->alt_off));
			if (ret)
				return ret;
			cj_pop(c, len);
			continue;
		}
		ret = cj_parse_member(c, m, v, out);
		if (ret)
			return ret;
		cj_pop(c, len);
		cj_set_has(m, out, true);
	}
	return 0;
}

int keel_cj_answer_parse(const struct keel_cj_obj *o, const char *line,
			 size_t len, void *out, char *err, size_t errlen)
{
	struct cj_ctx c = { .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root, *v;
	int ret;

	c.budget = len < SIZE_MAX / CJ_BUDGET_RATIO ? len * CJ_BUDGET_RATIO :
						      SIZE_MAX;
	if (c.budget < CJ_BUDGET_MIN)
		c.budget = CJ_BUDGET_MIN;
	memset(out, 0, o->size);
	if (err && errlen)
		err[0] = '\0';
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return cj_fail(&c, -ENOMEM, "out of memory");
		return cj_fail(&c, -EBADMSG, "invalid JSON at column %d: %s",
			       jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		ret = cj_fail(&c, -EBADMSG, "answer must be a JSON object");
		goto out;
	}
	if (!json_is_true(json_object_get(root, "ok"))) {
		v = json_object_get(root, "error");
		ret = cj_fail(&c, -EBADMSG, "refused: %s",
			      json_is_string(v) ? json_string_value(v) : "?");
		goto out;
	}
	ret = cj_parse_obj(&c, o, root, out);
out:
	json_decref(root);
	if (ret)
		keel_cj_free(o, out);
	return ret;
}

static void cj_free_obj(const struct keel_cj_obj *o, void *p)
{
	size_t i, j, n;
	char *elems;

	for (i = 0; i < o->n; i++) {
		const struct keel_cj_member *m = &o->m[i];

		switch (m->type) {
		case KEEL_CJ_OBJ:
			cj_free_obj(m->sub, cj_at(p, m->off));
			break;
		case KEEL_CJ_ARR:
			elems = *(char **)cj_at(p, m->off);
			n = *(size_t *)cj_at(p, m->n_off);
			for (j = 0; elems && j < n; j++)
				cj_free_obj(m->sub, elems + j * m->size);
			free(elems);
			break;
		case KEEL_CJ_STRS:
		case KEEL_CJ_COUNTS:
			free(*(char **)cj_at(p, m->off));
			break;
		default:
			break;
		}
	}
}

void keel_cj_free(const struct keel_cj_obj *o, void *p)
{
	cj_free_obj(o, p);
	memset(p, 0, o->size);
}
