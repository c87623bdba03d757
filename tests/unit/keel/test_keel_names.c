// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_names.c - keel_names.c: a real's state to its name and back
 * (keel-xdp's "drain" accepted, printed "draining"), out-of-range values,
 * and the counters' names.  Links keel_names.c only.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "check_run.h"
#include "keel_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	uint8_t state;
	const char *name;
} name_cases[] = {
	{ KEEL_RS_UNKNOWN, "unknown" },
	{ KEEL_RS_UP, "up" },
	{ KEEL_RS_DOWN, "down" },
	{ KEEL_RS_DRAINING, "draining" },
	{ KEEL_RS_DRAINING + 1, "unknown" },
	{ 255, "unknown" },
};

START_TEST(test_rs_name)
{
	ck_assert_str_eq(keel_rs_name(name_cases[_i].state),
			 name_cases[_i].name);
}
END_TEST

static const struct {
	const char *s;
	int err;
	uint8_t state; /* when err is 0 */
} parse_cases[] = {
	{ "unknown", 0, KEEL_RS_UNKNOWN },
	{ "up", 0, KEEL_RS_UP },
	{ "down", 0, KEEL_RS_DOWN },
	{ "draining", 0, KEEL_RS_DRAINING },
	{ "drain", 0, KEEL_RS_DRAINING }, /* keel-xdp's word */
	{ "", -EINVAL, 0 },
	{ "Up", -EINVAL, 0 },
	{ " up", -EINVAL, 0 },
	{ "up ", -EINVAL, 0 },
	{ "drained", -EINVAL, 0 },
	{ "dra", -EINVAL, 0 },
	{ "1", -EINVAL, 0 },
};

START_TEST(test_rs_parse)
{
	uint8_t st = 77;

	ck_assert_int_eq(keel_rs_parse(parse_cases[_i].s, &st),
			 parse_cases[_i].err);
	/* A refused word leaves the output alone. */
	ck_assert_uint_eq(st, parse_cases[_i].err ? 77 : parse_cases[_i].state);
}
END_TEST

/* Every state's name parses back to it. */
START_TEST(test_rs_round_trip)
{
	unsigned int st;
	uint8_t back;

	for (st = KEEL_RS_UNKNOWN; st <= KEEL_RS_DRAINING; st++) {
		ck_assert_int_eq(keel_rs_parse(keel_rs_name(st), &back), 0);
		ck_assert_uint_eq(back, st);
	}
}
END_TEST

START_TEST(test_cnt_name)
{
	ck_assert_str_ne(keel_cnt_name(0), "unknown");
	ck_assert_str_eq(keel_cnt_name(KEEL_CNT__MAX), "unknown");
	ck_assert_str_eq(keel_cnt_name(~0U), "unknown");
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("rs");

	tcase_add_loop_test(tc, test_rs_name, 0, ARRAY_SIZE(name_cases));
	tcase_add_loop_test(tc, test_rs_parse, 0, ARRAY_SIZE(parse_cases));
	tcase_add_test(tc, test_rs_round_trip);
	tcase_add_test(tc, test_cnt_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(names_suite());
}
