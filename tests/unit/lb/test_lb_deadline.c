// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_lb_deadline.c - lb_deadline.c alone: ids come out earliest first and
 * only once due; setting an id again moves it (earlier or later) instead
 * of queueing it twice; deleting takes it out from anywhere in the heap;
 * and a long random sequence agrees with a plain array.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_deadline.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX /* POP: nothing may come out */
#define ANY (UINT32_MAX - 1) /* POP: something must */

enum kind { END = 0, SET, DEL, POP };

struct op {
	enum kind kind;
	uint32_t id; /* SET, DEL; POP: the id wanted, or NONE, ANY */
	uint64_t at; /* SET: the deadline; POP: now */
};

/* clang-format off: one op per macro */
#define S(i, t)                                   \
	{                                         \
		.kind = SET, .id = (i), .at = (t) \
	}
#define D(i)                           \
	{                              \
		.kind = DEL, .id = (i) \
	}
#define P(now, want)                                   \
	{                                              \
		.kind = POP, .id = (want), .at = (now) \
	}
/* clang-format on */

static const struct {
	const char *name;
	struct op ops[16];
} rows[] = {
	{ "empty: nothing due", { P(1000, NONE) } },
	{ "not due yet, then due",
	  { S(3, 500), P(499, NONE), P(500, 3), P(10000, NONE) } },
	{ "earliest first, whatever the order of setting",
	  { S(1, 300), S(2, 100), S(3, 200), S(4, 400), P(1000, 2), P(1000, 3),
	    P(1000, 1), P(1000, 4), P(1000, NONE) } },
	{ "set again: moved later, queued once",
	  { S(1, 100), S(2, 200), S(1, 300), P(250, 2), P(250, NONE), P(300, 1),
	    P(300, NONE) } },
	{ "set again: moved earlier",
	  { S(1, 100), S(2, 200), S(3, 300), S(3, 50), P(60, 3), P(60, NONE),
	    P(200, 1), P(200, 2) } },
	{ "delete the earliest, a middle one, a missing one",
	  { S(1, 10), S(2, 20), S(3, 30), S(4, 40), S(5, 50), D(1), D(3), D(7),
	    P(100, 2), P(100, 4), P(100, 5), P(100, NONE) } },
	{ "equal deadlines all come out",
	  { S(8, 70), S(9, 70), D(8), S(8, 70), P(69, NONE), P(70, ANY),
	    P(70, ANY), P(70, NONE) } },
};

START_TEST(test_rows)
{
	struct lb_deadline q;
	uint32_t id;
	size_t k;

	ck_assert_int_eq(lb_deadline_init(&q, 16), 0);
	for (k = 0; k < ARRAY_SIZE(rows[_i].ops) && rows[_i].ops[k].kind; k++) {
		const struct op *o = &rows[_i].ops[k];

		switch (o->kind) {
		case SET:
			ck_assert_int_eq(lb_deadline_set(&q, o->id, o->at), 0);
			break;
		case DEL:
			lb_deadline_del(&q, o->id);
			break;
		case POP:
			if (o->id == NONE) {
				ck_assert_msg(!lb_deadline_pop(&q, o->at, &id),
					      "%s: op %zu: %u came out",
					      rows[_i].name, k, id);
				break;
			}
			ck_assert_msg(lb_deadline_pop(&q, o->at, &id),
				      "%s: op %zu: nothing came out",
				      rows[_i].name, k);
			if (o->id == ANY) /* ties: either */
				break;
			ck_assert_msg(id == o->id, "%s: op %zu: %u, want %u",
				      rows[_i].name, k, id, o->id);
			break;
		default:
			break;
		}
	}
	lb_deadline_free(&q);
}
END_TEST

START_TEST(test_bounds)
{
	struct lb_deadline q;
	uint64_t at;
	uint32_t id;

	ck_assert_int_eq(lb_deadline_init(&q, 4), 0);
	ck_assert_int_eq(lb_deadline_set(&q, 4, 1), -EINVAL);
	ck_assert(!lb_deadline_peek(&q, &id, &at));
	ck_assert_int_eq(lb_deadline_set(&q, 3, 9), 0);
	ck_assert(lb_deadline_peek(&q, &id, &at));
	ck_assert_uint_eq(id, 3);
	ck_assert_uint_eq(at, 9);
	lb_deadline_del(&q, 4); /* out of range: nothing */
	lb_deadline_clear(&q);
	ck_assert(!lb_deadline_peek(&q, NULL, NULL));
	ck_assert_int_eq(lb_deadline_set(&q, 3, 5), 0); /* not stale */
	ck_assert_uint_eq(q.n, 1);
	lb_deadline_free(&q);
}
END_TEST

/* 200,000 random sets, deletes and pops over 500 ids against an array. */
START_TEST(test_random_against_array)
{
	enum { IDS = 500, STEPS = 200000 };
	static uint64_t ref[IDS]; /* 0: not queued, else deadline + 1 */
	struct lb_deadline q;
	uint32_t seed = 7, id, best;
	uint64_t now = 0, at;
	int step, i;

	memset(ref, 0, sizeof(ref));
	ck_assert_int_eq(lb_deadline_init(&q, IDS), 0);
	for (step = 0; step < STEPS; step++) {
		seed = seed * 1103515245 + 12345;
		id = (seed >> 8) % IDS;
		switch ((seed >> 20) % 4) {
		case 0:
		case 1:
			at = now + (seed >> 4) % 1000;
			ck_assert_int_eq(lb_deadline_set(&q, id, at), 0);
			ref[id] = at + 1;
			break;
		case 2:
			lb_deadline_del(&q, id);
			ref[id] = 0;
			break;
		default:
			now += (seed >> 12) % 50;
			best = UINT32_MAX;
			for (i = 0; i < IDS; i++)
				if (ref[i] && ref[i] - 1 <= now &&
				    (best == UINT32_MAX || ref[i] < ref[best]))
					best = i;
			if (best == UINT32_MAX) {
				ck_assert(!lb_deadline_pop(&q, now, &id));
				break;
			}
			ck_assert(lb_deadline_pop(&q, now, &id));
			/* Equal deadlines: any of them. */
			ck_assert_uint_eq(ref[id], ref[best]);
			ref[id] = 0;
			break;
		}
	}
	for (i = 0, id = 0; i < IDS; i++)
		id += ref[i] != 0;
	ck_assert_uint_eq(q.n, id);
	lb_deadline_free(&q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("deadline");
	TCase *tc = tcase_create("deadline");

	tcase_add_loop_test(tc, test_rows, 0, ARRAY_SIZE(rows));
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_random_against_array);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
