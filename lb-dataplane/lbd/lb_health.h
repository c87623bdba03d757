/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_health - what lbd makes of a real's health inputs.  Pure: no I/O, no
 * clock (callers pass monotonic milliseconds).
 *
 * Inputs per (service, real): the admin state (lb_state), the configured
 * health mode (none, agent reports, lbd's own active check) and that
 * mode's verdict.  lb_health_combine() is the one table that turns them
 * into the state written to the data plane and the source shown by
 * `lbctl status`; the first row that applies wins:
 *
 *   admin down                      -> DOWN      admin
 *   mode none, admin drain          -> DRAINING  admin
 *   mode none                       -> UP        config (verdict ignored)
 *   health DOWN / agent silent      -> DOWN      agent | agent-timeout | check
 *     (silent past dead_after + keep_flows_for, or silent after saying   | check-held
 *     DOWN)
 *   no verdict yet, and not adopted -> DOWN      init (never selected blind,
 *     as UP or DRAINING                                 admin drain or not)
 *   admin drain                     -> DRAINING  admin   (wins over agent UP)
 *   no verdict yet, adopted         -> adopted state, init (hot restart:
 *                                      keep what the data plane had)
 *   agent DRAINING                  -> DRAINING  agent
 *   agent silent for dead_after, up -> DRAINING  agent-silent (flows kept
 *     or draining when it last spoke,                keep_flows_for more)
 *   health UP                       -> UP        agent | check | check-held
 *
 * check-held: lbd's own check could not run its last probe (no
 * descriptor, no memory...: keel_probe.h).  That is the prober's trouble,
 * not news of the real, so the last verdict stands and only the source
 * says so: a held check never changes a state (and without a verdict yet,
 * the init rows apply as before).
 *
 * (docs/health.md has the same table.)  The agent's verdict is
 * lb_agents.h's lb_agent_verdict().
 * DOWN from any source removes the real from selection and moves its
 * flows; DRAINING keeps its flows and gives it no new ones.
 */
#ifndef LB_HEALTH_H
#define LB_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include "keel_maps.h"

/* Where a real's state comes from, for status. */
enum lb_health_source {
	LB_SRC_CONFIG = 0, /* no health input: configured reals are UP */
	LB_SRC_ADMIN, /* lbctl real down/drain */
	LB_SRC_AGENT, /* the real's rs-agent report */
	LB_SRC_AGENT_TIMEOUT, /* no valid report for dead_after */
	LB_SRC_CHECK, /* lbd's active check */
	LB_SRC_INIT, /* waiting for the first verdict */
	/* silent past dead_after, its flows kept for keep_flows_for */
	LB_SRC_AGENT_SILENT,
	/* lbd's check, its last verdict held: the last probe was not run */
	LB_SRC_CHECK_HELD,
};

enum lb_health_mode {
	LB_HEALTH_NONE = 0,
	LB_HEALTH_AGENT,
	LB_HEALTH_CHECK,
};

struct lb_health_in {
	bool admin_down, admin_drain;
	uint8_t mode; /* enum lb_health_mode */
	/* KEEL_RS_UNKNOWN (no verdict yet), _UP, _DOWN, _DRAINING (agent) */
	uint8_t verdict;
	bool timeout; /* agent mode: verdict DOWN because it went silent */
	bool held; /* check mode: the last probe was not run (prober error) */
	bool adopted; /* the data plane had this real when lbd started */
	uint8_t adopted_state; /* its state then */
};

struct lb_health_out {
	uint8_t state; /* enum keel_real_state, never UNKNOWN */
	uint8_t source; /* enum lb_health_source */
};

void lb_health_combine(const struct lb_health_in *in,
		       struct lb_health_out *out);
const char *lb_health_source_name(uint8_t source); /* "agent-timeout" ... */

#endif
