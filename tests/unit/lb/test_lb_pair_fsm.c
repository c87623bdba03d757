// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_pair_fsm.c alone: every row of the table in lb_pair_fsm.h, as a
 * sequence of events with their times from a fresh FSM (alone_after 30 s
 * unless the row says), then the state, mode, synced flag, the last
 * event's actions and the reason text at a given time.
 */
#include <string.h>

#include "check_run.h"
#include "lb_pair_fsm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define S(st) LB_PAIR_##st
#define M(m) LB_PAIR_M_##m
#define A_SYNCED LB_PAIR_ACT_SYNCED
#define A_START LB_PAIR_ACT_BULK_START
#define A_RESUME LB_PAIR_ACT_BULK_RESUME
#define A_ABANDON LB_PAIR_ACT_BULK_ABANDON
#define A_RESYNC LB_PAIR_ACT_RESYNC
#define A_ERROR LB_PAIR_ACT_ERROR

#define EV(ty, t, ...)                                              \
	{                                                           \
		.type = LB_PAIR_EV_##ty, .now_ms = (t), __VA_ARGS__ \
	}
#define START_SINGLE(t) EV(START, t, .configured = false)
#define START_COLD(t) EV(START, t, .configured = true, .fresh = false)
#define START_FRESH(t) EV(START, t, .configured = true, .fresh = true)
/* Peers: 0 lb2, 1 lb3. */
#define UP(t, p, syn)                                                    \
	EV(SESSION_UP, t, .peer = (p), .peer_name = (p) ? "lb3" : "lb2", \
	   .peer_synced = (syn))
#define DOWN(t, p) EV(SESSION_DOWN, t, .peer = (p))
#define PROG(t, p, d, tot) \
	EV(PROGRESS, t, .peer = (p), .done = (d), .total = (tot))
#define LAST(t, p, d) EV(LAST, t, .peer = (p), .done = (d))
#define TICK(t) EV(TICK, t)
#define FORCE(t, r) EV(FORCE, t, .reason = (r))
#define RELOAD_ON(t) EV(RELOAD_ON, t)
#define RELOAD_OFF(t) EV(RELOAD_OFF, t)
#define END                             \
	{                               \
		.type = LB_PAIR_EV__MAX \
	}

#define ALONE_30S 30000
#define NEVER 0

static const struct fsm_case {
	const char *name;
	uint32_t alone_ms;
	struct lb_pair_ev ev[8]; /* up to END */
	enum lb_pair_state state;
	enum lb_pair_mode mode;
	unsigned int acts; /* of the last event */
	int peer; /* BULK: whose, -1 unchecked */
	uint64_t at_ms; /* the reason at this time */
	const char *reason;
} fsm_cases[] = {
	/* START */
	{ "start without pair: single, synced",
	  ALONE_30S,
	  { START_SINGLE(0), END },
	  S(SINGLE),
	  M(SINGLE),
	  A_SYNCED,
	  -1,
	  0,
	  "no pair: in the configuration" },
	{ "start with fresh adopted maps: synced (adopted), background bulk",
	  ALONE_30S,
	  { START_FRESH(0), END },
	  S(SYNCED),
	  M(ADOPTED),
	  A_SYNCED | A_RESYNC,
	  -1,
	  5,
	  "adopted the tables of a data plane that kept running" },
	{ "start cold: waiting",
	  ALONE_30S,
	  { START_COLD(1000), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  13300,
	  "waiting for a peer: 12.3 s of 30 s, then serving alone" },
	{ "nothing before START",
	  ALONE_30S,
	  { TICK(40000), UP(1, 0, true), START_COLD(50000), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  50000,
	  "waiting for a peer: 0 s of 30 s, then serving alone" },
	{ "a second START changes nothing",
	  ALONE_30S,
	  { START_COLD(0), START_FRESH(10), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  10,
	  "waiting for a peer: 0.0 s of 30 s, then serving alone" },
	/* WAITING */
	{ "waiting, session up: bulk from that peer",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), END },
	  S(BULK),
	  M(NONE),
	  A_START,
	  0,
	  5100,
	  "bulk from lb2: 0 entries (4.1 s)" },
	{ "waiting, a session up with lb3",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 1, true), END },
	  S(BULK),
	  M(NONE),
	  A_START,
	  1,
	  1000,
	  "bulk from lb3: 0 entries (0 s)" },
	{ "waiting, tick 1 ms before alone_after",
	  ALONE_30S,
	  { START_COLD(1000), TICK(30999), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  30999,
	  "waiting for a peer: 30.0 s of 30 s, then serving alone" },
	{ "waiting, tick at alone_after: synced alone",
	  ALONE_30S,
	  { START_COLD(1000), TICK(31000), END },
	  S(SYNCED),
	  M(ALONE),
	  A_SYNCED,
	  -1,
	  99999,
	  "no peer reachable for 30 s: serving alone" },
	{ "waiting, alone_after 2.5 s",
	  2500,
	  { START_COLD(0), TICK(2499), TICK(2500), END },
	  S(SYNCED),
	  M(ALONE),
	  A_SYNCED,
	  -1,
	  2600,
	  "no peer reachable for 2.5 s: serving alone" },
	{ "waiting, alone_after never: waits",
	  NEVER,
	  { START_COLD(0), TICK(36000000), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  36000000,
	  "waiting for a peer: 36000 s (alone_after: never)" },
	{ "waiting, session down, progress, LAST: nothing",
	  ALONE_30S,
	  { START_COLD(0), DOWN(10, 0), PROG(20, 0, 5, 10), LAST(30, 0, 5),
	    END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  30,
	  "waiting for a peer: 0.0 s of 30 s, then serving alone" },
	{ "waiting, reload on: nothing (SINGLE's row)",
	  ALONE_30S,
	  { START_COLD(0), RELOAD_ON(10), END },
	  S(WAITING),
	  M(NONE),
	  0,
	  -1,
	  1000,
	  "waiting for a peer: 1 s of 30 s, then serving alone" },
	/* BULK */
	{ "bulk, progress: the share",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(4000, 0, 610, 1000), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  5100,
	  "bulk from lb2: 61% (4.1 s)" },
	{ "bulk, more entries than the peer said: 99%, never 100",
	  ALONE_30S,
	  { START_COLD(0), UP(0, 0, false), PROG(1000, 0, 1200, 1000), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  2000,
	  "bulk from lb2: 99% (2 s)" },
	{ "bulk, progress of another peer: ignored",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 1, 610, 1000), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  2000,
	  "bulk from lb2: 0 entries (1 s)" },
	{ "bulk, LAST applied: synced (bulk)",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 610, 1000),
	    LAST(5100, 0, 1234), END },
	  S(SYNCED),
	  M(BULK),
	  A_SYNCED,
	  -1,
	  90000,
	  "bulk from lb2: 1234 entries in 4.1 s" },
	{ "bulk, LAST of another peer: ignored",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), LAST(2000, 1, 5), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  2000,
	  "bulk from lb2: 0 entries (1 s)" },
	{ "bulk, both cold: an empty bulk",
	  ALONE_30S,
	  { START_COLD(0), UP(300, 0, false), LAST(310, 0, 0), END },
	  S(SYNCED),
	  M(BULK),
	  A_SYNCED,
	  -1,
	  400,
	  "bulk from lb2: 0 entries in 0.0 s" },
	{ "bulk, session down: paused",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    DOWN(3000, 0), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  4200,
	  "bulk from lb2 paused at 61%: session down for 1.2 s" },
	{ "bulk, another peer's session down: nothing",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), DOWN(3000, 1), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  3000,
	  "bulk from lb2: 0 entries (2 s)" },
	{ "bulk paused, progress: ignored (no session)",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), DOWN(3000, 0),
	    PROG(3500, 0, 9, 10), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  4000,
	  "bulk from lb2 paused at 0 entries: session down for 1 s" },
	{ "bulk paused, the same peer back: resume",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    DOWN(3000, 0), UP(4000, 0, false), END },
	  S(BULK),
	  M(NONE),
	  A_RESUME,
	  0,
	  5000,
	  "bulk from lb2: 61% (4 s)" },
	{ "bulk paused, another peer up: bulk from it",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    DOWN(3000, 0), UP(4000, 1, false), END },
	  S(BULK),
	  M(NONE),
	  A_ABANDON | A_START,
	  1,
	  5000,
	  "bulk from lb3: 0 entries (1 s)" },
	{ "bulk from an unsynced peer, a synced one up: prefer it",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), UP(1500, 1, true), END },
	  S(BULK),
	  M(NONE),
	  A_ABANDON | A_START,
	  1,
	  1500,
	  "bulk from lb3: 0 entries (0 s)" },
	{ "bulk from a synced peer, another synced one up: stay",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, true), UP(1500, 1, true), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  1500,
	  "bulk from lb2: 0 entries (0.5 s)" },
	{ "bulk from an unsynced peer, another unsynced one up: stay",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), UP(1500, 1, false), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  1500,
	  "bulk from lb2: 0 entries (0.5 s)" },
	{ "bulk, the same peer up again while running: nothing",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), UP(1500, 0, true), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  1500,
	  "bulk from lb2: 0 entries (0.5 s)" },
	{ "bulk, no progress for 1 ms less than alone_after",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    TICK(31999), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  31999,
	  "bulk from lb2: 61% (31.0 s)" },
	{ "bulk, no progress for alone_after: synced (partial), error",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    TICK(32000), END },
	  S(SYNCED),
	  M(PARTIAL),
	  A_SYNCED | A_ABANDON | A_ERROR,
	  -1,
	  40000,
	  "bulk from lb2 stalled at 61% for 30 s: serving with a partial table" },
	{ "bulk, progress moves the deadline",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(25000, 0, 61, 100),
	    TICK(54999), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  54999,
	  "bulk from lb2: 61% (54.0 s)" },
	{ "bulk, paused for alone_after: synced (partial)",
	  ALONE_30S,
	  { START_COLD(0), UP(1000, 0, false), PROG(2000, 0, 61, 100),
	    DOWN(3000, 0), TICK(33000), END },
	  S(SYNCED),
	  M(PARTIAL),
	  A_SYNCED | A_ABANDON | A_ERROR,
	  -1,
	  33000,
	  "bulk from lb2 stalled at 61% for 30 s: serving with a partial table" },
	{ "bulk, alone_after never: a stalled bulk waits",
	  NEVER,
	  { START_COLD(0), UP(1000, 0, false), TICK(36000000), END },
	  S(BULK),
	  M(NONE),
	  0,
	  0,
	  36001000,
	  "bulk from lb2: 0 entries (36000 s)" },
	/* FORCE */
	{ "force while waiting",
	  ALONE_30S,
	  { START_COLD(0), FORCE(1000, "lb2 is being replaced"), END },
	  S(SYNCED),
	  M(FORCED),
	  A_SYNCED,
	  -1,
	  1000,
	  "forced by the operator: lb2 is being replaced" },
	{ "force during a bulk: abandon it",
	  ALONE_30S,
	  { START_COLD(0), UP(10, 0, false), FORCE(1000, "x"), END },
	  S(SYNCED),
	  M(FORCED),
	  A_SYNCED | A_ABANDON,
	  -1,
	  1000,
	  "forced by the operator: x" },
	{ "force before START",
	  ALONE_30S,
	  { FORCE(5, "early"), END },
	  S(SYNCED),
	  M(FORCED),
	  A_SYNCED,
	  -1,
	  5,
	  "forced by the operator: early" },
	{ "force when synced alone: stays alone",
	  ALONE_30S,
	  { START_COLD(0), TICK(30000), FORCE(31000, "x"), END },
	  S(SYNCED),
	  M(ALONE),
	  0,
	  -1,
	  31000,
	  "no peer reachable for 30 s: serving alone" },
	{ "force when single: stays single",
	  ALONE_30S,
	  { START_SINGLE(0), FORCE(10, "x"), END },
	  S(SINGLE),
	  M(SINGLE),
	  0,
	  -1,
	  10,
	  "no pair: in the configuration" },
	/* SYNCED is never lowered */
	{ "synced (bulk), then a session flaps and a new bulk: stays",
	  ALONE_30S,
	  { START_COLD(0), UP(10, 0, false), LAST(20, 0, 7), DOWN(30, 0),
	    UP(40, 1, true), PROG(50, 1, 1, 2), TICK(99999), END },
	  S(SYNCED),
	  M(BULK),
	  0,
	  -1,
	  99999,
	  "bulk from lb2: 7 entries in 0.0 s" },
	{ "synced (adopted), then everything: stays",
	  ALONE_30S,
	  { START_FRESH(0), UP(10, 0, true), DOWN(20, 0), LAST(30, 0, 1),
	    TICK(99999), START_COLD(100000), END },
	  S(SYNCED),
	  M(ADOPTED),
	  0,
	  -1,
	  100000,
	  "adopted the tables of a data plane that kept running" },
	{ "synced (forced), LAST afterwards: stays forced",
	  ALONE_30S,
	  { START_COLD(0), UP(10, 0, false), FORCE(20, "r"), LAST(30, 0, 9),
	    END },
	  S(SYNCED),
	  M(FORCED),
	  0,
	  -1,
	  30,
	  "forced by the operator: r" },
	/* reloads */
	{ "single, pair: added by a reload: synced, background bulk",
	  ALONE_30S,
	  { START_SINGLE(0), RELOAD_ON(1000), END },
	  S(SYNCED),
	  M(SINGLE),
	  A_SYNCED | A_RESYNC,
	  -1,
	  2000,
	  "pair: added by a reload while serving" },
	{ "single, sessions and ticks: stays single",
	  ALONE_30S,
	  { START_SINGLE(0), UP(10, 0, true), TICK(99999), END },
	  S(SINGLE),
	  M(SINGLE),
	  0,
	  -1,
	  99999,
	  "no pair: in the configuration" },
	{ "synced, pair: removed: single",
	  ALONE_30S,
	  { START_FRESH(0), RELOAD_OFF(10), END },
	  S(SINGLE),
	  M(SINGLE),
	  0,
	  -1,
	  10,
	  "no pair: in the configuration" },
	{ "bulk, pair: removed: single, abandon",
	  ALONE_30S,
	  { START_COLD(0), UP(5, 0, false), RELOAD_OFF(10), END },
	  S(SINGLE),
	  M(SINGLE),
	  A_ABANDON,
	  -1,
	  10,
	  "no pair: in the configuration" },
	{ "waiting, pair: removed: single",
	  ALONE_30S,
	  { START_COLD(0), RELOAD_OFF(10), END },
	  S(SINGLE),
	  M(SINGLE),
	  0,
	  -1,
	  10,
	  "no pair: in the configuration" },
};

START_TEST(test_fsm)
{
	const struct fsm_case *c = &fsm_cases[_i];
	struct lb_pair_fsm f;
	unsigned int acts = 0;
	char why[LB_PAIR_REASON_MAX];
	size_t i;

	lb_pair_fsm_init(&f, c->alone_ms);
	ck_assert_int_eq(f.state, LB_PAIR_START);
	for (i = 0; i < N(c->ev) && c->ev[i].type != LB_PAIR_EV__MAX; i++)
		acts = lb_pair_fsm_event(&f, &c->ev[i]);
	ck_assert_msg(i < N(c->ev), "%s: no END", c->name);
	ck_assert_msg(f.state == c->state, "%s: state %s, want %s", c->name,
		      lb_pair_state_name(f.state),
		      lb_pair_state_name(c->state));
	ck_assert_msg(f.mode == c->mode, "%s: mode %d, want %d", c->name,
		      f.mode, c->mode);
	ck_assert_msg(acts == c->acts, "%s: actions 0x%x, want 0x%x", c->name,
		      acts, c->acts);
	ck_assert_msg(lb_pair_fsm_synced(&f) == (c->state == LB_PAIR_SINGLE ||
						 c->state == LB_PAIR_SYNCED),
		      "%s: synced", c->name);
	if (c->peer >= 0)
		ck_assert_msg(f.peer == c->peer, "%s: peer %d", c->name,
			      f.peer);
	lb_pair_fsm_reason(&f, c->at_ms, why, sizeof(why));
	ck_assert_msg(!strcmp(why, c->reason), "%s: reason \"%s\"", c->name,
		      why);
}
END_TEST

static const struct fresh_case {
	bool adopted, sync_on;
	uint32_t alive, now;
	bool fresh;
} fresh_cases[] = {
	{ true, true, 1000, 1000, true },   { true, true, 1000, 1010, true },
	{ true, true, 1000, 1011, false },  { false, true, 1000, 1000, false },
	{ true, false, 1000, 1000, false }, { true, true, 0, 5, false },
	{ true, true, 1001, 1000, false },
};

START_TEST(test_fresh)
{
	const struct fresh_case *c = &fresh_cases[_i];

	ck_assert_msg(lb_pair_fsm_fresh(c->adopted, c->sync_on, c->alive,
					c->now) == c->fresh,
		      "row %d", _i);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_ptr_null(lb_pair_mode_name(LB_PAIR_M_NONE));
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_ADOPTED), "adopted");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_ALONE), "alone");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_BULK), "bulk");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_PARTIAL), "partial");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_FORCED), "forced");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M_SINGLE), "single");
	ck_assert_str_eq(lb_pair_mode_name(LB_PAIR_M__MAX), "?");
	ck_assert_str_eq(lb_pair_state_name(LB_PAIR_WAITING), "waiting");
	ck_assert_str_eq(lb_pair_state_name(LB_PAIR__STATES), "?");
}
END_TEST

/* The reason is cut, never overrun, and the force reason is bounded. */
START_TEST(test_reason_cut)
{
	struct lb_pair_fsm f;
	struct lb_pair_ev ev = FORCE(0, NULL);
	char big[400], why[16];

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev.reason = big;
	lb_pair_fsm_init(&f, ALONE_30S);
	lb_pair_fsm_event(&f, &ev);
	ck_assert_uint_eq(strlen(f.force_reason), LB_PAIR_FORCE_REASON_MAX - 1);
	memset(why, 'x', sizeof(why));
	lb_pair_fsm_reason(&f, 0, why, 8);
	ck_assert_str_eq(why, "forced ");
	ck_assert_int_eq(why[8], 'x');
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lb_pair_fsm");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_fsm, 0, N(fsm_cases));
	tcase_add_loop_test(tc, test_fresh, 0, N(fresh_cases));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_reason_cut);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
