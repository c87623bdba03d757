// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_loadw alone: config ranges, the factor's bounds, period and
 * deadband, the edge cases (base 0, no sample, rounding, overflow), and
 * simulated services: long-lived connections arriving by weight and
 * leaving at a steady rate, one of whose reals restarts with none.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "lb_loadw.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static struct lb_loadw_cfg cfg_on(void)
{
	struct lb_loadw_cfg c;

	lb_loadw_cfg_default(&c);
	c.enabled = true;
	return c;
}

START_TEST(test_cfg_default)
{
	struct lb_loadw_cfg c;

	memset(&c, 0xa5, sizeof(c));
	lb_loadw_cfg_default(&c);
	ck_assert(!c.enabled);
	ck_assert_uint_eq(c.metric, LB_LOADW_CONNS);
	ck_assert_uint_eq(c.period_ms, 10000);
	ck_assert_uint_eq(c.alpha_pct, 20);
	ck_assert_uint_eq(c.min_pct, 50);
	ck_assert_uint_eq(c.max_pct, 200);
	ck_assert_uint_eq(c.deadband_pct, 10);
	ck_assert_int_eq(lb_loadw_cfg_check(&c), 0);
}
END_TEST

static const struct cfg_case {
	const char *name;
	int field; /* 0 metric, 1 period, 2 alpha, 3 min, 4 max, 5 deadband */
	uint32_t value;
	int ret;
} cfg_cases[] = {
	{ "metric conns", 0, LB_LOADW_CONNS, 0 },
	{ "metric load", 0, LB_LOADW_LOAD, 0 },
	{ "metric 2", 0, 2, -EINVAL },
	{ "period 999", 1, 999, -EINVAL },
	{ "period 1000", 1, 1000, 0 },
	{ "period 3600000", 1, 3600000, 0 },
	{ "period 3600001", 1, 3600001, -EINVAL },
	{ "alpha 0", 2, 0, -EINVAL },
	{ "alpha 1", 2, 1, 0 },
	{ "alpha 100", 2, 100, 0 },
	{ "alpha 101", 2, 101, -EINVAL },
	{ "min 0", 3, 0, -EINVAL },
	{ "min 1", 3, 1, 0 },
	{ "min 100", 3, 100, 0 },
	{ "min 101", 3, 101, -EINVAL },
	{ "max 99", 4, 99, -EINVAL },
	{ "max 100", 4, 100, 0 },
	{ "max 1000", 4, 1000, 0 },
	{ "max 1001", 4, 1001, -EINVAL },
	{ "deadband 0", 5, 0, 0 },
	{ "deadband 100", 5, 100, 0 },
	{ "deadband 101", 5, 101, -EINVAL },
};

START_TEST(test_cfg_check)
{
	const struct cfg_case *k = &cfg_cases[_i];
	struct lb_loadw_cfg c;

	lb_loadw_cfg_default(&c);
	switch (k->field) {
	case 0:
		c.metric = k->value;
		break;
	case 1:
		c.period_ms = k->value;
		break;
	case 2:
		c.alpha_pct = k->value;
		break;
	case 3:
		c.min_pct = k->value;
		break;
	case 4:
		c.max_pct = k->value;
		break;
	default:
		c.deadband_pct = k->value;
		break;
	}
	ck_assert_msg(lb_loadw_cfg_check(&c) == k->ret, "%s", k->name);
}
END_TEST

START_TEST(test_sample_ewma)
{
	struct lb_loadw_cfg c = cfg_on();
	struct lb_loadw_real r = { .base = 100, .weight = 100 };

	lb_loadw_sample(&c, &r, 1000); /* the first sample is taken whole */
	ck_assert(r.have);
	ck_assert_double_eq(r.ewma, 1000);
	lb_loadw_sample(&c, &r, 0); /* 20 % of the way */
	ck_assert_double_eq_tol(r.ewma, 800, 1e-9);
	lb_loadw_sample(&c, &r, 0);
	ck_assert_double_eq_tol(r.ewma, 640, 1e-9);
	c.alpha_pct = 100;
	lb_loadw_sample(&c, &r, 4000000000u);
	ck_assert_double_eq(r.ewma, 4000000000.0);
}
END_TEST

/*
 * One update of a service whose reals have one sample each (their value,
 * or -1: no sample); the weights expected after it (all start at base).
 */
static const struct upd_case {
	const char *name;
	uint16_t min_pct, max_pct, deadband_pct;
	int n;
	uint32_t base[4];
	long long value[4];
	int changed;
	uint32_t want[4];
} upd_cases[] = {
	{ "equal load: base weights",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 100 },
	  { 500, 500, 500 },
	  0,
	  { 100, 100, 100 } },
	{ "all zero: factors 1",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 100 },
	  { 0, 0, 0 },
	  0,
	  { 100, 100, 100 } },
	/* share 1000 each: (1000+10)/(1500+10), (1000+10)/(500+10) */
	{ "one above, one below",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 100 },
	  { 1500, 500, 1000 },
	  2,
	  { 67, 198, 100 } },
	/* Per unit of weight: 2000 on base 200 is its share. */
	{ "shares follow base",
	  50,
	  200,
	  10,
	  2,
	  { 100, 200 },
	  { 1000, 2000 },
	  0,
	  { 100, 200 } },
	{ "bounded above and below",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 100 },
	  { 0, 100000, 0 },
	  3,
	  { 200, 50, 200 } },
	{ "tighter bounds",
	  80,
	  120,
	  0,
	  2,
	  { 100, 100 },
	  { 0, 5000 },
	  2,
	  { 120, 80 } },
	{ "base 0 stays 0, not in the share",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 0 },
	  { 1000, 1000, 0 },
	  0,
	  { 100, 100, 0 } },
	{ "no sample: base, not in the share",
	  50,
	  200,
	  10,
	  3,
	  { 100, 100, 100 },
	  { 1000, 1000, -1 },
	  0,
	  { 100, 100, 100 } },
	{ "no sample at all",
	  50,
	  200,
	  0,
	  2,
	  { 100, 100 },
	  { -1, -1 },
	  0,
	  { 100, 100 } },
	/* 1 x 10 % rounds to 0: kept at 1. */
	{ "never rounded to 0",
	  10,
	  200,
	  0,
	  2,
	  { 1, 100 },
	  { 100000, 0 },
	  1,
	  { 1, 200 } },
	/* 60000 x 2 and 4e9 are past the weight's range. */
	{ "clamped to 65535",
	  50,
	  200,
	  0,
	  3,
	  { 60000, 100, 4000000000u },
	  { 0, 1000000, 0 },
	  3,
	  { 65535, 50, 65535 } },
	/* Small counts: k keeps 3 against 1 from moving much. */
	{ "small counts damped",
	  50,
	  200,
	  10,
	  2,
	  { 100, 100 },
	  { 3, 1 },
	  0,
	  { 100, 100 } },
};

START_TEST(test_update_table)
{
	const struct upd_case *k = &upd_cases[_i];
	struct lb_loadw_cfg c = cfg_on();
	struct lb_loadw_real r[4] = {};
	uint64_t last = 0;
	int i, changed;

	c.min_pct = k->min_pct;
	c.max_pct = k->max_pct;
	c.deadband_pct = k->deadband_pct;
	ck_assert_int_eq(lb_loadw_cfg_check(&c), 0);
	for (i = 0; i < k->n; i++) {
		r[i].base = k->base[i];
		r[i].weight = k->base[i];
		if (k->value[i] >= 0)
			lb_loadw_sample(&c, &r[i], k->value[i]);
	}
	changed = lb_loadw_update(&c, r, k->n, 50000, &last);
	ck_assert_msg(changed == k->changed, "%s: changed %d", k->name,
		      changed);
	ck_assert_uint_eq(last, changed ? 50000 : 0);
	for (i = 0; i < k->n; i++)
		ck_assert_msg(r[i].weight == k->want[i],
			      "%s: real %d weight %u want %u", k->name, i,
			      r[i].weight, k->want[i]);
}
END_TEST

/* At most one change per period; last_ms moves only with a change. */
START_TEST(test_period)
{
	struct lb_loadw_cfg c = cfg_on();
	struct lb_loadw_real r[2] = { { .base = 100, .weight = 100 },
				      { .base = 100, .weight = 100 } };
	uint64_t last = 0;

	c.period_ms = 10000;
	lb_loadw_sample(&c, &r[0], 1000);
	lb_loadw_sample(&c, &r[1], 1000);
	/* Equal: nothing to do, and the next call is not held back. */
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 1000, &last), 0);
	ck_assert_uint_eq(last, 0);
	c.alpha_pct = 100;
	lb_loadw_sample(&c, &r[0], 3000);
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 2000, &last), 2);
	ck_assert_uint_eq(last, 2000);
	ck_assert_uint_lt(r[0].weight, 100);
	lb_loadw_sample(&c, &r[0], 0);
	lb_loadw_sample(&c, &r[1], 3000);
	/* A big change, too soon. */
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 2000 + 9999, &last), 0);
	ck_assert_uint_eq(last, 2000);
	ck_assert_uint_lt(r[0].weight, 100);
	/* The clock going back is also too soon. */
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 1500, &last), 0);
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 2000 + 10000, &last), 2);
	ck_assert_uint_eq(last, 12000);
	ck_assert_uint_gt(r[0].weight, 100);
	ck_assert_uint_lt(r[1].weight, 100);
}
END_TEST

/* Moves within the deadband are not applied; one beyond it applies all. */
START_TEST(test_deadband)
{
	struct lb_loadw_cfg c = cfg_on();
	struct lb_loadw_real r[3];
	uint64_t last = 0;
	int i;

	for (i = 0; i < 3; i++)
		r[i] = (struct lb_loadw_real){ .base = 100, .weight = 100 };
	/* share 1000: 1080 -> 93, 920 -> 109: within 10 points. */
	lb_loadw_sample(&c, &r[0], 1080);
	lb_loadw_sample(&c, &r[1], 920);
	lb_loadw_sample(&c, &r[2], 1000);
	ck_assert_int_eq(lb_loadw_update(&c, r, 3, 100000, &last), 0);
	ck_assert_uint_eq(r[0].weight, 100);
	ck_assert_uint_eq(r[1].weight, 100);
	/* No deadband: the same inputs move. */
	c.deadband_pct = 0;
	ck_assert_int_eq(lb_loadw_update(&c, r, 3, 100000, &last), 2);
	ck_assert_uint_eq(r[0].weight, 93);
	ck_assert_uint_eq(r[1].weight, 109);
	/* One beyond 10 points carries the small moves with it. */
	c.deadband_pct = 10;
	c.alpha_pct = 100;
	lb_loadw_sample(&c, &r[0], 1500);
	lb_loadw_sample(&c, &r[1], 1000);
	lb_loadw_sample(&c, &r[2], 1000);
	/* share 1166.7: 1500 -> 78 (15 points from 93), 1000 -> 117 */
	ck_assert_int_eq(lb_loadw_update(&c, r, 3, 200000, &last), 3);
	ck_assert_uint_eq(r[0].weight, 78);
	ck_assert_uint_eq(r[1].weight, 117);
	ck_assert_uint_eq(r[2].weight, 117);
}
END_TEST

/* A base that became 0 (admin) goes to 0 whatever the deadband. */
START_TEST(test_base_zero_applies)
{
	struct lb_loadw_cfg c = cfg_on();
	struct lb_loadw_real r[2] = { { .base = 0, .weight = 1 },
				      { .base = 100, .weight = 100 } };
	uint64_t last = 0;

	c.deadband_pct = 100;
	lb_loadw_sample(&c, &r[0], 10);
	lb_loadw_sample(&c, &r[1], 10);
	ck_assert_int_eq(lb_loadw_update(&c, r, 2, 5000, &last), 1);
	ck_assert_uint_eq(r[0].weight, 0);
	ck_assert_uint_eq(r[1].weight, 100);
}
END_TEST

/* --- simulated services --- */

/*
 * n reals; each second `arrive` new long-lived connections are spread by
 * weight over the reals that are up, and each real loses `leave` of its
 * connections.  Reports every 100 ms (the agent's default), an update
 * attempt after each.
 */
struct sim {
	int n;
	struct lb_loadw_cfg cfg;
	struct lb_loadw_real r[8];
	double conns[8];
	double arrive, leave;
	uint64_t now, last;
	bool on;
};

static void sim_second(struct sim *s, double *share0)
{
	double total = 0;
	int i, t;

	for (i = 0; i < s->n; i++)
		total += s->r[i].weight;
	if (share0)
		*share0 = total ? s->r[0].weight / total : 0;
	for (t = 0; t < 10; t++) {
		for (i = 0; i < s->n; i++) {
			s->conns[i] += s->arrive / 10 * s->r[i].weight / total;
			s->conns[i] -= s->conns[i] * s->leave / 10;
			lb_loadw_sample(&s->cfg, &s->r[i],
					(uint32_t)(s->conns[i] + 0.5));
		}
		s->now += 100;
		if (s->on)
			lb_loadw_update(&s->cfg, s->r, s->n, s->now, &s->last);
	}
}

static void sim_init(struct sim *s, int n, double conns)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->cfg = cfg_on();
	s->on = true;
	s->now = 1000000;
	for (int i = 0; i < n; i++) {
		s->r[i].base = 100;
		s->r[i].weight = 100;
		s->conns[i] = conns;
	}
}

/*
 * 4 reals of weight 100 holding 1000 connections each (40 new a second,
 * 1 % leaving a second: the steady state).  Real 0 restarts: it comes
 * back with none.  Its weight must never pass max_pct (200) of its base,
 * its share of new connections never max / (max + 3 min) = 4/7, and its
 * weight must be back near 100 once its count has caught up.
 */
START_TEST(test_restart_with_zero)
{
	struct sim s;
	double share, max_share = 0;
	uint32_t prev = 0, w_max = 0;
	int t, caught = -1;

	sim_init(&s, 4, 1000);
	s.arrive = 40;
	s.leave = 0.01;
	for (t = 0; t < 60; t++) /* settle */
		sim_second(&s, NULL);
	ck_assert_uint_eq(s.r[0].weight, 100);
	s.conns[0] = 0;
	printf("restart with zero (4 reals, base 100, max 200 %%, min 50 %%, "
	       "period 10 s):\n");
	for (t = 0; t < 400; t++) {
		sim_second(&s, &share);
		if (share > max_share)
			max_share = share;
		if (s.r[0].weight > w_max)
			w_max = s.r[0].weight;
		ck_assert_uint_le(s.r[0].weight, 200);
		for (int i = 1; i < 4; i++)
			ck_assert_uint_ge(s.r[i].weight, 50);
		if (s.r[0].weight != prev || t % 50 == 0) {
			printf("  t=%3ds weights %3u %3u %3u %3u  conns %4.0f "
			       "%4.0f %4.0f %4.0f  new-flow share of real 0 "
			       "%2.0f %%\n",
			       t, s.r[0].weight, s.r[1].weight, s.r[2].weight,
			       s.r[3].weight, s.conns[0], s.conns[1],
			       s.conns[2], s.conns[3], share * 100);
			prev = s.r[0].weight;
		}
		if (caught < 0 && s.conns[0] >= 0.95 * s.conns[1])
			caught = t;
	}
	printf("  real 0 reached 95 %% of the others' count after %d s; "
	       "highest weight %u, highest new-flow share %.0f %%\n",
	       caught, w_max, max_share * 100);
	ck_assert_uint_eq(w_max, 200); /* it did fill faster */
	ck_assert_double_le(max_share, 4.0 / 7 + 1e-9);
	ck_assert_int_ge(caught, 0);
	/* Caught up: back within the deadband of base, and stays there. */
	for (t = 0; t < 100; t++) {
		sim_second(&s, NULL);
		for (int i = 0; i < 4; i++) {
			ck_assert_uint_ge(s.r[i].weight, 90);
			ck_assert_uint_le(s.r[i].weight, 110);
		}
	}
}
END_TEST

/*
 * Unequal counts (3000, 1000, 500) drift back to equal on their own as
 * connections come and go; load-aware weights get there faster.
 */
START_TEST(test_converges)
{
	static const double start[3] = { 3000, 1000, 500 };
	struct sim on, off;
	double spread_on, spread_off;
	int i;

	sim_init(&on, 3, 0);
	sim_init(&off, 3, 0);
	off.on = false;
	for (i = 0; i < 3; i++)
		on.conns[i] = off.conns[i] = start[i];
	on.arrive = off.arrive = 45;
	on.leave = off.leave = 0.01;
	for (i = 0; i < 120; i++) {
		sim_second(&on, NULL);
		sim_second(&off, NULL);
	}
	spread_on = on.conns[0] - on.conns[2];
	spread_off = off.conns[0] - off.conns[2];
	printf("after 120 s: with load-aware %.0f %.0f %.0f (weights %u %u "
	       "%u), without %.0f %.0f %.0f\n",
	       on.conns[0], on.conns[1], on.conns[2], on.r[0].weight,
	       on.r[1].weight, on.r[2].weight, off.conns[0], off.conns[1],
	       off.conns[2]);
	ck_assert_double_lt(spread_on, spread_off * 0.8);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_ge(on.r[i].weight, 50);
		ck_assert_uint_le(on.r[i].weight, 200);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loadw");
	TCase *tc = tcase_create("loadw");

	tcase_add_test(tc, test_cfg_default);
	tcase_add_loop_test(tc, test_cfg_check, 0, N(cfg_cases));
	tcase_add_test(tc, test_sample_ewma);
	tcase_add_loop_test(tc, test_update_table, 0, N(upd_cases));
	tcase_add_test(tc, test_period);
	tcase_add_test(tc, test_deadband);
	tcase_add_test(tc, test_base_zero_applies);
	tcase_add_test(tc, test_restart_with_zero);
	tcase_add_test(tc, test_converges);
	suite_add_tcase(s, tc);
	return check_run(s);
}
