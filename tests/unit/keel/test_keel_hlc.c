// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_hlc.c - keel_hlc.h: a local edit's stamp follows the wall
 * clock and stays above everything issued or seen when the clock steps
 * back or a peer is ahead; observing never lowers; stamps order by
 * (hlc, node); the milliseconds saturate instead of wrapping.
 */
#include <check.h>
#include <stdint.h>

#include "check_run.h"
#include "keel_hlc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A constant stamp for the tables; keel_hlc_pack() is checked against it. */
#define H(ms, c) ((uint64_t)(ms) << KEEL_HLC_CTR_BITS | (c))

/* From last, an edit at wall (observing seen first, if not 0). */
static const struct {
	const char *name;
	uint64_t last, seen, wall;
	uint64_t want; /* the stamp, and last after */
} tick_cases[] = {
	{ "first edit", 0, 0, 1000, H(1000, 0) },
	{ "clock moved on", H(1000, 0), 0, 1001, H(1001, 0) },
	{ "same millisecond", H(1000, 0), 0, 1000, H(1000, 1) },
	{ "clock stepped back", H(1000, 4), 0, 900, H(1000, 5) },
	{ "peer ahead", H(1000, 0), H(5000, 7), 1001, H(5000, 8) },
	{ "peer behind", H(1000, 0), H(10, 7), 1001, H(1001, 0) },
	{ "counter carries into ms", H(1000, 0xffff), 0, 1000, H(1001, 0) },
	{ "restart: persisted last above the clock", H(9000, 3), 0, 8000,
	  H(9000, 4) },
	{ "ms saturate", 0, 0, UINT64_MAX, H(KEEL_HLC_MS_MAX, 0) },
};

START_TEST(test_tick)
{
	uint64_t last = tick_cases[_i].last;
	uint64_t got;

	if (tick_cases[_i].seen)
		keel_hlc_observe(&last, tick_cases[_i].seen);
	got = keel_hlc_tick(&last, tick_cases[_i].wall);
	ck_assert_msg(got == tick_cases[_i].want, "%s: %llu.%u",
		      tick_cases[_i].name, (unsigned long long)keel_hlc_ms(got),
		      keel_hlc_ctr(got));
	ck_assert_uint_eq(last, got);
	/* Causality: the edit is newer than what was seen before it. */
	ck_assert_uint_gt(got, tick_cases[_i].seen);
	ck_assert_uint_gt(got, tick_cases[_i].last);
}
END_TEST

/* At the top of the clock (a stamp received that far ahead): it stays
 * there, never wraps to a stamp every other one beats. */
START_TEST(test_tick_saturates)
{
	uint64_t last = UINT64_MAX;

	ck_assert_uint_eq(keel_hlc_tick(&last, 1000), UINT64_MAX);
	ck_assert_uint_eq(last, UINT64_MAX);
}
END_TEST

START_TEST(test_observe)
{
	uint64_t last = H(100, 1);

	keel_hlc_observe(&last, H(50, 9));
	ck_assert_uint_eq(last, H(100, 1));
	keel_hlc_observe(&last, H(100, 2));
	ck_assert_uint_eq(last, H(100, 2));
	ck_assert_uint_eq(keel_hlc_pack(100, 2), H(100, 2));
	ck_assert_uint_eq(keel_hlc_ms(H(100, 2)), 100);
	ck_assert_uint_eq(keel_hlc_ctr(H(100, 2)), 2);
}
END_TEST

static const struct {
	struct keel_stamp a, b;
	int want;
} cmp_cases[] = {
	{ { H(1, 0), 1 }, { H(1, 0), 1 }, 0 },
	{ { H(1, 0), 1 }, { H(1, 1), 1 }, -1 },
	{ { H(2, 0), 1 }, { H(1, 9), 9 }, 1 },
	{ { H(1, 0), 1 }, { H(1, 0), 2 }, -1 }, /* tie: the node decides */
	{ { H(1, 0), 3 }, { H(1, 0), 2 }, 1 },
};

START_TEST(test_cmp)
{
	ck_assert_int_eq(keel_stamp_cmp(&cmp_cases[_i].a, &cmp_cases[_i].b),
			 cmp_cases[_i].want);
	ck_assert_int_eq(keel_stamp_cmp(&cmp_cases[_i].b, &cmp_cases[_i].a),
			 -cmp_cases[_i].want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_hlc");
	TCase *tc = tcase_create("hlc");

	tcase_add_loop_test(tc, test_tick, 0, ARRAY_SIZE(tick_cases));
	tcase_add_test(tc, test_tick_saturates);
	tcase_add_test(tc, test_observe);
	tcase_add_loop_test(tc, test_cmp, 0, ARRAY_SIZE(cmp_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
