/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's one path from its inputs to the data plane: the only caller of
 * lb_model_commit() in lbd, and the keeper of the generation.
 */
#ifndef LBD_COMMIT_H
#define LBD_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>

#include "keel_log.h"
#include "lb_reconcile.h"

struct lbd;

/* Why a commit runs: named in its log lines and keel_commits_total. */
enum lbd_cause {
	LBD_CAUSE_START,
	LBD_CAUSE_RELOAD,
	LBD_CAUSE_CONTROL, /* an operator's change (lbctl) */
	LBD_CAUSE_HEALTH, /* reports, checks, deadlines, load-aware weights */
	LBD_CAUSE_NEIGH, /* neighbour events */
	LBD_CAUSE_REFRESH, /* the neighbour refresh, without events */
	LBD_CAUSE__MAX,
};

struct lbd_commit_state {
	struct event *timer; /* deadlines, load-aware periods */
	struct event *soon; /* a check or a report changed a state */
	struct event *more; /* what one turn's budget left, next turn */
	struct event *neigh_soon; /* neighbour changes, once a turn */
	/* A commit failed: what it staged stays in the model and is
	 * committed again after retry_ms (100 ms, doubling to 1 s). */
	bool pending;
	uint32_t retry_ms;
	/* A reload's commit failed: the commit that applies what it staged
	 * marks the reload applied (last_reload ok, its error cleared). */
	bool reload_retry;
	/* Called after each commit that succeeded (the pair's parked
	 * records, lbd_pair.c sets it): a pointer, so commit does not
	 * depend on the pair. */
	void (*committed)(struct lbd *d);
	uint64_t commits[LBD_CAUSE__MAX]; /* lb_model_commit() calls */
	uint64_t failed[LBD_CAUSE__MAX]; /* of which failed */
	/* The failures' log: a persistent one (-EPERM, a full map) fails
	 * every retry, clock tick and urgent report. */
	struct keel_ratelimit fail_rl;
};

/*
 * The one path from lbd's inputs to the data plane.
 * START/RELOAD/CONTROL: a full pass, lb_reconcile_with() with lbd_eval's
 * hook (rs: what it changed; may be NULL), then the sweep of gone reals
 * and the agents table.  HEALTH: what is due (lbd_eval_run()); nothing
 * is committed when no real changed.  START/RELOAD/CONTROL/REFRESH then
 * look up the reals without a MAC (lbd_neigh_resolve()); NEIGH's events
 * were staged by lbd_neigh_apply().  Then lb_model_commit().
 * The generation moves when the commit succeeded and wrote anything
 * (services, reals or ring entries), whatever the cause: a reload or a
 * control change that changes nothing leaves it.  One INFO line per
 * commit that wrote anything, one ERR line per failure, both naming the
 * cause; a failed commit is tried again (HEALTH) after 100 ms to 1 s.
 * 0 or -errno.
 */
int lbd_commit(struct lbd *d, enum lbd_cause cause,
	       struct lb_reconcile_stats *rs);
/* The health clock and the events; before the first commit. */
int lbd_commit_init(struct lbd *d);
/* One HEALTH commit later in this loop turn. */
void lbd_commit_soon(struct lbd *d);
/* One NEIGH commit later in this loop turn (events of a turn at once). */
void lbd_commit_neigh_soon(struct lbd *d);
/* The generation moves without a commit (the program's insert limit). */
void lbd_commit_generation_bump(struct lbd *d);
const char *lbd_cause_name(enum lbd_cause cause);
void lbd_commit_stop(struct lbd *d);

#endif /* LBD_COMMIT_H */
