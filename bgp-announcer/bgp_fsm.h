/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgp_fsm - the BGP-4 session state machine (RFC 4271 section 8) of one
 * peer, pure: an event goes in, the next state and a set of actions come
 * out.  The caller (bgpa_peer.c) owns the sockets and timers and does what
 * the actions say, in the order of the bits below.
 *
 * One connection per peer is driven here.  What to do with an incoming
 * one is bgp_fsm_incoming()'s decision: taken at once when the session has
 * no connection past Connect/Active; parked by the caller while the FSM's
 * own is in OpenSent/OpenConfirm, until its OPEN arrives and
 * bgp_fsm_keep_incoming() decides which one survives (RFC 4271 section
 * 6.8).  The loser is closed with Cease/Connection Collision Resolution
 * (BGP_EV_COLLISION_DUMP for the FSM's own connection).
 *
 * Timers: the retry timer is the ConnectRetryTimer in Connect/Active and
 * the IdleHoldTimer in Idle after an error (automatic restart with
 * exponential back-off and jitter, RFC 4271 section 8.1.1 options
 * IdleHoldTime and DampPeerOscillations).
 */
#ifndef BGP_FSM_H
#define BGP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp_msg.h"

enum bgp_state {
	BGP_ST_IDLE,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
	BGP_ST__MAX,
};

enum bgp_event {
	BGP_EV_START, /* ManualStart / AutomaticStart (1, 3) */
	BGP_EV_STOP, /* ManualStop (2): Cease/Administrative Shutdown */
	BGP_EV_RETRY_EXP, /* ConnectRetryTimer / IdleHoldTimer expires (9) */
	BGP_EV_HOLD_EXP, /* HoldTimer_Expires (10) */
	BGP_EV_KEEPALIVE_EXP, /* KeepaliveTimer_Expires (11) */
	BGP_EV_TCP_CONFIRMED, /* our connect succeeded, or an accepted one (16, 17) */
	BGP_EV_TCP_FAILS, /* TcpConnectionFails (18): closed, reset, refused */
	BGP_EV_OPEN, /* BGPOpen (19), with in.open */
	BGP_EV_MSG_ERR, /* BGPHeaderErr/BGPOpenMsgErr/UpdateMsgErr (21, 22, 28), with in.err */
	BGP_EV_NOTIF, /* NotifMsg (25), with in.notif */
	BGP_EV_KEEPALIVE, /* KeepAliveMsg (26) */
	BGP_EV_UPDATE, /* UpdateMsg (27), already validated */
	BGP_EV_ROUTE_REFRESH, /* RFC 2918, with in.rr */
	BGP_EV_COLLISION_DUMP, /* OpenCollisionDump (23) */
	BGP_EV_BFD_DOWN, /* RFC 5882 section 4.3: BFD down ends the session */
	BGP_EV__MAX,
};

/* What the caller does, in this order. */
enum bgp_action {
	BGP_ACT_SEND_NOTIF = 1u << 0, /* out.notif, then BGP_ACT_CLOSE */
	BGP_ACT_CLOSE = 1u << 1, /* drop the connection (after flushing) */
	BGP_ACT_DOWN = 1u << 2, /* left Established: forget what was sent */
	BGP_ACT_CONNECT = 1u << 3, /* start a connect (and keep accepting) */
	BGP_ACT_SEND_OPEN = 1u << 4, /* bgp_fsm_open() */
	BGP_ACT_SEND_KEEPALIVE = 1u << 5,
	BGP_ACT_ESTABLISHED = 1u
			      << 6, /* announce everything, then End-of-RIB */
	BGP_ACT_RESEND = 1u << 7, /* ROUTE-REFRESH: re-send everything */
	BGP_ACT_ARM_RETRY = 1u << 8, /* out.retry_ms */
	BGP_ACT_STOP_RETRY = 1u << 9,
	BGP_ACT_ARM_HOLD = 1u << 10, /* out.hold_ms */
	BGP_ACT_STOP_HOLD = 1u << 11,
	BGP_ACT_ARM_KEEPALIVE = 1u << 12, /* out.keepalive_ms */
	BGP_ACT_STOP_KEEPALIVE = 1u << 13,
};

#define BGP_ACT_STOP_TIMERS \
	(BGP_ACT_STOP_RETRY | BGP_ACT_STOP_HOLD | BGP_ACT_STOP_KEEPALIVE)

/* RFC 4271 section 10: the large hold time while waiting for an OPEN. */
#define BGP_HOLD_OPEN_S 240
#define BGP_CEASE_COLLISION 7 /* RFC 4486 */
#define BGP_OPEN_UNSUP_CAP 7 /* RFC 5492 section 5 */

/* What to do with an incoming connection (bgp_fsm_incoming()). */
enum bgp_incoming {
	BGP_IN_ADOPT, /* no connection of ours past Connect/Active: take it */
	BGP_IN_PARK, /* a collision: hold it until its OPEN arrives */
	BGP_IN_DUMP_OURS, /* collision, the peer's stays: OpenCollisionDump */
	BGP_IN_REFUSE, /* collision, ours stays, or Established: Cease 6/7 */
	BGP_IN_CLOSE, /* stopped by the operator: close, send nothing */
};

/* Per-peer settings, fixed while the session exists. */
struct bgp_fsm_cfg {
	uint32_t local_as;
	uint32_t peer_as;
	uint32_t local_id; /* host order */
	uint16_t hold_time; /* 0, or >= 3 s; proposed in our OPEN */
	bool want_ipv4, want_ipv6; /* families we would announce */
	uint32_t retry_min_ms; /* first back-off, e.g. 1000 */
	uint32_t retry_max_ms; /* cap, e.g. 30000 */
	bool passive; /* never connect; wait for the peer */
};

/* What the OPEN exchange settled (valid from OpenConfirm on). */
struct bgp_fsm_nego {
	uint16_t hold_time; /* min of both; 0: no hold timer, no keepalives */
	uint16_t keepalive; /* hold / 3 */
	bool as4; /* both sides: 4-octet AS_PATH */
	bool ipv4, ipv6; /* families both sides carry */
	bool route_refresh; /* the peer may send ROUTE-REFRESH */
	uint32_t peer_id; /* host order */
};

struct bgp_fsm {
	struct bgp_fsm_cfg cfg;
	enum bgp_state state;
	bool auto_restart; /* started, and not stopped by the operator */
	uint32_t failures; /* since the last Established: back-off exponent */
	struct bgp_fsm_nego nego;
};

/* Event data; which member depends on the event. */
struct bgp_fsm_in {
	const struct bgp_open *open; /* BGP_EV_OPEN */
	const struct bgp_notification *err; /* BGP_EV_MSG_ERR: to send */
	const struct bgp_notification *notif; /* BGP_EV_NOTIF: received */
	const struct bgp_route_refresh *rr; /* BGP_EV_ROUTE_REFRESH */
	const char *shutdown_msg; /* BGP_EV_STOP: RFC 9003 text, may be NULL */
	uint32_t rand; /* any random value, for the back-off's jitter */
};

struct bgp_fsm_out {
	uint32_t actions; /* enum bgp_action bits */
	struct bgp_notification notif; /* BGP_ACT_SEND_NOTIF */
	uint32_t retry_ms, hold_ms, keepalive_ms;
	const char *why; /* static text for the log, NULL when routine */
};

void bgp_fsm_init(struct bgp_fsm *f, const struct bgp_fsm_cfg *cfg);
/* Feed one event: f->state moves, *out says what to do. */
void bgp_fsm_step(struct bgp_fsm *f, enum bgp_event ev,
		  const struct bgp_fsm_in *in, struct bgp_fsm_out *out);
/* The OPEN to send (RFC 4271 section 4.2, RFC 5492 capabilities). */
void bgp_fsm_open(const struct bgp_fsm *f, struct bgp_open *out);
/*
 * RFC 4271 section 6.8: of two connections between the same speakers,
 * the one initiated by the speaker with the higher BGP Identifier stays.
 * True when the peer's (incoming) connection is to be kept.
 */
bool bgp_fsm_keep_incoming(uint32_t local_id, uint32_t remote_id);
/*
 * An incoming connection from the peer, given the session now: open is
 * its OPEN (RFC 4271 section 6.8 needs the BGP Identifier), NULL while it
 * has not arrived.  On ADOPT the caller closes its own attempt, then
 * feeds TcpConnectionConfirmed (and the OPEN, if there is one); on
 * DUMP_OURS, OpenCollisionDump first.
 */
enum bgp_incoming bgp_fsm_incoming(const struct bgp_fsm *f,
				   const struct bgp_open *open);
/* Back-off after `failures` failures: min * 2^(n-1) capped, jitter -25%. */
uint32_t bgp_fsm_backoff_ms(const struct bgp_fsm_cfg *cfg, uint32_t failures,
			    uint32_t rand);
const char *bgp_state_name(enum bgp_state s);
const char *bgp_event_name(enum bgp_event e);

#endif /* BGP_FSM_H */
