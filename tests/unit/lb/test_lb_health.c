// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_health alone (and keel_report.c for its replay guard): the whole
 * combination table, the agent's verdict, accepting reports.
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
			 lb_state_source_name(out.source));
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
		 lb_state_source_name(out.source));
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
	ck_assert_str_eq(lb_state_source_name(out.source), "agent");
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
		ck_assert_str_eq(lb_state_source_name(names[i].src),
				 names[i].name);
}
END_TEST

/* --- the agent's verdict --- */

static void key(struct keel_vip_key *k, const char *addr, uint16_t port,
		uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	if (strchr(addr, ':')) {
		k->family = KEEL_F_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, k->addr), 1);
	} else {
		k->family = KEEL_F_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, k->addr), 1);
	}
	k->port = htons(port);
	k->proto = proto;
}

static void rsvc(struct keel_report_svc *s, const char *addr, uint16_t port,
		 uint8_t proto, uint8_t state, uint32_t conns)
{
	struct keel_vip_key k;

	key(&k, addr, port, proto);
	memset(s, 0, sizeof(*s));
	s->vip.family = k.family;
	memcpy(s->vip.addr, k.addr, 16);
	s->port = port;
	s->proto = proto;
	s->state = state;
	s->conns = conns;
}

/* Heard at 2000 ms: three services. */
static void agent_heard(struct lb_agent *a)
{
	memset(a, 0, sizeof(*a));
	a->heard = true;
	a->last_ms = 2000;
	a->last.count = 3;
	rsvc(&a->last.svc[0], "203.0.113.10", 80, IPPROTO_TCP, U, 1234);
	rsvc(&a->last.svc[1], "2001:db8::1", 443, IPPROTO_UDP, R, 7);
	rsvc(&a->last.svc[2], "203.0.113.10", 0, IPPROTO_TCP, U, 5);
	/* Not counted: past count. */
	rsvc(&a->last.svc[3], "203.0.113.99", 80, IPPROTO_TCP, U, 1);
}

#define START 1000
#define DEAD 300
#define KEEP 5000 /* keep_flows_for */

static const struct verdict_case {
	const char *name;
	bool heard;
	const char *addr;
	uint16_t port;
	uint8_t proto;
	uint64_t now;
	uint8_t verdict;
	bool timeout;
	uint32_t conns;
} verdict_cases[] = {
	/* Never heard: lbd (or the real) started at START. */
	{ "never heard, at start", false, "203.0.113.10", 80, IPPROTO_TCP,
	  START, X, false, 0 },
	{ "never heard, just before dead_after", false, "203.0.113.10", 80,
	  IPPROTO_TCP, START + DEAD - 1, X, false, 0 },
	{ "never heard, at dead_after", false, "203.0.113.10", 80, IPPROTO_TCP,
	  START + DEAD, D, true, 0 },
	{ "never heard, long after", false, "203.0.113.10", 80, IPPROTO_TCP,
	  START + 100000, D, true, 0 },
	{ "never heard, clock before start", false, "203.0.113.10", 80,
	  IPPROTO_TCP, START - 500, X, false, 0 },
	/* Heard at 2000. */
	{ "fresh, listed UP", true, "203.0.113.10", 80, IPPROTO_TCP, 2000, U,
	  false, 1234 },
	{ "fresh, listed DRAINING (v6, udp)", true, "2001:db8::1", 443,
	  IPPROTO_UDP, 2100, R, false, 7 },
	{ "port-less service matched exactly", true, "203.0.113.10", 0,
	  IPPROTO_TCP, 2100, U, false, 5 },
	{ "at dead_after: still fresh", true, "203.0.113.10", 80, IPPROTO_TCP,
	  2000 + DEAD, U, false, 1234 },
	/* Silent past dead_after: flows kept (DRAINING) for KEEP, then DOWN. */
	{ "silent, was UP: flows kept", true, "203.0.113.10", 80, IPPROTO_TCP,
	  2000 + DEAD + 1, R, true, 0 },
	{ "silent, was UP: last ms of keep", true, "203.0.113.10", 80,
	  IPPROTO_TCP, 2000 + DEAD + KEEP, R, true, 0 },
	{ "silent, was UP: past keep", true, "203.0.113.10", 80, IPPROTO_TCP,
	  2000 + DEAD + KEEP + 1, D, true, 0 },
	{ "silent, was DRAINING (v6, udp): flows kept", true, "2001:db8::1",
	  443, IPPROTO_UDP, 2000 + DEAD + 100, R, true, 0 },
	{ "silent, was DRAINING: past keep", true, "2001:db8::1", 443,
	  IPPROTO_UDP, 2000 + DEAD + KEEP + 1, D, true, 0 },
	{ "silent, did not list it: DOWN at once", true, "203.0.113.10", 443,
	  IPPROTO_TCP, 2000 + DEAD + 1, D, true, 0 },
	{ "clock before the report", true, "203.0.113.10", 80, IPPROTO_TCP,
	  1500, U, false, 1234 },
	{ "unlisted service", true, "203.0.113.10", 443, IPPROTO_TCP, 2100, D,
	  false, 0 },
	{ "port mismatch", true, "203.0.113.10", 81, IPPROTO_TCP, 2100, D,
	  false, 0 },
	{ "protocol mismatch", true, "203.0.113.10", 80, IPPROTO_UDP, 2100, D,
	  false, 0 },
	{ "address mismatch", true, "203.0.113.11", 80, IPPROTO_TCP, 2100, D,
	  false, 0 },
	{ "v6 address mismatch", true, "2001:db8::2", 443, IPPROTO_UDP, 2100, D,
	  false, 0 },
	{ "past the report's count", true, "203.0.113.99", 80, IPPROTO_TCP,
	  2100, D, false, 0 },
	/* Same 16 bytes, other family: ::cb00:710a is not 203.0.113.10. */
	{ "family mismatch", true, "::cb00:710a", 80, IPPROTO_TCP, 2100, D,
	  false, 0 },
};

START_TEST(test_verdict)
{
	const struct verdict_case *c = &verdict_cases[_i];
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns = 99;
	bool timeout = !c->timeout;
	uint8_t v;

	if (c->heard)
		agent_heard(&a);
	else
		memset(&a, 0, sizeof(a));
	key(&k, c->addr, c->port, c->proto);
	if (!strcmp(c->name, "family mismatch")) {
		/* IPv6 key whose bytes are the IPv4 VIP's, zero-padded. */
		memset(k.addr, 0, sizeof(k.addr));
		inet_pton(AF_INET, "203.0.113.10", k.addr);
		k.family = KEEL_F_INET6;
	}
	v = lb_agent_verdict(&a, &k, c->now, START, DEAD, KEEP, false, &timeout,
			     &conns);
	ck_assert_msg(v == c->verdict && timeout == c->timeout &&
			      conns == c->conns,
		      "%s: verdict %u timeout %d conns %u", c->name, v, timeout,
		      conns);
}
END_TEST

/* An IPv4 key with bytes after the address is not the report's VIP. */
START_TEST(test_verdict_v4_exact)
{
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns;
	bool timeout;

	agent_heard(&a);
	key(&k, "203.0.113.10", 80, IPPROTO_TCP);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 2000, 0, DEAD, KEEP, false,
					   &timeout, &conns),
			  U);
	k.addr[3] = htonl(1);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 2000, 0, DEAD, KEEP, false,
					   &timeout, &conns),
			  D);
	ck_assert(!timeout);
}
END_TEST

/* A DOWN report, then silence: DOWN, no flows to keep. */
START_TEST(test_verdict_silent_after_down)
{
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns;
	bool timeout;

	agent_heard(&a);
	a.last.svc[0].state = D;
	key(&k, "203.0.113.10", 80, IPPROTO_TCP);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 2000 + DEAD + 1, 0, DEAD,
					   KEEP, false, &timeout, &conns),
			  D);
	ck_assert(timeout);
}
END_TEST

/*
 * lbd restarted over this real's flows and its agent has not spoken
 * since: DRAINING (flows kept) for KEEP after dead_after, then DOWN; a
 * real without flows (new, or adopted DOWN) is DOWN at dead_after.
 */
START_TEST(test_verdict_never_heard_had_flows)
{
	static const struct {
		uint64_t now;
		bool had_flows;
		uint8_t want;
	} rows[] = {
		{ START + DEAD - 1, true, X },
		{ START + DEAD, true, R },
		{ START + DEAD + KEEP, true, R },
		{ START + DEAD + KEEP + 1, true, D },
		{ START + DEAD, false, D },
	};
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns;
	bool timeout;

	memset(&a, 0, sizeof(a));
	key(&k, "203.0.113.10", 80, IPPROTO_TCP);
	for (int i = 0; i < N(rows); i++) {
		ck_assert_uint_eq(
			lb_agent_verdict(&a, &k, rows[i].now, START, DEAD, KEEP,
					 rows[i].had_flows, &timeout, &conns),
			rows[i].want);
		ck_assert(timeout == (rows[i].want != X));
	}
}
END_TEST

/*
 * lb_agent_deadline: the next moment the verdict may change by time
 * alone, and the verdict (and timeout) indeed stays the same from now
 * until just before it.
 */
static const struct deadline_case {
	const char *name;
	bool heard;
	uint16_t port; /* of 203.0.113.10/tcp: 80 listed UP, 443 unlisted */
	bool had_flows;
	uint32_t keep;
	uint64_t now;
	uint64_t want; /* UINT64_MAX: none */
} deadline_cases[] = {
	{ "never heard: dead_after after start", false, 80, false, KEEP, START,
	  START + DEAD },
	{ "never heard, at dead_after: nothing more", false, 80, false, KEEP,
	  START + DEAD, UINT64_MAX },
	{ "never heard, had flows: then keep", false, 80, true, KEEP,
	  START + DEAD, START + DEAD + KEEP + 1 },
	{ "never heard, had flows, keep 0", false, 80, true, 0, START,
	  START + DEAD },
	{ "never heard, had flows, past keep", false, 80, true, KEEP,
	  START + DEAD + KEEP + 1, UINT64_MAX },
	{ "never heard, clock before start", false, 80, false, KEEP,
	  START - 500, START + DEAD },
	{ "fresh UP: silent past dead_after", true, 80, false, KEEP, 2000,
	  2000 + DEAD + 1 },
	{ "at dead_after: one ms more", true, 80, false, KEEP, 2000 + DEAD,
	  2000 + DEAD + 1 },
	{ "silent, was UP: the end of keep", true, 80, false, KEEP,
	  2000 + DEAD + 1, 2000 + DEAD + KEEP + 1 },
	{ "silent, past keep: nothing more", true, 80, false, KEEP,
	  2000 + DEAD + KEEP + 1, UINT64_MAX },
	{ "unlisted: DOWN either way, only dead_after", true, 443, false, KEEP,
	  2100, 2000 + DEAD + 1 },
	{ "unlisted, silent: nothing more", true, 443, false, KEEP,
	  2000 + DEAD + 1, UINT64_MAX },
	{ "keep 0: dead_after only", true, 80, false, 0, 2000,
	  2000 + DEAD + 1 },
	{ "clock before the report", true, 80, false, KEEP, 1500,
	  2000 + DEAD + 1 },
};

START_TEST(test_deadline)
{
	const struct deadline_case *c = &deadline_cases[_i];
	uint8_t v0, v;
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns;
	bool t0, t;
	uint64_t d, now;

	memset(&a, 0, sizeof(a));
	if (c->heard)
		agent_heard(&a);
	key(&k, "203.0.113.10", c->port, IPPROTO_TCP);
	d = lb_agent_deadline(&a, &k, c->now, START, DEAD, c->keep,
			      c->had_flows);
	ck_assert_msg(d == c->want, "%s: deadline %llu, want %llu", c->name,
		      (unsigned long long)d, (unsigned long long)c->want);
	v0 = lb_agent_verdict(&a, &k, c->now, START, DEAD, c->keep,
			      c->had_flows, &t0, &conns);
	/* Constant until the deadline (or for 20 s when there is none). */
	for (now = c->now; now < (d == UINT64_MAX ? c->now + 20000 : d);
	     now++) {
		v = lb_agent_verdict(&a, &k, now, START, DEAD, c->keep,
				     c->had_flows, &t, &conns);
		ck_assert_msg(v == v0 && t == t0,
			      "%s: verdict %u at %llu, %u at %llu", c->name, v,
			      (unsigned long long)now, v0,
			      (unsigned long long)c->now);
	}
	/* ...and the deadline is one: the verdict moves there. */
	if (d != UINT64_MAX) {
		v = lb_agent_verdict(&a, &k, d, START, DEAD, c->keep,
				     c->had_flows, &t, &conns);
		ck_assert_msg(v != v0 || t != t0, "%s: nothing moves at %llu",
			      c->name, (unsigned long long)d);
	}
}
END_TEST

/*
 * lb_agent_deadline_moves: a deadline reached after a report came only
 * moves, unless the agent is silent by now (a deadline acted on late:
 * moving it from now skipped the silence, and with keep_flows_for 0 the
 * dead real stayed UP for good).
 */
static const struct {
	const char *name;
	bool heard;
	uint64_t last, sched, now;
	bool want;
} moves_cases[] = {
	{ "never heard", false, 0, 0, 1000, false },
	{ "no report since it was set", true, 1000, 1000, 1301, false },
	{ "a report since, on time", true, 1100, 1000, 1301, true },
	{ "a report since, dead_after exactly", true, 1100, 1000, 1100 + DEAD,
	  true },
	{ "a report since, then silent, acted on late", true, 1100, 1000,
	  1101 + DEAD, false },
	{ "a report since, long silent", true, 1100, 1000, 6450, false },
};

START_TEST(test_deadline_moves)
{
	struct lb_agent a = { .heard = moves_cases[_i].heard,
			      .last_ms = moves_cases[_i].last };

	ck_assert_msg(lb_agent_deadline_moves(&a, moves_cases[_i].sched,
					      moves_cases[_i].now, DEAD) ==
			      moves_cases[_i].want,
		      "%s", moves_cases[_i].name);
}
END_TEST

/* keep_flows_for 0: DOWN as soon as dead_after has passed. */
START_TEST(test_verdict_keep0)
{
	struct keel_vip_key k;
	struct lb_agent a;
	uint32_t conns;
	bool timeout;

	agent_heard(&a);
	key(&k, "203.0.113.10", 80, IPPROTO_TCP);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 2000 + DEAD, 0, DEAD, 0,
					   false, &timeout, &conns),
			  U);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 2000 + DEAD + 1, 0, DEAD, 0,
					   false, &timeout, &conns),
			  D);
	ck_assert(timeout);
}
END_TEST

/* --- accepting reports --- */

static const struct accept_case {
	char boot;
	uint64_t seq;
	int ret;
} accept_seq[] = {
	{ 'A', 1, 0 },
	{ 'A', 2, 0 },
	{ 'A', 2, -EALREADY }, /* replayed */
	{ 'A', 1, -EALREADY }, /* reordered */
	{ 'A', 0, -EALREADY },
	{ 'A', 5, 0 }, /* lost datagrams in between */
	{ 'A', 4, -EALREADY }, /* late */
	{ 'B', 1, 0 }, /* the agent restarted: new boot id */
	{ 'B', 1, -EALREADY },
	{ 'B', 2, 0 },
	/* A recording of the earlier boot: accepted once in version 1
	 * (keel_report.h, keel_replay_test; version 2 refuses it), then
	 * refused. */
	{ 'A', 6, 0 },
	{ 'A', 6, -EALREADY },
	{ 'B', 3, 0 },
};

START_TEST(test_accept)
{
	struct lb_agent a = {};
	struct keel_report r;
	uint64_t now = 10000, want_ms = 0, want_seq = 0;
	char want_boot = 0;

	for (int i = 0; i < N(accept_seq); i++, now += 100) {
		memset(&r, 0, sizeof(r));
		r.version = KEEL_REPORT_VERSION_1; /* boot ids, no counter */
		memset(r.boot_id, accept_seq[i].boot, sizeof(r.boot_id));
		r.seq = accept_seq[i].seq;
		/* A field that shows which report became a->last. */
		r.load = 1000 + i;
		ck_assert_msg(lb_agent_accept(&a, &r, now) == accept_seq[i].ret,
			      "step %d", i);
		if (!accept_seq[i].ret) {
			want_ms = now;
			want_seq = r.seq;
			want_boot = accept_seq[i].boot;
			ck_assert_uint_eq(a.last.load, 1000 + i);
		}
		ck_assert(a.heard);
		ck_assert_uint_eq(a.last_ms, want_ms);
		ck_assert_uint_eq(a.last.seq, want_seq);
		ck_assert_int_eq(a.last.boot_id[0], want_boot);
	}
}
END_TEST

/* Accepted reports drive the verdict: silence after the last one. */
START_TEST(test_accept_then_silence)
{
	struct lb_agent a = {};
	struct keel_report r = { .seq = 1, .count = 1 };
	struct keel_vip_key k;
	uint32_t conns;
	bool timeout;

	key(&k, "203.0.113.10", 80, IPPROTO_TCP);
	rsvc(&r.svc[0], "203.0.113.10", 80, IPPROTO_TCP, U, 42);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 5000, 5000, DEAD, KEEP,
					   false, &timeout, &conns),
			  X);
	ck_assert_int_eq(lb_agent_accept(&a, &r, 5100), 0);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 5100, 5000, DEAD, KEEP,
					   false, &timeout, &conns),
			  U);
	ck_assert_uint_eq(conns, 42);
	/* A replay of it does not refresh the agent. */
	ck_assert_int_eq(lb_agent_accept(&a, &r, 5300), -EALREADY);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 5100 + DEAD + 1, 5000, DEAD,
					   KEEP, false, &timeout, &conns),
			  R);
	ck_assert(timeout);
	ck_assert_uint_eq(lb_agent_verdict(&a, &k, 5100 + DEAD + KEEP + 1, 5000,
					   DEAD, KEEP, false, &timeout, &conns),
			  D);
	ck_assert(timeout);
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

	tc = tcase_create("agent");
	tcase_add_loop_test(tc, test_verdict, 0, N(verdict_cases));
	tcase_add_test(tc, test_verdict_v4_exact);
	tcase_add_test(tc, test_verdict_silent_after_down);
	tcase_add_test(tc, test_verdict_keep0);
	tcase_add_test(tc, test_verdict_never_heard_had_flows);
	tcase_add_loop_test(tc, test_deadline, 0, N(deadline_cases));
	tcase_add_loop_test(tc, test_deadline_moves, 0, N(moves_cases));
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_accept_then_silence);
	suite_add_tcase(s, tc);
	return check_run(s);
}
