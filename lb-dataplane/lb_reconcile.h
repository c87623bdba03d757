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
 * downed it, DRAINING if drained, otherwise UP (health inputs come later).
 */
#ifndef LB_RECONCILE_H
#define LB_RECONCILE_H

#include "lb_config.h"
#include "lb_health.h" /* enum lb_state_source */
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

/* Is the service / real defined by the config file (not the overlay)? */
const struct lb_cfg_service *lb_cfg_find_service(const struct lb_config *cfg,
						 const struct keel_vip_key *k);
const struct lb_cfg_real *lb_cfg_find_real(const struct lb_cfg_service *s,
					   uint8_t family,
					   const __be32 addr[4]);
/* The admin override of a real, or NULL. */
const struct lb_state_admin *lb_state_find_admin(const struct lb_state *st,
						 const struct keel_vip_key *k,
						 uint8_t family,
						 const __be32 addr[4]);

#endif
