/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lbd's control socket (docs/control-protocol.md). */
#ifndef LBD_CTL_H
#define LBD_CTL_H

#include <stdbool.h>
#include <stddef.h>

struct lbd;
struct keel_ctl_peer;
struct lb_admin_reg;

int lbd_ctl_start(struct lbd *d);
void lbd_ctl_stop(struct lbd *d);
/*
 * One request line from peer in, one response line out (malloc'd, with
 * '\n'); read verbs need the read role, the others admin.
 */
char *lbd_ctl_handle(struct lbd *d, const struct keel_ctl_peer *peer,
		     const char *line, size_t len);

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

#endif /* LBD_CTL_H */
