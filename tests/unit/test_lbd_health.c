// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's report receiver, the pure half (lb_agents.c): key files, the
 * agents table and the verdict on each datagram, table-driven: one
 * ordered list of datagrams through one table (the replay guard carries
 * from row to row), each with the reason it must get.  Links lb_agents.c,
 * lb_health.c (lb_agent_accept) and keel_report.c only.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "check_run.h"
#include "lb_agents.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const uint8_t k1[KEEL_REPORT_KEY_LEN] = { 1, 1, 1, 1, 1, 1, 1, 1 };
static const uint8_t k2[KEEL_REPORT_KEY_LEN] = { 2, 2, 2, 2, 2, 2, 2, 2 };
static const uint8_t k3[KEEL_REPORT_KEY_LEN] = { 3, 3, 3, 3, 3, 3, 3, 3 };

enum mangle {
	M_NONE,
	M_TRUNCATE, /* last byte cut */
	M_TRAILING, /* one byte more */
	M_VERSION, /* version byte 2 */
	M_MAGIC, /* "KEEX" */
	M_FLIP, /* one bit of the body flipped (MAC no longer verifies) */
	M_EMPTY, /* zero bytes */
};

static const struct rx_case {
	const char *name;
	const char *real; /* the report's real */
	const char *src; /* the datagram's source */
	uint32_t key_id;
	const uint8_t *key; /* signing key */
	uint8_t boot; /* boot id bytes */
	uint64_t seq;
	enum mangle mangle;
	enum lb_rx_result want;
} rx_cases[] = {
	{ "first report", "10.20.0.11", "10.20.0.11", 1, k1, 1, 1, M_NONE,
	  LB_RX_OK },
	{ "the same again", "10.20.0.11", "10.20.0.11", 1, k1, 1, 1, M_NONE,
	  LB_RX_REPLAY },
	{ "next sequence", "10.20.0.11", "10.20.0.11", 1, k1, 1, 2, M_NONE,
	  LB_RX_OK },
	{ "gap: lost datagrams", "10.20.0.11", "10.20.0.11", 1, k1, 1, 10,
	  M_NONE, LB_RX_OK },
	{ "reordered", "10.20.0.11", "10.20.0.11", 1, k1, 1, 9, M_NONE,
	  LB_RX_REPLAY },
	{ "wrong key", "10.20.0.11", "10.20.0.11", 1, k3, 1, 11, M_NONE,
	  LB_RX_BAD_MAC },
	{ "unknown key id", "10.20.0.11", "10.20.0.11", 9, k1, 1, 11, M_NONE,
	  LB_RX_BAD_MAC },
	{ "key id 2 signed with key 1", "10.20.0.11", "10.20.0.11", 2, k1, 1,
	  11, M_NONE, LB_RX_BAD_MAC },
	{ "one bit flipped", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_FLIP,
	  LB_RX_BAD_MAC },
	{ "truncated", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_TRUNCATE,
	  LB_RX_MALFORMED },
	{ "trailing byte", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_TRAILING,
	  LB_RX_MALFORMED },
	{ "bad magic", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_MAGIC,
	  LB_RX_MALFORMED },
	{ "empty datagram", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_EMPTY,
	  LB_RX_MALFORMED },
	{ "version 2", "10.20.0.11", "10.20.0.11", 1, k1, 1, 11, M_VERSION,
	  LB_RX_VERSION },
	{ "unknown real", "10.20.0.99", "10.20.0.99", 1, k1, 1, 1, M_NONE,
	  LB_RX_UNKNOWN_REAL },
	{ "unknown real, wrong source too", "10.20.0.99", "10.20.0.11", 1, k1,
	  1, 1, M_NONE, LB_RX_UNKNOWN_REAL },
	/* A rejected datagram leaves the guard alone: seq 100 is not seen. */
	{ "from another real's address", "10.20.0.11", "10.20.0.12", 1, k1, 1,
	  100, M_NONE, LB_RX_WRONG_SOURCE },
	{ "from the IPv6 address", "10.20.0.11", "fd00::11", 1, k1, 1, 100,
	  M_NONE, LB_RX_WRONG_SOURCE },
	{ "still in order after the rejections", "10.20.0.11", "10.20.0.11", 1,
	  k1, 1, 11, M_NONE, LB_RX_OK },
	{ "rotation: the previous key", "10.20.0.11", "10.20.0.11", 2, k2, 1,
	  12, M_NONE, LB_RX_OK },
	{ "agent restarted: new boot id", "10.20.0.11", "10.20.0.11", 1, k1, 2,
	  1, M_NONE, LB_RX_OK },
	{ "old boot id replayed once", "10.20.0.11", "10.20.0.11", 1, k1, 1, 13,
	  M_NONE, LB_RX_OK },
	{ "the other real, IPv4", "10.20.0.12", "10.20.0.12", 1, k1, 7, 1,
	  M_NONE, LB_RX_OK },
	{ "an IPv6 real", "fd00::11", "fd00::11", 1, k1, 8, 5, M_NONE,
	  LB_RX_OK },
	{ "IPv6 replay", "fd00::11", "fd00::11", 1, k1, 8, 5, M_NONE,
	  LB_RX_REPLAY },
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
	struct keel_report r = { .key_id = c->key_id, .seq = c->seq };
	static const uint8_t vip[16] = { 203, 0, 113, 10 };
	int n;

	memset(r.boot_id, c->boot, sizeof(r.boot_id));
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
		buf[4] = 2;
		break;
	case M_MAGIC:
		buf[3] = 'X';
		break;
	case M_FLIP:
		buf[40] ^= 1;
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
	for (i = 0; i < N(reals); i++)
		addr(reals[i], &a[i].family, a[i].addr);
	ck_assert_int_eq(lb_agents_rebuild(&t, a, N(a)), 0);
	ck_assert_uint_eq(t.n, 3); /* the duplicate once */
	return t;
}

START_TEST(test_classify)
{
	struct lb_agents t = table();
	uint64_t count[LB_RX__MAX] = { 0 };
	uint8_t buf[KEEL_REPORT_LEN_MAX + 1];
	struct lb_agent_slot *slot, *s11;
	uint8_t fam;
	__be32 src[4];
	size_t len;
	int i;
	enum lb_rx_result got;

	for (i = 0; i < N(rx_cases); i++) {
		const struct rx_case *c = &rx_cases[i];

		len = build(c, buf, sizeof(buf));
		addr(c->src, &fam, src);
		got = lb_agents_classify(&t, buf, len, fam, src, 1000 + i,
					 &slot);
		ck_assert_msg(got == c->want, "%s: got %s, want %s", c->name,
			      lb_rx_name(got), lb_rx_name(c->want));
		count[got]++;
		if (got != LB_RX_OK) {
			ck_assert_ptr_null(slot);
			continue;
		}
		ck_assert_ptr_nonnull(slot);
		ck_assert_uint_eq(slot->a.last_ms, 1000 + i);
		ck_assert(slot->a.heard);
		ck_assert_uint_eq(slot->a.last.seq, c->seq);
		ck_assert_uint_eq(slot->a.last.svc[0].conns, 3);
		/* Same services, same states: nothing for lbd to do now. */
		ck_assert_msg(slot->changed == (slot->prev_ms == 0),
			      "%s: changed %d", c->name, slot->changed);
	}
	addr("10.20.0.11", &fam, src);
	s11 = lb_agents_find(&t, fam, src);
	ck_assert_ptr_nonnull(s11);
	ck_assert_uint_eq(s11->accepted, 7);
	ck_assert_uint_eq(s11->boots, 2); /* new boot, then the old one again */
	ck_assert_uint_eq(t.keys[0].reports, 8);
	ck_assert_uint_eq(t.keys[1].reports, 1);
	ck_assert_uint_eq(count[LB_RX_OK], 9);
	ck_assert_uint_eq(count[LB_RX_REPLAY], 3);
	ck_assert_uint_eq(count[LB_RX_BAD_MAC], 4);
	ck_assert_uint_eq(count[LB_RX_MALFORMED], 4);
	ck_assert_uint_eq(count[LB_RX_VERSION], 1);
	ck_assert_uint_eq(count[LB_RX_UNKNOWN_REAL], 2);
	ck_assert_uint_eq(count[LB_RX_WRONG_SOURCE], 2);
	lb_agents_free(&t);
}
END_TEST

/* A change of state is flagged for lbd to act on at once; counts are not. */
START_TEST(test_changed)
{
	static const struct {
		uint8_t state;
		uint32_t conns;
		uint16_t port;
		bool changed;
	} rows[] = {
		{ KEEL_RS_UP, 1, 80, true }, /* first */
		{ KEEL_RS_UP, 9, 80, false },
		{ KEEL_RS_DOWN, 9, 80, true },
		{ KEEL_RS_DOWN, 0, 80, false },
		{ KEEL_RS_DRAINING, 0, 80, true },
		{ KEEL_RS_DRAINING, 0, 443, true }, /* another service */
		{ KEEL_RS_DRAINING, 5, 443, false },
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
						    100 + i, &slot),
				 LB_RX_OK);
		ck_assert_msg(slot->changed == rows[i].changed, "row %d", i);
		ck_assert_uint_eq(slot->prev_ms, i ? 100 + i - 1 : 0);
	}
	lb_agents_free(&t);
}
END_TEST

/* A reload keeps each remaining agent's guard; a removed one is gone. */
START_TEST(test_rebuild)
{
	struct lb_agents t = table();
	const struct rx_case c = { "r", "10.20.0.11", "10.20.0.11", 1, k1, 1,
				   5,	M_NONE,	      LB_RX_OK };
	uint8_t buf[KEEL_REPORT_LEN_MAX], fam;
	struct lb_agent_addr a[2];
	struct lb_agent_slot *slot;
	__be32 src[4];
	size_t len;

	len = build(&c, buf, sizeof(buf));
	addr(c.src, &fam, src);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 1, &slot),
			 LB_RX_OK);
	addr("10.20.0.11", &a[0].family, a[0].addr);
	addr("10.20.0.13", &a[1].family, a[1].addr);
	ck_assert_int_eq(lb_agents_rebuild(&t, a, 2), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 2, &slot),
			 LB_RX_REPLAY);
	slot = lb_agents_find(&t, fam, src);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(slot->accepted, 1);
	addr("10.20.0.12", &fam, src);
	ck_assert_ptr_null(lb_agents_find(&t, fam, src));
	ck_assert_int_eq(lb_agents_rebuild(&t, NULL, 0), 0);
	ck_assert_uint_eq(t.n, 0);
	addr(c.src, &fam, src);
	ck_assert_int_eq(lb_agents_classify(&t, buf, len, fam, src, 3, &slot),
			 LB_RX_UNKNOWN_REAL);
	lb_agents_free(&t);
}
END_TEST

START_TEST(test_names)
{
	static const char *const want[] = { "ok",	    "malformed",
					    "version",	    "bad_mac",
					    "unknown_real", "wrong_source",
					    "replay" };
	int i;

	ck_assert_int_eq(N(want), LB_RX__MAX);
	for (i = 0; i < LB_RX__MAX; i++)
		ck_assert_str_eq(lb_rx_name(i), want[i]);
	ck_assert_str_eq(lb_rx_name(LB_RX__MAX), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lbd_health");
	TCase *tc = tcase_create("receiver");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_rebuild);
	tcase_add_test(tc, test_changed);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
