// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's report receiver, the pure half (lb_agents.c): key files, the
 * agents table and the verdict on each datagram, table-driven: one
 * ordered list of datagrams through one table (the replay guard carries
 * from row to row), each with the reason it must get.  And the replay
 * file that carries the guards across lbd's restarts (lb_replay.c): what
 * it refuses, and a restarted lbd facing the alternating two-boot replay.
 * And one agent's logic: its verdict on a service, its deadlines,
 * accepting reports, whether a report is acted on at once.  Links
 * lb_agents.c, keel_report.c, lb_replay.c with keel_addr.c and
 * keel_file.c (its file), jansson.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "check_run.h"
#include "lb_agents.h"
#include "lb_replay.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const uint8_t k1[KEEL_REPORT_KEY_LEN] = { 1, 1, 1, 1, 1, 1, 1, 1 };
static const uint8_t k2[KEEL_REPORT_KEY_LEN] = { 2, 2, 2, 2, 2, 2, 2, 2 };
static const uint8_t k3[KEEL_REPORT_KEY_LEN] = { 3, 3, 3, 3, 3, 3, 3, 3 };

enum mangle {
	M_NONE,
	M_TRUNCATE, /* last byte cut */
	M_TRAILING, /* one byte more */
	M_VERSION, /* version byte 3 */
	M_MAGIC, /* "KEEX" */
	M_FLIP, /* one bit of the load flipped (MAC no longer verifies) */
	M_EMPTY, /* zero bytes */
};

#define V1 KEEL_REPORT_VERSION_1
#define V2 KEEL_REPORT_VERSION

/*
 * One ordered list through one table: each agent's replay guard carries
 * from row to row.  boot: the boot id's bytes and, in version 2, the
 * boot counter.  Agents: 10.20.0.11 (version 2), 10.20.0.12 (version 1,
 * upgraded half-way), fd00::11; 10.20.0.99 is no agent, 10.10.0.2 a
 * client.
 */
static const struct rx_case {
	const char *name;
	const char *real; /* the report's real */
	const char *src; /* the datagram's source */
	uint8_t version;
	uint32_t key_id;
	const uint8_t *key; /* signing key */
	uint8_t boot;
	uint64_t seq;
	enum mangle mangle;
	enum lb_agents_result want;
} rx_cases[] = {
	{ "first report", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 1, M_NONE,
	  LB_AGENTS_RX_OK },
	{ "the same again", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 1, M_NONE,
	  LB_AGENTS_RX_REPLAY },
	{ "next sequence", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 2, M_NONE,
	  LB_AGENTS_RX_OK },
	{ "gap: lost datagrams", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 10,
	  M_NONE, LB_AGENTS_RX_OK },
	{ "reordered", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 9, M_NONE,
	  LB_AGENTS_RX_REPLAY },
	/* Refused on the header, before any MAC: the key does not matter. */
	{ "a replay signed with another key", "10.20.0.11", "10.20.0.11", V2, 1,
	  k3, 5, 9, M_NONE, LB_AGENTS_RX_REPLAY },
	{ "wrong key", "10.20.0.11", "10.20.0.11", V2, 1, k3, 5, 11, M_NONE,
	  LB_AGENTS_RX_BAD_MAC },
	{ "unknown key id", "10.20.0.11", "10.20.0.11", V2, 9, k1, 5, 11,
	  M_NONE, LB_AGENTS_RX_BAD_MAC },
	{ "key id 2 signed with key 1", "10.20.0.11", "10.20.0.11", V2, 2, k1,
	  5, 11, M_NONE, LB_AGENTS_RX_BAD_MAC },
	{ "one bit flipped", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11,
	  M_FLIP, LB_AGENTS_RX_BAD_MAC },
	{ "truncated", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11, M_TRUNCATE,
	  LB_AGENTS_RX_MALFORMED },
	{ "trailing byte", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11,
	  M_TRAILING, LB_AGENTS_RX_MALFORMED },
	{ "bad magic", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11, M_MAGIC,
	  LB_AGENTS_RX_MALFORMED },
	{ "empty datagram", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11,
	  M_EMPTY, LB_AGENTS_RX_MALFORMED },
	{ "version 3", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 11, M_VERSION,
	  LB_AGENTS_RX_VERSION },
	{ "not from an agent", "10.20.0.99", "10.20.0.99", V2, 1, k1, 5, 1,
	  M_NONE, LB_AGENTS_RX_UNKNOWN_SOURCE },
	{ "for an agent, from a client", "10.20.0.11", "10.10.0.2", V2, 1, k1,
	  5, 100, M_NONE, LB_AGENTS_RX_UNKNOWN_SOURCE },
	{ "from an agent, for no agent", "10.20.0.99", "10.20.0.11", V2, 1, k1,
	  5, 100, M_NONE, LB_AGENTS_RX_WRONG_REAL },
	/* A rejected datagram leaves the guard alone: seq 100 is not seen. */
	{ "from another agent's address", "10.20.0.11", "10.20.0.12", V2, 1, k1,
	  5, 100, M_NONE, LB_AGENTS_RX_WRONG_REAL },
	{ "from the IPv6 agent", "10.20.0.11", "fd00::11", V2, 1, k1, 5, 100,
	  M_NONE, LB_AGENTS_RX_WRONG_REAL },
	{ "still in order after the rejections", "10.20.0.11", "10.20.0.11", V2,
	  1, k1, 5, 11, M_NONE, LB_AGENTS_RX_OK },
	{ "rotation: the previous key", "10.20.0.11", "10.20.0.11", V2, 2, k2,
	  5, 12, M_NONE, LB_AGENTS_RX_OK },
	{ "agent restarted: boot counter 6", "10.20.0.11", "10.20.0.11", V2, 1,
	  k1, 6, 1, M_NONE, LB_AGENTS_RX_OK },
	/* The hole version 2 closes: recordings of two boots, alternated. */
	{ "boot 5 replayed", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 13,
	  M_NONE, LB_AGENTS_RX_OLD_BOOT },
	{ "boot 6 replayed", "10.20.0.11", "10.20.0.11", V2, 1, k1, 6, 1,
	  M_NONE, LB_AGENTS_RX_REPLAY },
	{ "boot 5 replayed again", "10.20.0.11", "10.20.0.11", V2, 1, k1, 5, 13,
	  M_NONE, LB_AGENTS_RX_OLD_BOOT },
	{ "version 1 from a version-2 agent", "10.20.0.11", "10.20.0.11", V1, 1,
	  k1, 9, 1, M_NONE, LB_AGENTS_RX_DOWNGRADE },
	{ "boot 6 goes on", "10.20.0.11", "10.20.0.11", V2, 1, k1, 6, 2, M_NONE,
	  LB_AGENTS_RX_OK },
	/* An old agent (version 1) during a rolling upgrade. */
	{ "version 1: first report", "10.20.0.12", "10.20.0.12", V1, 1, k1, 7,
	  1, M_NONE, LB_AGENTS_RX_OK },
	{ "version 1: replayed", "10.20.0.12", "10.20.0.12", V1, 1, k1, 7, 1,
	  M_NONE, LB_AGENTS_RX_REPLAY },
	{ "version 1: restarted, new boot id", "10.20.0.12", "10.20.0.12", V1,
	  1, k1, 8, 1, M_NONE, LB_AGENTS_RX_OK },
	{ "version 1: the old boot id replayed once (documented)", "10.20.0.12",
	  "10.20.0.12", V1, 1, k1, 7, 2, M_NONE, LB_AGENTS_RX_OK },
	{ "upgraded to version 2", "10.20.0.12", "10.20.0.12", V2, 1, k1, 100,
	  1, M_NONE, LB_AGENTS_RX_OK },
	{ "version 1 replayed after the upgrade", "10.20.0.12", "10.20.0.12",
	  V1, 1, k1, 8, 50, M_NONE, LB_AGENTS_RX_DOWNGRADE },
	{ "an IPv6 agent", "fd00::11", "fd00::11", V2, 1, k1, 8, 5, M_NONE,
	  LB_AGENTS_RX_OK },
	{ "IPv6 replay", "fd00::11", "fd00::11", V2, 1, k1, 8, 5, M_NONE,
	  LB_AGENTS_RX_REPLAY },
};

static void addr(const char *s, uint8_t *family, __be32 a[4])
{
	memset(a, 0, 16);
	if (strchr(s, ':')) {
		*family = KEEL_F_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, s, a), 1);
	} else {
		*family = KEEL_F_INET;
		ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
	}
}

static size_t build(const struct rx_case *c, uint8_t *buf, size_t size)
{
	struct keel_report r = { .version = c->version,
				 .key_id = c->key_id,
				 .seq = c->seq };
	static const uint8_t vip[16] = { 203, 0, 113, 10 };
	int n;

	memset(r.boot_id, c->boot, sizeof(r.boot_id));
	if (c->version != V1)
		r.boot = c->boot;
	addr(c->real, &r.real.family, (__be32 *)r.real.addr);
	r.count = 1;
	r.svc[0] = (struct keel_report_svc){ .vip.family = KEEL_F_INET,
					     .port = 80,
					     .proto = 6,
					     .state = KEEL_RS_UP,
					     .conns = 3 };
	memcpy(r.svc[0].vip.addr, vip, 16);
	n = keel_report_encode(buf, size, &r, c->key);
	ck_assert_int_gt(n, 0);
	switch (c->mangle) {
	case M_NONE:
		break;
	case M_TRUNCATE:
		return n - 1;
	case M_TRAILING:
		buf[n] = 0;
		return n + 1;
	case M_VERSION:
		buf[4] = 3;
		break;
	case M_MAGIC:
		buf[3] = 'X';
		break;
	case M_FLIP:
		buf[n - KEEL_REPORT_MAC_LEN - 1] ^= 1;
		break;
	case M_EMPTY:
		return 0;
	}
	return n;
}

static struct lb_agents table(void)
{
	static const char *const reals[] = { "10.20.0.12", "fd00::11",
					     "10.20.0.11", "10.20.0.12" };
	struct lb_agent_addr a[N(reals)];
	struct lb_agents t = { .n_keys = 2 };
	int i;

	t.keys[0].id = 1;
	memcpy(t.keys[0].key, k1, sizeof(k1));
	t.keys[1].id = 2;
	memcpy(t.keys[1].key, k2, sizeof(k2));
	lb_agents_key_init(&t.keys[0]);
	lb_agents_key_init(&t.keys[1]);
	for (i = 0; i < N(reals); i++)
		addr(reals[i], &a[i].family, a[i].addr);
	ck_assert_int_eq(lb_agents_rebuild(&t, a, N(a)), 0);
	ck_assert_uint_eq(t.n, 3); /* the duplicate once */
	return t;
}

static const struct {
	const char *real;
	uint64_t accepted, boots;
} agent_totals[] = {
	{ "10.20.0.11", 7, 1 }, /* boot 5, then 6 */
	{ "10.20.0.12", 4, 3 }, /* boot ids 7, 8, 7, then counter 100 */
	{ "fd00::11", 1, 0 },
};

START_TEST(test_classify)
{
	struct lb_agents t = table();
	uint8_t buf[KEEL_REPORT_LEN_MAX + 1];
	struct lb_agent_slot *slot, *a;
	uint64_t ok[3] = { 0 };
	uint8_t fam;
	__be32 src[4];
	size_t len;
	int i;
	enum lb_agents_result got;

	for (i = 0; i < N(rx_cases); i++) {
		const struct rx_case *c = &rx_cases[i];

		len = build(c, buf, sizeof(buf));
		addr(c->src, &fam, src);
		got = lb_agents_classify(&t, buf, len, fam, src, 1000 + i,
					 &slot);
		ck_assert_msg(got == c->want, "%s: got %s, want %s", c->name,
			      lb_agents_result_name(got),
			      lb_agents_result_name(c->want));
		if (got != LB_AGENTS_RX_OK) {
			ck_assert_ptr_null(slot);
			continue;
		}
		ok[c->key_id - 1]++;
		ck_assert_ptr_nonnull(slot);
		ck_assert_uint_eq(slot->a.last_ms, 1000 + i);
		ck_assert(slot->a.heard);
		ck_assert_uint_eq(slot->a.last.seq, c->seq);
		ck_assert_uint_eq(slot->a.last.version, c->version);
		ck_assert_uint_eq(slot->a.last.svc[0].conns, 3);
		/* Same services, same states: nothing for lbd to do now. */
		ck_assert_msg(slot->changed == (slot->prev_ms == 0),
			      "%s: changed %d", c->name, slot->changed);
	}
	for (i = 0; i < N(agent_totals); i++) {
		addr(agent_totals[i].real, &fam, src);
		a = lb_agents_find(&t, fam, src);
		ck_assert_ptr_nonnull(a);
		ck_assert_uint_eq(a->accepted, agent_totals[i].accepted);
		ck_assert_uint_eq(a->boots, agent_totals[i].boots);
	}
	ck_assert_uint_eq(t.keys[0].reports, ok[0]);
	ck_assert_uint_eq(t.keys[1].reports, ok[1]);
	lb_agents_free(&t);
}
END_TEST

/*
 * The budget for unlikely headers: with no token left, an unlikely one
 * (a far jump, a first report) is not verified; the likely next report of
 * a known agent always is; a millisecond brings 20 tokens back.
 */
START_TEST(test_budget)
{
	static const struct {
		const char *name;
		const char *real;
		uint8_t boot;
		uint64_t seq;
		uint64_t now;
		bool empty; /* the bucket emptied before the row */
		enum lb_agents_result want;
	} rows[] = {
		{ "first report, tokens left", "10.20.0.11", 1, 1, 10, false,
		  LB_AGENTS_RX_OK },
		{ "the next one, no token", "10.20.0.11", 1, 2, 10, true,
		  LB_AGENTS_RX_OK },
		{ "the next of a new boot, no token", "10.20.0.11", 2, 1, 10,
		  true, LB_AGENTS_RX_OK },
		{ "a jump past the window, no token", "10.20.0.11", 2,
		  2 + LB_AGENTS_SEQ_WINDOW, 10, true,
		  LB_AGENTS_RX_RATE_LIMITED },
		{ "a boot far ahead, no token", "10.20.0.11", (uint8_t)255, 1,
		  10, true, LB_AGENTS_RX_RATE_LIMITED },
		{ "a first report, no token", "10.20.0.12", 1, 1, 10, true,
		  LB_AGENTS_RX_RATE_LIMITED },
		{ "... one millisecond later", "10.20.0.12", 1, 1, 11, true,
		  LB_AGENTS_RX_OK },
		{ "the jump, a millisecond later", "10.20.0.11", 2,
		  2 + LB_AGENTS_SEQ_WINDOW, 12, true, LB_AGENTS_RX_OK },
	};
	struct lb_agents t = table();
	uint8_t buf[KEEL_REPORT_LEN_MAX + 1];
	struct lb_agent_slot *slot;
	uint8_t fam;
	__be32 src[4];
	size_t len;
	int i;

	for (i = 0; i < N(rows); i++) {
		struct rx_case c = { rows[i].name,
				     rows[i].real,
				     rows[i].real,
				     V2,
				     1,
				     k1,
				     rows[i].boot,
				     rows[i].seq,
				     M_NONE,
				     rows[i].want };
		enum lb_agents_result got;

		len = build(&c, buf, sizeof(buf));
		if (rows[i].boot == 255) {
			/* A counter far ahead of boot 2. */
			struct keel_report r;

			ck_assert_int_eq(keel_report_parse(buf, len, k1, &r),
					 0);
			r.boot = 1ULL << 40;
			len = keel_report_encode(buf, sizeof(buf), &r, k1);
		}
		/* Empty: no token, none coming back before the next ms. */
		if (rows[i].empty) {
			t.budget = 0;
			t.budget_ms = rows[i].now > 10 ? rows[i].now - 1 :
							 rows[i].now;
		}
		addr(c.src, &fam, src);
		got = lb_agents_classify(&t, buf, len, fam, src, rows[i].now,
					 &slot);
		ck_assert_msg(got == rows[i].want, "%s: got %s, want %s",
			      rows[i].name, lb_agents_result_name(got),
			      lb_agents_result_name(rows[i].want));
	}
	lb_agents_free(&t);
}
END_TEST

/*
 * A change of state is flagged for lbd to act on at once; counts are not.
 * lb_agent_urgent() (dead_after 50 ms) adds the first report and a report
 * after a silence past dead_after; the same states again are not urgent.
 */
START_TEST(test_changed)
{
	static const struct {
		uint8_t state;
		uint32_t conns;
		uint16_t port;
		uint64_t at;
		bool changed, urgent;
	} rows[] = {
		{ KEEL_RS_UP, 1, 80, 1000, true, true }, /* first */
		{ KEEL_RS_UP, 9, 80, 1010, false, false },
		{ KEEL_RS_DOWN, 9, 80, 1020, true, true },
		{ KEEL_RS_DOWN, 0, 80, 1030, false, false },
		{ KEEL_RS_DOWN, 0, 80, 1081, false, true }, /* silent 51 ms */
		/* silent 50 ms: not past dead_after */
		{ KEEL_RS_DOWN, 0, 80, 1131, false, false },
		{ KEEL_RS_DRAINING, 0, 80, 1140, true, true },
		/* another service */
		{ KEEL_RS_DRAINING, 0, 443, 1150, true, true },
		{ KEEL_RS_DRAINING, 5, 443, 1160, false, false },
	};
	struct lb_agents t = table();
	struct keel_report r = { .key_id = 1, .count = 1 };
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct lb_agent_slot *slot;
	__be32 src[4];
	uint8_t fam;
	int i, n;

	addr("10.20.0.12", &fam, src);
	r.real.family = fam;
	memcpy(r.real.addr, src, 16);
	r.svc[0].vip.family = KEEL_F_INET;
	r.svc[0].vip.addr[0] = 203;
	r.svc[0].proto = 6;
	for (i = 0; i < N(rows); i++) {
		r.seq = i + 1;
		r.svc[0].state = rows[i].state;
		r.svc[0].conns = rows[i].conns;
		r.svc[0].port = rows[i].port;
		n = keel_report_encode(buf, sizeof(buf), &r, k1);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(lb_agents_classify(&t, buf, n, fam, src,
						    rows[i].at, &slot),
				 LB_AGENTS_RX_OK);
		ck_assert_msg(slot->changed == rows[i].changed, "row %d", i);
		ck_assert_uint_eq(slot->prev_ms, i ? rows[i - 1].at : 0);
		ck_assert_msg(lb_agent_urgent(slot, rows[i].at, 50) ==
				      rows[i].urgent,
			      "row %d: urgent", i);
	}
	lb_agents_free(&t);
}
END_TEST

/* A reload keeps each remaining agent's guard; a removed one is gone. */
START_TEST(test_rebuild)
{
	struct lb_agents t = table();
	const struct rx_case c = {
		"r", "10.20.0.11", "10.20.0.11",   V2, 1, k1, 1,
		5,   M_NONE,	   LB_AGENTS_RX_OK
	};
	uint8_t buf[KEEL_REPORT_LEN_MAX], fam;
	struct lb_agent_addr a[2];
	struct lb_agent_slot *slot;
	__be32 src[4];
	size_t len;

	len = build(&c, buf, sizeof(buf));
	addr(c.src, &fam, src);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 1, &slot),
			 LB_AGENTS_RX_OK);
	addr("10.20.0.11", &a[0].family, a[0].addr);
	addr("10.20.0.13", &a[1].family, a[1].addr);
	ck_assert_int_eq(lb_agents_rebuild(&t, a, 2), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 2, &slot),
			 LB_AGENTS_RX_REPLAY);
	slot = lb_agents_find(&t, fam, src);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(slot->accepted, 1);
	addr("10.20.0.12", &fam, src);
	ck_assert_ptr_null(lb_agents_find(&t, fam, src));
	ck_assert_int_eq(lb_agents_rebuild(&t, NULL, 0), 0);
	ck_assert_uint_eq(t.n, 0);
	addr(c.src, &fam, src);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 3, &slot),
			 LB_AGENTS_RX_UNKNOWN_SOURCE);
	lb_agents_free(&t);
}
END_TEST

START_TEST(test_names)
{
	static const char *const want[] = {
		"ok",		"malformed", "version",	 "unknown_source",
		"wrong_real",	"replay",    "old_boot", "downgrade",
		"rate_limited", "bad_mac",
	};
	int i;

	ck_assert_int_eq(N(want), LB_AGENTS_RX__MAX);
	for (i = 0; i < LB_AGENTS_RX__MAX; i++)
		ck_assert_str_eq(lb_agents_result_name(i), want[i]);
	ck_assert_str_eq(lb_agents_result_name(LB_AGENTS_RX__MAX), "?");
}
END_TEST

/* ---- the replay file ---- */

#define GOOD_ENTRY                                                  \
	"{\"real\": \"10.20.0.11\", \"protocol\": 2, \"boot\": 6, " \
	"\"boot_id\": \"06060606060606060606060606060606\", \"seq\": 2}"

static const struct parse_case {
	const char *name;
	const char *text;
	size_t n; /* entries when accepted */
	const char *err; /* part of the message when refused */
} parse_cases[] = {
	{ "empty list", "{\"version\": 1, \"agents\": []}", 0, NULL },
	{ "one agent", "{\"version\": 1, \"agents\": [" GOOD_ENTRY "]}", 1,
	  NULL },
	{ "version 1 agent",
	  "{\"version\": 1, \"agents\": [{\"real\": \"fd00::11\", "
	  "\"protocol\": 1, \"boot_id\": \"0707070707070707070707070707070A\", "
	  "\"seq\": 0}]}",
	  1, NULL },
	{ "truncated", "{\"version\": 1, \"agents\": [", 0, "line 1 column" },
	{ "empty file", "", 0, "line 1 column" },
	{ "not an object", "[]", 0, "must hold a JSON object" },
	{ "unknown member", "{\"version\": 1, \"agents\": [], \"x\": 1}", 0,
	  "x: unknown member" },
	{ "version 2", "{\"version\": 2, \"agents\": []}", 0,
	  "version: must be 1" },
	{ "no agents", "{\"version\": 1}", 0, "agents: must be a list" },
	{ "entry member unknown",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"y\": 1}]}",
	  0, "agents[0].y: unknown member" },
	{ "bad address",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0\", \"protocol\": 2, "
	  "\"boot\": 1, \"boot_id\": \"06060606060606060606060606060606\", "
	  "\"seq\": 1}]}",
	  0, "agents[0].real: must be an address" },
	{ "protocol 3",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 3, "
	  "\"boot\": 1, \"boot_id\": \"06060606060606060606060606060606\", "
	  "\"seq\": 1}]}",
	  0, "agents[0].protocol: must be 1 or 2" },
	{ "protocol 2 without boot",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 2, "
	  "\"boot_id\": \"06060606060606060606060606060606\", \"seq\": 1}]}",
	  0, "agents[0].boot: an integer" },
	{ "protocol 1 with boot",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 1, "
	  "\"boot\": 1, \"boot_id\": \"06060606060606060606060606060606\", "
	  "\"seq\": 1}]}",
	  0, "agents[0].boot: an integer" },
	{ "negative boot",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 2, "
	  "\"boot\": -1, \"boot_id\": \"06060606060606060606060606060606\", "
	  "\"seq\": 1}]}",
	  0, "agents[0].boot: an integer" },
	{ "short boot id",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 2, "
	  "\"boot\": 1, \"boot_id\": \"0606\", \"seq\": 1}]}",
	  0, "agents[0].boot_id: must be 32 hex digits" },
	{ "boot id not hex",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 2, "
	  "\"boot\": 1, \"boot_id\": \"0606060606060606060606060606060g\", "
	  "\"seq\": 1}]}",
	  0, "agents[0].boot_id: must be 32 hex digits" },
	{ "seq a string",
	  "{\"version\": 1, \"agents\": [{\"real\": \"10.0.0.1\", \"protocol\": 2, "
	  "\"boot\": 1, \"boot_id\": \"06060606060606060606060606060606\", "
	  "\"seq\": \"1\"}]}",
	  0, "agents[0].seq: must be an integer" },
	{ "the same agent twice (another spelling)",
	  "{\"version\": 1, \"agents\": [{\"real\": \"fd00::11\", \"protocol\": 1, "
	  "\"boot_id\": \"06060606060606060606060606060606\", \"seq\": 1}, "
	  "{\"real\": \"fd00:0::11\", \"protocol\": 1, "
	  "\"boot_id\": \"06060606060606060606060606060606\", \"seq\": 2}]}",
	  0, "agents: an address is there twice" },
	{ "a member twice", "{\"version\": 1, \"version\": 1, \"agents\": []}",
	  0, "duplicate" },
};

START_TEST(test_replay_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct lb_replay_entry *e = (void *)1;
	char err[256] = "x";
	size_t n = 99;
	int ret;

	ret = lb_replay_parse(c->text, strlen(c->text), &e, &n, err,
			      sizeof(err));
	if (c->err) {
		ck_assert_msg(ret == -EBADMSG, "%s: %d", c->name, ret);
		ck_assert_msg(strstr(err, c->err), "%s: message '%s'", c->name,
			      err);
		ck_assert_ptr_null(e);
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_msg(ret == 0, "%s: %s", c->name, err);
	ck_assert_uint_eq(n, c->n);
	for (size_t i = 0; i < n; i++)
		ck_assert(e[i].g.seen);
	free(e);
}
END_TEST

/* Send row r of a script to t; the result. */
struct script_row {
	const char *name;
	uint8_t boot;
	uint64_t seq;
	enum lb_agents_result want;
};

static void run(struct lb_agents *t, const struct script_row *rows, int n,
		uint64_t now)
{
	uint8_t buf[KEEL_REPORT_LEN_MAX + 1];
	struct lb_agent_slot *slot;
	__be32 src[4];
	uint8_t fam;
	size_t len;
	int i;

	addr("10.20.0.11", &fam, src);
	for (i = 0; i < n; i++) {
		struct rx_case c = { rows[i].name,
				     "10.20.0.11",
				     "10.20.0.11",
				     V2,
				     1,
				     k1,
				     rows[i].boot,
				     rows[i].seq,
				     M_NONE,
				     rows[i].want };
		enum lb_agents_result got;

		len = build(&c, buf, sizeof(buf));
		got = lb_agents_classify(t, buf, len, fam, src, now + i, &slot);
		ck_assert_msg(got == rows[i].want, "%s: got %s, want %s",
			      rows[i].name, lb_agents_result_name(got),
			      lb_agents_result_name(rows[i].want));
	}
}

/*
 * lbd restarts after the real's host died; an attacker replays reports
 * recorded from two earlier boots (5 and 6) and the last one, alternately.
 * With the guards kept in the replay file, every one is refused; without
 * the file (the window docs/agent-protocol.md describes) the newest
 * recording of each boot gets in once, in order.
 */
START_TEST(test_restart_replay)
{
	static const struct script_row life[] = {
		{ "boot 5", 5, 1, LB_AGENTS_RX_OK },
		{ "boot 5 later", 5, 40, LB_AGENTS_RX_OK },
		{ "boot 6", 6, 1, LB_AGENTS_RX_OK },
		{ "boot 6, its last report", 6, 30, LB_AGENTS_RX_OK },
	};
	static const struct script_row with_file[] = {
		{ "boot 5 replayed", 5, 40, LB_AGENTS_RX_OLD_BOOT },
		{ "boot 6 replayed", 6, 30, LB_AGENTS_RX_REPLAY },
		{ "boot 5 again", 5, 1, LB_AGENTS_RX_OLD_BOOT },
		{ "boot 6 earlier", 6, 1, LB_AGENTS_RX_REPLAY },
		{ "boot 5 again", 5, 40, LB_AGENTS_RX_OLD_BOOT },
		{ "the agent is back: boot 7", 7, 1, LB_AGENTS_RX_OK },
	};
	static const struct script_row without_file[] = {
		{ "boot 5 replayed: taken as the first", 5, 40,
		  LB_AGENTS_RX_OK },
		{ "boot 6 replayed: a later boot", 6, 30, LB_AGENTS_RX_OK },
		{ "boot 5 again", 5, 40, LB_AGENTS_RX_OLD_BOOT },
		{ "boot 6 again", 6, 30, LB_AGENTS_RX_REPLAY },
	};
	struct lb_agents t1 = table(), t2 = table(), t3 = table();
	struct lb_replay_entry *e;
	char *text, err[256];
	size_t n;

	run(&t1, life, N(life), 100);
	text = lb_replay_dump(&t1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(lb_replay_parse(text, strlen(text), &e, &n, err,
					 sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 1); /* only the agent that was heard */
	ck_assert_uint_eq(lb_replay_restore(&t2, e, n), 1);
	ck_assert_uint_eq(lb_replay_restore(&t2, e, n), 0); /* once */
	run(&t2, with_file, N(with_file), 1000);
	run(&t3, without_file, N(without_file), 1000);
	free(e);
	free(text);
	lb_agents_free(&t1);
	lb_agents_free(&t2);
	lb_agents_free(&t3);
}
END_TEST

/* What is saved loads back the same; numbers past 2^63 - 1 are lowered. */
START_TEST(test_replay_file)
{
	char path[] = "/tmp/test_lbd_health.XXXXXX", err[256];
	struct lb_agents t = table();
	struct lb_replay_entry *e;
	struct lb_agent_slot *s;
	uint8_t fam;
	__be32 a[4];
	size_t n;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	addr("fd00::11", &fam, a);
	s = lb_agents_find(&t, fam, a);
	s->a.replay = (struct keel_replay){ .seen = true,
					    .v2 = true,
					    .boot = UINT64_MAX,
					    .last_seq = 1ULL << 63 };
	memset(s->a.replay.boot_id, 0xab, 16);
	addr("10.20.0.12", &fam, a);
	s = lb_agents_find(&t, fam, a);
	s->a.replay = (struct keel_replay){ .seen = true, .last_seq = 77 };
	memset(s->a.replay.boot_id, 0x01, 16);
	ck_assert_int_eq(lb_replay_save(path, &t, true), 0);
	ck_assert_int_eq(lb_replay_load(path, &e, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	/* Sorted: IPv4 first. */
	ck_assert(!e[0].g.v2 && e[0].g.last_seq == 77 &&
		  e[0].g.boot_id[15] == 0x01);
	ck_assert(e[1].g.v2 && e[1].g.boot == INT64_MAX &&
		  e[1].g.last_seq == INT64_MAX && e[1].g.boot_id[0] == 0xab);
	free(e);
	unlink(path);
	ck_assert_int_eq(lb_replay_load(path, &e, &n, err, sizeof(err)),
			 -ENOENT);
	lb_agents_free(&t);
}
END_TEST

/* Agent states in the verdict tables. */
enum {
	X = KEEL_RS_UNKNOWN,
	U = KEEL_RS_UP,
	D = KEEL_RS_DOWN,
	R = KEEL_RS_DRAINING,
};

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
					      moves_cases[_i].now,
					      DEAD) == moves_cases[_i].want,
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
	Suite *s = suite_create("lb_agents");
	TCase *tc = tcase_create("receiver");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_rebuild);
	tcase_add_test(tc, test_changed);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay file");
	tcase_add_loop_test(tc, test_replay_parse, 0, N(parse_cases));
	tcase_add_test(tc, test_restart_replay);
	tcase_add_test(tc, test_replay_file);
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
