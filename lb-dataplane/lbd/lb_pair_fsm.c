// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_pair_fsm.c - the "synced" state machine; the table is in
 * lb_pair_fsm.h.  Pure: the time comes with each event.
 */
#include <stdio.h>
#include <string.h>

#include "lb_pair_fsm.h"

static const char *const lb_pair_states[LB_PAIR__STATES] = {
	[LB_PAIR_START] = "start",     [LB_PAIR_SINGLE] = "single",
	[LB_PAIR_WAITING] = "waiting", [LB_PAIR_BULK] = "bulk",
	[LB_PAIR_SYNCED] = "synced",
};

static const char *const lb_pair_modes[LB_PAIR_M__MAX] = {
	[LB_PAIR_M_NONE] = NULL,	 [LB_PAIR_M_ADOPTED] = "adopted",
	[LB_PAIR_M_ALONE] = "alone",	 [LB_PAIR_M_BULK] = "bulk",
	[LB_PAIR_M_PARTIAL] = "partial", [LB_PAIR_M_FORCED] = "forced",
	[LB_PAIR_M_SINGLE] = "single",
};

const char *lb_pair_state_name(enum lb_pair_state s)
{
	return (unsigned int)s < LB_PAIR__STATES ? lb_pair_states[s] : "?";
}

const char *lb_pair_mode_name(enum lb_pair_mode m)
{
	return (unsigned int)m < LB_PAIR_M__MAX ? lb_pair_modes[m] : "?";
}

void lb_pair_fsm_init(struct lb_pair_fsm *f, uint32_t alone_after_ms)
{
	memset(f, 0, sizeof(*f));
	f->state = LB_PAIR_START;
	f->peer = -1;
	f->alone_after_ms = alone_after_ms;
}

bool lb_pair_fsm_synced(const struct lb_pair_fsm *f)
{
	return f->state == LB_PAIR_SINGLE || f->state == LB_PAIR_SYNCED;
}

bool lb_pair_fsm_fresh(bool adopted, bool sync_on, uint32_t alive_s,
		       uint32_t now_s)
{
	/* alive_s ahead of now (another clock, a reboot): not fresh. */
	return adopted && sync_on && alive_s && alive_s <= now_s &&
	       now_s - alive_s <= LB_PAIR_ADOPT_FRESH_S;
}

static void fsm_to(struct lb_pair_fsm *f, enum lb_pair_state s,
		   enum lb_pair_mode m, uint64_t now_ms)
{
	f->state = s;
	f->mode = m;
	f->since_ms = now_ms;
}

static void fsm_bulk(struct lb_pair_fsm *f, const struct lb_pair_ev *ev)
{
	fsm_to(f, LB_PAIR_BULK, LB_PAIR_M_NONE, ev->now_ms);
	f->peer = ev->peer;
	f->peer_synced = ev->peer_synced;
	f->paused = false;
	f->done = f->total = 0;
	f->bulk_ms = f->progress_ms = ev->now_ms;
	snprintf(f->peer_name, sizeof(f->peer_name), "%s",
		 ev->peer_name ? ev->peer_name : "?");
}

/* The time since t, 0 if the clock went back (it is monotonic). */
static uint64_t fsm_age(uint64_t now_ms, uint64_t t)
{
	return now_ms > t ? now_ms - t : 0;
}

static unsigned int fsm_bulk_event(struct lb_pair_fsm *f,
				   const struct lb_pair_ev *ev)
{
	bool mine = ev->peer == f->peer;

	switch (ev->type) {
	case LB_PAIR_EV_SESSION_UP:
		if (mine && f->paused) {
			f->paused = false;
			f->progress_ms = ev->now_ms;
			return LB_PAIR_ACT_BULK_RESUME;
		}
		/* Prefer a peer that is synced itself: its table is whole. */
		if (!mine &&
		    (f->paused || (ev->peer_synced && !f->peer_synced))) {
			fsm_bulk(f, ev);
			return LB_PAIR_ACT_BULK_ABANDON |
			       LB_PAIR_ACT_BULK_START;
		}
		return 0;
	case LB_PAIR_EV_SESSION_DOWN:
		if (mine && !f->paused) {
			f->paused = true;
			f->progress_ms = ev->now_ms;
		}
		return 0;
	case LB_PAIR_EV_PROGRESS:
		if (!mine || f->paused)
			return 0;
		f->done = ev->done;
		f->total = ev->total;
		f->progress_ms = ev->now_ms;
		return 0;
	case LB_PAIR_EV_LAST:
		if (!mine)
			return 0;
		f->done = ev->done;
		fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_BULK, ev->now_ms);
		return LB_PAIR_ACT_SYNCED;
	case LB_PAIR_EV_TICK:
		if (!f->alone_after_ms ||
		    fsm_age(ev->now_ms, f->progress_ms) < f->alone_after_ms)
			return 0;
		fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_PARTIAL, ev->now_ms);
		return LB_PAIR_ACT_SYNCED | LB_PAIR_ACT_BULK_ABANDON |
		       LB_PAIR_ACT_ERROR;
	default:
		return 0;
	}
}

unsigned int lb_pair_fsm_event(struct lb_pair_fsm *f,
			       const struct lb_pair_ev *ev)
{
	enum lb_pair_state was = f->state;

	if (ev->type == LB_PAIR_EV_RELOAD_OFF) {
		fsm_to(f, LB_PAIR_SINGLE, LB_PAIR_M_SINGLE, ev->now_ms);
		return was == LB_PAIR_BULK ? LB_PAIR_ACT_BULK_ABANDON : 0;
	}
	if (ev->type == LB_PAIR_EV_FORCE &&
	    (was == LB_PAIR_START || was == LB_PAIR_WAITING ||
	     was == LB_PAIR_BULK)) {
		snprintf(f->force_reason, sizeof(f->force_reason), "%s",
			 ev->reason ? ev->reason : "");
		fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_FORCED, ev->now_ms);
		return LB_PAIR_ACT_SYNCED |
		       (was == LB_PAIR_BULK ? LB_PAIR_ACT_BULK_ABANDON : 0);
	}
	switch (was) {
	case LB_PAIR_START:
		if (ev->type != LB_PAIR_EV_START)
			return 0;
		if (!ev->configured) {
			fsm_to(f, LB_PAIR_SINGLE, LB_PAIR_M_SINGLE, ev->now_ms);
			return LB_PAIR_ACT_SYNCED;
		}
		if (ev->fresh) {
			/* XDP kept the table current: only a restart's gap. */
			fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_ADOPTED,
			       ev->now_ms);
			return LB_PAIR_ACT_SYNCED | LB_PAIR_ACT_RESYNC;
		}
		fsm_to(f, LB_PAIR_WAITING, LB_PAIR_M_NONE, ev->now_ms);
		return 0;
	case LB_PAIR_WAITING:
		if (ev->type == LB_PAIR_EV_SESSION_UP) {
			fsm_bulk(f, ev);
			return LB_PAIR_ACT_BULK_START;
		}
		if (ev->type == LB_PAIR_EV_TICK && f->alone_after_ms &&
		    fsm_age(ev->now_ms, f->since_ms) >= f->alone_after_ms) {
			fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_ALONE, ev->now_ms);
			return LB_PAIR_ACT_SYNCED;
		}
		return 0;
	case LB_PAIR_BULK:
		return fsm_bulk_event(f, ev);
	case LB_PAIR_SINGLE:
		if (ev->type != LB_PAIR_EV_RELOAD_ON)
			return 0;
		/* Serving already: turning sync on must not withdraw. */
		fsm_to(f, LB_PAIR_SYNCED, LB_PAIR_M_SINGLE, ev->now_ms);
		return LB_PAIR_ACT_SYNCED | LB_PAIR_ACT_RESYNC;
	default: /* SYNCED: never lowered until restart */
		return 0;
	}
}

/* A duration for people: "30 s", "4.1 s". */
static void fsm_dur(uint64_t ms, char *buf, size_t size)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%llu s", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%.1f s", (double)ms / 1000.0);
}

/* "61%", or "4096 entries" when the peer's size is unknown. */
static void fsm_share(const struct lb_pair_fsm *f, char *buf, size_t size)
{
	uint64_t pct;

	if (!f->total) {
		snprintf(buf, size, "%llu entries",
			 (unsigned long long)f->done);
		return;
	}
	/* The peer's table moves while it is walked: 100% is LAST only. */
	pct = f->done >= f->total ? 99 : f->done * 100 / f->total;
	snprintf(buf, size, "%llu%%", (unsigned long long)pct);
}

void lb_pair_fsm_reason(const struct lb_pair_fsm *f, uint64_t now_ms, char *buf,
			size_t size)
{
	char a[32], b[32], share[40];

	if (!size)
		return;
	fsm_dur(fsm_age(now_ms, f->since_ms), a, sizeof(a));
	fsm_dur(f->alone_after_ms, b, sizeof(b));
	switch (f->state) {
	case LB_PAIR_START:
		snprintf(buf, size, "starting");
		break;
	case LB_PAIR_SINGLE:
		snprintf(buf, size, "no pair: in the configuration");
		break;
	case LB_PAIR_WAITING:
		if (f->alone_after_ms)
			snprintf(
				buf, size,
				"waiting for a peer: %s of %s, then serving alone",
				a, b);
		else
			snprintf(buf, size,
				 "waiting for a peer: %s (alone_after: never)",
				 a);
		break;
	case LB_PAIR_BULK:
		fsm_share(f, share, sizeof(share));
		if (f->paused) {
			fsm_dur(fsm_age(now_ms, f->progress_ms), a, sizeof(a));
			snprintf(
				buf, size,
				"bulk from %s paused at %s: session down for %s",
				f->peer_name, share, a);
			break;
		}
		fsm_dur(fsm_age(now_ms, f->bulk_ms), a, sizeof(a));
		snprintf(buf, size, "bulk from %s: %s (%s)", f->peer_name,
			 share, a);
		break;
	case LB_PAIR_SYNCED:
		switch (f->mode) {
		case LB_PAIR_M_ADOPTED:
			snprintf(
				buf, size,
				"adopted the tables of a data plane that kept running");
			break;
		case LB_PAIR_M_ALONE:
			snprintf(buf, size,
				 "no peer reachable for %s: serving alone", b);
			break;
		case LB_PAIR_M_BULK:
			fsm_dur(fsm_age(f->since_ms, f->bulk_ms), a, sizeof(a));
			snprintf(buf, size, "bulk from %s: %llu entries in %s",
				 f->peer_name, (unsigned long long)f->done, a);
			break;
		case LB_PAIR_M_PARTIAL:
			fsm_share(f, share, sizeof(share));
			snprintf(
				buf, size,
				"bulk from %s stalled at %s for %s: serving with a partial table",
				f->peer_name, share, b);
			break;
		case LB_PAIR_M_FORCED:
			snprintf(buf, size, "forced by the operator: %s",
				 f->force_reason);
			break;
		default:
			snprintf(buf, size,
				 "pair: added by a reload while serving");
			break;
		}
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
}
