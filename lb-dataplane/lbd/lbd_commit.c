// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's commits (lbd_commit.h): a full apply (start, reload, control),
 * health changes between applies (lbd_eval_run()), and neighbour
 * changes; the generation.
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

int lbd_commit_staged(struct lbd *d)
{
	struct lb_commit_stats cs;
	int err = lb_model_commit(&d->m, &cs);

	if (err) {
		keel_log(LOG_ERR, "applying to the data plane: %s",
			 strerror(-err));
		return err;
	}
	if (!cs.services_changed && !cs.reals_written &&
	    !cs.ring_entries_written)
		return 0;
	keel_log(LOG_INFO,
		 "data plane updated: %u services, %u reals, %u ring entries",
		 cs.services_changed, cs.reals_written,
		 cs.ring_entries_written);
	return 1;
}

/*
 * The generation counts applies that changed the data plane since the
 * maps were made: kept in them, so a restarted lbd goes on counting.
 */
static void lbd_generation_bump(struct lbd *d)
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

int lbd_apply(struct lbd *d, struct lb_reconcile_stats *rs)
{
	int err = lbd_eval_reconcile(d, rs);

	if (err) {
		keel_log(LOG_ERR, "reconciling: %s", strerror(-err));
		return err;
	}
	lbd_clock_set(d, lbd_eval_done(d));
	lbd_rx_agents_rebuilt(d);
	lbd_neigh_resolve(d, false);
	err = lbd_commit_staged(d);
	if (err < 0)
		return err;
	if (err > 0)
		lbd_generation_bump(d);
	return 0;
}

/*
 * Evaluate what is due and commit what changed at once, but only as many
 * services as fit in the turn's budget (lbd_eval_budget()).
 */
static void lbd_health_commit(struct lbd *d, uint64_t now)
{
	struct lbd_commit_state *h = &d->cm;
	struct timeval zero = { 0, 0 };
	uint32_t svcs = 0, max = lbd_eval_budget(d);
	struct lb_commit_stats cs;
	bool changed;
	uint64_t t0;
	int err;

	changed = lbd_eval_run(d, now, max, &svcs);
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
	changed |= lbd_eval_run_due(d, now, max, &svcs);
	/* A timer, not event_active(): the loop polls its sockets first. */
	if (lbd_eval_more(d, max, svcs))
		evtimer_add(h->more, &zero);
	if (!changed && !h->pending)
		return;
	t0 = keel_now_us();
	err = lb_model_commit(&d->m, &cs);
	lbd_eval_cost(d, svcs, keel_now_us() - t0);
	if (err) {
		/* Staged in the model: tried again, whatever else happens. */
		struct timeval tv;

		h->retry_ms =
			h->pending ?
				(h->retry_ms < 500 ? 2 * h->retry_ms : 1000) :
				100;
		h->pending = true;
		tv.tv_sec = h->retry_ms / 1000;
		tv.tv_usec = h->retry_ms % 1000 * 1000;
		evtimer_add(h->more, &tv);
		keel_log(LOG_ERR,
			 "applying health changes: %s (again in %u ms)",
			 strerror(-err), h->retry_ms);
		return;
	}
	h->pending = false;
	lbd_generation_bump(d);
}

static void lbd_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	uint64_t now;

	(void)fd;
	(void)what;
	now = keel_now_ms();
	lbd_eval_loadw(d, now);
	lbd_health_commit(d, now);
	lbd_rx_replay_save(d, now, false);
	lbd_loop_note(d);
}

static void lbd_on_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_health_commit(arg, keel_now_ms());
	lbd_loop_note(arg);
}

/* Neighbour changes of one loop turn, committed once. */
static void lbd_on_neigh_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_commit_staged(arg);
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
