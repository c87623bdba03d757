/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's side of the pair's admin registers (lbd_admin.c): lbd_ctl queues
 * what lbctl changed, lbd_pair takes and sends it and hands over what
 * peers sent.  No dependency on either.
 */
#ifndef LBD_ADMIN_H
#define LBD_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lbd;
struct lb_admin_reg;

/* Realtime milliseconds: the stamps' clock (keel_hlc.h). */
uint64_t lbd_wall_ms(void);
/* The state file: version 2 with pair: (the registers), else version 1. */
int lbd_state_write(struct lbd *d);
/* Registers lbctl changed, for the peers (capped: the oldest dropped). */
void lbd_admin_queue(struct lbd *d, const struct lb_admin_reg *regs, size_t n);

/*
 * The pair's admin registers received from a peer (ADMIN, docs/pair.md):
 * merged by stamp; if any changed, the state file (version 2) is saved
 * and then the overlay applied with one commit.  If the save fails,
 * nothing is merged (the digests stay different: the next exchange
 * retries).  *changed: whether anything changed.  0, -EBADMSG (a bad
 * register: nothing merged), -ENOMEM or the save's or commit's error.
 */
int lbd_admin_receive(struct lbd *d, const struct lb_admin_reg *regs, size_t n,
		      bool *changed);
/*
 * The registers lbctl changed here, oldest first, for the pair code to
 * send: moved to *regs (malloc'd, the caller frees), the queue emptied.
 */
size_t lbd_admin_take(struct lbd *d, struct lb_admin_reg **regs);

#endif /* LBD_ADMIN_H */
