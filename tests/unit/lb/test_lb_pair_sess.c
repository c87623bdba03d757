// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_lb_pair_sess.c - lb_pair_sess.c alone: two LBs, A and B, exchange
 * HELLOs and data headers through the session module (the AEAD is the
 * codec's, tested in test_keel_sync.c: here every datagram counts as
 * authenticated).  Each row is a script of steps with the expected
 * verdict, link or send gate after each; every datagram sent is logged,
 * so a step can replay any earlier one.
 */
#include <check.h>
#include "check_run.h"
#include <stdint.h>
#include <string.h>

#include "lb_pair_sess.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DEAD_US 1000000ULL /* dead_after 1 s */
#define STEPS_MAX 24
#define LOG_MAX 64

enum op {
	END,
	HELLO_AB, /* A sends a HELLO, B takes it; want: verdict */
	HELLO_BA,
	LOST_AB, /* A sends a HELLO that never arrives */
	LOST_BA,
	DATA_AB, /* A sends a data datagram; want: verdict */
	DATA_BA,
	REPLAY, /* log[arg] delivered again to its receiver; want: verdict */
	RESTART_A, /* a new lbd: new stream and challenge, nothing kept */
	RESTART_B,
	LINK_A, /* want: A's link to B */
	LINK_B,
	SEND_A, /* want: A may send data to B */
	SEND_B,
	SESSIONS_A, /* want: streams of B that A has accepted */
	SESSIONS_B,
	CLASH_B, /* B takes A's node id from now on */
};

struct step {
	enum op op;
	uint32_t t_ms;
	int want;
	int arg;
};

#define H(o, t)                        \
	{                              \
		o, t, LB_PAIR_RX_OK, 0 \
	}
#define HW(o, t, w)        \
	{                  \
		o, t, w, 0 \
	}
/* The handshake from cold: 4 HELLOs, both links up by 30 ms. */
#define HANDSHAKE \
	H(HELLO_AB, 0), H(HELLO_BA, 10), H(HELLO_AB, 20), H(HELLO_BA, 30)

static const struct {
	const char *name;
	struct step s[STEPS_MAX];
} rows[] = {
	{ "handshake: never, one-way, then up on both",
	  { { LINK_A, 0, LB_PAIR_LINK_NEVER, 0 },
	    H(HELLO_AB, 0),
	    { LINK_B, 0, LB_PAIR_LINK_ONE_WAY, 0 },
	    { SESSIONS_B, 0, 0, 0 },
	    H(HELLO_BA, 10),
	    { SESSIONS_A, 10, 1, 0 },
	    H(HELLO_AB, 20),
	    { SESSIONS_B, 20, 1, 0 },
	    { LINK_B, 20, LB_PAIR_LINK_UP, 0 },
	    H(HELLO_BA, 30),
	    { LINK_A, 30, LB_PAIR_LINK_UP, 0 },
	    HW(DATA_AB, 40, LB_PAIR_RX_OK),
	    HW(DATA_BA, 40, LB_PAIR_RX_OK) } },
	{ "accepted stream gates sending",
	  { H(HELLO_AB, 0),
	    { SEND_A, 0, 0, 0 },
	    { SEND_B, 0, 0, 0 },
	    H(HELLO_BA, 10),
	    /* A accepts B's stream, but B has not said it accepts A's */
	    { SEND_A, 10, 0, 0 },
	    { SEND_B, 10, 0, 0 },
	    H(HELLO_AB, 20),
	    { SEND_B, 20, 1, 0 },
	    { SEND_A, 20, 0, 0 },
	    H(HELLO_BA, 30),
	    { SEND_A, 30, 1, 0 } } },
	{ "data before a session is no_session",
	  { H(HELLO_AB, 0), HW(DATA_AB, 5, LB_PAIR_RX_NO_SESSION),
	    H(HELLO_BA, 10), HW(DATA_BA, 15, LB_PAIR_RX_OK),
	    HW(DATA_AB, 15, LB_PAIR_RX_NO_SESSION) } },
	{ "replayed HELLOs do not reset a working session",
	  { HANDSHAKE,
	    /* on the session's stream: the window */
	    { REPLAY, 40, LB_PAIR_RX_REPLAY, 1 },
	    { REPLAY, 40, LB_PAIR_RX_REPLAY, 2 },
	    { REPLAY, 40, LB_PAIR_RX_REPLAY, 3 },
	    /* the proving HELLO of A's, before B accepted A's stream */
	    { REPLAY, 40, LB_PAIR_RX_REPLAY, 0 },
	    { SESSIONS_A, 50, 1, 0 },
	    { SESSIONS_B, 50, 1, 0 },
	    { LINK_A, 50, LB_PAIR_LINK_UP, 0 },
	    HW(DATA_AB, 50, LB_PAIR_RX_OK),
	    HW(DATA_BA, 50, LB_PAIR_RX_OK) } },
	{ "a replayed data datagram is a replay",
	  { HANDSHAKE,
	    HW(DATA_AB, 40, LB_PAIR_RX_OK),
	    { REPLAY, 41, LB_PAIR_RX_REPLAY, 4 },
	    HW(DATA_AB, 42, LB_PAIR_RX_OK) } },
	{ "after my restart, a stale echo does not establish",
	  { HANDSHAKE,
	    H(RESTART_A, 0),
	    /* log[1]: B's HELLO that proved B's stream to the old A */
	    { REPLAY, 100, LB_PAIR_RX_OK, 1 },
	    { SESSIONS_A, 100, 0, 0 },
	    HW(DATA_BA, 100, LB_PAIR_RX_NO_SESSION),
	    HW(DATA_BA, 101, LB_PAIR_RX_NO_SESSION),
	    { LINK_A, 100, LB_PAIR_LINK_ONE_WAY, 0 } } },
	{ "a new stream replaces the old only after a matching echo",
	  { HANDSHAKE,
	    H(RESTART_B, 0),
	    /* B's new stream echoes nothing of A's yet */
	    H(HELLO_BA, 100),
	    { SESSIONS_A, 100, 1, 0 },
	    HW(DATA_BA, 101, LB_PAIR_RX_NO_SESSION),
	    /* the old session stays until proven otherwise */
	    { LINK_A, 101, LB_PAIR_LINK_ONE_WAY, 0 },
	    H(HELLO_AB, 110),
	    { SESSIONS_B, 110, 1, 0 },
	    H(HELLO_BA, 120),
	    { SESSIONS_A, 120, 2, 0 },
	    HW(DATA_BA, 121, LB_PAIR_RX_OK),
	    H(HELLO_AB, 130),
	    { LINK_A, 130, LB_PAIR_LINK_UP, 0 },
	    { LINK_B, 130, LB_PAIR_LINK_UP, 0 },
	    /* the old boot's proving HELLO, replayed: nothing moves */
	    { REPLAY, 140, LB_PAIR_RX_OK, 1 },
	    { SESSIONS_A, 140, 2, 0 },
	    HW(DATA_BA, 141, LB_PAIR_RX_OK) } },
	{ "one-way: B hears A, A does not hear B",
	  { HANDSHAKE,
	    H(HELLO_AB, 200),
	    H(LOST_BA, 0),
	    H(HELLO_AB, 600),
	    H(LOST_BA, 0),
	    H(HELLO_AB, 1100),
	    /* B's last HELLO A had: t 30; A still hears nothing since */
	    { LINK_B, 1100, LB_PAIR_LINK_ONE_WAY, 0 },
	    { LINK_A, 1100, LB_PAIR_LINK_DOWN, 0 },
	    { SEND_A, 1100, 0, 0 },
	    /* repaired: up again at the next exchange */
	    H(HELLO_BA, 1200),
	    H(HELLO_AB, 1210),
	    { LINK_A, 1210, LB_PAIR_LINK_UP, 0 },
	    { LINK_B, 1210, LB_PAIR_LINK_UP, 0 } } },
	{ "dead_after: up for 1 s of echoes, down 1 s after the last HELLO",
	  { HANDSHAKE,
	    /* A's last t_us B echoed: 20 ms; B's last HELLO: 30 ms */
	    { LINK_A, 1020, LB_PAIR_LINK_UP, 0 },
	    { LINK_A, 1021, LB_PAIR_LINK_ONE_WAY, 0 },
	    { LINK_A, 1030, LB_PAIR_LINK_ONE_WAY, 0 },
	    { LINK_B, 1010, LB_PAIR_LINK_UP, 0 },
	    { LINK_A, 1031, LB_PAIR_LINK_DOWN, 0 },
	    { LINK_B, 1021, LB_PAIR_LINK_DOWN, 0 },
	    { SEND_B, 1021, 0, 0 },
	    /* back within one round trip */
	    H(HELLO_AB, 2000),
	    H(HELLO_BA, 2010),
	    { LINK_A, 2010, LB_PAIR_LINK_UP, 0 } } },
	{ "a node id clash is wrong_peer, no session",
	  { H(CLASH_B, 0),
	    HW(HELLO_BA, 0, LB_PAIR_RX_WRONG_PEER),
	    HW(HELLO_AB, 10, LB_PAIR_RX_WRONG_PEER),
	    HW(HELLO_BA, 20, LB_PAIR_RX_WRONG_PEER),
	    { SESSIONS_A, 20, 0, 0 },
	    { LINK_A, 20, LB_PAIR_LINK_NEVER, 0 } } },
};

struct side {
	struct lb_pair_sess s;
	uint16_t node;
	uint8_t boot; /* streams and challenges differ per boot */
	uint8_t draws;
};

struct dgram {
	int to; /* 0: A, 1: B */
	struct keel_sync_hdr h;
	bool hello;
	struct keel_sync_hello m;
};

static void fresh(struct side *x, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = (uint8_t)x->node;
	out[1] = x->boot;
	out[2] = ++x->draws;
	out[15] = 0xc5;
}

static void boot(struct side *x)
{
	uint8_t stream[16], ch[16];

	x->boot++;
	memset(stream, 0, sizeof(stream));
	stream[0] = 0x5a;
	stream[1] = (uint8_t)x->node;
	stream[2] = x->boot;
	fresh(x, ch);
	lb_pair_sess_init(&x->s, stream, ch);
}

static void make(struct side *from, int to, bool hello, uint64_t now_us,
		 struct dgram *g)
{
	memset(g, 0, sizeof(*g));
	g->to = to;
	g->hello = hello;
	g->h.version = 1;
	g->h.type = hello ? KEEL_SYNC_HELLO : KEEL_SYNC_FLOWS;
	memcpy(g->h.stream, from->s.tx_stream, 16);
	g->h.seq = lb_pair_sess_next_seq(&from->s);
	if (hello) {
		g->m.node = from->node;
		g->m.wire_min = g->m.wire_max = 1;
		lb_pair_sess_hello_fill(&from->s, now_us,
					1000000 + now_us / 1000, &g->m);
	}
}

static int deliver(struct side *x, const struct dgram *g, uint64_t now_us)
{
	uint8_t ch[16];
	bool answer;
	int r;

	r = lb_pair_sess_precheck(&x->s, &g->h);
	if (r != LB_PAIR_RX_OK)
		return r;
	if (!g->hello)
		return lb_pair_sess_data(&x->s, &g->h, &answer);
	fresh(x, ch);
	return lb_pair_sess_hello(&x->s, &g->h, &g->m, x->node, now_us,
				  1000000 + now_us / 1000, ch, &answer);
}

START_TEST(test_rows)
{
	struct side sd[2] = { { .node = 1 }, { .node = 2 } };
	struct dgram log[LOG_MAX];
	size_t n_log = 0, i;
	const struct step *st;
	uint64_t now;
	int got, who;

	boot(&sd[0]);
	boot(&sd[1]);
	for (i = 0; i < STEPS_MAX && rows[_i].s[i].op != END; i++) {
		st = &rows[_i].s[i];
		/* 1 s of clock before the first step: t_us is never 0. */
		now = 1000000ULL + st->t_ms * 1000ULL;
		got = st->want;
		switch (st->op) {
		case HELLO_AB:
		case HELLO_BA:
		case DATA_AB:
		case DATA_BA:
		case LOST_AB:
		case LOST_BA:
			who = st->op == HELLO_BA || st->op == DATA_BA ||
			      st->op == LOST_BA;
			ck_assert_uint_lt(n_log, LOG_MAX);
			make(&sd[who], !who,
			     st->op != DATA_AB && st->op != DATA_BA, now,
			     &log[n_log]);
			if (st->op != LOST_AB && st->op != LOST_BA)
				got = deliver(&sd[!who], &log[n_log], now);
			n_log++;
			break;
		case REPLAY:
			ck_assert_uint_lt((size_t)st->arg, n_log);
			got = deliver(&sd[log[st->arg].to], &log[st->arg], now);
			break;
		case RESTART_A:
		case RESTART_B:
			boot(&sd[st->op == RESTART_B]);
			break;
		case LINK_A:
		case LINK_B:
			got = lb_pair_sess_link(&sd[st->op == LINK_B].s, now,
						DEAD_US);
			break;
		case SEND_A:
		case SEND_B:
			got = lb_pair_sess_can_send(&sd[st->op == SEND_B].s,
						    now, DEAD_US);
			break;
		case SESSIONS_A:
		case SESSIONS_B:
			got = (int)sd[st->op == SESSIONS_B].s.sessions;
			break;
		case CLASH_B:
			sd[1].node = sd[0].node;
			break;
		case END:
			break;
		}
		ck_assert_msg(got == st->want,
			      "%s: step %zu (op %d at %u ms): %d, want %d",
			      rows[_i].name, i, st->op, st->t_ms, got,
			      st->want);
	}
}
END_TEST

/* The replay of a data datagram after a new session of the same peer. */
START_TEST(test_old_stream_data)
{
	struct side a = { .node = 1 }, b = { .node = 2 };
	struct dgram g, old;

	boot(&a);
	boot(&b);
	make(&a, 1, true, 1000000, &g);
	ck_assert_int_eq(deliver(&b, &g, 1000000), LB_PAIR_RX_OK);
	make(&b, 0, true, 1010000, &g);
	ck_assert_int_eq(deliver(&a, &g, 1010000), LB_PAIR_RX_OK);
	make(&b, 0, false, 1020000, &old);
	ck_assert_int_eq(deliver(&a, &old, 1020000), LB_PAIR_RX_OK);
	boot(&b); /* B restarts and proves its new stream */
	make(&b, 0, true, 1100000, &g);
	ck_assert_int_eq(deliver(&a, &g, 1100000), LB_PAIR_RX_OK);
	make(&a, 1, true, 1110000, &g);
	ck_assert_int_eq(deliver(&b, &g, 1110000), LB_PAIR_RX_OK);
	make(&b, 0, true, 1120000, &g);
	ck_assert_int_eq(deliver(&a, &g, 1120000), LB_PAIR_RX_OK);
	ck_assert_uint_eq(a.s.sessions, 2);
	ck_assert_int_eq(deliver(&a, &old, 1130000), LB_PAIR_RX_NO_SESSION);
}
END_TEST

/* RTT and skew from the echoed t_us and the hold. */
START_TEST(test_rtt_skew)
{
	struct side a = { .node = 1 }, b = { .node = 2 };
	struct dgram g;
	uint8_t ch[16];
	bool answer;

	boot(&a);
	boot(&b);
	make(&a, 1, true, 5000000, &g); /* A's t_us 5 s */
	ck_assert_int_eq(deliver(&b, &g, 5000000), LB_PAIR_RX_OK);
	/* B holds it 3 ms, its wall clock 2 s ahead; 1 ms each way */
	make(&b, 0, true, 5003000, &g);
	ck_assert_uint_eq(g.m.echo_t_us, 5000000);
	ck_assert_uint_eq(g.m.hold_us, 3000);
	g.m.wall_ms = 7000000;
	fresh(&a, ch);
	ck_assert_int_eq(lb_pair_sess_hello(&a.s, &g.h, &g.m, 1, 5005000,
					    4999000, ch, &answer),
			 LB_PAIR_RX_OK);
	ck_assert(answer);
	ck_assert(a.s.has_rtt);
	ck_assert_int_eq(a.s.rtt_us, 2000);
	ck_assert_int_eq(a.s.skew_ms, 7000000 + 1 - 4999000);
}
END_TEST

START_TEST(test_answer_rate)
{
	struct lb_pair_sess s;
	uint8_t z[16] = { 1 };
	int n = 0;
	uint64_t t;

	lb_pair_sess_init(&s, z, z);
	for (t = 0; t < 1000000; t += 1000)
		n += lb_pair_sess_answer_ok(&s, 1000000 + t);
	ck_assert_int_eq(n, 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pair_sess");
	TCase *tc = tcase_create("pair_sess");

	tcase_add_loop_test(tc, test_rows, 0, ARRAY_SIZE(rows));
	tcase_add_test(tc, test_old_stream_data);
	tcase_add_test(tc, test_rtt_skew);
	tcase_add_test(tc, test_answer_rate);
	suite_add_tcase(s, tc);
	return check_run(s);
}
