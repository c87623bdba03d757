// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_health alone: the whole combination table and the source names (the
 * agent's verdict is lb_agents', tested in test_lb_agents.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "lb_health.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Verdicts and adopted states in the table; NA: not adopted. */
enum {
	X = KEEL_RS_UNKNOWN,
	U = KEEL_RS_UP,
	D = KEEL_RS_DOWN,
	R = KEEL_RS_DRAINING,
	NA = 0xff
};
enum {
	NONE = LB_HEALTH_NONE,
	AGENT = LB_HEALTH_AGENT,
	CHECK = LB_HEALTH_CHECK
};

/*
 * Every combination: mode x verdict x timeout x adopted (and its state),
 * then the result for admin (none, drain, down, down + drain) as
 * "<state> <source>", state U(P), D(OWN) or R (DRAINING).  Generated once
 * from docs/health.md's table by a separate script and reviewed row by
 * row; the code is not its source.
 */
static const struct combo {
	uint8_t mode, verdict;
	bool timeout;
	uint8_t adopted;
	const char *out[4];
} combos[] = {
	{ NONE, X, 0, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 0, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 0, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 0, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 1, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 1, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 1, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, X, 1, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 0, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 0, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 0, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 0, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 1, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 1, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 1, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, U, 1, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 0, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 0, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 0, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 0, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 1, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 1, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 1, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, D, 1, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 0, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 0, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 0, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 0, D, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 1, NA, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 1, U, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 1, R, { "U config", "R admin", "D admin", "D admin" } },
	{ NONE, R, 1, D, { "U config", "R admin", "D admin", "D admin" } },
	{ AGENT, X, 0, NA, { "D init", "D init", "D admin", "D admin" } },
	{ AGENT, X, 0, U, { "U init", "R admin", "D admin", "D admin" } },
	{ AGENT, X, 0, R, { "R init", "R admin", "D admin", "D admin" } },
	{ AGENT, X, 0, D, { "D init", "D init", "D admin", "D admin" } },
	{ AGENT, X, 1, NA, { "D init", "D init", "D admin", "D admin" } },
	{ AGENT, X, 1, U, { "U init", "R admin", "D admin", "D admin" } },
	{ AGENT, X, 1, R, { "R init", "R admin", "D admin", "D admin" } },
	{ AGENT, X, 1, D, { "D init", "D init", "D admin", "D admin" } },
	{ AGENT, U, 0, NA, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 0, U, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 0, R, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 0, D, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 1, NA, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 1, U, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 1, R, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, U, 1, D, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, D, 0, NA, { "D agent", "D agent", "D admin", "D admin" } },
	{ AGENT, D, 0, U, { "D agent", "D agent", "D admin", "D admin" } },
	{ AGENT, D, 0, R, { "D agent", "D agent", "D admin", "D admin" } },
	{ AGENT, D, 0, D, { "D agent", "D agent", "D admin", "D admin" } },
	{ AGENT,
	  D,
	  1,
	  NA,
	  { "D agent-timeout", "D agent-timeout", "D admin", "D admin" } },
	{ AGENT,
	  D,
	  1,
	  U,
	  { "D agent-timeout", "D agent-timeout", "D admin", "D admin" } },
	{ AGENT,
	  D,
	  1,
	  R,
	  { "D agent-timeout", "D agent-timeout", "D admin", "D admin" } },
	{ AGENT,
	  D,
	  1,
	  D,
	  { "D agent-timeout", "D agent-timeout", "D admin", "D admin" } },
	{ AGENT, R, 0, NA, { "R agent", "R admin", "D admin", "D admin" } },
	{ AGENT, R, 0, U, { "R agent", "R admin", "D admin", "D admin" } },
	{ AGENT, R, 0, R, { "R agent", "R admin", "D admin", "D admin" } },
	{ AGENT, R, 0, D, { "R agent", "R admin", "D admin", "D admin" } },
	{ AGENT,
	  R,
	  1,
	  NA,
	  { "R agent-silent", "R admin", "D admin", "D admin" } },
	{ AGENT,
	  R,
	  1,
	  U,
	  { "R agent-silent", "R admin", "D admin", "D admin" } },
	{ AGENT,
	  R,
	  1,
	  R,
	  { "R agent-silent", "R admin", "D admin", "D admin" } },
	{ AGENT,
	  R,
	  1,
	  D,
	  { "R agent-silent", "R admin", "D admin", "D admin" } },
	{ CHECK, X, 0, NA, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, X, 0, U, { "U init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, 0, R, { "R init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, 0, D, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, X, 1, NA, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, X, 1, U, { "U init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, 1, R, { "R init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, 1, D, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, U, 0, NA, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 0, U, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 0, R, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 0, D, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 1, NA, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 1, U, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 1, R, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, U, 1, D, { "U check", "R admin", "D admin", "D admin" } },
	{ CHECK, D, 0, NA, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 0, U, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 0, R, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 0, D, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 1, NA, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 1, U, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 1, R, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, D, 1, D, { "D check", "D check", "D admin", "D admin" } },
	{ CHECK, R, 0, NA, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 0, U, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 0, R, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 0, D, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 1, NA, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 1, U, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 1, R, { "R check", "R admin", "D admin", "D admin" } },
	{ CHECK, R, 1, D, { "R check", "R admin", "D admin", "D admin" } },
};

static char state_letter(uint8_t s)
{
	switch (s) {
	case KEEL_RS_UP:
		return 'U';
	case KEEL_RS_DOWN:
		return 'D';
	case KEEL_RS_DRAINING:
		return 'R';
	default:
		return '?';
	}
}

START_TEST(test_combine_table)
{
	const struct combo *c = &combos[_i];
	static const bool admin[4][2] = { { false, false },
					  { false, true },
					  { true, false },
					  { true, true } };

	for (int j = 0; j < 4; j++) {
		struct lb_health_in in = {
			.admin_down = admin[j][0],
			.admin_drain = admin[j][1],
			.mode = c->mode,
			.verdict = c->verdict,
			.timeout = c->timeout,
			.adopted = c->adopted != NA,
			.adopted_state = c->adopted != NA ? c->adopted : 0,
		};
		struct lb_health_out out;
		char got[32];

		memset(&out, 0xa5, sizeof(out));
		lb_health_combine(&in, &out);
		snprintf(got, sizeof(got), "%c %s", state_letter(out.state),
			 lb_health_source_name(out.source));
		ck_assert_msg(!strcmp(got, c->out[j]),
			      "row %d (mode %u verdict %u timeout %d adopted "
			      "%u) admin %d: got '%s' want '%s'",
			      _i, c->mode, c->verdict, c->timeout, c->adopted,
			      j, got, c->out[j]);
	}
}
END_TEST

/*
 * lbd's check could not run its last probe (held): a prober's trouble is
 * no news of the real.  CHECK mode, every verdict and adoption: the state
 * of the same row without held, the source check-held where a verdict
 * decided; agent and none modes ignore it.
 */
static const struct held_combo {
	uint8_t mode, verdict, adopted;
	const char *out[4];
} held_combos[] = {
	{ CHECK, X, NA, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, X, U, { "U init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, R, { "R init", "R admin", "D admin", "D admin" } },
	{ CHECK, X, D, { "D init", "D init", "D admin", "D admin" } },
	{ CHECK, U, NA, { "U check-held", "R admin", "D admin", "D admin" } },
	{ CHECK, U, U, { "U check-held", "R admin", "D admin", "D admin" } },
	{ CHECK, U, D, { "U check-held", "R admin", "D admin", "D admin" } },
	{ CHECK,
	  D,
	  NA,
	  { "D check-held", "D check-held", "D admin", "D admin" } },
	{ CHECK,
	  D,
	  U,
	  { "D check-held", "D check-held", "D admin", "D admin" } },
	{ CHECK, R, NA, { "R check-held", "R admin", "D admin", "D admin" } },
	{ AGENT, U, NA, { "U agent", "R admin", "D admin", "D admin" } },
	{ AGENT, D, NA, { "D agent", "D agent", "D admin", "D admin" } },
	{ AGENT, X, U, { "U init", "R admin", "D admin", "D admin" } },
	{ NONE, X, NA, { "U config", "R admin", "D admin", "D admin" } },
};

static void combine_str(const struct lb_health_in *in, char *got, size_t size)
{
	struct lb_health_out out;

	memset(&out, 0xa5, sizeof(out));
	lb_health_combine(in, &out);
	snprintf(got, size, "%c %s", state_letter(out.state),
		 lb_health_source_name(out.source));
}

START_TEST(test_combine_held)
{
	const struct held_combo *c = &held_combos[_i];
	static const bool admin[4][2] = { { false, false },
					  { false, true },
					  { true, false },
					  { true, true } };

	for (int j = 0; j < 4; j++) {
		struct lb_health_in in = {
			.admin_down = admin[j][0],
			.admin_drain = admin[j][1],
			.mode = c->mode,
			.verdict = c->verdict,
			.held = true,
			.adopted = c->adopted != NA,
			.adopted_state = c->adopted != NA ? c->adopted : 0,
		};
		char got[32];

		combine_str(&in, got, sizeof(got));
		ck_assert_msg(!strcmp(got, c->out[j]),
			      "held row %d admin %d: got '%s' want '%s'", _i, j,
			      got, c->out[j]);
	}
}
END_TEST

/* Over the whole table (one test: a fork per row is slow): held never
 * gives another state. */
START_TEST(test_held_never_changes_state)
{
	struct lb_health_out a, b;

	for (int i = 0; i < N(combos); i++) {
		const struct combo *c = &combos[i];
		struct lb_health_in in = {
			.mode = c->mode,
			.verdict = c->verdict,
			.timeout = c->timeout,
			.adopted = c->adopted != NA,
			.adopted_state = c->adopted != NA ? c->adopted : 0,
		};

		for (int j = 0; j < 4; j++) {
			in.admin_down = j & 2;
			in.admin_drain = j & 1;
			in.held = false;
			lb_health_combine(&in, &a);
			in.held = true;
			lb_health_combine(&in, &b);
			ck_assert_msg(a.state == b.state,
				      "row %d admin %d: %u -> %u", i, j,
				      a.state, b.state);
		}
	}
}
END_TEST

/* Inputs no caller should pass still give a state the data plane takes. */
START_TEST(test_combine_odd_inputs)
{
	struct lb_health_in in = { .mode = AGENT, .verdict = 9 };
	struct lb_health_out out;

	lb_health_combine(&in, &out);
	ck_assert_uint_eq(out.state, KEEL_RS_DOWN);
	ck_assert_str_eq(lb_health_source_name(out.source), "agent");
	/* Adopted with an UNKNOWN state: nothing vouches for it. */
	in = (struct lb_health_in){ .mode = CHECK, .adopted = true };
	lb_health_combine(&in, &out);
	ck_assert_uint_eq(out.state, KEEL_RS_DOWN);
	ck_assert_uint_eq(out.source, LB_SRC_INIT);
	/* An unknown mode is no health input. */
	in = (struct lb_health_in){ .mode = 7, .verdict = KEEL_RS_DOWN };
	lb_health_combine(&in, &out);
	ck_assert_uint_eq(out.state, KEEL_RS_UP);
	ck_assert_uint_eq(out.source, LB_SRC_CONFIG);
}
END_TEST

START_TEST(test_source_names)
{
	static const struct {
		uint8_t src;
		const char *name;
	} names[] = {
		{ LB_SRC_CONFIG, "config" },
		{ LB_SRC_ADMIN, "admin" },
		{ LB_SRC_AGENT, "agent" },
		{ LB_SRC_AGENT_TIMEOUT, "agent-timeout" },
		{ LB_SRC_CHECK, "check" },
		{ LB_SRC_INIT, "init" },
		{ LB_SRC_AGENT_SILENT, "agent-silent" },
		{ LB_SRC_CHECK_HELD, "check-held" },
		{ LB_SRC_CHECK_HELD + 1, "?" },
		{ 255, "?" },
	};

	for (int i = 0; i < N(names); i++)
		ck_assert_str_eq(lb_health_source_name(names[i].src),
				 names[i].name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_health");
	TCase *tc = tcase_create("combine");

	tcase_add_loop_test(tc, test_combine_table, 0, N(combos));
	tcase_add_loop_test(tc, test_combine_held, 0, N(held_combos));
	tcase_add_test(tc, test_held_never_changes_state);
	tcase_add_test(tc, test_combine_odd_inputs);
	tcase_add_test(tc, test_source_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
