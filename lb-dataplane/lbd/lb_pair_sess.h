/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_pair_sess - one peer's session of the LB pair (docs/pair.md,
 * "Sessions and replay"; DESIGN-11 section 2.4).  Pure: no I/O, no
 * clock, no randomness (the caller passes times and fresh random bytes).
 *
 * Two streams per peer: mine (drawn at start, sent on) and the peer's I
 * accept (rx).  The rules:
 * - accept: a stream becomes rx only when an authenticated HELLO on it
 *   echoes my current challenge (made after the challenge: fresh,
 *   whatever is replayed); the challenge is then replaced, so no HELLO
 *   made before can prove a stream again;
 * - a working rx is replaced only by such a proven stream;
 * - data (any type but HELLO) is taken only on rx, through its window;
 * - I send data only while the peer's latest HELLO lists my stream as
 *   accepted and it was heard within dead_after;
 * - a HELLO off rx is taken into account (its challenge to echo, its
 *   times) only if its t_us is above every t_us seen from the peer since
 *   the last proof, so an old HELLO replayed changes nothing but may ask
 *   for an answer (the caller rate-limits answers);
 * - link: never (no fresh HELLO ever), up (a HELLO on rx within
 *   dead_after, the peer echoed a t_us of mine from within dead_after and
 *   accepts my stream), one-way (fresh HELLOs, but the peer does not hear
 *   me), down (no fresh HELLO within dead_after).
 * RTT = now - echo_t_us - hold_us; skew = peer wall + RTT/2 - my wall.
 */
#ifndef LB_PAIR_SESS_H
#define LB_PAIR_SESS_H

#include <stdbool.h>
#include <stdint.h>

#include "keel_sync.h"

/* The receive checks in order (docs/pair.md, "Receiving a datagram"). */
enum lb_pair_rx {
	LB_PAIR_RX_OK,
	LB_PAIR_RX_UNKNOWN_SOURCE,
	LB_PAIR_RX_MALFORMED,
	LB_PAIR_RX_VERSION,
	LB_PAIR_RX_AUTH,
	LB_PAIR_RX_REPLAY,
	LB_PAIR_RX_WRONG_PEER,
	LB_PAIR_RX_NO_SESSION,
	LB_PAIR_RX_UNEXPECTED,
	LB_PAIR_RX__MAX
};

enum lb_pair_link {
	LB_PAIR_LINK_NEVER,
	LB_PAIR_LINK_DOWN,
	LB_PAIR_LINK_ONE_WAY,
	LB_PAIR_LINK_UP,
	LB_PAIR_LINK__MAX
};

struct lb_pair_sess {
	/* mine */
	uint8_t tx_stream[KEEL_SYNC_STREAM_LEN];
	uint64_t tx_seq; /* the last seq sent; next is tx_seq + 1 */
	uint8_t challenge[KEEL_SYNC_CHALLENGE_LEN]; /* my current one */
	/* the peer's stream I accept */
	bool has_rx;
	uint8_t rx_stream[KEEL_SYNC_STREAM_LEN];
	struct keel_sync_window win;
	uint16_t rx_node; /* the node id of rx's HELLOs */
	uint64_t gaps_before; /* lost on earlier rx streams */
	uint64_t sessions; /* rx streams accepted */
	/* the peer's latest fresh HELLO */
	bool heard; /* a fresh authenticated HELLO ever */
	uint64_t heard_us; /* when the last one came */
	uint64_t rx_hello_us; /* ... the last one on rx */
	uint64_t peer_t_max; /* highest t_us since the last proof */
	uint8_t peer_challenge[KEEL_SYNC_CHALLENGE_LEN]; /* to echo */
	uint64_t peer_t_us, peer_t_at_us; /* for echo_t_us and hold_us */
	bool tx_ok; /* its HELLO lists my stream as accepted */
	uint64_t peer_echo_t_us; /* my t_us it echoed, 0: none */
	struct keel_sync_hello peer; /* flags, conns, ... */
	bool has_rtt;
	int64_t rtt_us;
	int64_t skew_ms; /* peer's wall - mine, with has_rtt */
	/* link state as last evaluated */
	enum lb_pair_link link;
	uint64_t since_us; /* of link; 0: never changed */
	uint64_t answer_at_us; /* the last answer HELLO allowed */
	bool answer_any; /* one was ever allowed */
};

#define LB_PAIR_ANSWER_GAP_US 100000 /* answers at most 10/s per peer */

const char *lb_pair_rx_name(enum lb_pair_rx r);
const char *lb_pair_link_name(enum lb_pair_link l);

/* A new session state: my stream and my first challenge. */
void lb_pair_sess_init(struct lb_pair_sess *s,
		       const uint8_t stream[KEEL_SYNC_STREAM_LEN],
		       const uint8_t challenge[KEEL_SYNC_CHALLENGE_LEN]);

/* Step 5, before the AEAD: a datagram on rx already seen or too old. */
enum lb_pair_rx lb_pair_sess_precheck(const struct lb_pair_sess *s,
				      const struct keel_sync_hdr *h);

/*
 * Steps 8-10 for an authenticated HELLO m in header h.  my_node: this
 * LB's node id; fresh: random bytes for the next challenge (used when a
 * stream is proven).  *answer: send a HELLO now (subject to
 * lb_pair_sess_answer_ok()).  OK, WRONG_PEER or REPLAY.
 */
enum lb_pair_rx
lb_pair_sess_hello(struct lb_pair_sess *s, const struct keel_sync_hdr *h,
		   const struct keel_sync_hello *m, uint16_t my_node,
		   uint64_t now_us, uint64_t wall_ms,
		   const uint8_t fresh[KEEL_SYNC_CHALLENGE_LEN], bool *answer);

/*
 * Steps 9-10 for an authenticated data datagram: NO_SESSION (off rx;
 * *answer set: a stream I do not know asks for a challenge), REPLAY or OK.
 */
enum lb_pair_rx lb_pair_sess_data(struct lb_pair_sess *s,
				  const struct keel_sync_hdr *h, bool *answer);

/*
 * My HELLO's session fields (challenge, echo, accepted, t_us, echo_t_us,
 * hold_us, wall_ms, rx_top) into m; the caller fills the rest.
 */
void lb_pair_sess_hello_fill(const struct lb_pair_sess *s, uint64_t now_us,
			     uint64_t wall_ms, struct keel_sync_hello *m);

/* The seq of my next datagram (HELLO or data), taken. */
uint64_t lb_pair_sess_next_seq(struct lb_pair_sess *s);

/* An answer HELLO may go now (at most 10/s); taken if so. */
bool lb_pair_sess_answer_ok(struct lb_pair_sess *s, uint64_t now_us);

/* Data may be sent: the peer accepts my stream and was heard lately. */
bool lb_pair_sess_can_send(const struct lb_pair_sess *s, uint64_t now_us,
			   uint64_t dead_after_us);

/* The link now; what was evaluated last moves to it (since_us). */
enum lb_pair_link lb_pair_sess_link(const struct lb_pair_sess *s,
				    uint64_t now_us, uint64_t dead_after_us);
/* Evaluate and keep the link; true if it changed. */
bool lb_pair_sess_tick(struct lb_pair_sess *s, uint64_t now_us,
		       uint64_t dead_after_us);

/* Seqs lost on the peer's streams (passed over, never seen). */
uint64_t lb_pair_sess_gaps(const struct lb_pair_sess *s);

#endif /* LB_PAIR_SESS_H */
