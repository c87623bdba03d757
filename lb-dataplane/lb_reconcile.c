// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb_reconcile.h"

static bool lb_key_eq(const struct keel_vip_key *a,
		      const struct keel_vip_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool lb_ref_eq(const struct lb_state_real_ref *r,
		      const struct keel_vip_key *k, uint8_t family,
		      const __be32 addr[4])
{
	return lb_key_eq(&r->svc, k) && r->family == family &&
	       memcmp(r->addr, addr, 16) == 0;
}

const struct lb_cfg_service *lb_cfg_find_service(const struct lb_config *cfg,
						 const struct keel_vip_key *k)
{
	size_t i;

	for (i = 0; i < cfg->n_services; i++)
		if (lb_key_eq(&cfg->services[i].key, k))
			return &cfg->services[i];
	return NULL;
}

const struct lb_cfg_real *lb_cfg_find_real(const struct lb_cfg_service *s,
					   uint8_t family, const __be32 addr[4])
{
	size_t i;

	for (i = 0; i < s->n_reals; i++)
		if (s->reals[i].family == family &&
		    memcmp(s->reals[i].addr, addr, 16) == 0)
			return &s->reals[i];
	return NULL;
}

const struct lb_state_admin *lb_state_find_admin(const struct lb_state *st,
						 const struct keel_vip_key *k,
						 uint8_t family,
						 const __be32 addr[4])
{
	size_t i;

	for (i = 0; i < st->n_admin; i++)
		if (lb_ref_eq(&st->admin[i].ref, k, family, addr))
			return &st->admin[i];
	return NULL;
}

static bool lb_svc_removed(const struct lb_state *st,
			   const struct keel_vip_key *k)
{
	size_t i;

	for (i = 0; i < st->n_svc_removed; i++)
		if (lb_key_eq(&st->svc_removed[i], k))
			return true;
	return false;
}

static bool lb_real_removed(const struct lb_state *st,
			    const struct keel_vip_key *k, uint8_t family,
			    const __be32 addr[4])
{
	size_t i;

	for (i = 0; i < st->n_real_removed; i++)
		if (lb_ref_eq(&st->real_removed[i], k, family, addr))
			return true;
	return false;
}

struct lb_rec {
	struct lb_model *m;
	const struct lb_config *cfg;
	const struct lb_state *st;
	const struct lb_reconcile_hook *hook;
	struct lb_reconcile_stats rs;
};

/*
 * One desired real: add it, or bring weight and state in line.  cs, cr:
 * where the config has it (NULL: run-time addition).
 */
static int lb_want_real(struct lb_rec *x, struct lb_service *s,
			const struct lb_cfg_service *cs,
			const struct lb_cfg_real *cr, uint8_t family,
			const __be32 addr[4], uint32_t weight)
{
	struct lb_real_want w = { .svc = s, .cs = cs, .cr = cr };
	struct lb_real *r;
	int err;

	w.admin = lb_state_find_admin(x->st, &s->key, family, addr);
	w.weight = w.admin && w.admin->has_weight ? w.admin->weight : weight;
	w.state = KEEL_RS_UP;
	if (w.admin && w.admin->down)
		w.state = KEEL_RS_DOWN;
	else if (w.admin && w.admin->drain)
		w.state = KEEL_RS_DRAINING;
	r = lb_model_real_find(s, family, addr);
	if (!r) {
		err = lb_model_real_add(x->m, s, family, addr, w.weight, &r);
		if (err)
			return err;
		lb_model_real_set_mac(s, r, NULL, NULL, 0);
		x->rs.reals_added++;
		w.is_new = true;
	}
	w.real = r;
	if (x->hook && x->hook->real)
		x->hook->real(x->hook->arg, &w);
	if (!w.is_new && (r->weight != w.weight || r->state != w.state))
		x->rs.reals_changed++;
	lb_model_real_set_weight(s, r, w.weight);
	lb_model_real_set_state(s, r, w.state);
	return 0;
}

static bool lb_real_wanted(const struct lb_cfg_service *cs,
			   const struct lb_state *st,
			   const struct lb_service *s, const struct lb_real *r)
{
	size_t i;

	if (cs && lb_cfg_find_real(cs, r->family, r->addr) &&
	    !lb_real_removed(st, &s->key, r->family, r->addr))
		return true;
	for (i = 0; i < st->n_real_added; i++)
		if (lb_ref_eq(&st->real_added[i].ref, &s->key, r->family,
			      r->addr))
			return true;
	return false;
}

static bool lb_svc_wanted(const struct lb_config *cfg,
			  const struct lb_state *st,
			  const struct keel_vip_key *k)
{
	size_t i;

	if (lb_cfg_find_service(cfg, k) && !lb_svc_removed(st, k))
		return true;
	for (i = 0; i < st->n_svc_added; i++)
		if (lb_key_eq(&st->svc_added[i].svc, k))
			return true;
	return false;
}

static int lb_want_service(struct lb_model *m, const struct lb_state *st,
			   const struct keel_vip_key *k, uint32_t flags,
			   uint32_t ring_size, struct lb_service **out,
			   struct lb_reconcile_stats *rs)
{
	struct lb_service *s = lb_model_svc_find(m, k);
	uint32_t size = ring_size ? ring_size : KEEL_RING_SIZE_DEFAULT;
	int err;

	(void)st;
	if (!s) {
		err = lb_model_svc_add(m, k, flags, size, &s);
		if (err)
			return err;
		rs->services_added++;
	} else if (s->flags != flags || s->ring_size != size) {
		err = lb_model_svc_set(m, s, flags, size);
		if (err)
			return err;
		rs->services_changed++;
	}
	*out = s;
	return 0;
}

int lb_reconcile(struct lb_model *m, const struct lb_config *cfg,
		 const struct lb_state *st, struct lb_reconcile_stats *out)
{
	return lb_reconcile_with(m, cfg, st, NULL, out);
}

int lb_reconcile_with(struct lb_model *m, const struct lb_config *cfg,
		      const struct lb_state *st,
		      const struct lb_reconcile_hook *hook,
		      struct lb_reconcile_stats *out)
{
	struct lb_rec x = { .m = m, .cfg = cfg, .st = st, .hook = hook };
	struct lb_reconcile_stats *rs = &x.rs;
	struct lb_service *s;
	size_t i, j;
	int err;

	/* Remove what is no longer wanted first: frees ids for additions. */
	for (i = 0; i < m->n_svcs; i++) {
		const struct lb_cfg_service *cs;

		s = m->svcs[i];
		if (s->deleted)
			continue;
		if (!lb_svc_wanted(cfg, st, &s->key)) {
			lb_model_svc_del(m, s);
			rs->services_removed++;
			continue;
		}
		cs = lb_cfg_find_service(cfg, &s->key);
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (!r->deleted && !lb_real_wanted(cs, st, s, r)) {
				lb_model_real_del(s, r);
				rs->reals_removed++;
			}
		}
	}
	for (i = 0; i < cfg->n_services; i++) {
		const struct lb_cfg_service *cs = &cfg->services[i];

		if (lb_svc_removed(st, &cs->key))
			continue;
		err = lb_want_service(m, st, &cs->key, cs->flags, cs->ring_size,
				      &s, rs);
		if (err)
			return err;
		for (j = 0; j < cs->n_reals; j++) {
			const struct lb_cfg_real *cr = &cs->reals[j];

			if (lb_real_removed(st, &cs->key, cr->family, cr->addr))
				continue;
			err = lb_want_real(&x, s, cs, cr, cr->family, cr->addr,
					   cr->weight);
			if (err)
				return err;
		}
	}
	for (i = 0; i < st->n_svc_added; i++) {
		const struct lb_state_svc *as = &st->svc_added[i];

		if (lb_cfg_find_service(cfg, &as->svc) &&
		    !lb_svc_removed(st, &as->svc))
			continue; /* the config took it over */
		err = lb_want_service(m, st, &as->svc, as->flags, as->ring_size,
				      &s, rs);
		if (err)
			return err;
	}
	for (i = 0; i < st->n_real_added; i++) {
		const struct lb_state_real *ar = &st->real_added[i];
		const struct lb_cfg_service *cs;

		s = lb_model_svc_find(m, &ar->ref.svc);
		if (!s)
			continue; /* its service is gone: nothing to add to */
		cs = lb_svc_removed(st, &ar->ref.svc) ?
			     NULL :
			     lb_cfg_find_service(cfg, &ar->ref.svc);
		err = lb_want_real(&x, s, cs, NULL, ar->ref.family,
				   ar->ref.addr, ar->weight);
		if (err)
			return err;
	}
	if (out)
		*out = *rs;
	return 0;
}
