/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lbd's control socket (docs/control-protocol.md). */
#ifndef LBD_CTL_H
#define LBD_CTL_H

#include <stdbool.h>
#include <stddef.h>

struct lbd;
struct keel_ctl_peer;

int lbd_ctl_start(struct lbd *d);
void lbd_ctl_stop(struct lbd *d);
/*
 * One request line from peer in, one response line out (malloc'd, with
 * '\n'); read verbs need the read role, the others admin.
 */
char *lbd_ctl_handle(struct lbd *d, const struct keel_ctl_peer *peer,
		     const char *line, size_t len);

#endif /* LBD_CTL_H */
