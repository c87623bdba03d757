// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * One BFD session, asynchronous mode (RFC 5880 section 6).  The shape
 * follows the RFC's reception (6.8.6) and transmission (6.8.7) rules; the
 * timer changes follow 6.8.3: a larger TX interval or a smaller RX interval
 * is advertised at once but only used when the Poll Sequence that carries
 * it ends with a Final, so the remote always has a detection time long
 * enough for what we actually send.
 */
#include <errno.h>
#include <string.h>

#include "bfd_session.h"

static uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* 6.8.2: the interval between our periodic packets, before jitter. */
static uint32_t tx_interval(const struct bfd_session *s)
{
	return max_u32(s->tx_in_use, s->remote_min_rx);
}

/*
 * 6.8.7: each interval is reduced by a random 0-25%; with a Detect Mult
 * of 1 it must lie within 75-90%, so one late packet cannot end the
 * session.
 */
static uint64_t jittered(const struct bfd_session *s, uint32_t iv)
{
	uint64_t lo = (uint64_t)iv * 3 / 4;
	uint64_t hi = s->detect_mult == 1 ? (uint64_t)iv * 9 / 10 : iv;
	uint32_t r = s->cfg.rand(s->cfg.rand_arg);

	return lo + r % (hi - lo + 1);
}

/* 6.8.7: when periodic transmission is allowed at all. */
static bool periodic_allowed(const struct bfd_session *s)
{
	if (s->remote_min_rx == 0)
		return false;
	/* Demand mode active on the remote, and no Poll to send. */
	if (s->remote_demand_mode && s->session_state == BFD_STATE_UP &&
	    s->remote_session_state == BFD_STATE_UP && !s->poll_active)
		return false;
	return true;
}

uint64_t bfd_session_detect_time(const struct bfd_session *s)
{
	/* 6.8.4, asynchronous mode: the remote's multiplier times the
	 * agreed interval of the remote's transmissions. */
	return (uint64_t)s->remote_detect_mult *
	       max_u32(s->rx_in_use, s->remote_desired_min_tx);
}

uint64_t bfd_session_next_deadline(const struct bfd_session *s)
{
	if (!s->next_tx)
		return s->detect_at;
	if (!s->detect_at)
		return s->next_tx;
	return s->next_tx < s->detect_at ? s->next_tx : s->detect_at;
}

/* 6.8.7: the contents of every packet we send. */
static void build(struct bfd_session *s, bool final, struct bfd_actions *act)
{
	struct bfd_pkt *p = &act->pkt;

	memset(p, 0, sizeof(*p));
	p->version = BFD_VERSION;
	p->diag = s->local_diag;
	p->state = s->session_state;
	/* 6.8.7: a Final reply has P clear, whatever we are polling for. */
	p->poll = s->poll_active && !final;
	p->final = final;
	p->demand = s->demand_mode && s->session_state == BFD_STATE_UP &&
		    s->remote_session_state == BFD_STATE_UP;
	p->detect_mult = s->detect_mult;
	p->length = BFD_PKT_LEN;
	p->my_disc = s->local_discr;
	p->your_disc = s->remote_discr;
	p->desired_min_tx = s->desired_min_tx;
	p->required_min_rx = s->required_min_rx;
	p->required_min_echo_rx = 0; /* no Echo function */
	act->send = true;
}

/*
 * Re-plan the periodic timer: stopped when not allowed, started when it
 * was stopped, pulled in when the interval shrank.  A later deadline is
 * left alone: the interval grows from the next packet on.
 */
static void plan_tx(struct bfd_session *s, uint64_t now)
{
	uint64_t base, t;

	if (!periodic_allowed(s)) {
		s->next_tx = 0;
		return;
	}
	base = s->last_tx ? s->last_tx : now;
	t = base + jittered(s, tx_interval(s));
	if (t < now)
		t = now;
	if (!s->next_tx || t < s->next_tx)
		s->next_tx = t;
}

/* Send a packet now (not a Final) and restart the periodic timer. */
static void send_now(struct bfd_session *s, uint64_t now,
		     struct bfd_actions *act)
{
	build(s, false, act);
	s->last_tx = now;
	s->next_tx = 0;
	plan_tx(s, now);
}

/* 6.5, 6.8.3: a changed interval must be confirmed by a Poll Sequence. */
static void request_poll(struct bfd_session *s)
{
	/* Nobody to poll (the new values are in use already: not Up). */
	if (!s->remote_discr || s->session_state == BFD_STATE_ADMIN_DOWN)
		return;
	if (s->poll_active)
		s->poll_pending = true;
	else
		s->poll_active = true;
}

static void set_min_tx(struct bfd_session *s, uint32_t val)
{
	if (val == s->desired_min_tx)
		return;
	s->desired_min_tx = val;
	/* 6.8.3: an increase while Up waits for the Poll Sequence. */
	if (s->session_state != BFD_STATE_UP || val < s->tx_in_use)
		s->tx_in_use = val;
	request_poll(s);
}

static void set_min_rx(struct bfd_session *s, uint32_t val)
{
	if (val == s->required_min_rx)
		return;
	s->required_min_rx = val;
	/* 6.8.3: a decrease while Up keeps the old detection time until
	 * the remote has confirmed that it sends faster. */
	if (s->session_state != BFD_STATE_UP || val > s->rx_in_use)
		s->rx_in_use = val;
	request_poll(s);
}

/* 6.8.3: at least 1 s between packets while not Up. */
static uint32_t wanted_tx(const struct bfd_session *s, uint8_t state)
{
	return state == BFD_STATE_UP ?
		       s->cfg.min_tx_us :
		       max_u32(s->cfg.min_tx_us, BFD_SLOW_TX_US);
}

static void set_state(struct bfd_session *s, uint8_t state, uint8_t diag,
		      struct bfd_actions *act)
{
	if (state == s->session_state)
		return;
	act->changed = true;
	act->old_state = s->session_state;
	act->new_state = state;
	act->diag = diag;
	s->session_state = state;
	s->local_diag = diag;
	if (state == BFD_STATE_ADMIN_DOWN)
		s->poll_active = s->poll_pending = false;
	set_min_tx(s, wanted_tx(s, state));
}

/* 6.5: the Poll Sequence is answered; its values are now in force. */
static void terminate_poll(struct bfd_session *s)
{
	if (s->poll_pending) {
		/* The Final may answer a Poll that carried older values. */
		s->poll_pending = false;
		return;
	}
	s->tx_in_use = s->desired_min_tx;
	s->rx_in_use = s->required_min_rx;
	s->poll_active = false;
}

static void finish(const struct bfd_session *s, struct bfd_actions *act)
{
	act->next_tx = s->next_tx;
	act->detect_at = s->detect_at;
}

static int cfg_ok(uint32_t min_tx, uint32_t min_rx, uint8_t mult)
{
	return min_tx && min_rx && mult;
}

int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg,
		     uint64_t now, struct bfd_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (!cfg->local_disc || !cfg->rand ||
	    !cfg_ok(cfg->min_tx_us, cfg->min_rx_us, cfg->detect_mult))
		return -EINVAL;
	/* 6.8.1: the initial values. */
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->session_state = BFD_STATE_DOWN;
	s->remote_session_state = BFD_STATE_DOWN;
	s->local_discr = cfg->local_disc;
	s->local_diag = BFD_DIAG_NONE;
	s->desired_min_tx = s->tx_in_use = wanted_tx(s, BFD_STATE_DOWN);
	s->required_min_rx = s->rx_in_use = cfg->min_rx_us;
	s->remote_min_rx = 1;
	s->detect_mult = cfg->detect_mult;
	send_now(s, now, act);
	finish(s, act);
	return 0;
}

int bfd_session_rx(struct bfd_session *s, const struct bfd_pkt *pkt,
		   uint64_t now, struct bfd_actions *act)
{
	uint32_t old_iv = tx_interval(s);
	bool was_periodic = periodic_allowed(s);
	uint8_t rs = pkt->state;

	memset(act, 0, sizeof(*act));
	/* 6.8.6: a non-zero Your Discriminator selects the session. */
	if (pkt->your_disc && pkt->your_disc != s->local_discr) {
		finish(s, act);
		return -EBADMSG;
	}
	s->remote_discr = pkt->my_disc;
	s->remote_session_state = rs;
	s->remote_demand_mode = pkt->demand;
	s->remote_min_rx = pkt->required_min_rx;
	s->remote_desired_min_tx = pkt->desired_min_tx;
	s->remote_detect_mult = pkt->detect_mult;
	s->remote_diag = pkt->diag;
	if (pkt->final && s->poll_active)
		terminate_poll(s);

	/* 6.8.6: AdminDown discards the packet once the variables are set. */
	if (s->session_state == BFD_STATE_ADMIN_DOWN) {
		s->detect_at = 0;
		goto out;
	}

	if (rs == BFD_STATE_ADMIN_DOWN) {
		if (s->session_state != BFD_STATE_DOWN)
			set_state(s, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN,
				  act);
	} else if (s->session_state == BFD_STATE_DOWN) {
		if (rs == BFD_STATE_DOWN)
			set_state(s, BFD_STATE_INIT, BFD_DIAG_NONE, act);
		else if (rs == BFD_STATE_INIT)
			set_state(s, BFD_STATE_UP, BFD_DIAG_NONE, act);
	} else if (s->session_state == BFD_STATE_INIT) {
		if (rs == BFD_STATE_INIT || rs == BFD_STATE_UP)
			set_state(s, BFD_STATE_UP, BFD_DIAG_NONE, act);
	} else if (rs == BFD_STATE_DOWN) { /* Up */
		set_state(s, BFD_STATE_DOWN, BFD_DIAG_NEIGHBOR_DOWN, act);
	}

	/* 6.8.4: the detection timer restarts with every packet. */
	s->detect_at = now + bfd_session_detect_time(s);

	if (pkt->poll) {
		/* 6.8.6, 6.8.7: answer with F at once, timer untouched. */
		build(s, true, act);
	} else if (act->changed) {
		/* Not required, but the three-way handshake and the news of a
		 * failure should not wait for the periodic timer. */
		send_now(s, now, act);
	}
out:
	if (!was_periodic || tx_interval(s) != old_iv || !s->next_tx ||
	    !periodic_allowed(s))
		plan_tx(s, now);
	finish(s, act);
	return 0;
}

/* 6.8.4, 6.8.1: the remote went silent for a detection time. */
static void detect_expired(struct bfd_session *s, struct bfd_actions *act)
{
	s->detect_at = 0;
	s->remote_discr = 0;
	s->remote_session_state = BFD_STATE_DOWN;
	s->remote_min_rx = 1;
	s->remote_demand_mode = false;
	s->remote_desired_min_tx = 0;
	s->remote_detect_mult = 0;
	s->poll_active = s->poll_pending = false;
	if (s->session_state == BFD_STATE_INIT ||
	    s->session_state == BFD_STATE_UP)
		set_state(s, BFD_STATE_DOWN, BFD_DIAG_DETECT_EXPIRED, act);
}

void bfd_session_timer(struct bfd_session *s, uint64_t now,
		       struct bfd_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (s->detect_at && now >= s->detect_at) {
		detect_expired(s, act);
		if (act->changed) {
			send_now(s, now, act);
			goto out;
		}
		plan_tx(s, now);
	}
	if (s->next_tx && now >= s->next_tx)
		send_now(s, now, act);
out:
	finish(s, act);
}

int bfd_session_set_timers(struct bfd_session *s, uint32_t min_tx_us,
			   uint32_t min_rx_us, uint8_t detect_mult,
			   uint64_t now, struct bfd_actions *act)
{
	bool was_polling = s->poll_active;

	memset(act, 0, sizeof(*act));
	if (!cfg_ok(min_tx_us, min_rx_us, detect_mult)) {
		finish(s, act);
		return -EINVAL;
	}
	s->cfg.min_tx_us = min_tx_us;
	s->cfg.min_rx_us = min_rx_us;
	s->cfg.detect_mult = detect_mult;
	/* The multiplier only scales the remote's detection time: it
	 * takes effect with the next packet, no Poll needed. */
	s->detect_mult = detect_mult;
	set_min_tx(s, wanted_tx(s, s->session_state));
	set_min_rx(s, min_rx_us);
	if (s->poll_active && !was_polling)
		send_now(s, now, act);
	else
		plan_tx(s, now);
	finish(s, act);
	return 0;
}

void bfd_session_admin(struct bfd_session *s, bool down, uint8_t diag,
		       uint64_t now, struct bfd_actions *act)
{
	memset(act, 0, sizeof(*act));
	if (down && s->session_state != BFD_STATE_ADMIN_DOWN) {
		set_state(s, BFD_STATE_ADMIN_DOWN, diag, act);
		s->detect_at = 0;
		send_now(s, now, act);
	} else if (!down && s->session_state == BFD_STATE_ADMIN_DOWN) {
		/* 6.8.16: out of AdminDown into Down. */
		set_state(s, BFD_STATE_DOWN, BFD_DIAG_NONE, act);
		send_now(s, now, act);
	}
	finish(s, act);
}
