// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_rib.c - what to announce: the prefix table (one state per prefix,
 * an action per state), and per session what was last sent (Adj-RIB-Out),
 * so that a state change or a reload sends only the difference.
 *
 * Prefixes sharing a family and attributes go in one UPDATE, split when
 * they do not fit 4096 bytes.  Next hop: the configured one for the
 * family, else the session's local address when it is of that family;
 * without either the family is not announced to that peer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "bgp_msg.h"
#include "bgpa_gate.h"
#include "bgpa_rib.h"
#include "keel_log.h"

static const struct bgpa_prefix *rib_find(const struct bgpa_rib *r,
					  const struct bgp_prefix *pfx);

/* The families, in the order their UPDATEs go out. */
static const uint16_t rib_afis[] = { BGP_AFI_IPV4, BGP_AFI_IPV6 };

/* Same attributes, member by member (struct bgpa_attrs has padding). */
static bool rib_attrs_eq(const struct bgpa_attrs *a, const struct bgpa_attrs *b)
{
	return a->prepend == b->prepend && a->has_med == b->has_med &&
	       a->med == b->med && a->n_comm == b->n_comm &&
	       !memcmp(a->comm, b->comm, a->n_comm * sizeof(a->comm[0])) &&
	       a->n_large == b->n_large &&
	       !memcmp(a->large, b->large, a->n_large * sizeof(a->large[0]));
}

int bgpa_rib_load(struct bgpa_rib *r, const struct bgpa_config *cfg,
		  struct bgpa_prefix **old_t, size_t *n_old)
{
	struct bgpa_prefix *t = NULL;
	size_t i;

	if (cfg->n_prefixes) {
		t = calloc(cfg->n_prefixes, sizeof(*t));
		if (!t)
			return -ENOMEM;
	}
	for (i = 0; i < cfg->n_prefixes; i++) {
		const struct bgpa_cfg_prefix *c = &cfg->prefixes[i];
		struct bgpa_prefix *old =
			(struct bgpa_prefix *)rib_find(r, &c->pfx);
		unsigned int s;

		t[i].pfx = c->pfx;
		for (s = 0; s < BGPA_P__MAX; s++) {
			t[i].announce[s] = c->act[s].announce;
			t[i].attrs[s] = c->act[s].attrs;
		}
		if (old) {
			/* Same prefix: its state and health go on. */
			t[i].state = old->state;
			t[i].g = old->g;
			old->g.probe = NULL;
			continue;
		}
		/* bgpa_health decides; until then nothing is announced. */
		t[i].state = BGPA_P_DOWN;
		t[i].g.withdraw = true;
		snprintf(t[i].g.reason, sizeof(t[i].g.reason), "starting");
	}
	*old_t = r->prefixes;
	*n_old = r->n_prefixes;
	r->prefixes = t;
	r->n_prefixes = cfg->n_prefixes;
	return 0;
}

/* The next hop for afi on this session; false: not announced there. */
static bool rib_next_hop(const struct bgpa_rib_session *s, uint16_t afi,
			 struct bgp_announce *a)
{
	static const uint8_t ll[2] = { 0xfe, 0x80 };

	if (afi == BGP_AFI_IPV4) {
		if (!s->ipv4)
			return false;
		if (s->has_nh4) {
			a->next_hop4 = s->nh4;
			return true;
		}
		if (s->local_family != AF_INET)
			return false;
		a->next_hop4 = (uint32_t)s->local[0] << 24 |
			       (uint32_t)s->local[1] << 16 |
			       (uint32_t)s->local[2] << 8 | s->local[3];
		return true;
	}
	if (!s->ipv6)
		return false;
	a->next_hop6_len = 16;
	if (s->has_nh6) {
		memcpy(a->next_hop6, s->nh6, 16);
		return true;
	}
	/* RFC 2545 section 3: a global address; link-local alone is not. */
	if (s->local_family != AF_INET6 || !memcmp(s->local, ll, 2))
		return false;
	memcpy(a->next_hop6, s->local, 16);
	return true;
}

/* Should the session carry this prefix, and with what. */
static const struct bgpa_attrs *rib_want(const struct bgpa_rib_session *s,
					 const struct bgpa_prefix *x)
{
	struct bgp_announce a;

	if (x->g.withdraw || !x->announce[x->state])
		return NULL;
	memset(&a, 0, sizeof(a));
	if (!rib_next_hop(s, x->pfx.afi, &a))
		return NULL;
	return &x->attrs[x->state];
}

static const struct bgpa_sent *rib_sent_find(const struct bgpa_adjout *ao,
					     const struct bgp_prefix *pfx)
{
	size_t i;

	for (i = 0; i < ao->n; i++)
		if (bgp_prefix_eq(&ao->sent[i].pfx, pfx))
			return &ao->sent[i];
	return NULL;
}

bool bgpa_adjout_has(const struct bgpa_adjout *ao, const struct bgp_prefix *pfx)
{
	return rib_sent_find(ao, pfx) != NULL;
}

static const struct bgpa_prefix *rib_find(const struct bgpa_rib *r,
					  const struct bgp_prefix *pfx)
{
	size_t i;

	for (i = 0; i < r->n_prefixes; i++)
		if (bgp_prefix_eq(&r->prefixes[i].pfx, pfx))
			return &r->prefixes[i];
	return NULL;
}

/* Send withdrawals of v[0..n) (one family), split to fit. */
static size_t rib_send_withdraw(const struct bgpa_rib_session *s,
				bgpa_rib_emit_fn *emit, void *arg, uint16_t afi,
				const struct bgp_prefix *v, size_t n)
{
	uint8_t buf[BGP_MSG_MAX];
	size_t off = 0, k, sent = 0;
	int len;

	while (off < n) {
		k = n - off;
		while ((len = bgp_update_encode_withdraw(
				buf, sizeof(buf), afi, v + off,
				(unsigned int)k)) == -EMSGSIZE &&
		       k > 1)
			k /= 2;
		if (len < 0) {
			keel_log(LOG_ERR,
				 "peer %s: cannot encode a withdraw: %s",
				 s->name, strerror(-len));
			return sent;
		}
		emit(arg, buf, len);
		sent++;
		off += k;
	}
	return sent;
}

static size_t rib_send_announce(const struct bgpa_rib_session *s,
				bgpa_rib_emit_fn *emit, void *arg, uint16_t afi,
				const struct bgpa_attrs *at,
				const struct bgp_prefix *v, size_t n)
{
	uint8_t buf[BGP_MSG_MAX];
	struct bgp_announce a;
	size_t off = 0, k, sent = 0;
	int len;

	memset(&a, 0, sizeof(a));
	a.afi = afi;
	a.local_as = s->local_as;
	a.prepend = at->prepend;
	a.has_med = at->has_med;
	a.med = at->med;
	a.communities = at->comm;
	a.n_communities = at->n_comm;
	a.large = at->large;
	a.n_large = at->n_large;
	a.as2 = !s->as4;
	if (!rib_next_hop(s, afi, &a))
		return 0;
	while (off < n) {
		k = n - off;
		for (;;) {
			a.prefixes = v + off;
			a.n_prefixes = (unsigned int)k;
			len = bgp_update_encode_announce(buf, sizeof(buf), &a);
			if (len != -EMSGSIZE || k == 1)
				break;
			k /= 2;
		}
		if (len < 0) {
			keel_log(LOG_ERR,
				 "peer %s: cannot encode an announcement: %s",
				 s->name, strerror(-len));
			return sent;
		}
		emit(arg, buf, len);
		sent++;
		off += k;
	}
	return sent;
}

size_t bgpa_rib_sync(const struct bgpa_rib *t, const struct bgpa_rib_session *s,
		     struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit, void *arg)
{
	struct bgp_prefix *wd = NULL, *ann = NULL;
	struct bgpa_sent *next = NULL;
	const struct bgpa_attrs **ann_at = NULL;
	size_t i, j, f, n_wd = 0, n_ann = 0, n_next = 0, sent = 0;
	bool *done = NULL;
	uint16_t afi;

	wd = calloc(ao->n + 1, sizeof(*wd));
	ann = calloc(t->n_prefixes + 1, sizeof(*ann));
	ann_at = calloc(t->n_prefixes + 1, sizeof(*ann_at));
	next = calloc(t->n_prefixes + 1, sizeof(*next));
	done = calloc(t->n_prefixes + 1, sizeof(*done));
	if (!wd || !ann || !ann_at || !next || !done) {
		keel_log(LOG_ERR, "peer %s: out of memory for an update",
			 s->name);
		goto out;
	}
	/* Withdraw what was sent and is no longer wanted. */
	for (i = 0; i < ao->n; i++) {
		const struct bgpa_prefix *x = rib_find(t, &ao->sent[i].pfx);

		if (!x || !rib_want(s, x))
			wd[n_wd++] = ao->sent[i].pfx;
	}
	/* Announce what is new or changed; remember all that is wanted. */
	for (i = 0; i < t->n_prefixes; i++) {
		const struct bgpa_prefix *x = &t->prefixes[i];
		const struct bgpa_attrs *at = rib_want(s, x);
		const struct bgpa_sent *was;

		if (!at)
			continue;
		next[n_next].pfx = x->pfx;
		next[n_next++].attrs = *at;
		was = rib_sent_find(ao, &x->pfx);
		if (was && rib_attrs_eq(&was->attrs, at))
			continue;
		ann[n_ann] = x->pfx;
		ann_at[n_ann++] = at;
	}
	for (f = 0; f < sizeof(rib_afis) / sizeof(rib_afis[0]); f++) {
		struct bgp_prefix *v = calloc(n_wd + 1, sizeof(*v));
		size_t n = 0;

		afi = rib_afis[f];
		if (!v)
			goto out;
		for (i = 0; i < n_wd; i++)
			if (wd[i].afi == afi)
				v[n++] = wd[i];
		if (n)
			sent += rib_send_withdraw(s, emit, arg, afi, v, n);
		free(v);
	}
	/* Group by family and attributes: one UPDATE per group. */
	for (i = 0; i < n_ann; i++) {
		struct bgp_prefix *v;
		size_t n = 0;

		if (done[i])
			continue;
		v = calloc(n_ann - i, sizeof(*v));
		if (!v)
			goto out;
		for (j = i; j < n_ann; j++) {
			if (done[j] || ann[j].afi != ann[i].afi ||
			    !rib_attrs_eq(ann_at[j], ann_at[i]))
				continue;
			done[j] = true;
			v[n++] = ann[j];
		}
		sent += rib_send_announce(s, emit, arg, ann[i].afi, ann_at[i],
					  v, n);
		free(v);
	}
	free(ao->sent);
	ao->sent = next;
	ao->n = n_next;
	ao->cap = t->n_prefixes + 1;
	next = NULL;
out:
	free(wd);
	free(ann);
	free(ann_at);
	free(next);
	free(done);
	return sent;
}

size_t bgpa_rib_established(const struct bgpa_rib *t,
			    const struct bgpa_rib_session *s,
			    struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit,
			    void *arg)
{
	uint8_t buf[64];
	size_t sent;
	int n;

	bgpa_rib_down(ao);
	sent = bgpa_rib_sync(t, s, ao, emit, arg);
	/* RFC 4724 section 2: End-of-RIB after the initial update. */
	if (s->ipv4) {
		n = bgp_update_encode_eor(buf, sizeof(buf), BGP_AFI_IPV4);
		emit(arg, buf, n);
	}
	if (s->ipv6) {
		n = bgp_update_encode_eor(buf, sizeof(buf), BGP_AFI_IPV6);
		emit(arg, buf, n);
	}
	keel_log(LOG_INFO, "peer %s: announced %zu prefixes, End-of-RIB sent",
		 s->name, ao->n);
	return sent;
}

size_t bgpa_rib_resend(const struct bgpa_rib *t,
		       const struct bgpa_rib_session *s, struct bgpa_adjout *ao,
		       bgpa_rib_emit_fn *emit, void *arg)
{
	keel_log(LOG_INFO, "peer %s: ROUTE-REFRESH: sending everything again",
		 s->name);
	bgpa_rib_down(ao);
	return bgpa_rib_sync(t, s, ao, emit, arg);
}

size_t bgpa_rib_withdraw_all(const struct bgpa_rib_session *s,
			     struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit,
			     void *arg)
{
	uint16_t afi;
	size_t i, f, n, sent = 0;
	struct bgp_prefix *v = calloc(ao->n + 1, sizeof(*v));

	if (!v)
		return 0;
	for (f = 0; f < sizeof(rib_afis) / sizeof(rib_afis[0]); f++) {
		afi = rib_afis[f];
		for (i = n = 0; i < ao->n; i++)
			if (ao->sent[i].pfx.afi == afi)
				v[n++] = ao->sent[i].pfx;
		if (n)
			sent += rib_send_withdraw(s, emit, arg, afi, v, n);
	}
	free(v);
	bgpa_rib_down(ao);
	return sent;
}

void bgpa_rib_down(struct bgpa_adjout *ao)
{
	free(ao->sent);
	ao->sent = NULL;
	ao->n = ao->cap = 0;
}
