// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd_pair_fsm.c - posts lb_pair_fsm's events, logs its transitions and
 * fills status.pair (docs/pair.md, "When an LB counts as synced").
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "keel_clock.h"
#include "keel_log.h"
#include "lbd.h"
#include "lbd_pair_fsm.h"

static const char *lbd_pair_ev_names[LB_PAIR_EV__MAX] = {
	[LB_PAIR_EV_START] = "start",
	[LB_PAIR_EV_SESSION_UP] = "session up",
	[LB_PAIR_EV_SESSION_DOWN] = "session down",
	[LB_PAIR_EV_PROGRESS] = "bulk progress",
	[LB_PAIR_EV_LAST] = "bulk last",
	[LB_PAIR_EV_TICK] = "tick",
	[LB_PAIR_EV_FORCE] = "forced",
	[LB_PAIR_EV_RELOAD_ON] = "pair: added",
	[LB_PAIR_EV_RELOAD_OFF] = "pair: removed",
};

unsigned int lbd_pair_fsm_event(struct lbd *d, struct lb_pair_ev *ev)
{
	struct lb_pair_fsm *f = &d->pair_fsm;
	enum lb_pair_state was = f->state;
	char why[LB_PAIR_REASON_MAX];
	unsigned int acts;

	if (!ev->now_ms)
		ev->now_ms = keel_now_ms();
	acts = lb_pair_fsm_event(f, ev);
	if (f->state == was && !acts)
		return 0;
	lb_pair_fsm_reason(f, ev->now_ms, why, sizeof(why));
	if (acts & LB_PAIR_ACT_ERROR)
		keel_log(LOG_ERR, "pair: %s", why);
	else if (acts & LB_PAIR_ACT_SYNCED)
		keel_log(LOG_NOTICE, "pair: synced (%s): %s",
			 lb_pair_mode_name(f->mode) ?: "?", why);
	else if (f->state != was)
		keel_log(LOG_INFO, "pair: %s -> %s on %s: %s",
			 lb_pair_state_name(was), lb_pair_state_name(f->state),
			 (unsigned int)ev->type < LB_PAIR_EV__MAX ?
				 lbd_pair_ev_names[ev->type] :
				 "?",
			 why);
	return acts;
}

void lbd_pair_fsm_start(struct lbd *d)
{
	struct lb_pair_ev ev = { .type = LB_PAIR_EV_START,
				 .configured = d->cfg.pair.on };
	struct keel_sync_cfg sc;

	lb_pair_fsm_init(&d->pair_fsm, d->cfg.pair.alone_after_ms);
	/*
	 * Fresh: the maps were adopted with sync on and lbd's heartbeat
	 * (alive, on seen's clock) recent.  Until lbd writes alive, a
	 * restart with pair: waits as a cold start does (fail safe).
	 */
	if (d->cfg.pair.on && d->m.n_svcs && !lb_dp_sync_get(d->dp, &sc))
		ev.fresh = lb_pair_fsm_fresh(true, sc.flags & KEEL_SYNC_F_ON,
					     sc.alive, lb_dp_seen_now());
	lbd_pair_fsm_event(d, &ev);
}

void lbd_pair_fsm_tick(struct lbd *d)
{
	struct lb_pair_ev ev = { .type = LB_PAIR_EV_TICK };

	if (d->pair_fsm.state == LB_PAIR_WAITING ||
	    d->pair_fsm.state == LB_PAIR_BULK)
		lbd_pair_fsm_event(d, &ev);
}

void lbd_pair_fsm_reload(struct lbd *d, bool was_on)
{
	struct lb_pair_ev ev = { 0 };

	d->pair_fsm.alone_after_ms = d->cfg.pair.alone_after_ms;
	if (was_on == d->cfg.pair.on)
		return;
	ev.type = d->cfg.pair.on ? LB_PAIR_EV_RELOAD_ON : LB_PAIR_EV_RELOAD_OFF;
	lbd_pair_fsm_event(d, &ev);
}

void lbd_pair_fsm_view(struct lbd *d, struct keel_ctl_pair *out)
{
	const struct lb_pair_fsm *f = &d->pair_fsm;
	const char *mode = lb_pair_mode_name(f->mode);

	memset(out, 0, sizeof(*out));
	out->configured = d->cfg.pair.on;
	out->synced = lb_pair_fsm_synced(f);
	out->has_mode = mode != NULL;
	if (mode)
		snprintf(out->mode, sizeof(out->mode), "%s", mode);
	/* Without pair: nothing to explain. */
	if (f->state == LB_PAIR_SINGLE)
		return;
	out->has_reason = true;
	lb_pair_fsm_reason(f, keel_now_ms(), out->reason, sizeof(out->reason));
}
