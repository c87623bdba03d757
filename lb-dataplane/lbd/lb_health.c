/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lb_health - a real's state from its health inputs (lb_health.h).  Pure. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "lb_health.h"

static uint8_t mode_source(const struct lb_health_in *in)
{
	if (in->mode == LB_HEALTH_CHECK)
		return in->held ? LB_SRC_CHECK_HELD : LB_SRC_CHECK;
	/* timeout explains a DOWN verdict, or a DRAINING one that keeps
	 * a silent agent's flows; it means nothing with UP. */
	if (in->timeout && in->verdict == KEEL_RS_DOWN)
		return LB_SRC_AGENT_TIMEOUT;
	if (in->timeout && in->verdict == KEEL_RS_DRAINING)
		return LB_SRC_AGENT_SILENT;
	return LB_SRC_AGENT;
}

/* The table of lb_health.h, in its order: the first rule that applies. */
static uint16_t combine(const struct lb_health_in *in)
{
#define R(state, source) ((uint16_t)((state) << 8 | (source)))
	uint8_t init;

	if (in->admin_down)
		return R(KEEL_RS_DOWN, LB_SRC_ADMIN);
	if (in->mode != LB_HEALTH_AGENT && in->mode != LB_HEALTH_CHECK)
		return in->admin_drain ? R(KEEL_RS_DRAINING, LB_SRC_ADMIN) :
					 R(KEEL_RS_UP, LB_SRC_CONFIG);
	switch (in->verdict) {
	case KEEL_RS_UP:
	case KEEL_RS_DRAINING:
		/* Both say drain: the operator's word is the one shown. */
		if (in->admin_drain)
			return R(KEEL_RS_DRAINING, LB_SRC_ADMIN);
		return R(in->verdict, mode_source(in));
	case KEEL_RS_UNKNOWN:
		/*
		 * No verdict yet.  A real the data plane already had keeps
		 * its state through a hot restart; a new one is not selected
		 * blind.  DOWN wins over an admin drain here too: draining
		 * would make a real nothing vouches for usable again.
		 */
		init = in->adopted ? in->adopted_state : KEEL_RS_DOWN;
		if (init != KEEL_RS_UP && init != KEEL_RS_DRAINING)
			return R(KEEL_RS_DOWN, LB_SRC_INIT);
		if (in->admin_drain)
			return R(KEEL_RS_DRAINING, LB_SRC_ADMIN);
		return R(init, LB_SRC_INIT);
	default: /* KEEL_RS_DOWN, or a value no verdict has: not up */
		return R(KEEL_RS_DOWN, mode_source(in));
	}
#undef R
}

void lb_health_combine(const struct lb_health_in *in, struct lb_health_out *out)
{
	uint16_t r = combine(in);

	out->state = r >> 8;
	out->source = r & 0xff;
}

const char *lb_state_source_name(uint8_t source)
{
	static const char *const names[] = {
		[LB_SRC_CONFIG] = "config",
		[LB_SRC_ADMIN] = "admin",
		[LB_SRC_AGENT] = "agent",
		[LB_SRC_AGENT_TIMEOUT] = "agent-timeout",
		[LB_SRC_CHECK] = "check",
		[LB_SRC_INIT] = "init",
		[LB_SRC_AGENT_SILENT] = "agent-silent",
		[LB_SRC_CHECK_HELD] = "check-held",
	};

	if (source >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[source];
}

/* Port-exact: the report's vip (family + 16 bytes), port and protocol. */
static bool svc_match(const struct keel_report_svc *s,
		      const struct keel_vip_key *k)
{
	return s->vip.family == k->family &&
	       !memcmp(s->vip.addr, k->addr, sizeof(s->vip.addr)) &&
	       s->port == ntohs(k->port) && s->proto == k->proto;
}

/* The last report's state for k; DOWN when it does not list k. */
static uint8_t last_state(const struct lb_agent *a,
			  const struct keel_vip_key *k, uint32_t *conns)
{
	for (uint16_t i = 0; i < a->last.count && i < KEEL_REPORT_MAX; i++) {
		const struct keel_report_svc *s = &a->last.svc[i];

		if (svc_match(s, k)) {
			*conns = s->conns;
			return s->state;
		}
	}
	return KEEL_RS_DOWN;
}

uint8_t lb_agent_verdict(const struct lb_agent *a, const struct keel_vip_key *k,
			 uint64_t now_ms, uint64_t start_ms,
			 uint32_t dead_after_ms, uint32_t keep_ms,
			 bool had_flows, bool *timeout, uint32_t *conns)
{
	uint32_t ignored;
	uint8_t st;

	*timeout = false;
	*conns = 0;
	if (!a->heard) {
		/* Give a new agent (or lbd's own start) dead_after to speak. */
		if (now_ms < start_ms || now_ms - start_ms < dead_after_ms)
			return KEEL_RS_UNKNOWN;
		*timeout = true;
		/*
		 * lbd restarted over flows to this real and its agent has
		 * not spoken since (both upgraded at once): the same
		 * keep_ms as for an agent heard before.
		 */
		if (had_flows && now_ms - start_ms - dead_after_ms <= keep_ms)
			return KEEL_RS_DRAINING;
		return KEEL_RS_DOWN;
	}
	if (now_ms > a->last_ms && now_ms - a->last_ms > dead_after_ms) {
		*timeout = true;
		/*
		 * Silent, but it said it was serving: no new flows, and its
		 * established ones kept for keep_ms more (an agent restart),
		 * then DOWN.
		 */
		st = last_state(a, k, &ignored);
		if ((st == KEEL_RS_UP || st == KEEL_RS_DRAINING) &&
		    now_ms - a->last_ms - dead_after_ms <= keep_ms)
			return KEEL_RS_DRAINING;
		return KEEL_RS_DOWN;
	}
	/* A listed state, or DOWN: the agent no longer serves k. */
	return last_state(a, k, conns);
}

/* t if it is after now and before best, else best. */
static uint64_t later_first(uint64_t best, uint64_t t, uint64_t now)
{
	return t > now && t < best ? t : best;
}

uint64_t lb_agent_deadline(const struct lb_agent *a,
			   const struct keel_vip_key *k, uint64_t now_ms,
			   uint64_t start_ms, uint32_t dead_after_ms,
			   uint32_t keep_ms, bool had_flows)
{
	uint64_t best = UINT64_MAX, dead;
	uint32_t ignored;
	uint8_t st;

	/* The moments lb_agent_verdict() compares against, +1 where it
	 * uses "past" (>) rather than "reached" (>=). */
	if (!a->heard) {
		dead = start_ms + dead_after_ms;
		best = later_first(best, dead, now_ms);
		if (had_flows)
			best = later_first(best, dead + keep_ms + 1, now_ms);
		return best;
	}
	dead = a->last_ms + dead_after_ms + 1;
	best = later_first(best, dead, now_ms);
	st = last_state(a, k, &ignored);
	if (st == KEEL_RS_UP || st == KEEL_RS_DRAINING)
		best = later_first(best, dead + keep_ms, now_ms);
	return best;
}

bool lb_agent_deadline_moves(const struct lb_agent *a, uint64_t sched_ms,
			     uint64_t now_ms, uint32_t dead_after_ms)
{
	return a->heard && a->last_ms != sched_ms &&
	       now_ms - a->last_ms <= dead_after_ms;
}

int lb_agent_accept(struct lb_agent *a, const struct keel_report *r,
		    uint64_t now_ms)
{
	int err = keel_replay_check(&a->replay, r);

	if (err)
		return err;
	a->last = *r;
	a->heard = true;
	a->last_ms = now_ms;
	return 0;
}
