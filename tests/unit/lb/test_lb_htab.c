// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_lb_htab.c - lb_htab.c alone: values stored under a hash are found
 * (all of them, equal hashes included) until deleted; deletion in the
 * middle of a probe run, and of runs that wrap around the table's end,
 * leaves every other value reachable; growth keeps everything; and a long
 * random sequence agrees with a plain list.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_htab.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXV 8

enum op_kind { END = 0, ADD, DEL, DEL_MISSING, FIND };

struct op {
	enum op_kind kind;
	uint32_t hash;
	uint32_t val; /* ADD, DEL */
	uint32_t want[MAXV]; /* FIND: the values under hash, sorted */
	int n_want;
};

struct row {
	const char *name;
	struct op ops[24];
};

/*
 * A fresh table has 16 slots (mask 15): hashes 14, 15, 30, 31 all start
 * near the end, so their runs wrap to slots 0, 1, ...
 */
/* clang-format off: one op per macro */
#define A(h, v)                                      \
	{                                            \
		.kind = ADD, .hash = (h), .val = (v) \
	}
#define D(h, v)                                      \
	{                                            \
		.kind = DEL, .hash = (h), .val = (v) \
	}
#define X(h, v)                                              \
	{                                                    \
		.kind = DEL_MISSING, .hash = (h), .val = (v) \
	}
#define F0(h)                             \
	{                                 \
		.kind = FIND, .hash = (h) \
	}
#define F(h, n, ...)                                                \
	{                                                           \
		.kind = FIND, .hash = (h), .n_want = (n), .want = { \
			__VA_ARGS__                                 \
		}                                                   \
	}
/* clang-format on */

static const struct row rows[] = {
	{ "empty table finds nothing", { F0(7), X(7, 1) } },
	{ "one value, found under its hash only",
	  { A(7, 70), F(7, 1, 70), F0(8), F0(7 + 16) } },
	{ "equal hashes keep every value",
	  { A(5, 1), A(5, 2), A(5, 3), A(5, 3), F(5, 4, 1, 2, 3, 3), D(5, 3),
	    F(5, 3, 1, 2, 3), X(5, 4) } },
	{ "delete at the head of a run: the rest move up",
	  { A(3, 30), A(3 + 16, 31), A(4, 40), A(3, 32), D(3, 30), F(3, 1, 32),
	    F(3 + 16, 1, 31), F(4, 1, 40), D(3 + 16, 31), F(3, 1, 32),
	    F(4, 1, 40) } },
	{ "runs that wrap around the end",
	  { A(14, 140),	   A(15, 150),	  A(30, 300),	 A(31, 310),
	    A(0, 1),	   A(1, 11),	  D(14, 140),	 F(15, 1, 150),
	    F(30, 1, 300), F(31, 1, 310), F(0, 1, 1),	 F(1, 1, 11),
	    D(15, 150),	   D(30, 300),	  F(31, 1, 310), F(0, 1, 1),
	    F(1, 1, 11),   D(31, 310),	  F(0, 1, 1),	 F(1, 1, 11),
	    F0(31) } },
	{ "a deleted value comes back when added again",
	  { A(9, 90), D(9, 90), F0(9), A(9, 90), F(9, 1, 90) } },
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Every value under hash, sorted; returns how many. */
static int collect(const struct lb_htab *t, uint32_t hash, uint32_t *out,
		   int max)
{
	uint32_t cur = LB_HTAB_START, v;
	int n = 0;

	while ((v = lb_htab_next(t, hash, &cur)) != LB_HTAB_NONE) {
		ck_assert_int_lt(n, max);
		out[n++] = v;
	}
	qsort(out, n, sizeof(*out), cmp_u32);
	return n;
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	struct lb_htab t = {};
	uint32_t got[MAXV];
	size_t k;
	int n;

	for (k = 0; k < ARRAY_SIZE(r->ops) && r->ops[k].kind != END; k++) {
		const struct op *o = &r->ops[k];

		switch (o->kind) {
		case ADD:
			ck_assert_int_eq(lb_htab_add(&t, o->hash, o->val), 0);
			break;
		case DEL:
			ck_assert_msg(lb_htab_del(&t, o->hash, o->val),
				      "%s: op %zu: %u not deleted", r->name, k,
				      o->val);
			break;
		case DEL_MISSING:
			ck_assert_msg(!lb_htab_del(&t, o->hash, o->val),
				      "%s: op %zu: %u deleted", r->name, k,
				      o->val);
			break;
		case FIND:
			n = collect(&t, o->hash, got, MAXV);
			ck_assert_msg(n == o->n_want &&
					      !memcmp(got, o->want,
						      n * sizeof(*got)),
				      "%s: op %zu: %d values under %u, want %d",
				      r->name, k, n, o->hash, o->n_want);
			break;
		default:
			break;
		}
	}
	lb_htab_free(&t);
}
END_TEST

START_TEST(test_none_refused)
{
	struct lb_htab t = {};

	ck_assert_int_eq(lb_htab_add(&t, 1, LB_HTAB_NONE), -EINVAL);
	ck_assert_uint_eq(t.n, 0);
	lb_htab_clear(&t); /* empty and unallocated: nothing to do */
	lb_htab_free(&t);
}
END_TEST

/* Grow from 16 slots to thousands; clear keeps the memory, empties it. */
START_TEST(test_growth_and_clear)
{
	struct lb_htab t = {};
	uint32_t i, got[MAXV], slots;

	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(lb_htab_add(&t, i * 2654435761u, i), 0);
	ck_assert_uint_eq(t.n, 5000);
	ck_assert_uint_le(2 * t.n, t.mask + 1); /* at most half full */
	for (i = 0; i < 5000; i++) {
		ck_assert_int_eq(collect(&t, i * 2654435761u, got, MAXV), 1);
		ck_assert_uint_eq(got[0], i);
	}
	slots = t.mask + 1;
	lb_htab_clear(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_uint_eq(t.mask + 1, slots);
	ck_assert_int_eq(collect(&t, 7 * 2654435761u, got, MAXV), 0);
	lb_htab_free(&t);
	ck_assert_ptr_null(t.v);
}
END_TEST

/*
 * 30,000 random adds and deletes over 64 hashes (long runs, many equal
 * hashes), every hash checked against a plain list after each step.
 */
START_TEST(test_random_against_list)
{
	enum { N = 2048, HASHES = 64, STEPS = 30000 };
	static struct {
		uint32_t hash, val;
	} ref[N];
	struct lb_htab t = {};
	uint32_t got[N], want[N], seed = 12345;
	size_t n = 0, i;
	int step, g, w, h;

	for (step = 0; step < STEPS; step++) {
		seed = seed * 1103515245 + 12345;
		if (n < N && (n == 0 || (seed >> 16) % 3)) {
			ref[n].hash = (seed >> 8) % HASHES * 0x9e3779b9u;
			ref[n].val = step;
			ck_assert_int_eq(
				lb_htab_add(&t, ref[n].hash, ref[n].val), 0);
			n++;
		} else {
			i = (seed >> 4) % n;
			ck_assert(lb_htab_del(&t, ref[i].hash, ref[i].val));
			ref[i] = ref[--n];
		}
		if (step % 197)
			continue;
		for (h = 0; h < HASHES; h++) {
			uint32_t hash = h * 0x9e3779b9u;

			g = collect(&t, hash, got, N);
			for (i = 0, w = 0; i < n; i++)
				if (ref[i].hash == hash)
					want[w++] = ref[i].val;
			qsort(want, w, sizeof(*want), cmp_u32);
			ck_assert_int_eq(g, w);
			ck_assert(!memcmp(got, want, g * sizeof(*got)));
		}
	}
	ck_assert_uint_eq(t.n, n);
	lb_htab_free(&t);
}
END_TEST

/* The keys' hashes tell families and services apart. */
START_TEST(test_key_hashes)
{
	const __be32 a[4] = { 0x0a000001 };
	struct keel_vip_key k1 = {
		.addr = { 1 }, .port = 80, .proto = 6, .family = KEEL_F_INET
	};
	struct keel_vip_key k2 = k1;

	k2.port = 81;
	ck_assert_uint_ne(lb_htab_hash_addr(KEEL_F_INET, a),
			  lb_htab_hash_addr(KEEL_F_INET6, a));
	ck_assert_uint_eq(lb_htab_hash_addr(KEEL_F_INET, a),
			  lb_htab_hash_addr(KEEL_F_INET, a));
	ck_assert_uint_ne(lb_htab_hash_vip(&k1), lb_htab_hash_vip(&k2));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("htab");
	TCase *tc = tcase_create("htab");

	tcase_add_loop_test(tc, test_rows, 0, ARRAY_SIZE(rows));
	tcase_add_test(tc, test_none_refused);
	tcase_add_test(tc, test_growth_and_clear);
	tcase_add_test(tc, test_random_against_list);
	tcase_add_test(tc, test_key_hashes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
