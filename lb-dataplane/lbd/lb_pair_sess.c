// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* One peer's session of the LB pair (lb_pair_sess.h); pure. */
#include <string.h>

#include "lb_pair_sess.h"

static const char *const lb_pair_rx_names[LB_PAIR_RX__MAX] = {
	[LB_PAIR_RX_OK] = "ok",
	[LB_PAIR_RX_UNKNOWN_SOURCE] = "unknown_source",
	[LB_PAIR_RX_MALFORMED] = "malformed",
	[LB_PAIR_RX_VERSION] = "version",
	[LB_PAIR_RX_AUTH] = "auth",
	[LB_PAIR_RX_REPLAY] = "replay",
	[LB_PAIR_RX_WRONG_PEER] = "wrong_peer",
	[LB_PAIR_RX_NO_SESSION] = "no_session",
	[LB_PAIR_RX_UNEXPECTED] = "unexpected",
};

static const char *const lb_pair_link_names[LB_PAIR_LINK__MAX] = {
	[LB_PAIR_LINK_NEVER] = "never",
	[LB_PAIR_LINK_DOWN] = "down",
	[LB_PAIR_LINK_ONE_WAY] = "one-way",
	[LB_PAIR_LINK_UP] = "up",
};

const char *lb_pair_rx_name(enum lb_pair_rx r)
{
	return (unsigned int)r < LB_PAIR_RX__MAX ? lb_pair_rx_names[r] : "?";
}

const char *lb_pair_link_name(enum lb_pair_link l)
{
	return (unsigned int)l < LB_PAIR_LINK__MAX ? lb_pair_link_names[l] :
						     "?";
}

void lb_pair_sess_init(struct lb_pair_sess *s,
		       const uint8_t stream[KEEL_SYNC_STREAM_LEN],
		       const uint8_t challenge[KEEL_SYNC_CHALLENGE_LEN])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->tx_stream, stream, KEEL_SYNC_STREAM_LEN);
	memcpy(s->challenge, challenge, KEEL_SYNC_CHALLENGE_LEN);
}

static bool lb_pair_on_rx(const struct lb_pair_sess *s,
			  const struct keel_sync_hdr *h)
{
	return s->has_rx &&
	       !memcmp(h->stream, s->rx_stream, KEEL_SYNC_STREAM_LEN);
}

enum lb_pair_rx lb_pair_sess_precheck(const struct lb_pair_sess *s,
				      const struct keel_sync_hdr *h)
{
	/* Only rx has a window: another stream is judged after the AEAD. */
	if (lb_pair_on_rx(s, h) && keel_sync_window_check(&s->win, h->seq))
		return LB_PAIR_RX_REPLAY;
	return LB_PAIR_RX_OK;
}

/* h's stream becomes rx: proven by m echoing my current challenge. */
static void lb_pair_accept(struct lb_pair_sess *s,
			   const struct keel_sync_hdr *h,
			   const struct keel_sync_hello *m,
			   const uint8_t fresh[KEEL_SYNC_CHALLENGE_LEN])
{
	if (s->has_rx)
		s->gaps_before += s->win.lost;
	s->has_rx = true;
	memcpy(s->rx_stream, h->stream, KEEL_SYNC_STREAM_LEN);
	keel_sync_window_init(&s->win, h->seq);
	s->rx_node = m->node;
	s->sessions++;
	/* No HELLO made before now may prove a stream again. */
	memcpy(s->challenge, fresh, KEEL_SYNC_CHALLENGE_LEN);
	s->peer_t_max = 0;
}

enum lb_pair_rx
lb_pair_sess_hello(struct lb_pair_sess *s, const struct keel_sync_hdr *h,
		   const struct keel_sync_hello *m, uint16_t my_node,
		   uint64_t now_us, uint64_t wall_ms,
		   const uint8_t fresh[KEEL_SYNC_CHALLENGE_LEN], bool *answer)
{
	bool on_rx = lb_pair_on_rx(s, h);
	int64_t rtt;

	*answer = false;
	/* A clash of node ids, or another node on the accepted stream. */
	if (m->node == my_node || (on_rx && m->node != s->rx_node))
		return LB_PAIR_RX_WRONG_PEER;
	if (on_rx) {
		if (keel_sync_window_check(&s->win, h->seq))
			return LB_PAIR_RX_REPLAY;
		keel_sync_window_mark(&s->win, h->seq);
	} else if (!memcmp(m->echo, s->challenge, KEEL_SYNC_CHALLENGE_LEN)) {
		lb_pair_accept(s, h, m, fresh);
		on_rx = true;
		*answer = true; /* my echo and acceptance, at once */
	} else if (m->t_us <= s->peer_t_max) {
		/* Older than what the peer already said: a replay, or
		 * reordered; authentic, but it changes nothing. */
		return LB_PAIR_RX_OK;
	}
	if (m->t_us > s->peer_t_max)
		s->peer_t_max = m->t_us;
	s->heard = true;
	s->heard_us = now_us;
	if (on_rx)
		s->rx_hello_us = now_us;
	if (memcmp(m->challenge, s->peer_challenge, KEEL_SYNC_CHALLENGE_LEN)) {
		memcpy(s->peer_challenge, m->challenge,
		       KEEL_SYNC_CHALLENGE_LEN);
		*answer = true; /* a new challenge: echo it now */
	}
	s->peer_t_us = m->t_us;
	s->peer_t_at_us = now_us;
	s->tx_ok = !memcmp(m->accepted, s->tx_stream, KEEL_SYNC_STREAM_LEN);
	s->peer_echo_t_us = m->echo_t_us;
	s->peer = *m;
	if (m->echo_t_us && m->echo_t_us <= now_us) {
		rtt = (int64_t)(now_us - m->echo_t_us) - (int64_t)m->hold_us;
		if (rtt >= 0) {
			s->has_rtt = true;
			s->rtt_us = rtt;
			/* The peer's clock read one-way delay ago. */
			s->skew_ms = (int64_t)m->wall_ms + rtt / 2000 -
				     (int64_t)wall_ms;
		}
	}
	return LB_PAIR_RX_OK;
}

enum lb_pair_rx lb_pair_sess_data(struct lb_pair_sess *s,
				  const struct keel_sync_hdr *h, bool *answer)
{
	/* The periodic HELLO carries my challenge; a rejected datagram is
	 * never answered (docs/pair.md). */
	*answer = false;
	if (!lb_pair_on_rx(s, h))
		return LB_PAIR_RX_NO_SESSION;
	if (keel_sync_window_check(&s->win, h->seq))
		return LB_PAIR_RX_REPLAY;
	keel_sync_window_mark(&s->win, h->seq);
	return LB_PAIR_RX_OK;
}

void lb_pair_sess_hello_fill(const struct lb_pair_sess *s, uint64_t now_us,
			     uint64_t wall_ms, struct keel_sync_hello *m)
{
	uint64_t hold = 0;

	memcpy(m->challenge, s->challenge, KEEL_SYNC_CHALLENGE_LEN);
	memcpy(m->echo, s->peer_challenge, KEEL_SYNC_CHALLENGE_LEN);
	if (s->has_rx)
		memcpy(m->accepted, s->rx_stream, KEEL_SYNC_STREAM_LEN);
	else
		memset(m->accepted, 0, KEEL_SYNC_STREAM_LEN);
	m->t_us = now_us;
	m->echo_t_us = s->peer_t_us;
	if (s->peer_t_us && now_us > s->peer_t_at_us)
		hold = now_us - s->peer_t_at_us;
	m->hold_us = hold > UINT32_MAX ? UINT32_MAX : (uint32_t)hold;
	m->wall_ms = wall_ms;
	m->rx_top = s->has_rx ? s->win.top : 0;
}

uint64_t lb_pair_sess_next_seq(struct lb_pair_sess *s)
{
	return ++s->tx_seq;
}

bool lb_pair_sess_answer_ok(struct lb_pair_sess *s, uint64_t now_us)
{
	if (s->answer_any && now_us - s->answer_at_us < LB_PAIR_ANSWER_GAP_US)
		return false;
	s->answer_any = true;
	s->answer_at_us = now_us;
	return true;
}

bool lb_pair_sess_can_send(const struct lb_pair_sess *s, uint64_t now_us,
			   uint64_t dead_after_us)
{
	return s->tx_ok && s->heard && now_us - s->heard_us <= dead_after_us;
}

enum lb_pair_link lb_pair_sess_link(const struct lb_pair_sess *s,
				    uint64_t now_us, uint64_t dead_after_us)
{
	if (!s->heard)
		return LB_PAIR_LINK_NEVER;
	if (now_us - s->heard_us > dead_after_us)
		return LB_PAIR_LINK_DOWN;
	/* It hears me: it echoed a t_us of mine from within dead_after. */
	if (s->has_rx && now_us - s->rx_hello_us <= dead_after_us && s->tx_ok &&
	    s->peer_echo_t_us && s->peer_echo_t_us <= now_us &&
	    now_us - s->peer_echo_t_us <= dead_after_us)
		return LB_PAIR_LINK_UP;
	return LB_PAIR_LINK_ONE_WAY;
}

bool lb_pair_sess_tick(struct lb_pair_sess *s, uint64_t now_us,
		       uint64_t dead_after_us)
{
	enum lb_pair_link l = lb_pair_sess_link(s, now_us, dead_after_us);

	if (l == s->link)
		return false;
	s->link = l;
	s->since_us = now_us;
	return true;
}

uint64_t lb_pair_sess_gaps(const struct lb_pair_sess *s)
{
	return s->gaps_before + (s->has_rx ? s->win.lost : 0);
}
