/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's side of the "synced" state machine (lb_pair_fsm.h): it posts the
 * events, logs what the actions say and shows the state in status.pair.
 * Today only START, TICK (alone_after), FORCE (control pair.synced) and
 * the reload events are posted; lbd_pair.c posts the sessions' and the
 * bulk's events through lbd_pair_fsm_event() when it is wired in.
 */
#ifndef LBD_PAIR_FSM_H
#define LBD_PAIR_FSM_H

#include <stdbool.h>

#include "keel_ctl_lbd.h"
#include "lb_pair_fsm.h"

struct lbd;

/* At start, once the data plane is loaded: START (fresh or not). */
void lbd_pair_fsm_start(struct lbd *d);
/*
 * One event (its now_ms filled here when 0): the seam lbd_pair.c posts
 * sessions, progress and LAST through.  Returns the actions
 * (enum lb_pair_action) the caller does beyond logging (bulk start,
 * resume, abandon, resync).
 */
unsigned int lbd_pair_fsm_event(struct lbd *d, struct lb_pair_ev *ev);
/* Once a second (lbd's tick): alone_after and a stalled bulk. */
void lbd_pair_fsm_tick(struct lbd *d);
/* After a reload took its config: pair: added, removed, alone_after. */
void lbd_pair_fsm_reload(struct lbd *d, bool was_on);
/* status.pair. */
void lbd_pair_fsm_view(struct lbd *d, struct keel_ctl_pair *out);

#endif /* LBD_PAIR_FSM_H */
