// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgp_fsm - the RFC 4271 section 8 session state machine; see bgp_fsm.h.
 *
 * Every (state, event) pair is handled in one switch per state; a pair
 * the RFC calls an FSM error ends the session with the NOTIFICATION RFC
 * 6608 assigns to the state, stale timer events are ignored.
 */
#include <string.h>

#include "bgp_fsm.h"

#define BGP_FSM_ERR_OPENSENT 1 /* RFC 6608 section 3 */
#define BGP_FSM_ERR_OPENCONFIRM 2
#define BGP_FSM_ERR_ESTABLISHED 3

static const char *const bgp_state_names[BGP_ST__MAX] = {
	[BGP_ST_IDLE] = "Idle",
	[BGP_ST_CONNECT] = "Connect",
	[BGP_ST_ACTIVE] = "Active",
	[BGP_ST_OPENSENT] = "OpenSent",
	[BGP_ST_OPENCONFIRM] = "OpenConfirm",
	[BGP_ST_ESTABLISHED] = "Established",
};

static const char *const bgp_event_names[BGP_EV__MAX] = {
	[BGP_EV_START] = "Start",
	[BGP_EV_STOP] = "Stop",
	[BGP_EV_RETRY_EXP] = "RetryTimerExpires",
	[BGP_EV_HOLD_EXP] = "HoldTimerExpires",
	[BGP_EV_KEEPALIVE_EXP] = "KeepaliveTimerExpires",
	[BGP_EV_TCP_CONFIRMED] = "TcpConnectionConfirmed",
	[BGP_EV_TCP_FAILS] = "TcpConnectionFails",
	[BGP_EV_OPEN] = "BGPOpen",
	[BGP_EV_MSG_ERR] = "MessageError",
	[BGP_EV_NOTIF] = "NotifMsg",
	[BGP_EV_KEEPALIVE] = "KeepAliveMsg",
	[BGP_EV_UPDATE] = "UpdateMsg",
	[BGP_EV_ROUTE_REFRESH] = "RouteRefreshMsg",
	[BGP_EV_COLLISION_DUMP] = "OpenCollisionDump",
	[BGP_EV_BFD_DOWN] = "BfdDown",
};

const char *bgp_state_name(enum bgp_state s)
{
	return (unsigned int)s < BGP_ST__MAX ? bgp_state_names[s] : "?";
}

const char *bgp_event_name(enum bgp_event e)
{
	return (unsigned int)e < BGP_EV__MAX ? bgp_event_names[e] : "?";
}

void bgp_fsm_init(struct bgp_fsm *f, const struct bgp_fsm_cfg *cfg)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (!f->cfg.retry_min_ms)
		f->cfg.retry_min_ms = 1000;
	if (f->cfg.retry_max_ms < f->cfg.retry_min_ms)
		f->cfg.retry_max_ms = f->cfg.retry_min_ms;
	f->state = BGP_ST_IDLE;
}

uint32_t bgp_fsm_backoff_ms(const struct bgp_fsm_cfg *cfg, uint32_t failures,
			    uint32_t rand)
{
	uint64_t t = cfg->retry_min_ms ? cfg->retry_min_ms : 1000;
	uint32_t i;

	for (i = 1; i < failures && t < cfg->retry_max_ms; i++)
		t *= 2;
	if (t > cfg->retry_max_ms && cfg->retry_max_ms)
		t = cfg->retry_max_ms;
	/* RFC 4271 section 10: jitter, the timer times 0.75..1.0. */
	return (uint32_t)(t - t * (rand % 26) / 100);
}

bool bgp_fsm_keep_incoming(uint32_t local_id, uint32_t remote_id)
{
	return local_id < remote_id;
}

enum bgp_incoming bgp_fsm_incoming(const struct bgp_fsm *f,
				   const struct bgp_open *open)
{
	switch (f->state) {
	case BGP_ST_IDLE:
		/* Waiting out the back-off: the peer is there, take it. */
		return f->auto_restart ? BGP_IN_ADOPT : BGP_IN_CLOSE;
	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		/*
		 * No connection of ours to collide with, also when this one
		 * was parked in a collision and ours has failed since.
		 */
		return BGP_IN_ADOPT;
	case BGP_ST_OPENSENT:
	case BGP_ST_OPENCONFIRM:
		if (!open)
			return BGP_IN_PARK;
		return bgp_fsm_keep_incoming(f->cfg.local_id, open->bgp_id) ?
			       BGP_IN_DUMP_OURS :
			       BGP_IN_REFUSE;
	default:
		/* Section 6.8: Established wins over a new connection. */
		return BGP_IN_REFUSE;
	}
}

void bgp_fsm_open(const struct bgp_fsm *f, struct bgp_open *out)
{
	memset(out, 0, sizeof(*out));
	out->version = 4;
	out->asn = f->cfg.local_as;
	out->hold_time = f->cfg.hold_time;
	out->bgp_id = f->cfg.local_id;
	out->cap_as4 = true;
	out->cap_route_refresh = true;
	if (f->cfg.want_ipv4)
		out->mp[out->n_mp++] =
			(struct bgp_afi_safi){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	if (f->cfg.want_ipv6)
		out->mp[out->n_mp++] =
			(struct bgp_afi_safi){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
}

static void bgp_notif(struct bgp_fsm_out *out, uint8_t code, uint8_t subcode)
{
	memset(&out->notif, 0, sizeof(out->notif));
	out->notif.code = code;
	out->notif.subcode = subcode;
	out->actions |= BGP_ACT_SEND_NOTIF;
}

static void bgp_arm_retry(struct bgp_fsm *f, struct bgp_fsm_out *out,
			  uint32_t rand)
{
	out->actions |= BGP_ACT_ARM_RETRY;
	out->retry_ms = bgp_fsm_backoff_ms(&f->cfg, f->failures, rand);
}

/*
 * The session failed: close, stop the timers, go Idle and, unless the
 * operator stopped it, restart after a back-off that grows with every
 * failure (RFC 4271 section 8.1.1, DampPeerOscillations).
 */
static void bgp_fail(struct bgp_fsm *f, struct bgp_fsm_out *out,
		     const struct bgp_fsm_in *in, const char *why)
{
	if (f->state == BGP_ST_ESTABLISHED)
		out->actions |= BGP_ACT_DOWN;
	out->actions |= BGP_ACT_CLOSE | BGP_ACT_STOP_TIMERS;
	out->why = why;
	f->failures++;
	f->state = BGP_ST_IDLE;
	memset(&f->nego, 0, sizeof(f->nego));
	if (f->auto_restart) {
		out->actions &= ~(uint32_t)BGP_ACT_STOP_RETRY;
		bgp_arm_retry(f, out, in->rand);
	}
}

static void bgp_fail_notif(struct bgp_fsm *f, struct bgp_fsm_out *out,
			   const struct bgp_fsm_in *in, uint8_t code,
			   uint8_t subcode, const char *why)
{
	bgp_notif(out, code, subcode);
	bgp_fail(f, out, in, why);
}

static void bgp_start(struct bgp_fsm *f, struct bgp_fsm_out *out,
		      const struct bgp_fsm_in *in)
{
	f->auto_restart = true;
	if (f->cfg.passive) {
		/* RFC 4271 section 8.2.2, PassiveTcpEstablishment. */
		out->actions |= BGP_ACT_STOP_RETRY;
		f->state = BGP_ST_ACTIVE;
		return;
	}
	out->actions |= BGP_ACT_CONNECT;
	bgp_arm_retry(f, out, in->rand);
	f->state = BGP_ST_CONNECT;
}

static void bgp_stop(struct bgp_fsm *f, struct bgp_fsm_out *out,
		     const struct bgp_fsm_in *in)
{
	const char *msg = in->shutdown_msg;

	/* RFC 4486 Administrative Shutdown, RFC 9003 message. */
	if (f->state >= BGP_ST_OPENSENT) {
		bgp_notif(out, BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN);
		if (msg && *msg) {
			size_t n = strnlen(msg, BGP_SHUTDOWN_MAX);

			out->notif.has_shutdown = true;
			out->notif.shutdown_len = (uint8_t)n;
			memcpy(out->notif.shutdown, msg, n);
			out->notif.shutdown[n] = '\0';
		}
	}
	if (f->state != BGP_ST_IDLE)
		out->actions |= BGP_ACT_CLOSE;
	if (f->state == BGP_ST_ESTABLISHED)
		out->actions |= BGP_ACT_DOWN;
	out->actions |= BGP_ACT_STOP_TIMERS;
	f->auto_restart = false;
	f->failures = 0;
	f->state = BGP_ST_IDLE;
	memset(&f->nego, 0, sizeof(f->nego));
}

/* Our connection loses a collision (RFC 4271 section 6.8). */
static void bgp_collision_dump(struct bgp_fsm *f, struct bgp_fsm_out *out,
			       const struct bgp_fsm_in *in)
{
	bgp_notif(out, BGP_ERR_CEASE, BGP_CEASE_COLLISION);
	out->actions |= BGP_ACT_CLOSE | BGP_ACT_STOP_HOLD |
			BGP_ACT_STOP_KEEPALIVE;
	out->why = "connection collision: the peer's connection stays";
	memset(&f->nego, 0, sizeof(f->nego));
	/* The caller goes on with the other connection at once. */
	f->state = BGP_ST_ACTIVE;
	bgp_arm_retry(f, out, in->rand);
}

static bool bgp_has_family(const struct bgp_open *o, uint16_t afi)
{
	unsigned int i;

	/* RFC 4760 section 8: no MP capability at all means IPv4 unicast. */
	if (o->n_mp == 0)
		return afi == BGP_AFI_IPV4;
	for (i = 0; i < o->n_mp; i++)
		if (o->mp[i].afi == afi && o->mp[i].safi == BGP_SAFI_UNICAST)
			return true;
	return false;
}

/* RFC 4271 section 6.2 checks the parser cannot make; 0 or a subcode. */
static uint8_t bgp_open_check(struct bgp_fsm *f, const struct bgp_open *o,
			      const char **why)
{
	if (o->asn != f->cfg.peer_as) {
		*why = "OPEN from an unexpected AS";
		return BGP_OPEN_PEER_AS;
	}
	/* RFC 6286 section 2.2: our own identifier only inside the AS. */
	if (f->cfg.peer_as == f->cfg.local_as && o->bgp_id == f->cfg.local_id) {
		*why = "OPEN with our own BGP identifier";
		return BGP_OPEN_BGP_ID;
	}
	f->nego.ipv4 = f->cfg.want_ipv4 && bgp_has_family(o, BGP_AFI_IPV4);
	f->nego.ipv6 = f->cfg.want_ipv6 && bgp_has_family(o, BGP_AFI_IPV6);
	/* RFC 5492 section 5: nothing in common to announce. */
	if (!f->nego.ipv4 && !f->nego.ipv6) {
		*why = "the peer carries none of our address families";
		return BGP_OPEN_UNSUP_CAP;
	}
	return 0;
}

static void bgp_on_open(struct bgp_fsm *f, struct bgp_fsm_out *out,
			const struct bgp_fsm_in *in)
{
	const struct bgp_open *o = in->open;
	const char *why = NULL;
	uint8_t sub;
	uint16_t hold;

	sub = bgp_open_check(f, o, &why);
	if (sub) {
		bgp_fail_notif(f, out, in, BGP_ERR_OPEN, sub, why);
		if (sub == BGP_OPEN_UNSUP_CAP) {
			/* Data: the capabilities we needed (section 5). */
			uint8_t *d = out->notif.data;
			uint16_t n = 0;

			if (f->cfg.want_ipv4) {
				memcpy(d + n,
				       (uint8_t[]){ 1, 4, 0, BGP_AFI_IPV4, 0,
						    BGP_SAFI_UNICAST },
				       6);
				n += 6;
			}
			if (f->cfg.want_ipv6) {
				memcpy(d + n,
				       (uint8_t[]){ 1, 4, 0, BGP_AFI_IPV6, 0,
						    BGP_SAFI_UNICAST },
				       6);
				n += 6;
			}
			out->notif.data_len = n;
		}
		return;
	}
	/* RFC 4271 section 4.2: the smaller hold time; keepalive a third. */
	hold = o->hold_time < f->cfg.hold_time ? o->hold_time :
						 f->cfg.hold_time;
	f->nego.hold_time = hold;
	f->nego.keepalive = hold / 3;
	f->nego.as4 = o->cap_as4;
	f->nego.route_refresh = o->cap_route_refresh;
	f->nego.peer_id = o->bgp_id;
	out->actions |= BGP_ACT_STOP_RETRY | BGP_ACT_SEND_KEEPALIVE;
	if (hold) {
		out->actions |= BGP_ACT_ARM_HOLD | BGP_ACT_ARM_KEEPALIVE;
		out->hold_ms = hold * 1000u;
		out->keepalive_ms = f->nego.keepalive * 1000u;
	} else {
		out->actions |= BGP_ACT_STOP_HOLD | BGP_ACT_STOP_KEEPALIVE;
	}
	f->state = BGP_ST_OPENCONFIRM;
}

/* A received message restarts the hold timer (RFC 4271 section 8.2.2). */
static void bgp_restart_hold(struct bgp_fsm *f, struct bgp_fsm_out *out)
{
	if (f->nego.hold_time) {
		out->actions |= BGP_ACT_ARM_HOLD;
		out->hold_ms = f->nego.hold_time * 1000u;
	}
}

static void bgp_keepalive_tick(struct bgp_fsm *f, struct bgp_fsm_out *out)
{
	if (!f->nego.keepalive)
		return;
	out->actions |= BGP_ACT_SEND_KEEPALIVE | BGP_ACT_ARM_KEEPALIVE;
	out->keepalive_ms = f->nego.keepalive * 1000u;
}

/* A connection is up: send our OPEN, wait for theirs (section 8.2.2). */
static void bgp_connected(struct bgp_fsm *f, struct bgp_fsm_out *out)
{
	out->actions |= BGP_ACT_STOP_RETRY | BGP_ACT_SEND_OPEN |
			BGP_ACT_ARM_HOLD;
	out->hold_ms = BGP_HOLD_OPEN_S * 1000u;
	f->state = BGP_ST_OPENSENT;
}

static void bgp_idle(struct bgp_fsm *f, enum bgp_event ev,
		     const struct bgp_fsm_in *in, struct bgp_fsm_out *out)
{
	switch (ev) {
	case BGP_EV_START:
		bgp_start(f, out, in);
		break;
	case BGP_EV_RETRY_EXP:
		/* IdleHoldTimer: automatic restart after a failure. */
		if (f->auto_restart)
			bgp_start(f, out, in);
		break;
	case BGP_EV_TCP_CONFIRMED:
		/*
		 * An accepted connection while we wait out the back-off: the
		 * peer is there, so take it rather than refuse it.  After an
		 * operator's stop it is refused.
		 */
		if (f->auto_restart)
			bgp_connected(f, out);
		else
			out->actions |= BGP_ACT_CLOSE;
		break;
	case BGP_EV_STOP:
		bgp_stop(f, out, in);
		break;
	default:
		/* Section 8.2.2: other events are ignored in Idle. */
		break;
	}
}

static void bgp_connect_active(struct bgp_fsm *f, enum bgp_event ev,
			       const struct bgp_fsm_in *in,
			       struct bgp_fsm_out *out)
{
	switch (ev) {
	case BGP_EV_START:
		break;
	case BGP_EV_STOP:
		bgp_stop(f, out, in);
		break;
	case BGP_EV_RETRY_EXP:
		if (f->cfg.passive)
			break;
		/* Connect: the attempt took too long; try again. */
		if (f->state == BGP_ST_CONNECT) {
			out->actions |= BGP_ACT_CLOSE;
			f->failures++;
		}
		out->actions |= BGP_ACT_CONNECT;
		bgp_arm_retry(f, out, in->rand);
		f->state = BGP_ST_CONNECT;
		break;
	case BGP_EV_TCP_CONFIRMED:
		bgp_connected(f, out);
		break;
	case BGP_EV_TCP_FAILS:
		/* Keep listening, retry later (section 8.2.2, Connect). */
		out->actions |= BGP_ACT_CLOSE;
		f->failures++;
		if (!f->cfg.passive)
			bgp_arm_retry(f, out, in->rand);
		f->state = BGP_ST_ACTIVE;
		break;
	case BGP_EV_HOLD_EXP:
	case BGP_EV_KEEPALIVE_EXP: /* stale */
	case BGP_EV_BFD_DOWN: /* no session to end yet */
		break;
	default:
		bgp_fail(f, out, in, "message without a connection");
		break;
	}
}

static void bgp_opensent(struct bgp_fsm *f, enum bgp_event ev,
			 const struct bgp_fsm_in *in, struct bgp_fsm_out *out)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_RETRY_EXP:
	case BGP_EV_KEEPALIVE_EXP:
	case BGP_EV_TCP_CONFIRMED:
		break;
	case BGP_EV_STOP:
		bgp_stop(f, out, in);
		break;
	case BGP_EV_OPEN:
		bgp_on_open(f, out, in);
		break;
	case BGP_EV_HOLD_EXP:
		bgp_fail_notif(f, out, in, BGP_ERR_HOLD, 0,
			       "no OPEN within the hold time");
		break;
	case BGP_EV_TCP_FAILS:
	case BGP_EV_BFD_DOWN:
		/* Section 8.2.2, OpenSent: back to Active, keep listening. */
		out->actions |= BGP_ACT_CLOSE | BGP_ACT_STOP_HOLD;
		out->why = ev == BGP_EV_BFD_DOWN ?
				   "BFD went down" :
				   "connection lost before the OPEN";
		f->failures++;
		if (!f->cfg.passive)
			bgp_arm_retry(f, out, in->rand);
		f->state = BGP_ST_ACTIVE;
		break;
	case BGP_EV_MSG_ERR:
		out->notif = *in->err;
		out->actions |= BGP_ACT_SEND_NOTIF;
		bgp_fail(f, out, in, "bad message");
		break;
	case BGP_EV_NOTIF:
		bgp_fail(f, out, in, "NOTIFICATION received");
		break;
	case BGP_EV_COLLISION_DUMP:
		bgp_collision_dump(f, out, in);
		break;
	default:
		bgp_fail_notif(f, out, in, BGP_ERR_FSM, BGP_FSM_ERR_OPENSENT,
			       "unexpected message in OpenSent");
		break;
	}
}

static void bgp_openconfirm(struct bgp_fsm *f, enum bgp_event ev,
			    const struct bgp_fsm_in *in,
			    struct bgp_fsm_out *out)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_RETRY_EXP:
	case BGP_EV_TCP_CONFIRMED:
		break;
	case BGP_EV_STOP:
		bgp_stop(f, out, in);
		break;
	case BGP_EV_KEEPALIVE:
		bgp_restart_hold(f, out);
		out->actions |= BGP_ACT_ESTABLISHED;
		f->failures = 0;
		f->state = BGP_ST_ESTABLISHED;
		break;
	case BGP_EV_KEEPALIVE_EXP:
		bgp_keepalive_tick(f, out);
		break;
	case BGP_EV_HOLD_EXP:
		bgp_fail_notif(f, out, in, BGP_ERR_HOLD, 0,
			       "hold timer expired");
		break;
	case BGP_EV_TCP_FAILS:
		bgp_fail(f, out, in, "connection lost");
		break;
	case BGP_EV_BFD_DOWN:
		/* RFC 5882 section 4.3: the path is gone, no NOTIFICATION. */
		bgp_fail(f, out, in, "BFD went down");
		break;
	case BGP_EV_MSG_ERR:
		out->notif = *in->err;
		out->actions |= BGP_ACT_SEND_NOTIF;
		bgp_fail(f, out, in, "bad message");
		break;
	case BGP_EV_NOTIF:
		bgp_fail(f, out, in, "NOTIFICATION received");
		break;
	case BGP_EV_COLLISION_DUMP:
		bgp_collision_dump(f, out, in);
		break;
	default:
		bgp_fail_notif(f, out, in, BGP_ERR_FSM, BGP_FSM_ERR_OPENCONFIRM,
			       "unexpected message in OpenConfirm");
		break;
	}
}

static bool bgp_rr_ours(const struct bgp_fsm *f,
			const struct bgp_route_refresh *rr)
{
	if (!rr || rr->safi != BGP_SAFI_UNICAST)
		return false;
	return (rr->afi == BGP_AFI_IPV4 && f->nego.ipv4) ||
	       (rr->afi == BGP_AFI_IPV6 && f->nego.ipv6);
}

static void bgp_established(struct bgp_fsm *f, enum bgp_event ev,
			    const struct bgp_fsm_in *in,
			    struct bgp_fsm_out *out)
{
	switch (ev) {
	case BGP_EV_START:
	case BGP_EV_RETRY_EXP:
	case BGP_EV_TCP_CONFIRMED:
		break;
	case BGP_EV_STOP:
		bgp_stop(f, out, in);
		break;
	case BGP_EV_KEEPALIVE:
	case BGP_EV_UPDATE:
		bgp_restart_hold(f, out);
		break;
	case BGP_EV_ROUTE_REFRESH:
		bgp_restart_hold(f, out);
		/* RFC 2918 section 4: a family we did not negotiate is ignored. */
		if (bgp_rr_ours(f, in->rr))
			out->actions |= BGP_ACT_RESEND;
		break;
	case BGP_EV_KEEPALIVE_EXP:
		bgp_keepalive_tick(f, out);
		break;
	case BGP_EV_HOLD_EXP:
		bgp_fail_notif(f, out, in, BGP_ERR_HOLD, 0,
			       "hold timer expired");
		break;
	case BGP_EV_TCP_FAILS:
		bgp_fail(f, out, in, "connection lost");
		break;
	case BGP_EV_BFD_DOWN:
		/* RFC 5882 section 4.3: the path is gone, no NOTIFICATION. */
		bgp_fail(f, out, in, "BFD went down");
		break;
	case BGP_EV_MSG_ERR:
		out->notif = *in->err;
		out->actions |= BGP_ACT_SEND_NOTIF;
		bgp_fail(f, out, in, "bad message");
		break;
	case BGP_EV_NOTIF:
		bgp_fail(f, out, in, "NOTIFICATION received");
		break;
	case BGP_EV_COLLISION_DUMP:
		/* Section 6.8: a new connection loses to Established. */
		bgp_fail_notif(f, out, in, BGP_ERR_CEASE, BGP_CEASE_COLLISION,
			       "collision dump in Established");
		break;
	default:
		bgp_fail_notif(f, out, in, BGP_ERR_FSM, BGP_FSM_ERR_ESTABLISHED,
			       "unexpected message in Established");
		break;
	}
}

void bgp_fsm_step(struct bgp_fsm *f, enum bgp_event ev,
		  const struct bgp_fsm_in *in, struct bgp_fsm_out *out)
{
	static const struct bgp_fsm_in none;
	static const struct bgp_notification cease = { .code = BGP_ERR_CEASE };

	memset(out, 0, sizeof(*out));
	if (!in)
		in = &none;
	/* Events that need data and lack it are the caller's bug: no-op. */
	if ((ev == BGP_EV_OPEN && !in->open) || (unsigned int)ev >= BGP_EV__MAX)
		return;
	if (ev == BGP_EV_MSG_ERR && !in->err) {
		struct bgp_fsm_in copy = *in;

		copy.err = &cease;
		bgp_fsm_step(f, ev, &copy, out);
		return;
	}
	switch (f->state) {
	case BGP_ST_IDLE:
		bgp_idle(f, ev, in, out);
		break;
	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		bgp_connect_active(f, ev, in, out);
		break;
	case BGP_ST_OPENSENT:
		bgp_opensent(f, ev, in, out);
		break;
	case BGP_ST_OPENCONFIRM:
		bgp_openconfirm(f, ev, in, out);
		break;
	case BGP_ST_ESTABLISHED:
		bgp_established(f, ev, in, out);
		break;
	default:
		break;
	}
}
