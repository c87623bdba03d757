// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lb_agents.h"

static const char *const lb_agents_result_names[LB_AGENTS_RX__MAX] = {
	[LB_AGENTS_RX_OK] = "ok",
	[LB_AGENTS_RX_MALFORMED] = "malformed",
	[LB_AGENTS_RX_VERSION] = "version",
	[LB_AGENTS_RX_UNKNOWN_SOURCE] = "unknown_source",
	[LB_AGENTS_RX_WRONG_REAL] = "wrong_real",
	[LB_AGENTS_RX_REPLAY] = "replay",
	[LB_AGENTS_RX_OLD_BOOT] = "old_boot",
	[LB_AGENTS_RX_DOWNGRADE] = "downgrade",
	[LB_AGENTS_RX_RATE_LIMITED] = "rate_limited",
	[LB_AGENTS_RX_BAD_MAC] = "bad_mac",
};

const char *lb_agents_result_name(unsigned int result)
{
	return result < LB_AGENTS_RX__MAX ? lb_agents_result_names[result] :
					    "?";
}

void lb_agents_key_init(struct lb_agents_key *k)
{
	keel_report_mac_key_init(&k->mk, k->key);
}

static int lb_agent_cmp(uint8_t fa, const __be32 *a, uint8_t fb,
			const __be32 *b)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a, b, 16);
}

static int lb_agents_addr_cmp(const void *x, const void *y)
{
	const struct lb_agent_addr *a = x, *b = y;

	return lb_agent_cmp(a->family, a->addr, b->family, b->addr);
}

/*
 * Only the configured addresses are in the table, so a source an attacker
 * picks can at worst walk the longest run of them: no keyed hash needed.
 */
static size_t lb_agents_hash(uint8_t family, const __be32 addr[4])
{
	uint64_t h = family;
	size_t i;

	for (i = 0; i < 4; i++) {
		h = (h ^ addr[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (size_t)(h >> 32);
}

struct lb_agent_slot *lb_agents_find(const struct lb_agents *t, uint8_t family,
				     const __be32 addr[4])
{
	size_t mask = t->idx_size - 1, h, p;
	struct lb_agent_slot *s;

	if (!t->idx_size)
		return NULL;
	h = lb_agents_hash(family, addr);
	for (p = h & mask; t->idx[p].pos; p = (p + 1) & mask) {
		if (t->idx[p].tag != (uint32_t)h)
			continue;
		s = &t->v[t->idx[p].pos - 1];
		if (!lb_agent_cmp(family, addr, s->a.family, s->a.addr))
			return s;
	}
	return NULL;
}

int lb_agents_rebuild(struct lb_agents *t, const struct lb_agent_addr *addrs,
		      size_t n)
{
	struct lb_agent_addr *sorted = NULL;
	struct lb_agent_slot *v = NULL, *old;
	struct lb_agents_ix *idx = NULL;
	size_t i, h, p, k = 0, size = 16;

	/* At most half full: short runs whatever the addresses. */
	while (size < 2 * n)
		size *= 2;
	idx = calloc(size, sizeof(*idx));
	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		v = calloc(n, sizeof(*v));
	}
	if (!idx || (n && (!sorted || !v))) {
		free(idx);
		free(sorted);
		free(v);
		return -ENOMEM;
	}
	if (n) {
		memcpy(sorted, addrs, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), lb_agents_addr_cmp);
	}
	for (i = 0; i < n; i++) {
		if (k && !lb_agent_cmp(sorted[i].family, sorted[i].addr,
				       v[k - 1].a.family, v[k - 1].a.addr))
			continue;
		old = lb_agents_find(t, sorted[i].family, sorted[i].addr);
		if (old) {
			v[k++] = *old;
			continue;
		}
		v[k].a.family = sorted[i].family;
		memcpy(v[k].a.addr, sorted[i].addr, 16);
		k++;
	}
	for (i = 0; i < k; i++) {
		h = lb_agents_hash(v[i].a.family, v[i].a.addr);
		for (p = h & (size - 1); idx[p].pos; p = (p + 1) & (size - 1))
			;
		idx[p].pos = (uint32_t)i + 1;
		idx[p].tag = (uint32_t)h;
	}
	free(sorted);
	free(t->v);
	free(t->idx);
	t->v = v;
	t->n = k;
	t->idx = idx;
	t->idx_size = size;
	return 0;
}

void lb_agents_free(struct lb_agents *t)
{
	free(t->v);
	free(t->idx);
	sodium_memzero(t, sizeof(*t));
}

static struct lb_agents_key *lb_agents_key(struct lb_agents *t, uint32_t id)
{
	size_t i;

	for (i = 0; i < t->n_keys && i < LB_AGENTS_KEYS_MAX; i++)
		if (t->keys[i].id == id)
			return &t->keys[i];
	return NULL;
}

/* FNV-1a over each service's key and state: did anything but counts move? */
static uint64_t lb_agents_digest(const struct keel_report *r)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i, j;

	for (i = 0; i < r->count; i++) {
		const struct keel_report_svc *v = &r->svc[i];
		uint8_t b[21];

		b[0] = v->vip.family;
		memcpy(b + 1, v->vip.addr, 16);
		b[17] = v->port >> 8;
		b[18] = v->port & 0xff;
		b[19] = v->proto;
		b[20] = v->state;
		for (j = 0; j < sizeof(b); j++)
			h = (h ^ b[j]) * 1099511628211ULL;
	}
	return h;
}

/*
 * What a genuine agent sends next (lb_agents.h): called after
 * keel_replay_test() passed, so a same-boot seq is above the last.
 */
static bool lb_agents_likely(const struct keel_replay *g,
			     const struct keel_report_hdr *h)
{
	if (!g->seen)
		return false;
	if (h->version == KEEL_REPORT_VERSION_1 || !g->v2) {
		if (h->version == KEEL_REPORT_VERSION_1 &&
		    !memcmp(g->boot_id, h->boot_id, sizeof(g->boot_id)))
			return h->seq - g->last_seq <= LB_AGENTS_SEQ_WINDOW;
		return h->seq <= LB_AGENTS_SEQ_WINDOW;
	}
	if (h->boot == g->boot)
		return h->seq - g->last_seq <= LB_AGENTS_SEQ_WINDOW;
	return h->boot - g->boot <= LB_AGENTS_BOOT_WINDOW &&
	       h->seq <= LB_AGENTS_SEQ_WINDOW;
}

/* One verification of an unlikely header, if the bucket has a token. */
static bool lb_agents_budget_take(struct lb_agents *t, uint64_t now_ms)
{
	uint64_t add;

	if (now_ms > t->budget_ms) {
		add = (now_ms - t->budget_ms) * LB_AGENTS_BUDGET_PER_S / 1000;
		t->budget = add >= LB_AGENTS_BUDGET_PER_S - t->budget ?
				    LB_AGENTS_BUDGET_PER_S :
				    t->budget + (uint32_t)add;
		t->budget_ms = now_ms;
	}
	if (!t->budget)
		return false;
	t->budget--;
	return true;
}

static enum lb_agents_result lb_agents_replay_result(int err)
{
	switch (err) {
	case -ESTALE:
		return LB_AGENTS_RX_OLD_BOOT;
	case -EPROTO:
		return LB_AGENTS_RX_DOWNGRADE;
	default:
		return LB_AGENTS_RX_REPLAY;
	}
}

enum lb_agents_result lb_agents_classify(struct lb_agents *t,
					 const uint8_t *buf, size_t len,
					 uint8_t src_family,
					 const __be32 src[4], uint64_t now_ms,
					 struct lb_agent_slot **slot)
{
	struct keel_report_hdr h;
	struct lb_agents_key *k;
	struct lb_agent_slot *s;
	struct keel_report r;
	uint64_t prev_ms, states;
	bool new_boot;
	int err;

	*slot = NULL;
	/*
	 * Before the MAC (docs/agent-protocol.md, "Before the MAC"): the
	 * header is read unauthenticated, only to reject what could never
	 * be accepted, so that junk costs no HMAC.
	 */
	err = keel_report_peek(buf, len, &h);
	if (err)
		return err == -EPROTONOSUPPORT ? LB_AGENTS_RX_VERSION :
						 LB_AGENTS_RX_MALFORMED;
	s = lb_agents_find(t, src_family, src);
	if (!s)
		return LB_AGENTS_RX_UNKNOWN_SOURCE;
	/* An agent speaks for its own address only. */
	if (h.real.family != src_family || memcmp(h.real.addr, src, 16))
		return LB_AGENTS_RX_WRONG_REAL;
	err = keel_replay_test(&s->a.replay, h.version, h.boot, h.boot_id,
			       h.seq);
	if (err)
		return lb_agents_replay_result(err);
	k = lb_agents_key(t, h.key_id);
	if (!k)
		return LB_AGENTS_RX_BAD_MAC;
	if (!lb_agents_likely(&s->a.replay, &h) &&
	    !lb_agents_budget_take(t, now_ms))
		return LB_AGENTS_RX_RATE_LIMITED;
	err = keel_report_parse_with(buf, len, &k->mk, &r);
	if (err == -EACCES)
		return LB_AGENTS_RX_BAD_MAC;
	if (err)
		return LB_AGENTS_RX_MALFORMED;
	/* Authenticated from here: the same checks, now binding. */
	new_boot = keel_replay_new_boot(&s->a.replay, &r);
	prev_ms = s->a.heard ? s->a.last_ms : 0;
	err = lb_agent_accept(&s->a, &r, now_ms);
	if (err)
		return lb_agents_replay_result(err);
	states = lb_agents_digest(&r);
	s->changed = !prev_ms || states != s->states;
	s->states = states;
	s->prev_ms = prev_ms;
	s->accepted++;
	s->boots += new_boot;
	k->reports++;
	*slot = s;
	return LB_AGENTS_RX_OK;
}

bool lb_agent_urgent(const struct lb_agent_slot *s, uint64_t now_ms,
		     uint32_t dead_after_ms)
{
	return s->changed || now_ms - s->prev_ms > dead_after_ms;
}

/* ---- one agent ---- */

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
