// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_yaml.c - the YAML schema walker shared by lbd, rs-agent and
 * bgp-announcer (libfyaml).  See keel_yaml.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "keel_maps.h" /* KEEL_F_INET */
#include "keel_yaml.h"

#define KEEL_YAML_N(a) (sizeof(a) / sizeof((a)[0]))
#define KEEL_YAML_TEXT_MAX 256 /* longest path or address value + 1 */
#define KEEL_YAML_KEY_MAX 64 /* KEEL_YAML_BRIEF: longest key + 1 */

void keel_yaml_init(struct keel_yaml *y, struct keel_yaml_error *err,
		    const char *file, const char *buf, size_t len,
		    unsigned int flags)
{
	memset(y, 0, sizeof(*y));
	y->err = err;
	y->buf = buf;
	y->len = len;
	y->flags = flags;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "-");
}

void keel_yaml_quote(char *dst, size_t size, const char *s, size_t len)
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

void keel_yaml_node_pos(const struct keel_yaml *y, struct fy_node *n,
			struct keel_yaml_pos *pos)
{
	const struct fy_mark *m;
	struct fy_token *t;
	void *it = NULL;

	*pos = y->here;
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

int keel_yaml_line(const struct keel_yaml *y, struct fy_node *n)
{
	struct keel_yaml_pos pos;

	keel_yaml_node_pos(y, n, &pos);
	return pos.line;
}

void keel_yaml_push(struct keel_yaml *y, const char *fmt, ...)
{
	size_t room = sizeof(y->path) - y->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(y->path + y->plen, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		y->plen += (size_t)n < room ? (size_t)n : room - 1;
}

void keel_yaml_push_key(struct keel_yaml *y, const char *k, size_t len)
{
	char q[64];

	keel_yaml_quote(q, sizeof(q), k, len);
	keel_yaml_push(y, "%s%s", y->plen ? "." : "", q);
}

void keel_yaml_push_index(struct keel_yaml *y, size_t i)
{
	keel_yaml_push(y, "[%zu]", i);
}

void keel_yaml_pop(struct keel_yaml *y, size_t plen)
{
	y->plen = plen;
	y->path[plen] = '\0';
}

int keel_yaml_vfail_at(struct keel_yaml *y, const struct keel_yaml_pos *pos,
		       const char *fmt, va_list ap)
{
	struct keel_yaml_error *e = y->err;

	e->line = pos->line;
	e->column = pos->col;
	snprintf(e->key, sizeof(e->key), "%s", y->path);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -EINVAL;
}

int keel_yaml_fail(struct keel_yaml *y, struct fy_node *n, const char *fmt, ...)
{
	struct keel_yaml_pos pos;
	va_list ap;

	keel_yaml_node_pos(y, n, &pos);
	va_start(ap, fmt);
	keel_yaml_vfail_at(y, &pos, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int keel_yaml_fail_key(struct keel_yaml *y, struct fy_node *n, const char *k,
		       const char *fmt, ...)
{
	struct keel_yaml_pos pos;
	size_t plen = y->plen;
	va_list ap;

	keel_yaml_node_pos(y, n, &pos);
	keel_yaml_push_key(y, k, strlen(k));
	va_start(ap, fmt);
	keel_yaml_vfail_at(y, &pos, fmt, ap);
	va_end(ap);
	keel_yaml_pop(y, plen);
	return -EINVAL;
}

int keel_yaml_error_format(const struct keel_yaml_error *e, char *buf,
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

const char *keel_yaml_type_name(struct fy_node *n)
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
 * libfyaml 0.7.12 leaks a buffer when it unescapes a single-quoted scalar
 * holding '' (found by fuzz_config), so such scalars are refused from the
 * raw input before the text is asked for: no keel value contains a quote.
 */
int keel_yaml_text(struct keel_yaml *y, struct fy_node *n, const char **s,
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
		if (!a || !b || b->input_pos > y->len ||
		    a->input_pos > b->input_pos)
			return keel_yaml_fail(y, n,
					      "cannot read this quoted value");
		for (i = a->input_pos + 1; i + 2 < b->input_pos; i++)
			if (y->buf[i] == '\'' && y->buf[i + 1] == '\'')
				return keel_yaml_fail(
					y, n,
					"quotes inside a quoted value are not allowed");
	}
	*s = fy_node_get_scalar(n, len);
	if (!*s)
		*len = 0;
	return 0;
}

bool keel_yaml_is_null(struct fy_node *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *s;
	size_t len, i;

	if (!n)
		return true;
	if (fy_node_get_type(n) != FYNT_SCALAR ||
	    fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	if (!s)
		return true;
	for (i = 0; i < KEEL_YAML_N(nulls); i++)
		if (len == strlen(nulls[i]) && memcmp(s, nulls[i], len) == 0)
			return true;
	return false;
}

int keel_yaml_resolve(struct keel_yaml *y, struct fy_node *n,
		      struct fy_node **out)
{
	struct fy_node *r = n;

	if (n && fy_node_is_alias(n)) {
		r = fy_node_resolve_alias(n);
		if (!r)
			return keel_yaml_fail(
				y, n, "alias without a matching anchor");
	}
	if (r && fy_node_get_tag(r, NULL))
		return keel_yaml_fail(y, n, "YAML tags are not supported");
	*out = r;
	return 0;
}

int keel_yaml_collection(struct keel_yaml *y, struct fy_node *n,
			 enum fy_node_type type, bool null_ok,
			 struct fy_node **out)
{
	const char *want = type == FYNT_MAPPING ? "a mapping" : "a list";
	int err = keel_yaml_resolve(y, n, out);

	if (err)
		return err;
	if (keel_yaml_is_null(*out)) {
		*out = NULL;
		if (!null_ok)
			return keel_yaml_fail(y, n, "expected %s, got no value",
					      want);
		return 0;
	}
	if (fy_node_get_type(*out) == type)
		return 0;
	if (y->flags & KEEL_YAML_BRIEF)
		return keel_yaml_fail(y, n, "expected %s", want);
	return keel_yaml_fail(y, n, "expected %s, got %s", want,
			      keel_yaml_type_name(*out));
}

int keel_yaml_scalar(struct keel_yaml *y, struct fy_node *n, char *buf,
		     size_t size, bool plain)
{
	struct fy_node *r = NULL;
	const char *s;
	size_t len;
	int err;

	buf[0] = '\0';
	err = keel_yaml_resolve(y, n, &r);
	if (err)
		return err;
	if (keel_yaml_is_null(r))
		return keel_yaml_fail(y, n, "no value");
	if (fy_node_get_type(r) != FYNT_SCALAR) {
		if (y->flags & KEEL_YAML_BRIEF)
			return keel_yaml_fail(y, n, "expected a scalar");
		return keel_yaml_fail(
			y, n, "expected a scalar, got %s%s",
			keel_yaml_type_name(r),
			fy_node_get_type(r) == FYNT_SEQUENCE ?
				" (quote values that start with '[')" :
				"");
	}
	if (plain && fy_node_get_style(r) != FYNS_PLAIN)
		return keel_yaml_fail(y, n, "must not be quoted");
	err = keel_yaml_text(y, r, &s, &len);
	if (err)
		return err;
	if (len >= size)
		return keel_yaml_fail(y, n, "too long (max %zu bytes)",
				      size - 1);
	if (len && memchr(s, '\0', len))
		return keel_yaml_fail(y, n, "contains a NUL byte");
	if (len)
		memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

bool keel_yaml_decimal(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max;
}

int keel_yaml_uint(struct keel_yaml *y, struct fy_node *n, unsigned long min,
		   unsigned long max, uint32_t *out)
{
	char buf[KEEL_YAML_TEXT_MAX];
	unsigned long v;
	int err;

	err = keel_yaml_scalar(
		y, n, buf, y->flags & KEEL_YAML_SHORT_INT ? 32 : sizeof(buf),
		true);
	if (err)
		return err;
	if (!keel_yaml_decimal(buf, ULONG_MAX, &v) || v < min || v > max)
		return keel_yaml_fail(y, n, "must be an integer in %lu..%lu",
				      min, max);
	*out = v;
	return 0;
}

int keel_yaml_bool(struct keel_yaml *y, struct fy_node *n, bool *out)
{
	char buf[8];

	if (keel_yaml_scalar(y, n, buf, sizeof(buf), true) == 0) {
		if (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0) {
			*out = buf[0] == 't';
			return 0;
		}
	}
	return keel_yaml_fail(y, n, "must be true or false");
}

int keel_yaml_duration_ms(struct keel_yaml *y, struct fy_node *n, uint32_t min,
			  uint32_t max, uint32_t *out)
{
	char buf[32], *unit;
	unsigned long v, scale;
	int err;

	err = keel_yaml_scalar(y, n, buf, sizeof(buf), true);
	if (err)
		return err;
	unit = buf + strspn(buf, "0123456789");
	if (strcmp(unit, "ms") == 0)
		scale = 1;
	else if (strcmp(unit, "s") == 0)
		scale = 1000;
	else
		return keel_yaml_fail(y, n, "must be a duration such as %s",
				      y->flags & KEEL_YAML_BRIEF ?
					      "500ms or 2s" :
					      "250ms or 2s");
	*unit = '\0';
	if (keel_yaml_decimal(buf, ULONG_MAX / 1000, &v) && v * scale >= min &&
	    v * scale <= max) {
		*out = v * scale;
		return 0;
	}
	if (y->flags & KEEL_YAML_MS)
		return keel_yaml_fail(y, n, "must be a duration in %ums..%ums",
				      min, max);
	return keel_yaml_fail(y, n, "must be a duration in %ums..%us", min,
			      max / 1000);
}

int keel_yaml_path(struct keel_yaml *y, struct fy_node *n, char *out,
		   size_t size)
{
	char buf[KEEL_YAML_TEXT_MAX];
	size_t i;
	int err;

	err = keel_yaml_scalar(y, n, buf,
			       size < sizeof(buf) ? size : sizeof(buf), false);
	if (err)
		return err;
	if (buf[0] != '/')
		return keel_yaml_fail(y, n, "must be an absolute path");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			return keel_yaml_fail(y, n,
					      "contains a control character");
	memcpy(out, buf, i + 1);
	return 0;
}

int keel_yaml_account(struct keel_yaml *y, struct fy_node *n, char *out,
		      size_t size, const char *what, bool empty_ok)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789_.-";
	char buf[KEEL_YAML_TEXT_MAX];
	int err;

	err = keel_yaml_scalar(y, n, buf,
			       size < sizeof(buf) ? size : sizeof(buf), false);
	if (err)
		return err;
	if (strspn(buf, ok) != strlen(buf) || buf[0] == '-' ||
	    (!empty_ok && !buf[0]))
		return keel_yaml_fail(y, n,
				      "must be a %s name (A-Z a-z 0-9 _ . -)%s",
				      what, empty_ok ? " or \"\"" : "");
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

bool keel_yaml_addr_usable(uint8_t family, const void *addr)
{
	static const uint8_t zero[16], bcast[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t *b = addr;

	if (family == KEEL_F_INET)
		return memcmp(b, zero, 4) != 0 && (b[0] & 0xf0) != 0xe0 &&
		       memcmp(b, bcast, 4) != 0;
	return memcmp(b, zero, 16) != 0 && b[0] != 0xff;
}

int keel_yaml_addr(struct keel_yaml *y, struct fy_node *n, uint8_t *family,
		   void *addr)
{
	char buf[64], q[48];
	int err;

	err = keel_yaml_scalar(y, n, buf, sizeof(buf), false);
	if (err)
		return err;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = KEEL_F_INET;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = KEEL_F_INET6;
	} else {
		keel_yaml_quote(q, sizeof(q), buf, strlen(buf));
		return keel_yaml_fail(
			y, n, "\"%s\" is not an IPv4 or IPv6 address", q);
	}
	if (!keel_yaml_addr_usable(*family, addr))
		return keel_yaml_fail(
			y, n, "unspecified, multicast or broadcast address");
	return 0;
}

int keel_yaml_hostport(struct keel_yaml *y, struct fy_node *n, char *out,
		       size_t size,
		       int (*parse)(const char *s, size_t len, bool need_port,
				    uint8_t *family, __be32 addr[4],
				    uint16_t *port))
{
	char buf[KEEL_YAML_TEXT_MAX];
	__be32 addr[4];
	uint16_t port;
	uint8_t fam;
	int err;

	err = keel_yaml_scalar(y, n, buf,
			       size < sizeof(buf) ? size : sizeof(buf), false);
	if (err)
		return err;
	if (!buf[0] || strcmp(buf, "off") == 0) {
		out[0] = '\0';
		return 0;
	}
	err = parse(buf, strlen(buf), true, &fam, addr, &port);
	if (err && err != -ERANGE)
		return keel_yaml_fail(
			y, n, "must be ADDRESS:PORT, [IPV6]:PORT, \"\" or off");
	if (err || port == 0)
		return keel_yaml_fail(y, n, "port must be in 1..65535");
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

struct fy_node *keel_yaml_item(struct fy_node *seq, size_t i)
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

/* A key's text: a plain name, not a collection, an alias to one or null. */
static int keel_yaml_key(struct keel_yaml *y, struct fy_node *kn, char *key,
			 const char **k, size_t *len)
{
	struct fy_node *r;
	int err;

	err = keel_yaml_resolve(y, kn, &r);
	if (err)
		return err;
	if (!r || fy_node_get_type(r) != FYNT_SCALAR || keel_yaml_is_null(r))
		return keel_yaml_fail(y, kn, "keys must be plain names");
	if (!(y->flags & KEEL_YAML_BRIEF))
		return keel_yaml_text(y, r, k, len);
	err = keel_yaml_scalar(y, r, key, KEEL_YAML_KEY_MAX, false);
	*k = key;
	*len = strlen(key);
	return err;
}

/* "unknown key; expected a, b, c" (or just "unknown key"). */
static int keel_yaml_unknown(struct keel_yaml *y, struct fy_node *kn,
			     const struct keel_yaml_field *fields,
			     size_t nfields)
{
	char list[256];
	size_t j, o = 0;

	if (y->flags & KEEL_YAML_BRIEF)
		return keel_yaml_fail(y, kn, "unknown key");
	for (j = 0; j < nfields && o < sizeof(list); j++)
		o += snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "",
			      fields[j].name);
	return keel_yaml_fail(y, kn, "unknown key; expected %s", list);
}

int keel_yaml_map(struct keel_yaml *y, struct fy_node *n,
		  const struct keel_yaml_field *fields, size_t nfields,
		  void *obj)
{
	struct fy_node *seen[KEEL_YAML_FIELDS_MAX] = { NULL };
	struct keel_yaml_pos here = y->here;
	size_t plen = y->plen, len = 0, i;
	char key[KEEL_YAML_KEY_MAX];
	struct fy_node_pair *p;
	struct fy_node *kn;
	const char *k = NULL;
	void *it = NULL;
	int err;

	if (nfields > KEEL_YAML_FIELDS_MAX)
		return -E2BIG; /* a table of the caller's, not the input */
	while (n && (p = fy_node_mapping_iterate(n, &it))) {
		kn = fy_node_pair_key(p);
		err = keel_yaml_key(y, kn, key, &k, &len);
		if (err)
			return err;
		for (i = 0; i < nfields; i++)
			if (strlen(fields[i].name) == len &&
			    memcmp(fields[i].name, k, len) == 0)
				break;
		if (y->flags & KEEL_YAML_BRIEF)
			keel_yaml_push(y, "%s%.40s", y->plen ? "." : "", key);
		else
			keel_yaml_push_key(y, k, len);
		if (i == nfields) {
			if (len == 2 && memcmp(k, "<<", 2) == 0)
				return keel_yaml_fail(
					y, kn, "merge keys are not supported");
			return keel_yaml_unknown(y, kn, fields, nfields);
		}
		if (seen[i])
			return keel_yaml_fail(
				y, kn, "duplicate key (first at line %d)",
				keel_yaml_line(y, seen[i]));
		seen[i] = kn;
		keel_yaml_node_pos(y, kn, &y->here);
		err = fields[i].parse(y, fy_node_pair_value(p), obj);
		y->here = here;
		if (err)
			return err;
		keel_yaml_pop(y, plen);
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required && !seen[i])
			return keel_yaml_fail_key(y, n, fields[i].name,
						  "required key missing");
	return 0;
}

int keel_yaml_list(struct keel_yaml *y, struct fy_node *v, size_t max,
		   const char *what, struct fy_node **seq,
		   int (*item)(struct keel_yaml *y, struct fy_node *n, size_t i,
			       void *obj),
		   void *obj)
{
	struct keel_yaml_pos here = y->here;
	size_t plen = y->plen, i;
	struct fy_node *s, *n;
	void *it = NULL;
	int err;

	err = keel_yaml_collection(y, v, FYNT_SEQUENCE, true, &s);
	if (err)
		return err;
	if (seq)
		*seq = s;
	for (i = 0; s && (n = fy_node_sequence_iterate(s, &it)); i++) {
		keel_yaml_push_index(y, i);
		if (i == max)
			return keel_yaml_fail(y, n, "too many %s (max %zu)",
					      what, max);
		keel_yaml_node_pos(y, n, &y->here);
		err = item(y, n, i, obj);
		y->here = here;
		if (err)
			return err;
		keel_yaml_pop(y, plen);
	}
	return 0;
}

size_t keel_yaml_utf8(const unsigned char *s, size_t n, uint32_t *cp)
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
bool keel_yaml_printable(uint32_t cp)
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
int keel_yaml_check_text(struct keel_yaml *y, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	struct keel_yaml_pos pos = { 1, 1 };
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = keel_yaml_utf8(s + i, len - i, &cp);
		y->here = pos;
		if (!n)
			return keel_yaml_fail(y, NULL, "not valid UTF-8");
		if (cp == 0 && !(y->flags & KEEL_YAML_BRIEF))
			return keel_yaml_fail(y, NULL, "NUL byte in the file");
		if (!keel_yaml_printable(cp))
			return keel_yaml_fail(
				y, NULL,
				"character U+%04X is not allowed in YAML", cp);
		if (cp == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
		i += n;
	}
	y->here = (struct keel_yaml_pos){ 0, 0 };
	return 0;
}

static void keel_yaml_noop_output(struct fy_diag *diag, void *user,
				  const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

/* The first error libfyaml collected, as ours. */
static int keel_yaml_syntax_error(struct keel_yaml *y, struct fy_diag *diag)
{
	struct fy_diag_error *e;
	void *it = NULL;

	e = fy_diag_errors_iterate(diag, &it);
	y->err->line = e ? e->line : 0;
	y->err->column = e ? e->column : 0;
	snprintf(y->err->msg, sizeof(y->err->msg), "YAML syntax error: %s",
		 e && e->msg ? e->msg : "unknown");
	return -EINVAL;
}

static int keel_yaml_document(struct keel_yaml *y, struct fy_parser *fyp,
			      struct fy_diag *diag,
			      int (*fn)(struct keel_yaml *y,
					struct fy_node *root, void *arg),
			      void *arg)
{
	struct fy_document *doc, *next = NULL;
	struct fy_node *root;
	int err;

	doc = fy_parse_load_document(fyp);
	if (doc)
		next = fy_parse_load_document(fyp);
	/* A second document is named first, unless BRIEF. */
	if (fy_diag_got_error(diag) &&
	    (!next || (y->flags & KEEL_YAML_BRIEF))) {
		err = keel_yaml_syntax_error(y, diag);
		goto out;
	}
	if (!doc) {
		err = keel_yaml_fail(y, NULL, "empty document");
		goto out;
	}
	if (next) {
		err = keel_yaml_fail(y, fy_document_root(next),
				     "more than one YAML document");
		goto out;
	}
	err = keel_yaml_resolve(y, fy_document_root(doc), &root);
	if (err)
		goto out;
	if (keel_yaml_is_null(root)) {
		err = keel_yaml_fail(y, NULL, "empty document");
		goto out;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		err = keel_yaml_fail(y, root,
				     "the top level must be a mapping");
		goto out;
	}
	if (!(y->flags & KEEL_YAML_BRIEF))
		keel_yaml_node_pos(y, root, &y->here);
	err = fn(y, root, arg);
out:
	if (next)
		fy_parse_document_destroy(fyp, next);
	if (doc)
		fy_parse_document_destroy(fyp, doc);
	return err;
}

int keel_yaml_load(struct keel_yaml *y, size_t max,
		   int (*root)(struct keel_yaml *y, struct fy_node *root,
			       void *arg),
		   void *arg)
{
	struct fy_parser *fyp = NULL;
	struct fy_diag *diag = NULL;
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg pcfg;
	int ret;

	if (!y->buf || y->len == 0) {
		ret = keel_yaml_fail(y, NULL, "empty document");
		goto out;
	}
	if (y->len > max) {
		ret = keel_yaml_fail(y, NULL, "larger than %zu bytes", max);
		goto out;
	}
	ret = keel_yaml_check_text(y, y->buf, y->len);
	if (ret)
		goto out;
	/* Diagnostics are collected for the caller, never printed. */
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = keel_yaml_noop_output;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag) {
		ret = -ENOMEM;
		goto out;
	}
	fy_diag_set_collect_errors(diag, true);
	memset(&pcfg, 0, sizeof(pcfg));
	/* Duplicate keys are reported by keel_yaml_map() with their path. */
	pcfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG |
		     FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE |
		     FYPCF_ALLOW_DUPLICATE_KEYS;
	pcfg.diag = diag;
	fyp = fy_parser_create(&pcfg);
	if (!fyp || fy_parser_set_string(fyp, y->buf, y->len)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = keel_yaml_document(y, fyp, diag, root, arg);
out:
	if (fyp)
		fy_parser_destroy(fyp);
	if (diag)
		fy_diag_destroy(diag);
	if (ret == -ENOMEM)
		snprintf(y->err->msg, sizeof(y->err->msg), "out of memory");
	return ret;
}
