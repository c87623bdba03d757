/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lbd's reload: a new config checked, its interfaces attached, applied. */
#ifndef LBD_RELOAD_H
#define LBD_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "lb_config.h"
#include "lb_reconcile.h"

struct lbd;

/*
 * The config file read again and applied; what cannot change at run
 * time refused.  A refused config changes nothing (err says why).
 */
int lbd_reload(struct lbd *d, struct lb_reconcile_stats *rs, char *err,
	       size_t errlen);
/* Attach to every interface of c: attached[i] gets its ifindex. */
int lbd_ifaces_attach(struct lbd *d, const struct lb_config *c, int *attached);
/*
 * The per-CPU insert limit of the conn table into the program's
 * keel_config: 1 if it changed, 0 if not, or -errno.
 */
int lbd_insert_limit(struct lbd *d, uint32_t limit);

#endif /* LBD_RELOAD_H */
