/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The table-driven cases of the control answers' codecs
 * (test_keel_ctl_lbd.c, _bgpa.c, _agent.c): one harness, three tables.
 *
 * - golden: a line as the daemon writes it today parses, its struct
 *   reads as check() expects, and the struct encodes to the same bytes;
 *   every buffer smaller than the line (and its NUL) is -ENOSPC;
 * - old: a line of an older daemon parses with the documented defaults
 *   (check()), and what it encodes to parses and encodes the same again;
 * - bad: a malformed line is refused with ret, a message naming what is
 *   wrong (msg, a substring), and a zeroed struct.
 */
#ifndef CTL_ANSWER_TEST_H
#define CTL_ANSWER_TEST_H

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_kind.h"

struct ctl_case {
	const char *name;
	const struct ctl_kind *kind;
	const char *line;
	void (*check)(const void *out); /* golden, old: NULL for none */
	int ret; /* bad */
	const char *msg; /* bad: a substring of the message */
};

#define CTL_GOLD(n, k, l, c)                                        \
	{                                                           \
		.name = (n), .kind = (k), .line = (l), .check = (c) \
	}
#define CTL_BAD(n, k, l, r, m)                                                \
	{                                                                     \
		.name = (n), .kind = (k), .line = (l), .ret = (r), .msg = (m) \
	}

#define CTL_ENC_MAX (1U << 20)

static void ctl_free(const struct ctl_kind *k, void *p)
{
	if (k->free)
		k->free(p);
}

static void *ctl_parse_ok(const struct ctl_case *c)
{
	void *out = calloc(1, c->kind->size);
	char err[256];
	int ret;

	ck_assert_ptr_nonnull(out);
	ret = c->kind->parse(c->line, strlen(c->line), out, err, sizeof(err));
	ck_assert_msg(ret == 0, "%s: parse %d: %s", c->name, ret, err);
	if (c->check)
		c->check(out);
	return out;
}

static void ctl_run_golden(const struct ctl_case *c)
{
	size_t len = strlen(c->line);
	void *out = ctl_parse_ok(c);
	char *buf = malloc(CTL_ENC_MAX);
	size_t size, at, from;
	int n;

	ck_assert_ptr_nonnull(buf);
	n = c->kind->encode(buf, CTL_ENC_MAX, out);
	ck_assert_msg(n > 0, "%s: encode %d", c->name, n);
	/* Where it differs, with some context: Check's messages are short. */
	for (at = 0; buf[at] && buf[at] == c->line[at]; at++)
		;
	from = at > 40 ? at - 40 : 0;
	ck_assert_msg(
		n == (int)len && at == len,
		"%s: %d bytes, want %zu; from byte %zu:\n  got  %.100s\n  want %.100s",
		c->name, n, len, from, buf + from, c->line + from);
	/* The line and its NUL: anything smaller is -ENOSPC. */
	for (size = 0; size <= len; size++) {
		n = c->kind->encode(buf, size, out);
		ck_assert_msg(n == -ENOSPC, "%s: size %zu gave %d", c->name,
			      size, n);
	}
	ck_assert_int_eq(c->kind->encode(buf, len + 1, out), (int)len);
	ctl_free(c->kind, out);
	free(out);
	free(buf);
}

static void ctl_run_old(const struct ctl_case *c)
{
	void *out = ctl_parse_ok(c), *back = calloc(1, c->kind->size);
	char *a = malloc(CTL_ENC_MAX), *b = malloc(CTL_ENC_MAX), err[256];
	int n, m;

	ck_assert(a && b && back);
	n = c->kind->encode(a, CTL_ENC_MAX, out);
	ck_assert_msg(n > 0, "%s: encode %d", c->name, n);
	ck_assert_msg(c->kind->parse(a, (size_t)n, back, err, sizeof(err)) == 0,
		      "%s: re-parse: %s", c->name, err);
	m = c->kind->encode(b, CTL_ENC_MAX, back);
	ck_assert_msg(m == n && !strcmp(a, b), "%s:\n  %s  %s", c->name, a, b);
	ctl_free(c->kind, out);
	ctl_free(c->kind, back);
	free(out);
	free(back);
	free(a);
	free(b);
}

static void ctl_run_bad(const struct ctl_case *c)
{
	void *out = malloc(c->kind->size), *zero = calloc(1, c->kind->size);
	char err[256] = "";
	const char *p;
	int ret;

	ck_assert(out && zero);
	memset(out, 0xa5, c->kind->size);
	ret = c->kind->parse(c->line, strlen(c->line), out, err, sizeof(err));
	ck_assert_msg(ret == c->ret, "%s: ret %d want %d (%s)", c->name, ret,
		      c->ret, err);
	ck_assert_msg(strstr(err, c->msg), "%s: message '%s' lacks '%s'",
		      c->name, err, c->msg);
	for (p = err; *p; p++)
		ck_assert_msg(*p >= 0x20 && *p <= 0x7e, "%s: unprintable",
			      c->name);
	ck_assert_msg(!memcmp(out, zero, c->kind->size), "%s: not zeroed",
		      c->name);
	free(out);
	free(zero);
}

/* The three tables of one test file, run as loop tests. */
static struct {
	const struct ctl_case *golden, *old, *bad;
} ctl_rows;

START_TEST(ctl_test_golden)
{
	ctl_run_golden(&ctl_rows.golden[_i]);
}
END_TEST

START_TEST(ctl_test_old)
{
	ctl_run_old(&ctl_rows.old[_i]);
}
END_TEST

START_TEST(ctl_test_bad)
{
	ctl_run_bad(&ctl_rows.bad[_i]);
}
END_TEST

#define CTL_N(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A TCase with every row of the arrays golden, old and bad. */
#define CTL_TCASE(golden, old, bad) \
	ctl_tcase(golden, CTL_N(golden), old, CTL_N(old), bad, CTL_N(bad))

static TCase *ctl_tcase(const struct ctl_case *golden, int n_golden,
			const struct ctl_case *old, int n_old,
			const struct ctl_case *bad, int n_bad)
{
	TCase *tc = tcase_create("codec");

	ctl_rows.golden = golden;
	ctl_rows.old = old;
	ctl_rows.bad = bad;
	tcase_add_loop_test(tc, ctl_test_golden, 0, n_golden);
	tcase_add_loop_test(tc, ctl_test_old, 0, n_old);
	tcase_add_loop_test(tc, ctl_test_bad, 0, n_bad);
	return tc;
}

#endif /* CTL_ANSWER_TEST_H */
