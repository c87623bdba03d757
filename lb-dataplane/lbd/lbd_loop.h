/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lbd's event loop: how long each turn held it (lb_stall.h). */
#ifndef LBD_LOOP_H
#define LBD_LOOP_H

struct lbd;

#define LBD_BEAT_MS 100 /* the heartbeat: a stall outside lbd's callbacks */

/* At the end of each of lbd's callbacks: how long this loop turn held
 * the loop so far. */
void lbd_loop_note(struct lbd *d);

#endif /* LBD_LOOP_H */
