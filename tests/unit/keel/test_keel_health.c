// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_health alone: rise/fall sequences, table-driven. */
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "keel_health.h"
#include "keel_maps.h"

#define U KEEL_RS_UP
#define D KEEL_RS_DOWN

/*
 * in: results, '+' ok and '-' failed; state: the state after each step
 * ('U' or 'D'); changed: '*' where keel_rf_feed() reports a change.
 */
static const struct rf_case {
	const char *name;
	uint16_t rise, fall;
	const char *in, *state, *changed;
} rf_cases[] = {
	{ "first ok decides", 3, 3, "+", "U", "*" },
	{ "first failure decides", 3, 3, "-", "D", "*" },
	{ "1/1 follows every result", 1, 1, "+-+-++--", "UDUDUUDD",
	  "*****.*." },
	{ "fall 3: two failures are not enough", 2, 3, "+--+--+", "UUUUUUU",
	  "*......" },
	{ "fall 3: third in a row", 2, 3, "+---", "UUUD", "*..*" },
	{ "rise 2 after down", 2, 3, "-+-++", "DDDDU", "*...*" },
	{ "a success resets the fall run", 2, 2, "+-+-+--", "UUUUUUD",
	  "*.....*" },
	{ "a failure resets the rise run", 3, 1, "-++-+++", "DDDDDDU",
	  "*.....*" },
	{ "agreeing results change nothing", 2, 2, "++++----", "UUUUUDDD",
	  "*....*.." },
	{ "rise 100", 100, 1, "-", "D", "*" },
};

static void run_case(const struct rf_case *c)
{
	struct keel_risefall rf;
	size_t n = strlen(c->in);

	ck_assert_uint_eq(strlen(c->state), n);
	ck_assert_int_eq(keel_rf_init(&rf, c->rise, c->fall), 0);
	ck_assert_uint_eq(rf.state, KEEL_RS_UNKNOWN);
	for (size_t i = 0; i < n; i++) {
		bool changed = keel_rf_feed(&rf, c->in[i] == '+');
		uint8_t want = c->state[i] == 'U' ? U : D;

		ck_assert_msg(rf.state == want, "%s: step %zu state %u want %u",
			      c->name, i, rf.state, want);
		ck_assert_msg(changed == (c->changed[i] == '*'),
			      "%s: step %zu changed %d", c->name, i, changed);
	}
}

START_TEST(test_rf_table)
{
	run_case(&rf_cases[_i]);
}
END_TEST

/* rise 100 needs 100 in a row; 99 then a failure restarts the count. */
START_TEST(test_rf_long_runs)
{
	struct keel_risefall rf;
	int i;

	ck_assert_int_eq(keel_rf_init(&rf, KEEL_RISEFALL_MAX, 5), 0);
	ck_assert(keel_rf_feed(&rf, false));
	for (i = 0; i < 99; i++)
		ck_assert(!keel_rf_feed(&rf, true));
	ck_assert(!keel_rf_feed(&rf, false));
	ck_assert_uint_eq(rf.run, 0);
	for (i = 0; i < 99; i++)
		ck_assert(!keel_rf_feed(&rf, true));
	ck_assert(keel_rf_feed(&rf, true));
	ck_assert_uint_eq(rf.state, U);
	ck_assert_uint_eq(rf.run, 0);
}
END_TEST

static const struct {
	uint16_t rise, fall;
	int ret;
} init_cases[] = {
	{ 1, 1, 0 },	   { 100, 100, 0 },	  { 0, 1, -EINVAL },
	{ 1, 0, -EINVAL }, { 101, 1, -EINVAL },	  { 1, 101, -EINVAL },
	{ 3, 2, 0 },	   { 65535, 1, -EINVAL },
};

START_TEST(test_rf_init)
{
	struct keel_risefall rf;

	memset(&rf, 0xa5, sizeof(rf));
	ck_assert_int_eq(keel_rf_init(&rf, init_cases[_i].rise,
				      init_cases[_i].fall),
			 init_cases[_i].ret);
	if (init_cases[_i].ret)
		return;
	ck_assert_uint_eq(rf.state, KEEL_RS_UNKNOWN);
	ck_assert_uint_eq(rf.run, 0);
	ck_assert_uint_eq(rf.rise, init_cases[_i].rise);
	ck_assert_uint_eq(rf.fall, init_cases[_i].fall);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("risefall");

	tcase_add_loop_test(tc, test_rf_table, 0,
			    sizeof(rf_cases) / sizeof(rf_cases[0]));
	tcase_add_test(tc, test_rf_long_runs);
	tcase_add_loop_test(tc, test_rf_init, 0,
			    sizeof(init_cases) / sizeof(init_cases[0]));
	suite_add_tcase(s, tc);
	return check_run(s);
}
