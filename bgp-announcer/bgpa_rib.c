// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_rib.c - what to announce: the prefix table (one state per prefix,
 * an action per state), and per peer what was last sent (Adj-RIB-Out), so
 * that a state change or a reload sends only the difference.
 *
 * Prefixes sharing a family and attributes go in one UPDATE, split when
 * they do not fit 4096 bytes.  Next hop: the configured one for the
 * family, else the session's local address when it is of that family;
 * without either the family is not announced to that peer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "bgpa.h"

static const char *const bgpa_pstate_names[BGPA_P__MAX] = {
	[BGPA_P_UP] = "up",
	[BGPA_P_DOWN] = "down",
	[BGPA_P_DISABLED] = "disabled",
};

const char *bgpa_pstate_name(enum bgpa_pstate s)
{
	return (unsigned int)s < BGPA_P__MAX ? bgpa_pstate_names[s] : "?";
}

static const struct bgpa_prefix *rib_find(const struct bgpa *b,
					  const struct bgp_prefix *pfx);

int bgpa_rib_load(struct bgpa *b, const struct bgpa_config *cfg)
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
			(struct bgpa_prefix *)rib_find(b, &c->pfx);
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
	for (i = 0; i < b->n_prefixes; i++)
		bgpa_health_release(&b->prefixes[i].g);
	free(b->prefixes);
	b->prefixes = t;
	b->n_prefixes = cfg->n_prefixes;
	return 0;
}

void bgpa_rib_free(struct bgpa *b)
{
	size_t i;

	for (i = 0; i < b->n_prefixes; i++)
		bgpa_health_release(&b->prefixes[i].g);
	free(b->prefixes);
	b->prefixes = NULL;
	b->n_prefixes = 0;
}

/* The next hop for afi on this session; false: not announced there. */
static bool rib_next_hop(const struct bgpa_peer *p, uint16_t afi,
			 struct bgp_announce *a)
{
	static const uint8_t ll[2] = { 0xfe, 0x80 };

	if (afi == BGP_AFI_IPV4) {
		if (!p->fsm.nego.ipv4)
			return false;
		if (p->cfg.has_nh4) {
			a->next_hop4 = p->cfg.nh4;
			return true;
		}
		if (p->local_family != AF_INET)
			return false;
		a->next_hop4 = (uint32_t)p->local[0] << 24 |
			       (uint32_t)p->local[1] << 16 |
			       (uint32_t)p->local[2] << 8 | p->local[3];
		return true;
	}
	if (!p->fsm.nego.ipv6)
		return false;
	a->next_hop6_len = 16;
	if (p->cfg.has_nh6) {
		memcpy(a->next_hop6, p->cfg.nh6, 16);
		return true;
	}
	/* RFC 2545 section 3: a global address; link-local alone is not. */
	if (p->local_family != AF_INET6 || !memcmp(p->local, ll, 2))
		return false;
	memcpy(a->next_hop6, p->local, 16);
	return true;
}

/* Should p carry this prefix, and with what. */
static const struct bgpa_attrs *rib_want(const struct bgpa_peer *p,
					 const struct bgpa_prefix *x)
{
	struct bgp_announce a;

	if (x->g.withdraw || !x->announce[x->state])
		return NULL;
	memset(&a, 0, sizeof(a));
	if (!rib_next_hop(p, x->pfx.afi, &a))
		return NULL;
	return &x->attrs[x->state];
}

static const struct bgpa_sent *rib_sent_find(const struct bgpa_peer *p,
					     const struct bgp_prefix *pfx)
{
	size_t i;

	for (i = 0; i < p->n_sent; i++)
		if (!memcmp(&p->sent[i].pfx, pfx, sizeof(*pfx)))
			return &p->sent[i];
	return NULL;
}

static const struct bgpa_prefix *rib_find(const struct bgpa *b,
					  const struct bgp_prefix *pfx)
{
	size_t i;

	for (i = 0; i < b->n_prefixes; i++)
		if (!memcmp(&b->prefixes[i].pfx, pfx, sizeof(*pfx)))
			return &b->prefixes[i];
	return NULL;
}

/* Send withdrawals of v[0..n) (one family), split to fit. */
static void rib_send_withdraw(struct bgpa_peer *p, uint16_t afi,
			      const struct bgp_prefix *v, size_t n)
{
	uint8_t buf[BGP_MSG_MAX];
	size_t off = 0, k;
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
				 p->cfg.name, strerror(-len));
			return;
		}
		bgpa_peer_send(p, buf, len);
		p->updates_out++;
		off += k;
	}
}

static void rib_send_announce(struct bgpa_peer *p, uint16_t afi,
			      const struct bgpa_attrs *at,
			      const struct bgp_prefix *v, size_t n)
{
	uint8_t buf[BGP_MSG_MAX];
	struct bgp_announce a;
	size_t off = 0, k;
	int len;

	memset(&a, 0, sizeof(a));
	a.afi = afi;
	a.local_as = p->b->cfg.local_as;
	a.prepend = at->prepend;
	a.has_med = at->has_med;
	a.med = at->med;
	a.communities = at->comm;
	a.n_communities = at->n_comm;
	a.large = at->large;
	a.n_large = at->n_large;
	a.as2 = !p->fsm.nego.as4;
	if (!rib_next_hop(p, afi, &a))
		return;
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
				 p->cfg.name, strerror(-len));
			return;
		}
		bgpa_peer_send(p, buf, len);
		p->updates_out++;
		off += k;
	}
}

void bgpa_rib_sync(struct bgpa_peer *p)
{
	struct bgpa *b = p->b;
	struct bgp_prefix *wd = NULL, *ann = NULL;
	struct bgpa_sent *next = NULL;
	const struct bgpa_attrs **ann_at = NULL;
	size_t i, j, n_wd = 0, n_ann = 0, n_next = 0;
	bool *done = NULL;
	uint16_t afi;

	if (p->fsm.state != BGP_ST_ESTABLISHED || !p->bev)
		return;
	wd = calloc(p->n_sent + 1, sizeof(*wd));
	ann = calloc(b->n_prefixes + 1, sizeof(*ann));
	ann_at = calloc(b->n_prefixes + 1, sizeof(*ann_at));
	next = calloc(b->n_prefixes + 1, sizeof(*next));
	done = calloc(b->n_prefixes + 1, sizeof(*done));
	if (!wd || !ann || !ann_at || !next || !done) {
		keel_log(LOG_ERR, "peer %s: out of memory for an update",
			 p->cfg.name);
		goto out;
	}
	/* Withdraw what was sent and is no longer wanted. */
	for (i = 0; i < p->n_sent; i++) {
		const struct bgpa_prefix *x = rib_find(b, &p->sent[i].pfx);

		if (!x || !rib_want(p, x))
			wd[n_wd++] = p->sent[i].pfx;
	}
	/* Announce what is new or changed; remember all that is wanted. */
	for (i = 0; i < b->n_prefixes; i++) {
		const struct bgpa_prefix *x = &b->prefixes[i];
		const struct bgpa_attrs *at = rib_want(p, x);
		const struct bgpa_sent *s;

		if (!at)
			continue;
		next[n_next].pfx = x->pfx;
		next[n_next++].attrs = *at;
		s = rib_sent_find(p, &x->pfx);
		if (s && !memcmp(&s->attrs, at, sizeof(*at)))
			continue;
		ann[n_ann] = x->pfx;
		ann_at[n_ann++] = at;
	}
	for (afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		struct bgp_prefix *v = calloc(n_wd + 1, sizeof(*v));
		size_t n = 0;

		if (!v)
			goto out;
		for (i = 0; i < n_wd; i++)
			if (wd[i].afi == afi)
				v[n++] = wd[i];
		if (n)
			rib_send_withdraw(p, afi, v, n);
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
			    memcmp(ann_at[j], ann_at[i], sizeof(*ann_at[i])))
				continue;
			done[j] = true;
			v[n++] = ann[j];
		}
		rib_send_announce(p, ann[i].afi, ann_at[i], v, n);
		free(v);
	}
	free(p->sent);
	p->sent = next;
	p->n_sent = n_next;
	p->cap_sent = b->n_prefixes + 1;
	next = NULL;
out:
	free(wd);
	free(ann);
	free(ann_at);
	free(next);
	free(done);
}

void bgpa_rib_sync_all(struct bgpa *b)
{
	size_t i;

	for (i = 0; i < b->n_peers; i++)
		bgpa_rib_sync(b->peers[i]);
}

void bgpa_rib_established(struct bgpa_peer *p)
{
	uint8_t buf[64];
	int n;

	bgpa_rib_down(p);
	bgpa_rib_sync(p);
	/* RFC 4724 section 2: End-of-RIB after the initial update. */
	if (p->fsm.nego.ipv4) {
		n = bgp_update_encode_eor(buf, sizeof(buf), BGP_AFI_IPV4);
		bgpa_peer_send(p, buf, n);
	}
	if (p->fsm.nego.ipv6) {
		n = bgp_update_encode_eor(buf, sizeof(buf), BGP_AFI_IPV6);
		bgpa_peer_send(p, buf, n);
	}
	keel_log(LOG_INFO, "peer %s: announced %zu prefixes, End-of-RIB sent",
		 p->cfg.name, p->n_sent);
}

void bgpa_rib_resend(struct bgpa_peer *p)
{
	keel_log(LOG_INFO, "peer %s: ROUTE-REFRESH: sending everything again",
		 p->cfg.name);
	bgpa_rib_down(p);
	bgpa_rib_sync(p);
}

void bgpa_rib_withdraw_all(struct bgpa_peer *p)
{
	uint16_t afi;
	size_t i, n;
	struct bgp_prefix *v = calloc(p->n_sent + 1, sizeof(*v));

	if (!v)
		return;
	for (afi = BGP_AFI_IPV4; afi <= BGP_AFI_IPV6; afi++) {
		for (i = n = 0; i < p->n_sent; i++)
			if (p->sent[i].pfx.afi == afi)
				v[n++] = p->sent[i].pfx;
		if (n)
			rib_send_withdraw(p, afi, v, n);
	}
	free(v);
	bgpa_rib_down(p);
}

void bgpa_rib_down(struct bgpa_peer *p)
{
	free(p->sent);
	p->sent = NULL;
	p->n_sent = p->cap_sent = 0;
}

int bgpa_rib_set_state(struct bgpa *b, const struct bgp_prefix *pfx,
		       enum bgpa_pstate st)
{
	struct bgpa_prefix *x = (struct bgpa_prefix *)rib_find(b, pfx);

	if (!x)
		return -ENOENT;
	if ((unsigned int)st >= BGPA_P__MAX)
		return -EINVAL;
	if (x->state == st)
		return 0;
	x->state = st;
	bgpa_rib_sync_all(b);
	return 0;
}
