// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bfd_session.c (with bfd_pkt.c for the names) alone: the reception state
 * table of RFC 5880 6.8.6, the detection time (6.8.4), the Poll Sequence
 * for timer changes (6.5, 6.8.3), the transmission rules and jitter bounds
 * (6.8.7) with a fixed random source, and AdminDown (6.8.16).  Time is a
 * plain counter in microseconds.
 */
#include <errno.h>
#include <string.h>

#include "bfd_session.h"
#include "check_run.h"

#define LOCAL 0x1001u
#define REMOTE 0x2002u
#define MS 1000u
#define T0 1000000000ull /* any start time */

static uint32_t rnd_val; /* what the random source returns */

static uint32_t fixed_rand(void *arg)
{
	(void)arg;
	return rnd_val;
}

/* A small LCG, for the jitter sweep. */
static uint32_t lcg_rand(void *arg)
{
	uint32_t *st = arg;

	*st = *st * 1103515245u + 12345u;
	return *st;
}

static const struct bfd_session_cfg cfg = {
	.local_disc = LOCAL,
	.min_tx_us = 100 * MS,
	.min_rx_us = 100 * MS,
	.detect_mult = 3,
	.rand = fixed_rand,
};

/* What the remote sends: state, Your Disc, intervals, flags. */
static struct bfd_pkt rpkt(uint8_t state, uint32_t your)
{
	struct bfd_pkt p = {
		.version = 1,
		.state = state,
		.detect_mult = 3,
		.length = 24,
		.my_disc = REMOTE,
		.your_disc = your,
		.desired_min_tx = 100 * MS,
		.required_min_rx = 100 * MS,
	};

	return p;
}

static void rx_ok(struct bfd_session *s, const struct bfd_pkt *p, uint64_t now,
		  struct bfd_actions *a)
{
	ck_assert_int_eq(bfd_session_rx(s, p, now, a), 0);
}

/* A session in the given local state at T0 (remote known unless Down). */
static void drive_to(struct bfd_session *s, uint8_t state)
{
	struct bfd_actions a;
	struct bfd_pkt p;

	rnd_val = 0;
	ck_assert_int_eq(bfd_session_init(s, &cfg, T0, &a), 0);
	if (state == BFD_STATE_ADMIN_DOWN) {
		bfd_session_admin(s, true, BFD_DIAG_ADMIN_DOWN, T0, &a);
		return;
	}
	if (state == BFD_STATE_DOWN)
		return;
	p = rpkt(BFD_STATE_DOWN, 0);
	rx_ok(s, &p, T0, &a);
	ck_assert_uint_eq(s->session_state, BFD_STATE_INIT);
	if (state == BFD_STATE_INIT)
		return;
	p = rpkt(BFD_STATE_UP, LOCAL);
	rx_ok(s, &p, T0, &a);
	ck_assert_uint_eq(s->session_state, BFD_STATE_UP);
	ck_assert(s->poll_active); /* going Up changed the TX interval */
	p.final = true;
	rx_ok(s, &p, T0, &a);
	ck_assert(!s->poll_active);
}

struct transition {
	uint8_t local, remote;
	uint8_t want; /* state afterwards */
	bool changed;
	uint8_t diag; /* when changed */
};

/* RFC 5880 6.8.6, every (local state, received state) pair. */
static const struct transition transitions[] = {
	{ BFD_STATE_DOWN, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, false, 0 },
	{ BFD_STATE_DOWN, BFD_STATE_DOWN, BFD_STATE_INIT, true, 0 },
	{ BFD_STATE_DOWN, BFD_STATE_INIT, BFD_STATE_UP, true, 0 },
	{ BFD_STATE_DOWN, BFD_STATE_UP, BFD_STATE_DOWN, false, 0 },
	{ BFD_STATE_INIT, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, true,
	  BFD_DIAG_NEIGHBOR_DOWN },
	{ BFD_STATE_INIT, BFD_STATE_DOWN, BFD_STATE_INIT, false, 0 },
	{ BFD_STATE_INIT, BFD_STATE_INIT, BFD_STATE_UP, true, 0 },
	{ BFD_STATE_INIT, BFD_STATE_UP, BFD_STATE_UP, true, 0 },
	{ BFD_STATE_UP, BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, true,
	  BFD_DIAG_NEIGHBOR_DOWN },
	{ BFD_STATE_UP, BFD_STATE_DOWN, BFD_STATE_DOWN, true,
	  BFD_DIAG_NEIGHBOR_DOWN },
	{ BFD_STATE_UP, BFD_STATE_INIT, BFD_STATE_UP, false, 0 },
	{ BFD_STATE_UP, BFD_STATE_UP, BFD_STATE_UP, false, 0 },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_ADMIN_DOWN, BFD_STATE_ADMIN_DOWN,
	  false, 0 },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_DOWN, BFD_STATE_ADMIN_DOWN, false,
	  0 },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_INIT, BFD_STATE_ADMIN_DOWN, false,
	  0 },
	{ BFD_STATE_ADMIN_DOWN, BFD_STATE_UP, BFD_STATE_ADMIN_DOWN, false, 0 },
};

START_TEST(state_table)
{
	const struct transition *t = &transitions[_i];
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	/* A remote in Down or AdminDown may not know our discriminator. */
	uint32_t your = t->remote <= BFD_STATE_DOWN ? 0 : LOCAL;

	drive_to(&s, t->local);
	p = rpkt(t->remote, your);
	rx_ok(&s, &p, T0 + 10 * MS, &a);
	ck_assert_msg(s.session_state == t->want, "%s + %s -> %s, want %s",
		      bfd_state_name(t->local), bfd_state_name(t->remote),
		      bfd_state_name(s.session_state), bfd_state_name(t->want));
	ck_assert(a.changed == t->changed);
	ck_assert_uint_eq(s.remote_session_state, t->remote);
	ck_assert_uint_eq(s.remote_discr, REMOTE);
	if (!t->changed)
		return;
	ck_assert_uint_eq(a.old_state, t->local);
	ck_assert_uint_eq(a.new_state, t->want);
	ck_assert_uint_eq(a.diag, t->diag);
	ck_assert_uint_eq(s.local_diag, t->diag);
	/* A change is announced at once, in the new state. */
	ck_assert(a.send);
	ck_assert_uint_eq(a.pkt.state, t->want);
	ck_assert_uint_eq(a.pkt.diag, t->diag);
	ck_assert_uint_eq(a.pkt.your_disc, REMOTE);
}
END_TEST

/* 6.8.1, 6.8.3, 6.8.7: the first packet and the slow start. */
START_TEST(first_packet)
{
	struct bfd_session s;
	struct bfd_actions a;

	rnd_val = 0;
	ck_assert_int_eq(bfd_session_init(&s, &cfg, T0, &a), 0);
	ck_assert(a.send && !a.changed);
	ck_assert_uint_eq(a.pkt.version, 1);
	ck_assert_uint_eq(a.pkt.state, BFD_STATE_DOWN);
	ck_assert_uint_eq(a.pkt.diag, BFD_DIAG_NONE);
	ck_assert_uint_eq(a.pkt.my_disc, LOCAL);
	ck_assert_uint_eq(a.pkt.your_disc, 0);
	ck_assert_uint_eq(a.pkt.desired_min_tx, BFD_SLOW_TX_US);
	ck_assert_uint_eq(a.pkt.required_min_rx, 100 * MS);
	ck_assert_uint_eq(a.pkt.required_min_echo_rx, 0);
	ck_assert_uint_eq(a.pkt.detect_mult, 3);
	ck_assert(!a.pkt.poll && !a.pkt.final && !a.pkt.demand && !a.pkt.auth &&
		  !a.pkt.multipoint);
	ck_assert_uint_eq(s.remote_min_rx, 1);
	/* rand 0: the shortest interval, 75 % of 1 s; no detection yet. */
	ck_assert_uint_eq(a.next_tx, T0 + 750 * MS);
	ck_assert_uint_eq(a.detect_at, 0);
	/* The periodic timer sends the same, and re-arms. */
	bfd_session_timer(&s, T0 + 750 * MS, &a);
	ck_assert(a.send);
	ck_assert_uint_eq(a.pkt.state, BFD_STATE_DOWN);
	ck_assert_uint_eq(a.next_tx, T0 + 1500 * MS);
	/* Early: nothing to do. */
	bfd_session_timer(&s, T0 + 1000 * MS, &a);
	ck_assert(!a.send && !a.changed);
}
END_TEST

START_TEST(bad_config)
{
	struct bfd_session_cfg c = cfg;
	struct bfd_session s;
	struct bfd_actions a;

	c.local_disc = 0;
	ck_assert_int_eq(bfd_session_init(&s, &c, T0, &a), -EINVAL);
	c = cfg;
	c.detect_mult = 0;
	ck_assert_int_eq(bfd_session_init(&s, &c, T0, &a), -EINVAL);
	c = cfg;
	c.min_rx_us = 0;
	ck_assert_int_eq(bfd_session_init(&s, &c, T0, &a), -EINVAL);
	c = cfg;
	c.rand = NULL;
	ck_assert_int_eq(bfd_session_init(&s, &c, T0, &a), -EINVAL);
	drive_to(&s, BFD_STATE_UP);
	ck_assert_int_eq(bfd_session_set_timers(&s, 0, 1, 1, T0, &a), -EINVAL);
	ck_assert_uint_eq(s.desired_min_tx, 100 * MS);
}
END_TEST

/* 6.8.6: a Your Discriminator that is not ours: discard, no change. */
START_TEST(wrong_your_disc)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p = rpkt(BFD_STATE_DOWN, LOCAL + 1);

	drive_to(&s, BFD_STATE_UP);
	ck_assert_int_eq(bfd_session_rx(&s, &p, T0 + MS, &a), -EBADMSG);
	ck_assert(!a.changed && !a.send);
	ck_assert_uint_eq(s.session_state, BFD_STATE_UP);
	ck_assert_uint_eq(s.remote_session_state, BFD_STATE_UP);
}
END_TEST

/*
 * The whole handshake, then the Poll that brings the TX interval from the
 * slow 1 s to the configured 100 ms (6.8.3), ended by the remote's Final.
 */
START_TEST(handshake_and_poll)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	rnd_val = 0;
	bfd_session_init(&s, &cfg, T0, &a);
	p = rpkt(BFD_STATE_DOWN, 0);
	p.desired_min_tx = BFD_SLOW_TX_US;
	rx_ok(&s, &p, T0 + 10 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_INIT);
	ck_assert(a.send && !a.pkt.poll);
	ck_assert_uint_eq(a.pkt.desired_min_tx, BFD_SLOW_TX_US);
	/* 6.8.4: 3 x max(our 100 ms RX, its 1 s TX). */
	ck_assert_uint_eq(bfd_session_detect_time(&s), 3 * BFD_SLOW_TX_US);
	ck_assert_uint_eq(a.detect_at, T0 + 10 * MS + 3 * BFD_SLOW_TX_US);

	p = rpkt(BFD_STATE_INIT, LOCAL);
	p.desired_min_tx = BFD_SLOW_TX_US;
	rx_ok(&s, &p, T0 + 20 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_UP &&
		  a.diag == BFD_DIAG_NONE);
	/* Up: the faster interval is advertised with P and used at once
	 * (a decrease need not wait). */
	ck_assert(a.send && a.pkt.poll && !a.pkt.final);
	ck_assert_uint_eq(a.pkt.desired_min_tx, 100 * MS);
	ck_assert(s.poll_active);
	ck_assert_uint_eq(a.next_tx, T0 + 20 * MS + 75 * MS);
	/* Periodic packets keep P until the Final comes. */
	bfd_session_timer(&s, a.next_tx, &a);
	ck_assert(a.send && a.pkt.poll);

	p = rpkt(BFD_STATE_UP, LOCAL);
	p.final = true;
	rx_ok(&s, &p, T0 + 100 * MS, &a);
	ck_assert(!a.changed && !s.poll_active);
	ck_assert_uint_eq(s.tx_in_use, 100 * MS);
	bfd_session_timer(&s, a.next_tx, &a);
	ck_assert(a.send && !a.pkt.poll && !a.pkt.final);
	ck_assert_uint_eq(a.pkt.state, BFD_STATE_UP);
}
END_TEST

/* 6.8.3: a larger TX interval waits for the Final; a smaller RX interval
 * keeps the old detection time until then. */
START_TEST(timer_change_poll)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	drive_to(&s, BFD_STATE_UP);
	ck_assert(!s.poll_active);
	ck_assert_int_eq(bfd_session_set_timers(&s, 300 * MS, 50 * MS, 3,
						T0 + MS, &a),
			 0);
	ck_assert(a.send && a.pkt.poll);
	ck_assert_uint_eq(a.pkt.desired_min_tx, 300 * MS);
	ck_assert_uint_eq(a.pkt.required_min_rx, 50 * MS);
	ck_assert_uint_eq(s.tx_in_use, 100 * MS);
	ck_assert_uint_eq(s.rx_in_use, 100 * MS);
	ck_assert_uint_eq(bfd_session_detect_time(&s), 300 * MS);

	/* A change during the sequence: the next Final only closes the
	 * first sequence, the values wait for the second one. */
	ck_assert_int_eq(bfd_session_set_timers(&s, 400 * MS, 50 * MS, 3,
						T0 + 2 * MS, &a),
			 0);
	ck_assert(!a.send); /* already polling: the timer carries P */
	p = rpkt(BFD_STATE_UP, LOCAL);
	p.desired_min_tx = 50 * MS;
	p.final = true;
	rx_ok(&s, &p, T0 + 3 * MS, &a);
	ck_assert(s.poll_active);
	ck_assert_uint_eq(s.tx_in_use, 100 * MS);
	rx_ok(&s, &p, T0 + 4 * MS, &a);
	ck_assert(!s.poll_active);
	ck_assert_uint_eq(s.tx_in_use, 400 * MS);
	ck_assert_uint_eq(s.rx_in_use, 50 * MS);
	/* 3 x max(50 ms, its 50 ms). */
	ck_assert_uint_eq(bfd_session_detect_time(&s), 150 * MS);
	ck_assert_uint_eq(a.detect_at, T0 + 4 * MS + 150 * MS);
}
END_TEST

/* 6.8.6, 6.8.7: a Poll is answered at once with F (P clear even while we
 * poll ourselves), without moving the periodic timer. */
START_TEST(poll_answered_with_final)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t next;

	drive_to(&s, BFD_STATE_UP);
	bfd_session_set_timers(&s, 200 * MS, 100 * MS, 3, T0 + MS, &a);
	ck_assert(s.poll_active);
	next = s.next_tx;
	p = rpkt(BFD_STATE_UP, LOCAL);
	p.poll = true;
	rx_ok(&s, &p, T0 + 5 * MS, &a);
	ck_assert(a.send && a.pkt.final && !a.pkt.poll);
	ck_assert_uint_eq(a.next_tx, next);
	/* The remote's RequiredMinRx of 0 stops periodic packets, never
	 * the Final. */
	p.required_min_rx = 0;
	rx_ok(&s, &p, T0 + 6 * MS, &a);
	ck_assert(a.send && a.pkt.final);
	ck_assert_uint_eq(a.next_tx, 0);
}
END_TEST

/* 6.8.7: a remote in Demand mode gets no periodic packets once both are
 * Up, unless we poll. */
START_TEST(remote_demand)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	drive_to(&s, BFD_STATE_UP);
	p = rpkt(BFD_STATE_UP, LOCAL);
	p.demand = true;
	rx_ok(&s, &p, T0 + MS, &a);
	ck_assert_uint_eq(a.next_tx, 0);
	bfd_session_set_timers(&s, 200 * MS, 100 * MS, 3, T0 + 2 * MS, &a);
	ck_assert(a.send && a.pkt.poll);
	ck_assert(a.next_tx != 0);
	/* Our D bit stays clear: Demand mode is not ours. */
	ck_assert(!a.pkt.demand);
}
END_TEST

/* 6.8.4: silence for a detection time -> Down, diag 1, RemoteDiscr 0. */
START_TEST(detection_timeout)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t t = T0 + 50 * MS;

	drive_to(&s, BFD_STATE_UP);
	p = rpkt(BFD_STATE_UP, LOCAL);
	p.desired_min_tx = 200 * MS; /* slower than our RX: it counts */
	p.detect_mult = 4;
	rx_ok(&s, &p, t, &a);
	ck_assert_uint_eq(bfd_session_detect_time(&s), 800 * MS);
	ck_assert_uint_eq(a.detect_at, t + 800 * MS);
	/* Packets before that keep it Up. */
	bfd_session_timer(&s, t + 799 * MS, &a);
	ck_assert(!a.changed);
	ck_assert_uint_eq(s.session_state, BFD_STATE_UP);
	bfd_session_timer(&s, t + 800 * MS, &a);
	ck_assert(a.changed);
	ck_assert_uint_eq(a.old_state, BFD_STATE_UP);
	ck_assert_uint_eq(a.new_state, BFD_STATE_DOWN);
	ck_assert_uint_eq(a.diag, BFD_DIAG_DETECT_EXPIRED);
	ck_assert(a.send);
	ck_assert_uint_eq(a.pkt.state, BFD_STATE_DOWN);
	ck_assert_uint_eq(a.pkt.diag, BFD_DIAG_DETECT_EXPIRED);
	ck_assert_uint_eq(a.pkt.your_disc, 0);
	ck_assert_uint_eq(a.pkt.desired_min_tx, BFD_SLOW_TX_US);
	ck_assert(!a.pkt.poll); /* nobody to poll */
	ck_assert_uint_eq(s.remote_discr, 0);
	ck_assert_uint_eq(a.detect_at, 0);
	/* Back: Down + Down -> Init, Init + Up -> Up, diag cleared. */
	p = rpkt(BFD_STATE_DOWN, 0);
	rx_ok(&s, &p, t + 900 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_INIT);
	p = rpkt(BFD_STATE_UP, LOCAL);
	rx_ok(&s, &p, t + 901 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_UP);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_NONE);
}
END_TEST

/* A detection time in Init also ends in Down; in Down it only forgets
 * the remote. */
START_TEST(detection_timeout_init_down)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	drive_to(&s, BFD_STATE_INIT);
	bfd_session_timer(&s, s.detect_at, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_DOWN &&
		  a.diag == BFD_DIAG_DETECT_EXPIRED);

	drive_to(&s, BFD_STATE_DOWN);
	p = rpkt(BFD_STATE_UP, LOCAL); /* no change in Down */
	rx_ok(&s, &p, T0, &a);
	ck_assert_uint_eq(s.remote_discr, REMOTE);
	bfd_session_timer(&s, s.detect_at, &a);
	ck_assert(!a.changed);
	ck_assert_uint_eq(s.remote_discr, 0);
	ck_assert_uint_eq(s.remote_min_rx, 1);
}
END_TEST

struct jitter_case {
	uint8_t mult;
	uint32_t rnd;
	uint32_t remote_rx; /* larger than ours: it sets the interval */
	uint64_t want; /* us after the send */
};

/* 6.8.7: 75-100 % of the interval; 75-90 % with Detect Mult 1. */
static const struct jitter_case jitters[] = {
	{ 3, 0, 100 * MS, 75 * MS },
	{ 3, 25 * MS, 100 * MS, 100 * MS },
	{ 3, 25 * MS + 1, 100 * MS, 75 * MS }, /* wraps */
	{ 3, 0xffffffffu, 100 * MS, 75 * MS + 0xffffffffu % (25 * MS + 1) },
	{ 1, 0, 100 * MS, 75 * MS },
	{ 1, 15 * MS, 100 * MS, 90 * MS },
	{ 1, 15 * MS + 1, 100 * MS, 75 * MS },
	{ 3, 0, 400 * MS, 300 * MS }, /* the remote's RX is slower */
};

START_TEST(jitter_fixed)
{
	const struct jitter_case *j = &jitters[_i];
	struct bfd_session_cfg c = cfg;
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	c.detect_mult = j->mult;
	rnd_val = 0;
	bfd_session_init(&s, &c, T0, &a);
	p = rpkt(BFD_STATE_INIT, LOCAL);
	p.required_min_rx = j->remote_rx;
	p.detect_mult = 10; /* no detection timeout in the way */
	rx_ok(&s, &p, T0, &a);
	p.final = true;
	rx_ok(&s, &p, T0, &a);
	ck_assert_uint_eq(s.session_state, BFD_STATE_UP);
	rnd_val = j->rnd;
	bfd_session_timer(&s, s.next_tx, &a);
	ck_assert(a.send);
	ck_assert_uint_eq(a.next_tx - s.last_tx, j->want);
}
END_TEST

/*
 * Many draws from a real sequence: every interval within bounds, and
 * both ends of the range are reached.  The loop counts what goes wrong
 * and asserts once after it: every passing ck_assert is a write to
 * Check's pipe, and 200,000 rounds of them made this file take 23-25 s
 * of meson's 30 s with ASan on a loaded machine (4-5 s without them).
 */
START_TEST(jitter_sweep)
{
	struct bfd_session_cfg c = cfg;
	uint8_t mult = _i ? 1 : 3;
	uint64_t lo = 75 * MS, hi = mult == 1 ? 90 * MS : 100 * MS;
	uint64_t min = UINT64_MAX, max = 0, now, iv, bad_iv = 0;
	int i, bad = 0, bad_at = -1, rx_err = 0, no_send = 0;
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint32_t st = 1;

	c.detect_mult = mult;
	c.rand = lcg_rand;
	c.rand_arg = &st;
	bfd_session_init(&s, &c, T0, &a);
	p = rpkt(BFD_STATE_INIT, LOCAL);
	p.final = true;
	rx_ok(&s, &p, T0, &a);
	rx_ok(&s, &p, T0, &a);
	now = s.next_tx;
	for (i = 0; i < 200000; i++) {
		bfd_session_timer(&s, now, &a);
		no_send += !a.send;
		iv = a.next_tx - now;
		if ((iv < lo || iv > hi) && !bad++) {
			bad_at = i;
			bad_iv = iv;
		}
		min = iv < min ? iv : min;
		max = iv > max ? iv : max;
		now = a.next_tx;
		/* Keep it Up: the remote answers now and then. */
		if (i % 2 == 0) {
			p.final = false;
			rx_err += bfd_session_rx(&s, &p, now, &a) != 0;
		}
	}
	ck_assert_int_eq(no_send, 0);
	ck_assert_int_eq(rx_err, 0);
	ck_assert_msg(!bad,
		      "%d intervals out of [%llu, %llu], first %llu at %d", bad,
		      (unsigned long long)lo, (unsigned long long)hi,
		      (unsigned long long)bad_iv, bad_at);
	ck_assert_uint_eq(s.session_state, BFD_STATE_UP);
	ck_assert_uint_le(min, lo + 100);
	ck_assert_uint_ge(max, hi - 100);
}
END_TEST

/* 6.8.16: AdminDown is sent at once, packets change nothing, no
 * detection; leaving it goes to Down. */
START_TEST(admin_down)
{
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;

	drive_to(&s, BFD_STATE_UP);
	bfd_session_admin(&s, true, BFD_DIAG_ADMIN_DOWN, T0 + MS, &a);
	ck_assert(a.changed && a.old_state == BFD_STATE_UP &&
		  a.new_state == BFD_STATE_ADMIN_DOWN &&
		  a.diag == BFD_DIAG_ADMIN_DOWN);
	ck_assert(a.send);
	ck_assert_uint_eq(a.pkt.state, BFD_STATE_ADMIN_DOWN);
	ck_assert_uint_eq(a.pkt.diag, BFD_DIAG_ADMIN_DOWN);
	ck_assert_uint_eq(a.pkt.your_disc, REMOTE);
	ck_assert(!a.pkt.poll);
	ck_assert_uint_eq(a.detect_at, 0);
	ck_assert(a.next_tx != 0); /* periodic AdminDown packets go on */

	/* Again: nothing. */
	bfd_session_admin(&s, true, BFD_DIAG_ADMIN_DOWN, T0 + 2 * MS, &a);
	ck_assert(!a.changed && !a.send);

	/* A Poll is not answered: the packet is discarded. */
	p = rpkt(BFD_STATE_UP, LOCAL);
	p.poll = true;
	rx_ok(&s, &p, T0 + 3 * MS, &a);
	ck_assert(!a.changed && !a.send);
	ck_assert_uint_eq(a.detect_at, 0);
	ck_assert_uint_eq(s.session_state, BFD_STATE_ADMIN_DOWN);

	bfd_session_admin(&s, false, 0, T0 + 4 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_DOWN &&
		  a.diag == BFD_DIAG_NONE);
	ck_assert(a.send && a.pkt.state == BFD_STATE_DOWN);
	/* The remote (Down after our AdminDown) brings it back. */
	p = rpkt(BFD_STATE_DOWN, 0);
	rx_ok(&s, &p, T0 + 5 * MS, &a);
	ck_assert(a.changed && a.new_state == BFD_STATE_INIT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bfd_session");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(
		tc, state_table, 0,
		(int)(sizeof(transitions) / sizeof(transitions[0])));
	tcase_add_test(tc, first_packet);
	tcase_add_test(tc, bad_config);
	tcase_add_test(tc, wrong_your_disc);
	tcase_add_test(tc, handshake_and_poll);
	tcase_add_test(tc, timer_change_poll);
	tcase_add_test(tc, poll_answered_with_final);
	tcase_add_test(tc, remote_demand);
	tcase_add_test(tc, detection_timeout);
	tcase_add_test(tc, detection_timeout_init_down);
	tcase_add_loop_test(tc, jitter_fixed, 0,
			    (int)(sizeof(jitters) / sizeof(jitters[0])));
	tcase_add_loop_test(tc, jitter_sweep, 0, 2);
	tcase_add_test(tc, admin_down);
	suite_add_tcase(s, tc);
	return check_run(s);
}
