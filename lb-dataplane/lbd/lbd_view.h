/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What lbd shows: status JSON, traffic counters and rates. */
#ifndef LBD_VIEW_H
#define LBD_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "keel_ctl_lbd.h"
#include "keel_maps.h"
#include "lb_model.h"

struct lbd;

/* reals false: "real_count" (per state, usable, selectable) instead. */
json_t *lbd_view_service(struct lbd *d, struct lb_service *s, bool reals);
json_t *lbd_view_status(struct lbd *d, bool summary);
/* The stats answer; counters: its KEEL_CNT__MAX entries' storage. */
void lbd_view_stats(struct lbd *d, struct keel_ctl_stats *out,
		    struct keel_ctl_count counters[KEEL_CNT__MAX]);
json_t *lbd_view_site(struct lbd *d); /* {"drained", "since", "reason"} */
json_t *lbd_view_dataplane(struct lbd *d);
json_t *lbd_view_loop(struct lbd *d); /* the event loop's stalls */
/*
 * Whether the kernel runs lbd's program on cfg.ifaces[i] now (asked at
 * every call): what announcers act on.
 */
bool lbd_view_iface_attached(struct lbd *d, size_t i);
/* Every service's and real's counters into svc_t, real_t (a batch each). */
int lbd_stats_read(struct lbd *d);
void lbd_sample(struct lbd *d); /* rates, once a second */

#endif /* LBD_VIEW_H */
