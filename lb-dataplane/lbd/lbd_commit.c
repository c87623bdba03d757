// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's one commit site (lbd_commit.h): every change of the data plane,
 * whatever its cause, and the generation.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "keel_clock.h"
#include "keel_log.h"
#include "lbd.h"
#include "lbd_commit.h"
#include "lbd_eval.h"
#include "lbd_loop.h"
#include "lbd_neigh.h"
#include "lbd_rx.h"

static const char *const lbd_causes[LBD_CAUSE__MAX] = {
	[LBD_CAUSE_START] = "start",	 [LBD_CAUSE_RELOAD] = "reload",
	[LBD_CAUSE_CONTROL] = "control", [LBD_CAUSE_HEALTH] = "health",
	[LBD_CAUSE_NEIGH] = "neighbour", [LBD_CAUSE_REFRESH] = "refresh",
};

const char *lbd_cause_name(enum lbd_cause cause)
{
	return cause < LBD_CAUSE__MAX ? lbd_causes[cause] : "?";
}

/*
 * The generation counts applies that changed the data plane since the
 * maps were made: kept in them, so a restarted lbd goes on counting.
 */
void lbd_commit_generation_bump(struct lbd *d)
{
	d->generation++;
	if (lb_dp_generation_set(d->dp, (uint32_t)d->generation))
		keel_log(LOG_WARNING, "generation %llu not kept in the maps",
			 (unsigned long long)d->generation);
}

/* The clock of the evaluations, as the last full pass wants it. */
static void lbd_clock_set(struct lbd *d, bool on)
{
	uint32_t ms = lbd_eval_period_ms(d);
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };

	if (on)
		event_add(d->cm.timer, &tv);
	else
		event_del(d->cm.timer);
}

/*
 * What is due for a HEALTH commit, within the turn's budget of services
 * (each rebuilds its Maglev table at the commit): true if a real
 * changed; *svcs: the services it made dirty.
 */
static bool lbd_health_due(struct lbd *d, uint32_t *svcs)
{
	struct timeval zero = { 0, 0 };
	uint32_t max = lbd_eval_budget(d);
	uint64_t now = keel_now_ms();
	bool changed;

	changed = lbd_eval_run(d, now, max, svcs);
	if (lbd_eval_due(d, now)) {
		/*
		 * Reports already waiting are read before a deadline is
		 * acted on: a loop that was busy (a long commit, a large
		 * status) is no evidence that an agent went silent.
		 * Bounded: a flood does not keep the clock out.
		 */
		lbd_rx_drain(d, LBD_RX_POLL_ROUNDS);
		now = keel_now_ms();
	}
	changed |= lbd_eval_run_due(d, now, max, svcs);
	/* A timer, not event_active(): the loop polls its sockets first. */
	if (lbd_eval_more(d, max, *svcs))
		evtimer_add(d->cm.more, &zero);
	return changed;
}

/* A failed commit: what it staged is committed again, soon. */
static void lbd_commit_retry(struct lbd *d)
{
	struct lbd_commit_state *h = &d->cm;
	struct timeval tv;

	h->retry_ms =
		h->pending ? (h->retry_ms < 500 ? 2 * h->retry_ms : 1000) : 100;
	h->pending = true;
	tv.tv_sec = h->retry_ms / 1000;
	tv.tv_usec = h->retry_ms % 1000 * 1000;
	evtimer_add(h->more, &tv);
}

int lbd_commit(struct lbd *d, enum lbd_cause cause,
	       struct lb_reconcile_stats *rs)
{
	struct lbd_commit_state *h = &d->cm;
	struct lb_reconcile_stats none;
	struct lb_commit_stats cs;
	uint32_t svcs = 0;
	uint64_t t0, suppressed;
	int err;

	switch (cause) {
	case LBD_CAUSE_START:
	case LBD_CAUSE_RELOAD:
	case LBD_CAUSE_CONTROL:
		err = lbd_eval_reconcile(d, rs ? rs : &none);
		if (err) {
			keel_log(LOG_ERR, "reconciling (%s): %s",
				 lbd_cause_name(cause), strerror(-err));
			return err;
		}
		lbd_clock_set(d, lbd_eval_done(d));
		lbd_rx_agents_rebuilt(d);
		break;
	case LBD_CAUSE_HEALTH:
		if (!lbd_health_due(d, &svcs) && !h->pending)
			return 0;
		break;
	default:
		break;
	}
	if (cause != LBD_CAUSE_HEALTH && cause != LBD_CAUSE_NEIGH)
		lbd_neigh_resolve(d, false);
	h->commits[cause < LBD_CAUSE__MAX ? cause : LBD_CAUSE_HEALTH]++;
	t0 = keel_now_us();
	err = lb_model_commit(&d->m, &cs);
	lbd_eval_cost(d, svcs, keel_now_us() - t0);
	if (err) {
		lbd_commit_retry(d);
		h->failed[cause < LBD_CAUSE__MAX ? cause : LBD_CAUSE_HEALTH]++;
		if (keel_ratelimit_ok(&h->fail_rl, keel_now_ms(), &suppressed))
			keel_log(
				LOG_ERR,
				"applying to the data plane (%s): %s (again in %u ms; %llu similar suppressed)",
				lbd_cause_name(cause), strerror(-err),
				h->retry_ms, (unsigned long long)suppressed);
		return err;
	}
	h->pending = false;
	if (h->reload_retry) {
		h->reload_retry = false;
		d->reload_ok = true;
		d->reload_err[0] = '\0';
		keel_log(LOG_NOTICE, "reload of %s applied (%s commit)",
			 d->config_path, lbd_cause_name(cause));
	}
	if (h->committed)
		h->committed(d); /* a peer's records may find their real now */
	if (!cs.services_changed && !cs.reals_written &&
	    !cs.ring_entries_written)
		return 0;
	keel_log(
		LOG_INFO,
		"data plane updated (%s): %u services, %u reals, %u ring entries",
		lbd_cause_name(cause), cs.services_changed, cs.reals_written,
		cs.ring_entries_written);
	lbd_commit_generation_bump(d);
	return 0;
}

static void lbd_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	uint64_t now;

	(void)fd;
	(void)what;
	now = keel_now_ms();
	lbd_eval_loadw(d, now);
	lbd_commit(d, LBD_CAUSE_HEALTH, NULL);
	lbd_rx_replay_save(d, now, false);
	lbd_loop_note(d);
}

static void lbd_on_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_commit(arg, LBD_CAUSE_HEALTH, NULL);
	lbd_loop_note(arg);
}

/* Neighbour changes of one loop turn, committed once. */
static void lbd_on_neigh_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_commit(arg, LBD_CAUSE_NEIGH, NULL);
	lbd_loop_note(arg);
}

void lbd_commit_soon(struct lbd *d)
{
	event_active(d->cm.soon, 0, 0);
}

void lbd_commit_neigh_soon(struct lbd *d)
{
	event_active(d->cm.neigh_soon, 0, 0);
}

int lbd_commit_init(struct lbd *d)
{
	struct lbd_commit_state *h = &d->cm;

	h->fail_rl.interval_ms = 10000;
	h->fail_rl.burst = 5;
	h->timer = event_new(d->base, -1, EV_PERSIST, lbd_on_timer, d);
	h->soon = event_new(d->base, -1, 0, lbd_on_soon, d);
	h->more = evtimer_new(d->base, lbd_on_soon, d);
	h->neigh_soon = event_new(d->base, -1, 0, lbd_on_neigh_soon, d);
	if (!h->timer || !h->soon || !h->more || !h->neigh_soon)
		return -ENOMEM;
	return 0;
}

void lbd_commit_stop(struct lbd *d)
{
	struct lbd_commit_state *h = &d->cm;

	if (h->timer)
		event_free(h->timer);
	if (h->soon)
		event_free(h->soon);
	if (h->more)
		event_free(h->more);
	if (h->neigh_soon)
		event_free(h->neigh_soon);
	h->timer = h->soon = h->more = h->neigh_soon = NULL;
}
