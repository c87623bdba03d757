// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lb_agents.h"

static const char *const lb_rx_names[LB_RX__MAX] = {
	[LB_RX_OK] = "ok",
	[LB_RX_MALFORMED] = "malformed",
	[LB_RX_VERSION] = "version",
	[LB_RX_BAD_MAC] = "bad_mac",
	[LB_RX_UNKNOWN_REAL] = "unknown_real",
	[LB_RX_WRONG_SOURCE] = "wrong_source",
	[LB_RX_REPLAY] = "replay",
};

const char *lb_rx_name(unsigned int result)
{
	return result < LB_RX__MAX ? lb_rx_names[result] : "?";
}

static int lb_agent_cmp(uint8_t fa, const __be32 *a, uint8_t fb,
			const __be32 *b)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a, b, 16);
}

static int lb_addr_sort(const void *x, const void *y)
{
	const struct lb_agent_addr *a = x, *b = y;

	return lb_agent_cmp(a->family, a->addr, b->family, b->addr);
}

struct lb_agent_slot *lb_agents_find(const struct lb_agents *t, uint8_t family,
				     const __be32 addr[4])
{
	size_t lo = 0, hi = t->n, mid;
	int d;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		d = lb_agent_cmp(family, addr, t->v[mid].a.family,
				 t->v[mid].a.addr);
		if (!d)
			return &t->v[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int lb_agents_rebuild(struct lb_agents *t, const struct lb_agent_addr *addrs,
		      size_t n)
{
	struct lb_agent_addr *sorted = NULL;
	struct lb_agent_slot *v = NULL, *old;
	size_t i, k = 0;

	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		v = calloc(n, sizeof(*v));
		if (!sorted || !v) {
			free(sorted);
			free(v);
			return -ENOMEM;
		}
		memcpy(sorted, addrs, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), lb_addr_sort);
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
	free(sorted);
	free(t->v);
	t->v = v;
	t->n = k;
	return 0;
}

void lb_agents_free(struct lb_agents *t)
{
	free(t->v);
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

enum lb_rx_result lb_agents_classify(struct lb_agents *t, const uint8_t *buf,
				     size_t len, uint8_t src_family,
				     const __be32 src[4], uint64_t now_ms,
				     struct lb_agent_slot **slot)
{
	struct lb_agents_key *k;
	struct lb_agent_slot *s;
	struct keel_report r;
	uint64_t prev_ms, states;
	__be32 real[4];
	uint32_t id;
	bool new_boot;
	int err;

	*slot = NULL;
	/* The key id is read unauthenticated, only to pick the key. */
	err = keel_report_key_id(buf, len, &id);
	if (err)
		return err == -EPROTONOSUPPORT ? LB_RX_VERSION :
						 LB_RX_MALFORMED;
	k = lb_agents_key(t, id);
	if (!k)
		return LB_RX_BAD_MAC;
	err = keel_report_parse(buf, len, k->key, &r);
	if (err == -EACCES)
		return LB_RX_BAD_MAC;
	if (err == -EPROTONOSUPPORT)
		return LB_RX_VERSION;
	if (err)
		return LB_RX_MALFORMED;
	memcpy(real, r.real.addr, sizeof(real));
	s = lb_agents_find(t, r.real.family, real);
	if (!s)
		return LB_RX_UNKNOWN_REAL;
	/* The MAC proves a key holder made it; the source, that it comes
	 * from the real itself (or one who can spoof it onto our segment). */
	if (src_family != r.real.family || memcmp(src, real, sizeof(real)))
		return LB_RX_WRONG_SOURCE;
	new_boot = s->a.replay.seen &&
		   memcmp(s->a.replay.boot_id, r.boot_id, sizeof(r.boot_id));
	prev_ms = s->a.heard ? s->a.last_ms : 0;
	if (lb_agent_accept(&s->a, &r, now_ms))
		return LB_RX_REPLAY;
	states = lb_agents_digest(&r);
	s->changed = !prev_ms || states != s->states;
	s->states = states;
	s->prev_ms = prev_ms;
	s->accepted++;
	s->boots += new_boot;
	k->reports++;
	*slot = s;
	return LB_RX_OK;
}
