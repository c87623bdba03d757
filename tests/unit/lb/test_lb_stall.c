// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_lb_stall.c - lb_stall.c alone: the longest stall noted over
 * the last 60 s slides out of the window, the longest since start stays,
 * each lateness lands in its histogram bucket (bounds inclusive), and
 * only those over the 50 ms budget are counted as stalls.
 */
#include <check.h>
#include "check_run.h"
#include <stdint.h>
#include <string.h>

#include "lb_stall.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct beat {
	uint64_t at_ms;
	uint32_t lag_us;
};

static const struct {
	const char *name;
	struct beat beats[8];
	uint64_t ask_ms; /* lb_stall_recent_us at this time */
	uint32_t recent_us, max_us;
	uint64_t over;
} rows[] = {
	{ "nothing yet", { { 0 } }, 1000, 0, 0, 0 },
	{ "one stall, asked in the same second",
	  { { 5000, 120000 } },
	  5999,
	  120000,
	  120000,
	  1 },
	{ "the budget itself is no stall",
	  { { 5000, 50000 }, { 5010, 50001 } },
	  5020,
	  50001,
	  50001,
	  1 },
	{ "59 s later it is still recent",
	  { { 5000, 120000 } },
	  64999,
	  120000,
	  120000,
	  1 },
	{ "60 s later it left the window, not the since-start",
	  { { 5000, 120000 }, { 66000, 3000 } },
	  66000,
	  3000,
	  120000,
	  1 },
	{ "the longer of one second's beats",
	  { { 7000, 2000 }, { 7300, 9000 }, { 7900, 4000 } },
	  7950,
	  9000,
	  9000,
	  0 },
	{ "a slot reused a window later starts afresh",
	  { { 1000, 80000 }, { 61000, 1000 } },
	  61500,
	  1000,
	  80000,
	  1 },
	{ "a time before a slot's second does not count it",
	  { { 9000, 70000 } },
	  8000,
	  0,
	  70000,
	  1 },
};

START_TEST(test_rows)
{
	struct lb_stall s;
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < ARRAY_SIZE(rows[_i].beats) && rows[_i].beats[i].at_ms;
	     i++)
		lb_stall_note(&s, rows[_i].beats[i].at_ms,
			      rows[_i].beats[i].lag_us);
	ck_assert_msg(
		lb_stall_recent_us(&s, rows[_i].ask_ms) == rows[_i].recent_us,
		"%s: recent %u, want %u", rows[_i].name,
		lb_stall_recent_us(&s, rows[_i].ask_ms), rows[_i].recent_us);
	ck_assert_msg(s.max_us == rows[_i].max_us, "%s: max %u, want %u",
		      rows[_i].name, s.max_us, rows[_i].max_us);
	ck_assert_msg(s.over == rows[_i].over, "%s: over %llu, want %llu",
		      rows[_i].name, (unsigned long long)s.over,
		      (unsigned long long)rows[_i].over);
	ck_assert_uint_eq(s.count, i);
}
END_TEST

/* Each lateness in the first bucket whose bound holds it; then +Inf. */
START_TEST(test_buckets)
{
	static const struct {
		uint32_t lag_us;
		int bucket;
	} b[] = {
		{ 0, 0 },	    { 1000, 0 },    { 1001, 1 },
		{ 5000, 1 },	    { 49999, 4 },   { 50000, 4 },
		{ 50001, 5 },	    { 5000000, 9 }, { 5000001, 10 },
		{ UINT32_MAX, 10 },
	};
	struct lb_stall s;
	uint64_t sum = 0;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(b); i++) {
		memset(&s, 0, sizeof(s));
		lb_stall_note(&s, 1000, b[i].lag_us);
		for (k = 0; k <= LB_STALL_BUCKETS; k++)
			ck_assert_msg(s.buckets[k] == (k == b[i].bucket),
				      "%u us: bucket %d holds %llu",
				      b[i].lag_us, k,
				      (unsigned long long)s.buckets[k]);
		ck_assert_uint_eq(s.sum_us, b[i].lag_us);
		sum += b[i].lag_us;
	}
	ck_assert_uint_gt(sum, 0);
	for (k = 1; k < LB_STALL_BUCKETS; k++)
		ck_assert_uint_gt(lb_stall_bounds_us[k],
				  lb_stall_bounds_us[k - 1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stall");
	TCase *tc = tcase_create("stall");

	tcase_add_loop_test(tc, test_rows, 0, ARRAY_SIZE(rows));
	tcase_add_test(tc, test_buckets);
	suite_add_tcase(s, tc);
	return check_run(s);
}
