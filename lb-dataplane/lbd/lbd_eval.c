// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's health evaluation (lbd_eval.h): every full pass is one
 * lb_reconcile_with() whose hook combines a real's inputs
 * (lb_health_combine()); between passes only what changed is looked at
 * again (docs/lbd.md, "Health"; docs/health.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <arpa/inet.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_log.h"
#include "keel_names.h"
#include "keel_probe.h"
#include "lb_health.h"
#include "lbd.h"
#include "lbd_eval.h"

_Static_assert(LB_CFG_HC_PATH_MAX <= KEEL_PROBE_PATH_MAX, "probe path");
_Static_assert(LB_CFG_HC_HOST_MAX <= KEEL_PROBE_HOST_MAX, "probe host");

/* Time for the services rebuilt in one loop turn (lbd_eval_budget()). */
#define LBD_EVAL_BUDGET_US 20000

struct lbd_eval {
	struct lbd *d;
	uint64_t now;
	uint32_t changes; /* states that changed, for the log */
};

/*
 * Real id to evaluate at the next lbd_eval_run(); urgent: before
 * anything else and whatever the budget (its change takes something
 * away).  Each list holds an id once: both are bounded by KEEL_MAX_REALS.
 */
static void lbd_eval_mark(struct lbd_eval_state *h, uint32_t id, bool urgent)
{
	if (urgent) {
		if (!h->urgent[id]) {
			h->urgent[id] = 1;
			h->urgent_list[h->n_urgent++] = id;
		}
		return;
	}
	if (h->dirty[id])
		return;
	h->dirty[id] = 1;
	h->dirty_list[h->n_dirty++] = id;
}

/* A check's state changed, or it started or stopped being held. */
static void lbd_on_check(void *arg, uint8_t state, const char *detail)
{
	struct lbd_hreal *e = arg;

	(void)detail;
	/* Several checks may change in one loop turn: one evaluation. */
	lbd_eval_mark(&e->d->ev, e->id, state != KEEL_RS_UP);
	if (e->d->ev.notify)
		e->d->ev.notify(e->d);
}

static uint64_t lbd_hc_hash(const struct lb_cfg_health *c, uint16_t port)
{
	uint64_t h = 14695981039346656037ULL;
	uint32_t v[] = { c->type, c->interval_ms, c->timeout_ms, c->rise,
			 c->fall, c->status_min,  c->status_max, port };
	const unsigned char *p;
	size_t i, b;

	/*
	 * FNV-1a: only to notice that a check's settings changed (in
	 * memory, never kept).  Each value byte by byte, by shifts: no
	 * reading of the array through another type.
	 */
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (b = 0; b < sizeof(v[0]); b++)
			h = (h ^ ((v[i] >> (8 * b)) & 0xff)) * 1099511628211ULL;
	for (p = (const unsigned char *)c->path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (p = (const unsigned char *)c->host; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static void lbd_real_label(const struct keel_vip_key *k, uint8_t family,
			   const __be32 addr[4], char *buf, size_t size)
{
	char svc[80], real[64];

	keel_vip_format(k, svc, sizeof(svc));
	keel_addr_format(family, addr, real, sizeof(real));
	snprintf(buf, size, "real %s of %s", real, svc);
}

static void lbd_check_start(struct lbd *d, struct lbd_hreal *e,
			    const struct lb_cfg_health *c, uint16_t port)
{
	struct keel_probe_spec spec = {
		.type = c->type == LB_CFG_HC_HTTP ? KEEL_PROBE_HTTP :
						    KEEL_PROBE_TCP,
		.family = e->family,
		.port = port,
		.status_min = c->status_min,
		.status_max = c->status_max,
		.timeout_ms = c->timeout_ms,
	};
	char name[160];

	memcpy(spec.addr, e->addr, sizeof(spec.addr));
	snprintf(spec.path, sizeof(spec.path), "%s", c->path);
	snprintf(spec.host, sizeof(spec.host), "%s", c->host);
	e->check = keel_check_new(d->base, &spec, c->interval_ms, c->rise,
				  c->fall, lbd_on_check, e);
	if (!e->check) {
		lbd_real_label(&e->svc, e->family, e->addr, name, sizeof(name));
		keel_log(LOG_ERR, "%s: cannot start its %s check: %s", name,
			 lb_cfg_hc_name(c->type), strerror(errno));
	}
}

static void lbd_hreal_free(struct lbd_hreal *e)
{
	if (!e)
		return;
	if (e->check)
		keel_check_free(e->check);
	free(e);
}

/* The entry of w's real, made (or remade) when it is new. */
static struct lbd_hreal *lbd_hreal_get(struct lbd_eval *x,
				       const struct lb_real_want *w)
{
	struct lbd_eval_state *h = &x->d->ev;
	const struct lb_real *r = w->real;
	struct lbd_hreal *e = h->hr[r->id];

	if (e && !memcmp(&e->svc, &w->svc->key, sizeof(e->svc)) &&
	    e->family == r->family && !memcmp(e->addr, r->addr, 16))
		return e;
	lbd_hreal_free(e);
	h->hr[r->id] = e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->svc = w->svc->key;
	e->family = r->family;
	memcpy(e->addr, r->addr, 16);
	e->id = r->id;
	e->d = x->d;
	e->start_ms = x->now;
	/* Hot restart: what the data plane had holds until a verdict. */
	e->adopted = h->adopting && !w->is_new;
	e->adopted_state = r->state;
	e->had_flows = e->adopted &&
		       (r->state == KEEL_RS_UP || r->state == KEEL_RS_DRAINING);
	e->state = r->state;
	e->lw.base = e->lw.weight = w->weight;
	return e;
}

static uint8_t lbd_eval_mode(uint8_t type)
{
	switch (type) {
	case LB_CFG_HC_AGENT:
		return LB_HEALTH_AGENT;
	case LB_CFG_HC_TCP:
	case LB_CFG_HC_HTTP:
		return LB_HEALTH_CHECK;
	default:
		return LB_HEALTH_NONE;
	}
}

static const struct lb_agent_slot *lbd_slot_find(struct lbd *d,
						 const struct lbd_hreal *e)
{
	if (e->type != LB_CFG_HC_AGENT)
		return NULL;
	return lb_agents_find(&d->agents, e->family, e->addr);
}

/*
 * Combine e's inputs at now into the state and weight its real gets.
 * state, weight: in, what reconcile wants (admin state, admin or
 * configured weight); out, what the data plane gets.  cur: the real's
 * state until now (its change is logged unless is_new).
 */
static void lbd_hreal_eval(struct lbd *d, struct lbd_hreal *e, uint64_t now,
			   uint8_t cur, bool is_new, uint8_t *state,
			   uint32_t *weight, uint32_t *changes)
{
	struct lb_health_in in = {
		.admin_down = e->admin_down,
		.admin_drain = e->admin_drain,
		.mode = lbd_eval_mode(e->type),
		.verdict = KEEL_RS_UNKNOWN,
	};
	static const struct lb_agent silent;
	const struct lb_agent_slot *slot;
	struct lb_health_out out;
	uint32_t conns;
	char name[160];

	if (in.mode == LB_HEALTH_AGENT) {
		slot = lbd_slot_find(d, e);
		in.verdict = lb_agent_verdict(slot ? &slot->a : &silent,
					      &e->svc, now, e->start_ms,
					      d->cfg.agents.dead_after_ms,
					      d->cfg.agents.keep_flows_ms,
					      e->had_flows, &in.timeout,
					      &conns);
	} else if (in.mode == LB_HEALTH_CHECK && e->check) {
		in.verdict = keel_check_state(e->check);
		in.held = keel_check_held(e->check);
	}
	if (in.verdict != KEEL_RS_UNKNOWN)
		e->adopted = false;
	in.adopted = e->adopted;
	in.adopted_state = e->adopted_state;
	e->verdict = in.verdict;
	lb_health_combine(&in, &out);
	if (!is_new && out.state != cur) {
		lbd_real_label(&e->svc, e->family, e->addr, name, sizeof(name));
		keel_log(LOG_NOTICE, "%s: %s -> %s (%s)", name,
			 keel_rs_name(cur), keel_rs_name(out.state),
			 lb_health_source_name(out.source));
		(*changes)++;
	}
	e->state = out.state;
	e->source = out.source;
	*state = out.state;
	/* Load-aware: an admin weight override still wins. */
	e->cfg_weight = *weight;
	if (e->load_aware && !e->admin_weight) {
		if (e->lw.base != *weight)
			e->lw.base = e->lw.weight = *weight;
		*weight = e->lw.weight;
	}
}

/* An agent's real is looked at again when time alone may change it. */
static void lbd_hreal_schedule(struct lbd *d, struct lbd_hreal *e, uint64_t now)
{
	static const struct lb_agent silent;
	const struct lb_agent_slot *slot;
	uint64_t at;

	if (e->type != LB_CFG_HC_AGENT) {
		lb_deadline_del(&d->ev.dl, e->id);
		return;
	}
	slot = lbd_slot_find(d, e);
	e->sched_ms = slot && slot->a.heard ? slot->a.last_ms : 0;
	at = lb_agent_deadline(slot ? &slot->a : &silent, &e->svc, now,
			       e->start_ms, d->cfg.agents.dead_after_ms,
			       d->cfg.agents.keep_flows_ms, e->had_flows);
	if (at == UINT64_MAX)
		lb_deadline_del(&d->ev.dl, e->id);
	else if (lb_deadline_set(&d->ev.dl, e->id, at))
		keel_log(LOG_ERR, "health deadlines: out of memory");
}

static void lbd_hook(void *arg, struct lb_real_want *w)
{
	static const struct lb_cfg_health none = { .type = LB_CFG_HC_NONE };
	struct lbd_eval *x = arg;
	struct lbd *d = x->d;
	const struct lb_cfg_health *c =
		w->cs ? lb_cfg_real_health(w->cs, w->cr) : &none;
	struct lbd_hreal *e;
	uint16_t port;
	uint64_t hash;

	e = lbd_hreal_get(x, w);
	if (!e) {
		/* Out of memory: keep what the data plane has. */
		w->state = w->is_new ? KEEL_RS_DOWN : w->real->state;
		w->weight = w->real->weight;
		return;
	}
	e->pass = d->ev.pass;
	port = c->port ? c->port : ntohs(w->svc->key.port);
	hash = lbd_hc_hash(c, port);
	if (e->type != c->type || e->spec_hash != hash) {
		if (e->check) {
			keel_check_free(e->check);
			e->check = NULL;
			/* A changed check starts over: no flap meanwhile. */
			e->adopted = true;
			e->adopted_state = w->real->state;
		}
		e->type = c->type;
		e->spec_hash = hash;
		if (c->type == LB_CFG_HC_TCP || c->type == LB_CFG_HC_HTTP)
			lbd_check_start(d, e, c, port);
	}
	/* What reconcile wants, for evaluations until the next pass. */
	e->want_state = w->state;
	e->want_weight = w->weight;
	e->admin_down = w->admin && w->admin->down;
	e->admin_drain = w->admin && w->admin->drain;
	e->admin_weight = w->admin && w->admin->has_weight;
	e->load_aware = w->cs && w->cs->load_aware.enabled;
	lbd_hreal_eval(d, e, x->now, w->real->state, w->is_new, &w->state,
		       &w->weight, &x->changes);
}

/*
 * Evaluate real id again between passes (a report, a check, a deadline,
 * a load-aware weight): what reconcile would do for it with the hook.
 * true if its state or weight changed (staged in the model); *svcs
 * counts the services this made dirty.
 */
static bool lbd_hreal_run(struct lbd *d, uint32_t id, bool dirty, uint64_t now,
			  uint32_t *changes, uint32_t *svcs)
{
	const struct lb_agent_slot *slot;
	struct lbd_hreal *e = d->ev.hr[id];
	struct lb_service *s;
	struct lb_real *r = lb_model_real_by_id(&d->m, id, &s);
	uint32_t weight;
	uint8_t state;

	if (!e || !r || r->deleted || e->pass != d->ev.pass ||
	    memcmp(&e->svc, &s->key, sizeof(e->svc)) ||
	    e->family != r->family || memcmp(e->addr, r->addr, 16))
		return false;
	/*
	 * A deadline reached by an agent heard since it was set: only the
	 * deadline moves, unless the agent fell silent meanwhile
	 * (lb_agent_deadline_moves()).  The steady stream of reports costs a
	 * heap update each dead_after per real, not an evaluation.
	 */
	if (!dirty && e->type == LB_CFG_HC_AGENT) {
		slot = lbd_slot_find(d, e);
		if (slot &&
		    lb_agent_deadline_moves(&slot->a, e->sched_ms, now,
					    d->cfg.agents.dead_after_ms)) {
			lbd_hreal_schedule(d, e, now);
			return false;
		}
	}
	state = e->want_state;
	weight = e->want_weight;
	lbd_hreal_eval(d, e, now, r->state, false, &state, &weight, changes);
	lbd_hreal_schedule(d, e, now);
	if (r->state == state && r->weight == weight)
		return false;
	*svcs += !s->dirty;
	lb_model_real_set_weight(s, r, weight);
	lb_model_real_set_state(s, r, state);
	return true;
}

/* One new report (at most) of e's agent into e's load-aware sample. */
static void lbd_loadw_sample(struct lbd *d, struct lbd_hreal *e,
			     const struct lb_cfg_service *cs, uint64_t now)
{
	const struct lb_agent_slot *slot = lbd_slot_find(d, e);
	uint32_t conns;
	bool timeout;

	if (!slot || slot->accepted == e->lw_seen)
		return;
	e->lw_seen = slot->accepted;
	lb_agent_verdict(&slot->a, &e->svc, now, 0, UINT32_MAX, 0, false,
			 &timeout, &conns);
	lb_loadw_sample(&cs->load_aware, &e->lw,
			cs->load_aware.metric == LB_LOADW_LOAD ?
				slot->a.last.load :
				conns);
}

/*
 * Load-aware weights: new reports into each real's sample (all: every
 * load-aware real, the full pass; else the reals of agents heard since
 * the last tick), then, at most once per period, each load-aware
 * service's weights.  Outside a full pass a service whose weights moved
 * has its reals evaluated again.
 */
static void lbd_loadw(struct lbd *d, uint64_t now, bool all)
{
	static struct lb_loadw_real lw[KEEL_MAX_REALS];
	static struct lbd_hreal *ent[KEEL_MAX_REALS];
	struct lbd_eval_state *h = &d->ev;
	const struct lb_cfg_service *cs;
	struct lb_service *s;
	struct lbd_hsvc *hs;
	uint32_t i, j, n, id, ns;

	/* Samples of the agents heard since the last tick (if any real
	 * is load-aware: otherwise nothing to walk). */
	for (i = 0; h->agent_first && i < h->n_agent_dirty; i++) {
		uint32_t a = h->agent_dirty_list[i];

		h->agent_dirty[a] = 0;
		for (id = h->agent_first[a]; !all && h->n_lw_svcs && id;
		     id = h->hr[id] ? h->hr[id]->agent_next : 0) {
			struct lbd_hreal *e = h->hr[id];

			cs = e && e->load_aware ?
				     lb_cfg_find_service(&d->cfg, &e->svc) :
				     NULL;
			if (cs && cs->load_aware.enabled)
				lbd_loadw_sample(d, e, cs, now);
		}
	}
	h->n_agent_dirty = 0;
	ns = all ? d->m.n_svcs : h->n_lw_svcs;
	for (i = 0; i < ns; i++) {
		s = all ? d->m.svcs[i] : d->m.svc_by_id[h->lw_svcs[i]];
		if (!s || s->deleted)
			continue;
		cs = lb_cfg_find_service(&d->cfg, &s->key);
		if (!cs || !cs->load_aware.enabled)
			continue;
		hs = &h->hs[s->svc_id];
		if (!hs->used || memcmp(&hs->key, &s->key, sizeof(s->key))) {
			memset(hs, 0, sizeof(*hs));
			hs->key = s->key;
			hs->used = true;
		}
		if (!all && hs->lw_last_ms &&
		    now < hs->lw_last_ms + cs->load_aware.period_ms)
			continue;
		for (j = n = 0; j < s->n_reals; j++) {
			struct lbd_hreal *e = h->hr[s->reals[j].id];

			if (s->reals[j].deleted || !e ||
			    memcmp(&e->svc, &s->key, sizeof(s->key)))
				continue;
			if (all)
				lbd_loadw_sample(d, e, cs, now);
			lw[n] = e->lw;
			ent[n++] = e;
		}
		if (lb_loadw_update(&cs->load_aware, lw, n, now,
				    &hs->lw_last_ms) <= 0)
			continue;
		for (j = 0; j < n; j++) {
			ent[j]->lw = lw[j];
			if (!all)
				lbd_eval_mark(h, ent[j]->id, false);
		}
	}
}

int lbd_eval_reconcile(struct lbd *d, struct lb_reconcile_stats *rs)
{
	struct lbd_eval x = { .d = d, .now = keel_now_ms() };
	struct lb_reconcile_hook hook = { .real = lbd_hook, .arg = &x };
	int err;

	d->ev.pass++;
	lbd_loadw(d, x.now, true);
	err = lb_reconcile_with(&d->m, &d->cfg, &d->st, &hook, rs);
	return err;
}

/* The per-agent arrays (they follow the agents table's slots). */
static void lbd_agent_index_free(struct lbd_eval_state *h)
{
	free(h->agent_first);
	free(h->agent_dirty);
	free(h->agent_dirty_list);
	h->agent_first = NULL;
	h->agent_dirty = NULL;
	h->agent_dirty_list = NULL;
	h->n_agent_dirty = 0;
}

/*
 * After a full pass: drop entries of reals no longer wanted; the agents
 * table, each agent's reals, the deadlines and the load-aware services
 * for the evaluations until the next pass.
 */
bool lbd_eval_done(struct lbd *d)
{
	struct lbd_eval_state *h = &d->ev;
	const struct lb_agent_slot *slot;
	const struct lb_cfg_service *cs;
	uint64_t now = keel_now_ms();
	struct lb_agent_addr *a;
	size_t i, n = 0;

	a = malloc(KEEL_MAX_REALS * sizeof(*a));
	for (i = 0; i < KEEL_MAX_REALS; i++) {
		struct lbd_hreal *e = h->hr[i];

		if (!e)
			continue;
		if (e->pass != h->pass) {
			lbd_hreal_free(e);
			h->hr[i] = NULL;
			continue;
		}
		if (e->type == LB_CFG_HC_AGENT && a) {
			a[n].family = e->family;
			memcpy(a[n].addr, e->addr, 16);
			n++;
		}
	}
	if (!a || lb_agents_rebuild(&d->agents, a, n))
		keel_log(
			LOG_ERR,
			"agents table: out of memory (the previous one stays)");
	free(a);
	/* Each agent's reals, chained; the slots just moved. */
	lbd_agent_index_free(h);
	h->agent_first = calloc(d->agents.n + 1, sizeof(*h->agent_first));
	h->agent_dirty = calloc(d->agents.n + 1, sizeof(*h->agent_dirty));
	h->agent_dirty_list =
		calloc(d->agents.n + 1, sizeof(*h->agent_dirty_list));
	if (!h->agent_first || !h->agent_dirty || !h->agent_dirty_list) {
		keel_log(LOG_ERR, "agents' reals: out of memory");
		lbd_agent_index_free(h);
	}
	/* Everything was just evaluated: deadlines anew, nothing dirty. */
	lb_deadline_clear(&h->dl);
	for (i = 0; i < h->n_dirty; i++)
		h->dirty[h->dirty_list[i]] = 0;
	h->n_dirty = 0;
	for (i = 0; i < h->n_urgent; i++)
		h->urgent[h->urgent_list[i]] = 0;
	h->n_urgent = 0;
	for (i = 0; i < KEEL_MAX_REALS; i++) {
		struct lbd_hreal *e = h->hr[i];

		if (!e || e->type != LB_CFG_HC_AGENT)
			continue;
		slot = lb_agents_find(&d->agents, e->family, e->addr);
		if (slot && h->agent_first) {
			e->agent_next = h->agent_first[slot - d->agents.v];
			h->agent_first[slot - d->agents.v] = i;
		}
		lbd_hreal_schedule(d, e, now);
	}
	h->n_lw_svcs = 0;
	for (i = 0; i < d->m.n_svcs; i++) {
		if (d->m.svcs[i]->deleted)
			continue;
		cs = lb_cfg_find_service(&d->cfg, &d->m.svcs[i]->key);
		if (cs && cs->load_aware.enabled)
			h->lw_svcs[h->n_lw_svcs++] = d->m.svcs[i]->svc_id;
	}
	h->adopting = false;
	/*
	 * Silent agents (the deadlines), load-aware periods and samples are
	 * looked at by the clock, every half report interval.  Checks and
	 * reports that change a state report it themselves.
	 */
	return n || h->n_lw_svcs > 0;
}

uint32_t lbd_eval_period_ms(const struct lbd *d)
{
	return d->cfg.agents.interval_ms / 2;
}

/*
 * Evaluate what is due: reals marked by checks, state-changing reports
 * and load-aware weights (lbd_eval_run()), then reals whose deadline
 * passed (lbd_eval_run_due()).  Only as many services as fit in
 * LBD_EVAL_BUDGET_US (each rebuilds its Maglev table at the commit,
 * 1.5 ms or more; the cost per service is learnt from the commits): when
 * many reals change together (a rack down, the first reports after a
 * start), the rest follow in the next turns, and reports are read in
 * between.
 */
uint32_t lbd_eval_budget(const struct lbd *d)
{
	const struct lbd_eval_state *h = &d->ev;
	uint32_t max;

	/* Before the first commit: a Maglev build of 65537 entries. */
	max = LBD_EVAL_BUDGET_US / (h->svc_cost_us ? h->svc_cost_us : 2000);
	return max < 1 ? 1 : max;
}

bool lbd_eval_run(struct lbd *d, uint64_t now, uint32_t max, uint32_t *svcs)
{
	struct lbd_eval_state *h = &d->ev;
	uint32_t i, id, changes = 0;
	bool changed = false;

	/* What takes capacity away first, and all of it. */
	for (i = 0; i < h->n_urgent; i++) {
		id = h->urgent_list[i];
		h->urgent[id] = 0;
		changed |= lbd_hreal_run(d, id, true, now, &changes, svcs);
	}
	h->n_urgent = 0;
	for (i = 0; i < h->n_dirty && *svcs < max; i++) {
		id = h->dirty_list[i];
		h->dirty[id] = 0;
		changed |= lbd_hreal_run(d, id, true, now, &changes, svcs);
	}
	/* The rest, in order, next turn. */
	memmove(h->dirty_list, h->dirty_list + i,
		(h->n_dirty - i) * sizeof(*h->dirty_list));
	h->n_dirty -= i;
	return changed;
}

bool lbd_eval_due(const struct lbd *d, uint64_t now)
{
	uint64_t due;

	return lb_deadline_peek(&d->ev.dl, NULL, &due) && due <= now;
}

bool lbd_eval_run_due(struct lbd *d, uint64_t now, uint32_t max, uint32_t *svcs)
{
	uint32_t id, changes = 0;
	bool changed = false;

	while (*svcs < max && lb_deadline_pop(&d->ev.dl, now, &id))
		changed |= lbd_hreal_run(d, id, false, now, &changes, svcs);
	return changed;
}

bool lbd_eval_more(const struct lbd *d, uint32_t max, uint32_t svcs)
{
	return d->ev.n_dirty || svcs >= max;
}

void lbd_eval_cost(struct lbd *d, uint32_t svcs, uint64_t us)
{
	/* An average that follows the machine's load. */
	if (svcs)
		d->ev.svc_cost_us = (3 * d->ev.svc_cost_us + us / svcs) / 4;
}

/*
 * An accepted report of slot's agent.  changed: its states changed, or it
 * is the first after a silence: its reals are marked for evaluation.
 * Returns true when that must happen now: a real's verdict is no longer
 * UP (a service went DOWN or DRAINING).  A report that only brings reals
 * up waits for the clock (half an interval): a crowd of agents coming up
 * at once (lbd's start, a rack back) then rebuilds each service once or
 * twice, not once per agent (3000 agents: 3000 Maglev rebuilds, seconds
 * of CPU, before).
 */
bool lbd_eval_heard(struct lbd *d, const struct lb_agent_slot *slot,
		    bool changed, uint64_t now)
{
	struct lbd_eval_state *h = &d->ev;
	uint32_t a = slot - d->agents.v, id, conns;
	bool now_too = false, timeout, down;
	struct lbd_hreal *e;

	if (!h->agent_first) {
		/* The per-agent arrays could not be made (out of memory):
		 * find the agent's reals the long way rather than lose a
		 * DOWN report. */
		for (id = 1; changed && id < KEEL_MAX_REALS; id++)
			if ((e = h->hr[id]) && e->type == LB_CFG_HC_AGENT &&
			    e->family == slot->a.family &&
			    !memcmp(e->addr, slot->a.addr, 16))
				lbd_eval_mark(h, id, true);
		return changed;
	}
	if (!h->agent_dirty[a]) {
		h->agent_dirty[a] = 1;
		h->agent_dirty_list[h->n_agent_dirty++] = a;
	}
	for (id = h->agent_first[a]; changed && id && (e = h->hr[id]);
	     id = e->agent_next) {
		down = lb_agent_verdict(&slot->a, &e->svc, now, e->start_ms,
					d->cfg.agents.dead_after_ms,
					d->cfg.agents.keep_flows_ms,
					e->had_flows, &timeout,
					&conns) != KEEL_RS_UP;
		lbd_eval_mark(h, id, down);
		now_too |= down;
	}
	return now_too;
}

const struct lbd_hreal *lbd_eval_real(const struct lbd *d,
				      const struct lb_service *s,
				      const struct lb_real *r)
{
	const struct lbd_hreal *e = d->ev.hr[r->id];

	if (!e || memcmp(&e->svc, &s->key, sizeof(s->key)) ||
	    e->family != r->family || memcmp(e->addr, r->addr, 16))
		return NULL;
	return e;
}

const struct lb_agent_slot *lbd_eval_slot(const struct lbd *d,
					  const struct lbd_hreal *e)
{
	const struct lb_agent_slot *slot;

	if (!e || e->type != LB_CFG_HC_AGENT)
		return NULL;
	slot = lb_agents_find(&d->agents, e->family, e->addr);
	return slot && slot->a.heard ? slot : NULL;
}

bool lbd_eval_conns(const struct lbd *d, const struct lbd_hreal *e,
		    const struct lb_agent_slot *slot, uint64_t now,
		    uint32_t *conns)
{
	bool timeout;

	if (!slot)
		return false;
	lb_agent_verdict(&slot->a, &e->svc, now, e->start_ms,
			 d->cfg.agents.dead_after_ms,
			 d->cfg.agents.keep_flows_ms, e->had_flows, &timeout,
			 conns);
	return !timeout;
}

uint32_t lbd_eval_checks_held(const struct lbd *d)
{
	uint32_t i, k = 0;

	for (i = 0; i < KEEL_MAX_REALS; i++)
		k += d->ev.hr[i] && d->ev.hr[i]->check &&
		     keel_check_held(d->ev.hr[i]->check);
	return k;
}

/* The clock's load-aware samples and periods. */
void lbd_eval_loadw(struct lbd *d, uint64_t now)
{
	lbd_loadw(d, now, false);
}

/* Called once from lbd_start() before the first apply. */
int lbd_eval_init(struct lbd *d, void (*notify)(struct lbd *d))
{
	d->ev.adopting = true;
	d->ev.notify = notify;
	return lb_deadline_init(&d->ev.dl, KEEL_MAX_REALS) ? -ENOMEM : 0;
}

void lbd_eval_stop(struct lbd *d)
{
	struct lbd_eval_state *h = &d->ev;
	size_t i;

	for (i = 0; i < KEEL_MAX_REALS; i++) {
		lbd_hreal_free(h->hr[i]);
		h->hr[i] = NULL;
	}
	lb_deadline_free(&h->dl);
	lbd_agent_index_free(h);
}
