// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_prime.c - keel_prime.h: which numbers are prime (up to
 * 2^32 - 1, where the trial division must reach 65521), and the smallest
 * prime at or above n within a bound (the Maglev ring sizes').
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "check_run.h"
#include "keel_maps.h"
#include "keel_prime.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint32_t n;
	bool prime;
} prime_cases[] = {
	{ 0, false },
	{ 1, false },
	{ 2, true },
	{ 3, true },
	{ 4, false },
	{ 9, false },
	{ 25, false },
	{ 49, false },
	{ 1009, true },
	{ 65521, true },
	{ 65535, false },
	{ 65536, false },
	{ 65537, true },
	{ KEEL_RING_SIZE_MAX, true },
	/* 1048575 = 3 * 5^2 * 11 * 31 * 41 */
	{ KEEL_RING_SIZE_MAX + 2, false },
	{ 2147483647U, true },
	{ 4293001441U, false }, /* 65521^2: the trial division must reach it */
	{ 4294049777U, false }, /* 65521 * 65537 */
	{ 4294967291U, true },
	{ 4294967295U, false },
};

START_TEST(test_is_prime)
{
	ck_assert_msg(keel_is_prime(prime_cases[_i].n) == prime_cases[_i].prime,
		      "is_prime(%u)", prime_cases[_i].n);
}
END_TEST

static const struct {
	uint32_t n;
	uint32_t want;
} prime_at_least_cases[] = {
	{ 0, 2 },
	{ 1, 2 },
	{ 2, 2 },
	{ 3, 3 },
	{ 4, 5 },
	{ 1000, 1009 },
	{ 65522, 65537 },
	{ 65536, 65537 },
	{ 65537, 65537 },
	{ KEEL_RING_SIZE_MAX - 1, KEEL_RING_SIZE_MAX },
	{ KEEL_RING_SIZE_MAX, KEEL_RING_SIZE_MAX },
	{ KEEL_RING_SIZE_MAX + 1, 0 },
	{ 0xffffffffU, 0 },
};

START_TEST(test_prime_at_least)
{
	ck_assert_uint_eq(keel_prime_at_least(prime_at_least_cases[_i].n,
					      KEEL_RING_SIZE_MAX),
			  prime_at_least_cases[_i].want);
}
END_TEST

/* The bound itself may be the largest uint32_t: no wrap past it. */
START_TEST(test_prime_at_least_top)
{
	ck_assert_uint_eq(keel_prime_at_least(4294967292U, UINT32_MAX), 0);
	ck_assert_uint_eq(keel_prime_at_least(4294967291U, UINT32_MAX),
			  4294967291U);
	ck_assert_uint_eq(keel_prime_at_least(4294967288U, UINT32_MAX),
			  4294967291U);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_prime");
	TCase *tc = tcase_create("prime");

	tcase_add_loop_test(tc, test_is_prime, 0, ARRAY_SIZE(prime_cases));
	tcase_add_loop_test(tc, test_prime_at_least, 0,
			    ARRAY_SIZE(prime_at_least_cases));
	tcase_add_test(tc, test_prime_at_least_top);
	suite_add_tcase(s, tc);
	return check_run(s);
}
