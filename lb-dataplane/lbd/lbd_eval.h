/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's health evaluation: lbd's own active checks, and the combination
 * of a real's inputs (admin state, its agent's reports, its check) into
 * its state and weight, with load-aware weights (docs/lbd.md, "Health";
 * docs/health.md).
 *
 * A full pass is one lb_reconcile_with() with the hook of this module
 * (lbd_eval_reconcile(), then lbd_eval_done()); between passes,
 * lbd_eval_run() looks only at what changed: reals marked by checks and
 * reports, load-aware weights that moved, and reals whose deadline passed
 * (an agent silent for dead_after, then keep_flows_for:
 * lb_agent_deadline()).  What changed is staged in the model; committing
 * it is the caller's (lbd_commit.c).
 */
#ifndef LBD_EVAL_H
#define LBD_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "keel_maps.h"
#include "lb_agents.h"
#include "lb_deadline.h"
#include "lb_loadw.h"
#include "lb_model.h"
#include "lb_reconcile.h"

struct lbd;
struct keel_check;

/* Health of one real of one service, by model real id. */
struct lbd_hreal {
	struct keel_vip_key svc;
	uint8_t family;
	__be32 addr[4];
	uint32_t id; /* its model real id */
	struct lbd *d; /* for its check's callback */
	uint32_t pass; /* the full pass that last wanted it */
	uint8_t type; /* enum lb_cfg_hc_type */
	uint64_t spec_hash; /* of its check's settings: a change restarts it */
	struct keel_check *check; /* tcp, http */
	bool adopted; /* keep adopted_state until the first verdict */
	uint8_t adopted_state;
	bool had_flows; /* adopted UP or DRAINING: its flows are there */
	uint64_t start_ms; /* when lbd started watching it */
	/*
	 * What the last full pass wanted (admin state; admin or configured
	 * weight), for the evaluations until the next one.
	 */
	uint8_t want_state;
	uint32_t want_weight;
	bool admin_down, admin_drain, admin_weight, load_aware;
	uint32_t agent_next; /* the next real id of its agent; 0: none */
	uint64_t sched_ms; /* its agent's last report when its deadline was set */
	/* The last evaluation, for status and metrics. */
	uint8_t state, source, verdict;
	uint32_t cfg_weight; /* admin override or configured weight */
	/* Load-aware weights. */
	struct lb_loadw_real lw;
	uint64_t lw_seen; /* the agent's accepted count at the last sample */
};

struct lbd_hsvc {
	struct keel_vip_key key;
	bool used;
	uint64_t lw_last_ms;
};

struct lbd_eval_state {
	uint32_t pass;
	bool adopting; /* the first apply: reals in the model are adopted */
	void (*notify)(struct lbd *d); /* a check changed a state */
	struct lbd_hreal *hr[KEEL_MAX_REALS];
	struct lbd_hsvc hs[KEEL_MAX_SERVICES];
	struct lb_deadline dl; /* agent reals' next deadline, by real id */
	uint8_t dirty[KEEL_MAX_REALS]; /* real ids to evaluate */
	uint32_t dirty_list[KEEL_MAX_REALS];
	uint32_t n_dirty;
	/* Ids whose change takes something away (a DOWN report, a check
	 * failing): evaluated first, whatever the turn's budget. */
	uint8_t urgent[KEEL_MAX_REALS];
	uint32_t urgent_list[KEEL_MAX_REALS];
	uint32_t n_urgent;
	/* Per slot of agents (rebuilt with it): its first real id (then
	 * lbd_hreal.agent_next), heard since the last tick. */
	uint32_t *agent_first;
	uint8_t *agent_dirty;
	uint32_t *agent_dirty_list;
	uint32_t n_agent_dirty;
	uint32_t lw_svcs[KEEL_MAX_SERVICES]; /* load-aware services' ids */
	uint32_t n_lw_svcs;
	uint32_t svc_cost_us; /* a service's commit, on average */
};

/* Once, before the first pass; notify: a check changed a state. */
int lbd_eval_init(struct lbd *d, void (*notify)(struct lbd *d));
/* A full pass: config + state + health -> model (staged). */
int lbd_eval_reconcile(struct lbd *d, struct lb_reconcile_stats *rs);
/*
 * After a successful full pass: entries of reals no longer wanted
 * dropped; the agents table (d->agents), each agent's reals, the
 * deadlines and the load-aware services rebuilt.  true if the clock is
 * needed (agents or load-aware services), every lbd_eval_period_ms().
 */
bool lbd_eval_done(struct lbd *d);
uint32_t lbd_eval_period_ms(const struct lbd *d);
/*
 * An accepted report of slot's agent (changed: its states changed, or
 * the first after a silence): its reals marked.  true when they must be
 * evaluated now (a verdict no longer UP).
 */
bool lbd_eval_heard(struct lbd *d, const struct lb_agent_slot *slot,
		    bool changed, uint64_t now);
/* The clock: load-aware samples of the agents heard since the last one. */
void lbd_eval_loadw(struct lbd *d, uint64_t now);
/* How many services one loop turn may rebuild (the cost learnt). */
uint32_t lbd_eval_budget(const struct lbd *d);
/*
 * The reals marked (urgent ones all, the others while *svcs < max):
 * true if a real's state or weight changed (staged in the model); *svcs
 * counts the services this made dirty.
 */
bool lbd_eval_run(struct lbd *d, uint64_t now, uint32_t max, uint32_t *svcs);
/* A real's deadline has passed. */
bool lbd_eval_due(const struct lbd *d, uint64_t now);
/* The reals whose deadline passed, while *svcs < max: as lbd_eval_run. */
bool lbd_eval_run_due(struct lbd *d, uint64_t now, uint32_t max,
		      uint32_t *svcs);
/* Work left for the next turn. */
bool lbd_eval_more(const struct lbd *d, uint32_t max, uint32_t svcs);
/* A commit of svcs services took us: the cost per service learnt. */
void lbd_eval_cost(struct lbd *d, uint32_t svcs, uint64_t us);
/* The entry of r of s, or NULL (for status and metrics). */
const struct lbd_hreal *lbd_eval_real(const struct lbd *d,
				      const struct lb_service *s,
				      const struct lb_real *r);
/* The agent slot of e, if e has agent health and its agent was heard. */
const struct lb_agent_slot *lbd_eval_slot(const struct lbd *d,
					  const struct lbd_hreal *e);
/* The connections slot's agent reports for e's service, unless silent. */
bool lbd_eval_conns(const struct lbd *d, const struct lbd_hreal *e,
		    const struct lb_agent_slot *slot, uint64_t now,
		    uint32_t *conns);
/* Reals whose check could not run its last probe. */
uint32_t lbd_eval_checks_held(const struct lbd *d);
void lbd_eval_stop(struct lbd *d);

#endif /* LBD_EVAL_H */
