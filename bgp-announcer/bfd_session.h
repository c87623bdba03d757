/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bfd_session - one BFD session in asynchronous mode (RFC 5880 section 6),
 * pure: no I/O, no clock, no allocation.  The caller passes the time
 * (monotonic microseconds) and a random source in; every call fills a
 * struct bfd_actions saying what to do now: the packet to send (at most
 * one), the state change to report, and the two deadlines to arm.
 *
 * Implemented: the state machine of 6.2 and 6.8.6, the variables of
 * 6.8.1, the Poll Sequence for timer changes (6.5, 6.8.3: a 1 s TX
 * interval while not Up, the configured one once Up), the detection time
 * (6.8.4), periodic transmission with jitter (6.8.7), AdminDown (6.8.16).
 * Not implemented: Demand mode (ours is always off; a remote's Demand bit
 * is honoured as 6.8.7 requires), the Echo function, authentication (the
 * codec refuses packets with the A bit), the Passive role.
 */
#ifndef BFD_SESSION_H
#define BFD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd_pkt.h"

/* 6.8.3: DesiredMinTxInterval while the session is not Up. */
#define BFD_SLOW_TX_US 1000000u

/* Returns 32 random bits; used for the transmit jitter (6.8.7). */
typedef uint32_t (*bfd_rand_fn)(void *arg);

struct bfd_session_cfg {
	uint32_t local_disc; /* non-zero, unique among the caller's sessions */
	uint32_t min_tx_us; /* DesiredMinTxInterval once Up; > 0 */
	uint32_t min_rx_us; /* RequiredMinRxInterval; > 0 */
	uint8_t detect_mult; /* > 0 */
	bfd_rand_fn rand;
	void *rand_arg;
};

struct bfd_session {
	/* RFC 5880 6.8.1 state variables (intervals in microseconds). */
	uint8_t session_state;
	uint8_t remote_session_state;
	uint32_t local_discr;
	uint32_t remote_discr;
	uint8_t local_diag;
	uint32_t desired_min_tx; /* what we advertise */
	uint32_t required_min_rx; /* what we advertise */
	uint32_t remote_min_rx;
	bool demand_mode; /* always false */
	bool remote_demand_mode;
	uint8_t detect_mult;

	/* What the remote last sent, for the detection time (6.8.4). */
	uint32_t remote_desired_min_tx;
	uint8_t remote_detect_mult;
	uint8_t remote_diag;

	/*
	 * Values in force: until a Poll Sequence ends, a larger TX interval
	 * or a smaller RX interval is advertised but not used (6.8.3).
	 */
	uint32_t tx_in_use;
	uint32_t rx_in_use;
	bool poll_active; /* sending P, waiting for F (6.5) */
	bool poll_pending; /* another change came during the sequence */

	/* Deadlines (monotonic us); 0 = not armed. */
	uint64_t next_tx;
	uint64_t detect_at;
	uint64_t last_tx;

	struct bfd_session_cfg cfg;
};

/* What the caller must do after a call. */
struct bfd_actions {
	bool send; /* transmit .pkt now (bfd_pkt_encode) */
	struct bfd_pkt pkt;
	bool changed; /* session state changed: report it */
	uint8_t old_state, new_state, diag;
	uint64_t next_tx; /* arm the TX timer (0: none) */
	uint64_t detect_at; /* arm the detection timer (0: none) */
};

/*
 * A new session in Down, its first packet due now.  Returns -EINVAL for a
 * config with a zero discriminator, interval or multiplier, or no rand.
 */
int bfd_session_init(struct bfd_session *s, const struct bfd_session_cfg *cfg,
		     uint64_t now, struct bfd_actions *act);

/*
 * A packet that bfd_pkt_parse() accepted and the caller matched to this
 * session (RFC 5880 6.8.6: by Your Discriminator, or by addresses when it
 * is zero).  Returns -EBADMSG (nothing changed) when 6.8.6 says discard
 * here: Your Discriminator that is not ours.  Packets received while we
 * are AdminDown only update the remote variables.
 */
int bfd_session_rx(struct bfd_session *s, const struct bfd_pkt *pkt,
		   uint64_t now, struct bfd_actions *act);

/* A deadline passed: transmit and/or the detection time expired. */
void bfd_session_timer(struct bfd_session *s, uint64_t now,
		       struct bfd_actions *act);

/*
 * New intervals/multiplier (a reload): applied with a Poll Sequence when
 * Up (6.8.3).  Returns -EINVAL like bfd_session_init().
 */
int bfd_session_set_timers(struct bfd_session *s, uint32_t min_tx_us,
			   uint32_t min_rx_us, uint8_t detect_mult,
			   uint64_t now, struct bfd_actions *act);

/*
 * AdminDown with the given diagnostic (6.8.16; BFD_DIAG_ADMIN_DOWN for a
 * stop), or back to Down when down is false.  The AdminDown packet is due
 * at once; keep sending the periodic ones for a detection time before
 * dropping the session so that the remote sees it.
 */
void bfd_session_admin(struct bfd_session *s, bool down, uint8_t diag,
		       uint64_t now, struct bfd_actions *act);

/* The earlier of the two deadlines (0: none). */
uint64_t bfd_session_next_deadline(const struct bfd_session *s);

/* Detection time in force (6.8.4), 0 before the remote was heard. */
uint64_t bfd_session_detect_time(const struct bfd_session *s);

#endif /* BFD_SESSION_H */
