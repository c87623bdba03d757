// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lb_replay: agents' replay guards across lbd restarts (lb_replay.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>

#include "keel_file.h"
#include "keel_addr.h"
#include "lb_replay.h"

#define LB_REPLAY_MAX_BYTES (8U << 20)

static int __attribute__((format(printf, 3, 4)))
lb_rp_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int lb_rp_cmp(const void *x, const void *y)
{
	const struct lb_replay_entry *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* A JSON integer 0..2^63-1. */
static bool lb_rp_uint(json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static int lb_rp_entry(json_t *o, size_t i, struct lb_replay_entry *e,
		       char *err, size_t errlen)
{
	json_t *real, *proto, *boot, *id, *seq;
	const char *key;
	size_t bin;
	json_t *v;
	int p;

	if (!json_is_object(o))
		return lb_rp_fail(err, errlen, "agents[%zu]: must be an object",
				  i);
	json_object_foreach(o, key, v)
	{
		if (strcmp(key, "real") && strcmp(key, "protocol") &&
		    strcmp(key, "boot") && strcmp(key, "boot_id") &&
		    strcmp(key, "seq"))
			return lb_rp_fail(err, errlen,
					  "agents[%zu].%s: unknown member", i,
					  key);
	}
	real = json_object_get(o, "real");
	proto = json_object_get(o, "protocol");
	boot = json_object_get(o, "boot");
	id = json_object_get(o, "boot_id");
	seq = json_object_get(o, "seq");
	memset(e, 0, sizeof(*e));
	if (!json_is_string(real) ||
	    keel_addr_parse(json_string_value(real), &e->family, e->addr))
		return lb_rp_fail(err, errlen,
				  "agents[%zu].real: must be an address", i);
	p = json_is_integer(proto) ? (int)json_integer_value(proto) : 0;
	if (p != KEEL_REPORT_VERSION_1 && p != KEEL_REPORT_VERSION)
		return lb_rp_fail(err, errlen,
				  "agents[%zu].protocol: must be 1 or 2", i);
	e->g.v2 = p == KEEL_REPORT_VERSION;
	if (e->g.v2 ? !boot || !lb_rp_uint(boot, &e->g.boot) : boot != NULL)
		return lb_rp_fail(
			err, errlen,
			"agents[%zu].boot: an integer >= 0 with protocol 2, absent with 1",
			i);
	if (!json_is_string(id) ||
	    json_string_length(id) != 2 * KEEL_REPORT_BOOT_ID_LEN ||
	    sodium_hex2bin(e->g.boot_id, sizeof(e->g.boot_id),
			   json_string_value(id), json_string_length(id), NULL,
			   &bin, NULL) ||
	    bin != KEEL_REPORT_BOOT_ID_LEN)
		return lb_rp_fail(err, errlen,
				  "agents[%zu].boot_id: must be 32 hex digits",
				  i);
	if (!lb_rp_uint(seq, &e->g.last_seq))
		return lb_rp_fail(err, errlen,
				  "agents[%zu].seq: must be an integer >= 0",
				  i);
	e->g.seen = true;
	return 0;
}

static int lb_rp_root(json_t *root, struct lb_replay_entry **out, size_t *n,
		      char *err, size_t errlen)
{
	struct lb_replay_entry *e = NULL;
	json_t *ver, *agents, *v;
	const char *key;
	size_t i, cnt;
	int ret;

	if (!json_is_object(root))
		return lb_rp_fail(err, errlen,
				  "the file must hold a JSON object");
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "version") && strcmp(key, "agents"))
			return lb_rp_fail(err, errlen, "%s: unknown member",
					  key);
	}
	ver = json_object_get(root, "version");
	if (!json_is_integer(ver) ||
	    json_integer_value(ver) != LB_REPLAY_VERSION)
		return lb_rp_fail(err, errlen, "version: must be %d",
				  LB_REPLAY_VERSION);
	agents = json_object_get(root, "agents");
	if (!json_is_array(agents))
		return lb_rp_fail(err, errlen, "agents: must be a list");
	cnt = json_array_size(agents);
	if (cnt > KEEL_MAX_REALS)
		return lb_rp_fail(err, errlen, "agents: more than %d",
				  KEEL_MAX_REALS);
	if (cnt) {
		e = calloc(cnt, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	for (i = 0; i < cnt; i++) {
		ret = lb_rp_entry(json_array_get(agents, i), i, &e[i], err,
				  errlen);
		if (ret)
			goto fail;
	}
	/* One entry per agent: a second one was not written by lbd. */
	if (cnt)
		qsort(e, cnt, sizeof(*e), lb_rp_cmp);
	for (i = 1; i < cnt; i++) {
		if (!lb_rp_cmp(&e[i - 1], &e[i])) {
			ret = lb_rp_fail(err, errlen,
					 "agents: an address is there twice");
			goto fail;
		}
	}
	*out = e;
	*n = cnt;
	return 0;
fail:
	free(e);
	return ret;
}

int lb_replay_parse(const char *buf, size_t len, struct lb_replay_entry **out,
		    size_t *n, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	*out = NULL;
	*n = 0;
	if (err && errlen)
		err[0] = '\0';
	if (len > LB_REPLAY_MAX_BYTES)
		return lb_rp_fail(err, errlen, "larger than %u bytes",
				  LB_REPLAY_MAX_BYTES);
	root = json_loadb(len ? buf : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return lb_rp_fail(err, errlen, "line %d column %d: %s",
				  jerr.line, jerr.column, jerr.text);
	ret = lb_rp_root(root, out, n, err, errlen);
	json_decref(root);
	return ret;
}

static json_int_t lb_rp_int(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (json_int_t)v;
}

/*
 * Written by hand, not through jansson objects: lbd writes this every few
 * seconds on its event loop, and building 3,000 objects took 12-54 ms on
 * a busy 2-core VM.  Every value is a number, hex digits or an address
 * literal: nothing to escape.  The parser above reads it back
 * (fuzz_replay checks the round trip).
 */
char *lb_replay_dump(const struct lb_agents *t)
{
	/* {"real":"<45>","protocol":2,"boot":<19>,"boot_id":"<32>","seq":<19>}, */
	enum { LINE = 200 };
	char addr[64], hex[2 * KEEL_REPORT_BOOT_ID_LEN + 1], *text;
	size_t i, size = 64 + t->n * LINE, len;
	bool first = true;

	text = malloc(size);
	if (!text)
		return NULL;
	len = (size_t)snprintf(text, size, "{\"version\":%d,\"agents\":[",
			       LB_REPLAY_VERSION);
	for (i = 0; i < t->n; i++) {
		const struct lb_agent_slot *s = &t->v[i];
		const struct keel_replay *g = &s->a.replay;
		char boot[32] = "";

		if (!g->seen)
			continue;
		if (keel_addr_format(s->a.family, s->a.addr, addr,
				     sizeof(addr)) < 0) {
			free(text);
			return NULL;
		}
		sodium_bin2hex(hex, sizeof(hex), g->boot_id,
			       sizeof(g->boot_id));
		if (g->v2)
			snprintf(boot, sizeof(boot), "\"boot\":%lld,",
				 (long long)lb_rp_int(g->boot));
		len += (size_t)snprintf(
			text + len, size - len,
			"%s{\"real\":\"%s\",\"protocol\":%d,%s\"boot_id\":\"%s\",\"seq\":%lld}",
			first ? "" : ",", addr,
			g->v2 ? KEEL_REPORT_VERSION : KEEL_REPORT_VERSION_1,
			boot, hex, (long long)lb_rp_int(g->last_seq));
		first = false;
	}
	snprintf(text + len, size - len, "]}");
	return text;
}

size_t lb_replay_restore(struct lb_agents *t, const struct lb_replay_entry *e,
			 size_t n)
{
	struct lb_agent_slot *s;
	size_t i, done = 0;

	for (i = 0; i < n; i++) {
		s = lb_agents_find(t, e[i].family, e[i].addr);
		if (!s || s->a.replay.seen)
			continue;
		s->a.replay = e[i].g;
		done++;
	}
	return done;
}

int lb_replay_load(const char *path, struct lb_replay_entry **out, size_t *n,
		   char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	*n = 0;
	ret = keel_file_read(path, LB_REPLAY_MAX_BYTES, &buf, &len, NULL, err,
			     errlen);
	if (ret)
		return ret;
	ret = lb_replay_parse(buf, len, out, n, err, errlen);
	free(buf);
	return ret;
}

int lb_replay_save(const char *path, const struct lb_agents *t, bool durable)
{
	char *text = lb_replay_dump(t), *line;
	size_t len;
	int ret;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	line = realloc(text, len + 2);
	if (!line) {
		free(text);
		return -ENOMEM;
	}
	line[len] = '\n';
	ret = keel_file_write_atomic(path, line, len + 1, 0640, durable);
	free(line);
	return ret;
}
