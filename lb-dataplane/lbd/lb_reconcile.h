/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_reconcile - make the model what the config, the run-time overlay and
 * the admin overrides say, staging only differences (lb_model setters do
 * nothing when a value is unchanged, so an unchanged service or real is
 * never written).  The caller commits.
 *
 * Desired state: the config's services and reals, minus those removed at
 * run time, plus those added at run time; a real's weight is its admin
 * override or its configured weight; its state is DOWN if an operator
 * downed it, DRAINING if drained, otherwise UP.
 *
 * Health: lb_reconcile_with() passes every wanted real through a hook
 * that may change that state and weight (lbd combines them with agent
 * reports and checks, lb_health_combine(), and load-aware weights).  The
 * hook runs for each wanted real on every call, so the caller also learns
 * the set of reals; it must not change the model itself.
 */
#ifndef LB_RECONCILE_H
#define LB_RECONCILE_H

#include "lb_config.h"
#include "lb_model.h"
#include "lb_state.h"

struct lb_reconcile_stats {
	uint32_t services_added;
	uint32_t services_removed;
	uint32_t services_changed;
	uint32_t reals_added;
	uint32_t reals_removed;
	uint32_t reals_changed;
};

int lb_reconcile(struct lb_model *m, const struct lb_config *cfg,
		 const struct lb_state *st, struct lb_reconcile_stats *out);

/* One wanted real as reconcile sees it, for the health hook. */
struct lb_real_want {
	const struct lb_service *svc; /* in the model */
	const struct lb_real *real; /* in the model: id, state until now */
	bool is_new; /* added by this call */
	/* The config's service (NULL: added at run time) and real (NULL:
	 * added at run time). */
	const struct lb_cfg_service *cs;
	const struct lb_cfg_real *cr;
	const struct lb_state_admin *admin; /* NULL: no override */
	uint32_t weight; /* in: admin override, else configured; out */
	uint8_t state; /* in: admin DOWN or DRAINING, else UP; out */
};

struct lb_reconcile_hook {
	void (*real)(void *arg, struct lb_real_want *w);
	void *arg;
};

/* lb_reconcile() with a health hook (NULL: none, the same). */
int lb_reconcile_with(struct lb_model *m, const struct lb_config *cfg,
		      const struct lb_state *st,
		      const struct lb_reconcile_hook *hook,
		      struct lb_reconcile_stats *out);

#endif
