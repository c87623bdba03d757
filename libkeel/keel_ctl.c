// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl - the control protocol's request codec (docs/control-protocol.md).
 *
 * Each request member is described once (ctl_members[]) and each command
 * says which members it takes and which it needs (ctl_cmds[]).  The
 * encoder builds its JSON from the struct and then runs the parser's own
 * check on it, so it cannot write a request that lbd would refuse.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "keel_maps.h"

enum ctl_member {
	CTL_M_SERVICE,
	CTL_M_REAL,
	CTL_M_WEIGHT,
	CTL_M_PERSISTENT,
	CTL_M_RING_SIZE,
	CTL_M_UNLOAD,
	CTL_M_REASON,
	CTL_M_SUMMARY,
	CTL_M__MAX,
};

#define M(m) (1U << CTL_M_##m)

/* CTL_T_TEXT: a string that keel_ctl_text_ok() accepts. */
enum ctl_type { CTL_T_STRING, CTL_T_TEXT, CTL_T_UINT, CTL_T_BOOL };

#define REQ_OFF(f) offsetof(struct keel_ctl_req, f)

/*
 * given_off and null_off point at bools in struct keel_ctl_req; 0 means
 * none, which is safe because offset 0 holds cmd, never a member.
 */
static const struct ctl_member_desc {
	const char *name;
	enum ctl_type type;
	size_t off;
	size_t size; /* string: buffer size, NUL included */
	uint32_t min, max; /* integer */
	size_t given_off; /* set when the member is present */
	size_t null_off; /* set when it is null (where the cmd allows null) */
} ctl_members[CTL_M__MAX] = {
	[CTL_M_SERVICE] = { .name = "service",
			    .type = CTL_T_STRING,
			    .off = REQ_OFF(service),
			    .size = KEEL_CTL_SERVICE_MAX },
	[CTL_M_REAL] = { .name = "real",
			 .type = CTL_T_STRING,
			 .off = REQ_OFF(real),
			 .size = KEEL_CTL_REAL_MAX },
	[CTL_M_WEIGHT] = { .name = "weight",
			   .type = CTL_T_UINT,
			   .off = REQ_OFF(weight),
			   .max = KEEL_CTL_WEIGHT_MAX,
			   .given_off = REQ_OFF(has_weight),
			   .null_off = REQ_OFF(weight_clear) },
	[CTL_M_PERSISTENT] = { .name = "persistent",
			       .type = CTL_T_BOOL,
			       .off = REQ_OFF(persistent) },
	/* Primality is lbd's to check: it answers "invalid" with the reason. */
	[CTL_M_RING_SIZE] = { .name = "ring_size",
			      .type = CTL_T_UINT,
			      .off = REQ_OFF(ring_size),
			      .min = 1,
			      .max = KEEL_RING_SIZE_MAX },
	[CTL_M_UNLOAD] = { .name = "unload",
			   .type = CTL_T_BOOL,
			   .off = REQ_OFF(unload) },
	[CTL_M_REASON] = { .name = "reason",
			   .type = CTL_T_TEXT,
			   .off = REQ_OFF(reason),
			   .size = KEEL_CTL_REASON_MAX },
	[CTL_M_SUMMARY] = { .name = "summary",
			    .type = CTL_T_BOOL,
			    .off = REQ_OFF(summary) },
};

#define SR (M(SERVICE) | M(REAL))

static const struct ctl_cmd_desc {
	const char *name;
	unsigned int takes; /* M() of the members it accepts */
	unsigned int needs; /* ... and of those it requires */
	unsigned int nullable; /* ... and of those that may be null */
	bool read; /* changes nothing: the read-only role may send it */
} ctl_cmds[KEEL_CTL__MAX] = {
	[KEEL_CTL_STATUS] = { .name = "status",
			      .read = true,
			      .takes = M(SUMMARY) },
	[KEEL_CTL_SERVICES] = { .name = "services", .read = true },
	[KEEL_CTL_REALS] = { .name = "reals",
			     .takes = M(SERVICE),
			     .needs = M(SERVICE),
			     .read = true },
	[KEEL_CTL_STATS] = { .name = "stats", .read = true },
	[KEEL_CTL_REAL_WEIGHT] = { .name = "real.weight",
				   .takes = SR | M(WEIGHT),
				   .needs = SR | M(WEIGHT),
				   .nullable = M(WEIGHT) },
	[KEEL_CTL_REAL_DRAIN] = { .name = "real.drain",
				  .takes = SR,
				  .needs = SR },
	[KEEL_CTL_REAL_UNDRAIN] = { .name = "real.undrain",
				    .takes = SR,
				    .needs = SR },
	[KEEL_CTL_REAL_DOWN] = { .name = "real.down", .takes = SR, .needs = SR },
	[KEEL_CTL_REAL_UP] = { .name = "real.up", .takes = SR, .needs = SR },
	[KEEL_CTL_REAL_ADD] = { .name = "real.add",
				.takes = SR | M(WEIGHT),
				.needs = SR },
	[KEEL_CTL_REAL_DEL] = { .name = "real.del", .takes = SR, .needs = SR },
	[KEEL_CTL_SERVICE_ADD] = { .name = "service.add",
				   .takes = M(SERVICE) | M(PERSISTENT) |
					    M(RING_SIZE),
				   .needs = M(SERVICE) },
	[KEEL_CTL_SERVICE_DEL] = { .name = "service.del",
				   .takes = M(SERVICE),
				   .needs = M(SERVICE) },
	[KEEL_CTL_RELOAD] = { .name = "reload" },
	[KEEL_CTL_SHUTDOWN] = { .name = "shutdown", .takes = M(UNLOAD) },
	[KEEL_CTL_SITE_STATUS] = { .name = "site.status", .read = true },
	[KEEL_CTL_SITE_DRAIN] = { .name = "site.drain", .takes = M(REASON) },
	[KEEL_CTL_SITE_UNDRAIN] = { .name = "site.undrain" },
	[KEEL_CTL_PREFIXES] = { .name = "prefixes", .read = true },
	[KEEL_CTL_DRAIN] = { .name = "drain" },
	[KEEL_CTL_UNDRAIN] = { .name = "undrain" },
	/* The operator says why: it is logged and shown in status.pair. */
	[KEEL_CTL_PAIR_SYNCED] = { .name = "pair.synced",
				   .takes = M(REASON),
				   .needs = M(REASON) },
	[KEEL_CTL_PAIR_STATUS] = { .name = "pair.status", .read = true },
};

_Static_assert(KEEL_CTL_STATUS == 0 &&
		       KEEL_CTL_SITE_UNDRAIN + 1 == KEEL_CTL_PREFIXES,
	       "KEEL_CTL_ACCEPT_LBD is the range STATUS..SITE_UNDRAIN");
_Static_assert(KEEL_CTL__MAX < 32, "accept masks are 32 bits");

static const char *const ctl_codes[] = {
	[KEEL_CTL_E_BAD_REQUEST] = "bad_request",
	[KEEL_CTL_E_NOT_FOUND] = "not_found",
	[KEEL_CTL_E_EXISTS] = "exists",
	[KEEL_CTL_E_INVALID] = "invalid",
	[KEEL_CTL_E_INTERNAL] = "internal",
	[KEEL_CTL_E_DENIED] = "permission_denied",
};

#define CTL_NAME_QUOTE 64 /* of a client's member or cmd name, in messages */

const char *keel_ctl_cmd_name(enum keel_ctl_cmd cmd)
{
	if ((unsigned int)cmd >= KEEL_CTL__MAX)
		return "unknown";
	return ctl_cmds[cmd].name;
}

bool keel_ctl_cmd_read_only(enum keel_ctl_cmd cmd)
{
	return (unsigned int)cmd < KEEL_CTL__MAX && ctl_cmds[cmd].read;
}

const char *keel_ctl_code_name(enum keel_ctl_code code)
{
	if ((unsigned int)code >= sizeof(ctl_codes) / sizeof(ctl_codes[0]))
		return "unknown";
	return ctl_codes[code];
}

/*
 * The message goes to lbd's log and back to the client inside JSON: keep
 * it printable ASCII whatever bytes the request quoted into it.
 */
__attribute__((format(printf, 4, 5))) static int
ctl_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (!err || !errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (p = err; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return ret;
}

static bool *ctl_flag(struct keel_ctl_req *r, size_t off)
{
	return (bool *)((char *)r + off);
}

static bool ctl_flag_get(const struct keel_ctl_req *r, size_t off)
{
	return *(const bool *)((const char *)r + off);
}

static int ctl_member_fail(const struct ctl_member_desc *m, bool nullable,
			   int ret, char *err, size_t errlen)
{
	switch (m->type) {
	case CTL_T_STRING:
		return ctl_fail(ret, err, errlen,
				"member '%s': must be a string of 1..%zu bytes",
				m->name, m->size - 1);
	case CTL_T_TEXT:
		return ctl_fail(
			ret, err, errlen,
			"member '%s': must be a string of 1..%zu bytes without control characters",
			m->name, m->size - 1);
	case CTL_T_UINT:
		return ctl_fail(ret, err, errlen,
				"member '%s': must be an integer %u..%u%s",
				m->name, m->min, m->max,
				nullable ? " or null" : "");
	case CTL_T_BOOL:
		break;
	}
	return ctl_fail(ret, err, errlen, "member '%s': must be true or false",
			m->name);
}

/*
 * Wrong JSON types are malformed (-EBADMSG, bad_request); a value of the
 * right type outside its range is -ERANGE, which lbd answers "invalid".
 */
static int ctl_member_parse(const struct ctl_member_desc *m, bool nullable,
			    json_t *v, struct keel_ctl_req *r, char *err,
			    size_t errlen)
{
	char *dst = (char *)r + m->off;
	json_int_t n;
	size_t len;

	if (m->given_off)
		*ctl_flag(r, m->given_off) = true;
	if (json_is_null(v) && nullable) {
		*ctl_flag(r, m->null_off) = true;
		return 0;
	}
	switch (m->type) {
	case CTL_T_STRING:
	case CTL_T_TEXT:
		if (!json_is_string(v))
			break;
		len = json_string_length(v);
		/* jansson refuses \u0000 unless asked; the strlen is belt
		 * and braces against a string the C side would cut short. */
		if (!len || len >= m->size ||
		    strlen(json_string_value(v)) != len ||
		    (m->type == CTL_T_TEXT &&
		     !keel_ctl_text_ok(json_string_value(v), len)))
			return ctl_member_fail(m, nullable, -ERANGE, err,
					       errlen);
		memcpy(dst, json_string_value(v), len + 1);
		return 0;
	case CTL_T_UINT:
		if (!json_is_integer(v))
			break;
		n = json_integer_value(v);
		if (n < m->min || n > m->max)
			return ctl_member_fail(m, nullable, -ERANGE, err,
					       errlen);
		*(uint32_t *)(void *)dst = (uint32_t)n;
		return 0;
	case CTL_T_BOOL:
		if (!json_is_boolean(v))
			break;
		*(bool *)dst = json_is_true(v);
		return 0;
	}
	return ctl_member_fail(m, nullable, -EBADMSG, err, errlen);
}

/* A command the daemon does not take is as unknown as a typo. */
static int ctl_cmd_lookup(const char *name, uint32_t accept,
			  enum keel_ctl_cmd *cmd)
{
	unsigned int i;

	for (i = 0; i < KEEL_CTL__MAX; i++) {
		if ((accept & KEEL_CTL_BIT(i)) &&
		    strcmp(name, ctl_cmds[i].name) == 0) {
			*cmd = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int ctl_member_lookup(const char *name)
{
	int i;

	for (i = 0; i < CTL_M__MAX; i++)
		if (strcmp(name, ctl_members[i].name) == 0)
			return i;
	return -1;
}

/* The parser proper, on a decoded document; out must be zeroed. */
static int ctl_req_check(json_t *root, uint32_t accept,
			 struct keel_ctl_req *out, char *err, size_t errlen)
{
	const struct ctl_cmd_desc *c;
	unsigned int seen = 0, bit;
	const char *key;
	json_t *v;
	int m, ret;

	if (!json_is_object(root))
		return ctl_fail(-EBADMSG, err, errlen,
				"request must be a JSON object");
	v = json_object_get(root, "cmd");
	if (!v)
		return ctl_fail(-EBADMSG, err, errlen, "missing member 'cmd'");
	if (!json_is_string(v))
		return ctl_fail(-EBADMSG, err, errlen,
				"member 'cmd': must be a string");
	/* A name with an embedded NUL matches nothing: strcmp stops early. */
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    ctl_cmd_lookup(json_string_value(v), accept, &out->cmd))
		return ctl_fail(-EBADMSG, err, errlen, "unknown cmd '%.*s'",
				CTL_NAME_QUOTE, json_string_value(v));
	c = &ctl_cmds[out->cmd];

	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "cmd") == 0)
			continue;
		m = ctl_member_lookup(key);
		if (m < 0)
			return ctl_fail(-EBADMSG, err, errlen,
					"unknown member '%.*s'", CTL_NAME_QUOTE,
					key);
		bit = 1U << m;
		if (!(c->takes & bit))
			return ctl_fail(-EBADMSG, err, errlen,
					"member '%s': not taken by %s",
					ctl_members[m].name, c->name);
		ret = ctl_member_parse(&ctl_members[m], c->nullable & bit, v,
				       out, err, errlen);
		if (ret)
			return ret;
		seen |= bit;
	}
	for (m = 0; m < CTL_M__MAX; m++)
		if ((c->needs & ~seen) & (1U << m))
			return ctl_fail(-EBADMSG, err, errlen,
					"member '%s': required by %s",
					ctl_members[m].name, c->name);
	return 0;
}

int keel_ctl_req_parse(const char *buf, size_t len, struct keel_ctl_req *out,
		       char *err, size_t errlen)
{
	return keel_ctl_req_parse_for(buf, len, KEEL_CTL_ACCEPT_LBD, out, err,
				      errlen);
}

int keel_ctl_req_parse_for(const char *buf, size_t len, uint32_t accept,
			   struct keel_ctl_req *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (len > KEEL_CTL_MSG_MAX)
		return ctl_fail(-EBADMSG, err, errlen,
				"request longer than %d bytes",
				KEEL_CTL_MSG_MAX);
	if (!len)
		return ctl_fail(-EBADMSG, err, errlen, "empty request");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return ctl_fail(-ENOMEM, err, errlen, "out of memory");
		return ctl_fail(-EBADMSG, err, errlen,
				"invalid JSON at column %d: %s", jerr.column,
				jerr.text);
	}
	ret = ctl_req_check(root, accept, out, err, errlen);
	json_decref(root);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

/* Compact JSON, '\n' and a NUL; returns the bytes before the NUL. */
static int ctl_dump(json_t *o, char *buf, size_t size)
{
	size_t n = json_dumpb(o, buf, size, JSON_COMPACT);

	if (!n)
		return -ENOMEM;
	if (n + 2 > size || n + 1 > KEEL_CTL_MSG_MAX)
		return -ENOSPC;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	return (int)n + 1;
}

/*
 * The member as r has it: 0 with *v NULL when r does not have it,
 * -EINVAL for a string that is not UTF-8 or fills its whole buffer.
 * Absent means: an empty string, a zero integer without a given flag,
 * false.
 */
static int ctl_member_json(const struct ctl_member_desc *m,
			   const struct keel_ctl_req *r, json_t **v)
{
	const char *src = (const char *)r + m->off;
	uint32_t n;
	size_t len;

	*v = NULL;
	if (m->given_off && !ctl_flag_get(r, m->given_off))
		return 0;
	if (m->null_off && ctl_flag_get(r, m->null_off)) {
		*v = json_null();
		return 0;
	}
	switch (m->type) {
	case CTL_T_STRING:
	case CTL_T_TEXT:
		len = strnlen(src, m->size);
		if (!len)
			return 0;
		if (len == m->size)
			return -EINVAL;
		*v = json_stringn(src, len);
		return *v ? 0 : -EINVAL;
	case CTL_T_UINT:
		memcpy(&n, src, sizeof(n));
		if (!m->given_off && !n)
			return 0;
		*v = json_integer(n);
		return *v ? 0 : -ENOMEM;
	case CTL_T_BOOL:
		if (*(const bool *)src)
			*v = json_true();
		break;
	}
	return 0;
}

int keel_ctl_req_encode(const struct keel_ctl_req *r, char *buf, size_t size)
{
	struct keel_ctl_req check;
	json_t *o, *v;
	int m, ret;

	if ((unsigned int)r->cmd >= KEEL_CTL__MAX)
		return -EINVAL;
	o = json_object();
	if (!o ||
	    json_object_set_new(o, "cmd", json_string(ctl_cmds[r->cmd].name))) {
		ret = -ENOMEM;
		goto out;
	}
	for (m = 0; m < CTL_M__MAX; m++) {
		ret = ctl_member_json(&ctl_members[m], r, &v);
		if (ret)
			goto out;
		if (v && json_object_set_new(o, ctl_members[m].name, v)) {
			ret = -ENOMEM;
			goto out;
		}
	}
	memset(&check, 0, sizeof(check));
	ret = ctl_req_check(o, KEEL_CTL_ACCEPT_ALL, &check, NULL, 0);
	if (ret) {
		ret = ret == -ENOMEM ? ret : -EINVAL;
		goto out;
	}
	ret = ctl_dump(o, buf, size);
out:
	json_decref(o);
	return ret;
}

/* lbd's messages may quote cut-off bytes; JSON strings must be UTF-8. */
static json_t *ctl_string_lossy(const char *msg)
{
	json_t *s = json_string(msg);
	char *copy, *p;

	if (s)
		return s;
	copy = strdup(msg);
	if (!copy)
		return NULL;
	for (p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	s = json_string(copy);
	free(copy);
	return s;
}

int keel_ctl_err_encode(enum keel_ctl_code code, const char *msg, char *buf,
			size_t size)
{
	json_t *o;
	int ret;

	if ((unsigned int)code >= sizeof(ctl_codes) / sizeof(ctl_codes[0]) ||
	    !msg)
		return -EINVAL;
	o = json_object();
	if (!o || json_object_set_new(o, "ok", json_false()) ||
	    json_object_set_new(o, "code", json_string(ctl_codes[code])) ||
	    json_object_set_new(o, "error", ctl_string_lossy(msg))) {
		ret = -ENOMEM;
		goto out;
	}
	ret = ctl_dump(o, buf, size);
out:
	json_decref(o);
	return ret;
}

/* A member of a refusal, cut to its buffer and made printable ASCII. */
static bool ctl_head_text(json_t *o, const char *name, char *dst, size_t size)
{
	json_t *v = json_object_get(o, name);
	char *p;

	if (!json_is_string(v))
		return false;
	snprintf(dst, size, "%s", json_string_value(v));
	for (p = dst; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return true;
}

int keel_ctl_head_parse(const char *line, size_t len, struct keel_ctl_head *out,
			char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *ok;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	root = json_loadb(line, len, 0, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return ctl_fail(-ENOMEM, err, errlen, "out of memory");
		return ctl_fail(-EBADMSG, err, errlen,
				"invalid JSON at column %d: %s", jerr.column,
				jerr.text);
	}
	ok = json_object_get(root, "ok");
	if (!json_is_object(root)) {
		ret = ctl_fail(-EBADMSG, err, errlen,
			       "answer must be a JSON object");
	} else if (!json_is_boolean(ok)) {
		ret = ctl_fail(-EBADMSG, err, errlen,
			       "no \"ok\" member (true or false)");
	} else if (json_is_true(ok)) {
		out->ok = true;
	} else {
		out->has_code = ctl_head_text(root, "code", out->code,
					      sizeof(out->code));
		out->has_error = ctl_head_text(root, "error", out->error,
					       sizeof(out->error));
	}
	json_decref(root);
	return ret;
}
