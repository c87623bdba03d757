/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's commits: the paths from lbd's inputs (start, reload, control,
 * health, neighbours) to the data plane, and the generation.
 */
#ifndef LBD_COMMIT_H
#define LBD_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>

#include "lb_reconcile.h"

struct lbd;

struct lbd_commit_state {
	struct event *timer; /* deadlines, load-aware periods */
	struct event *soon; /* a check or a report changed a state */
	struct event *more; /* what one turn's budget left, next turn */
	struct event *neigh_soon; /* neighbour changes, once a turn */
	/* A commit of health changes failed: they stay staged in the model
	 * and are committed again after retry_ms (100 ms, doubling to 1 s). */
	bool pending;
	uint32_t retry_ms;
};

/* The health clock and the events; before the first apply. */
int lbd_commit_init(struct lbd *d);
/* One health evaluation and commit later in this loop turn. */
void lbd_commit_soon(struct lbd *d);
/* Neighbour changes committed once, later in this loop turn. */
void lbd_commit_neigh_soon(struct lbd *d);
/* Reconcile config + state + health, resolve, commit. */
int lbd_apply(struct lbd *d, struct lb_reconcile_stats *rs);
/* What is staged in the model: 1 if it wrote something, 0, or -errno. */
int lbd_commit_staged(struct lbd *d);
void lbd_commit_stop(struct lbd *d);

#endif /* LBD_COMMIT_H */
