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
 * (docs/health.md has the same table.)
 * DOWN from any source removes the real from selection and moves its
 * flows; DRAINING keeps its flows and gives it no new ones.
 */
#ifndef LB_HEALTH_H
#define LB_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include "keel_maps.h"
#include "keel_report.h"

/* Where a real's state comes from, for status. */
enum lb_state_source {
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
	uint8_t source; /* enum lb_state_source */
};

void lb_health_combine(const struct lb_health_in *in,
		       struct lb_health_out *out);
const char *lb_state_source_name(uint8_t source); /* "agent-timeout" ... */

/*
 * One agent (one real address) as lbd tracks it: replay guard and the
 * last authenticated report.  Zeroed = never heard from.
 */
struct lb_agent {
	uint8_t family;
	__be32 addr[4];
	struct keel_replay replay;
	bool heard;
	uint64_t last_ms; /* monotonic ms of the last accepted report */
	struct keel_report last;
};

/*
 * The agent's verdict for service k at now_ms.  Until the first report,
 * UNKNOWN while now_ms < start_ms + dead_after_ms (lbd's start or when the
 * real was added), then DOWN with *timeout (DRAINING for keep_ms first
 * when had_flows: lbd started over a data plane that had the real UP or
 * DRAINING, so its flows exist).  After a report, once
 * now_ms - last_ms > dead_after_ms (*timeout set): DRAINING for keep_ms
 * more if the last report had k UP or DRAINING (its flows stay through an
 * agent restart), else DOWN.  Otherwise the report's state for k
 * (port-exact match on vip, port, protocol), DOWN if the report does not
 * list k.  *conns: the reported connections for k (0 if none or silent).
 */
uint8_t lb_agent_verdict(const struct lb_agent *a, const struct keel_vip_key *k,
			 uint64_t now_ms, uint64_t start_ms,
			 uint32_t dead_after_ms, uint32_t keep_ms,
			 bool had_flows, bool *timeout, uint32_t *conns);

/*
 * The first time after now_ms at which lb_agent_verdict() (same
 * arguments) may answer otherwise without a new report: dead_after or
 * keep_ms passing.  UINT64_MAX when only a report can change it.  lbd
 * re-evaluates a real then instead of on every tick.
 */
uint64_t lb_agent_deadline(const struct lb_agent *a,
			   const struct keel_vip_key *k, uint64_t now_ms,
			   uint64_t start_ms, uint32_t dead_after_ms,
			   uint32_t keep_ms, bool had_flows);
/*
 * A deadline of one of a's reals, set when a's last report was at
 * sched_ms (0: none), reached at now_ms: true when only the deadline
 * moves (a report came since, which changed nothing or it would have been
 * evaluated, and the agent is not silent now); false when the real must
 * be evaluated.  A deadline acted on late (a held loop) after the agent
 * fell silent is evaluated: moving it from now would skip the silence.
 */
bool lb_agent_deadline_moves(const struct lb_agent *a, uint64_t sched_ms,
			     uint64_t now_ms, uint32_t dead_after_ms);

/*
 * Accept an authenticated report (keel_report_parse() returned 0) for
 * agent a at now_ms: -EALREADY if replayed/reordered (keel_replay_check),
 * else 0 and it becomes a->last.
 */
int lb_agent_accept(struct lb_agent *a, const struct keel_report *r,
		    uint64_t now_ms);

#endif
