/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What lbd shows: its control answers, traffic counters and rates. */
#ifndef LBD_VIEW_H
#define LBD_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "keel_ctl_lbd.h"
#include "keel_maps.h"
#include "lb_model.h"

struct lbd;

/*
 * The control answers as keel_ctl_lbd's structs, for its encoders.  Each
 * returns 0 or -ENOMEM; what it allocated goes with the struct's
 * keel_ctl_*_free() (and is freed already on an error).
 * reals false: "real_count" (per state, usable, selectable) instead.
 */
int lbd_view_service(struct lbd *d, struct lb_service *s, bool reals,
		     struct keel_ctl_service *out);
int lbd_view_services(struct lbd *d, struct keel_ctl_services *out);
int lbd_view_status(struct lbd *d, bool summary, struct keel_ctl_status *out);
/* site.status, site.drain, site.undrain: "site" and "dataplane". */
int lbd_view_site_answer(struct lbd *d, struct keel_ctl_site_answer *out);
/* The stats answer; counters: its KEEL_CNT__MAX entries' storage. */
void lbd_view_stats(struct lbd *d, struct keel_ctl_stats *out,
		    struct keel_ctl_count counters[KEEL_CNT__MAX]);
/*
 * Whether the kernel runs lbd's program on cfg.ifaces[i] now (asked at
 * every call): what announcers act on.
 */
bool lbd_view_iface_attached(struct lbd *d, size_t i);
/* Every service's and real's counters into svc_t, real_t (a batch each). */
int lbd_stats_read(struct lbd *d);
void lbd_sample(struct lbd *d); /* rates, once a second */

#endif /* LBD_VIEW_H */
