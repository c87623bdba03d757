// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lb_reconcile.h"

/*
 * The state's lists indexed for one pass (an overlay of thousands of
 * entries must not make each real's lookups walk them): every entry's
 * position under the hash of its service key or real reference.
 */
struct lb_rec_idx {
	struct lb_htab admin, real_added, real_removed;
	struct lb_htab svc_added, svc_removed;
};

struct lb_rec {
	struct lb_model *m;
	const struct lb_config *cfg;
	const struct lb_state *st;
	const struct lb_reconcile_hook *hook;
	struct lb_reconcile_stats rs;
	struct lb_rec_idx ix;
};

static uint32_t lb_ref_hash(const struct keel_vip_key *k, uint8_t family,
			    const __be32 addr[4])
{
	uint32_t w[10];

	memcpy(w, k, 5 * sizeof(uint32_t));
	w[5] = family;
	memcpy(&w[6], addr, 16);
	return lb_htab_hash(w, 10);
}

static int lb_rec_index(struct lb_rec *x)
{
	const struct lb_state *st = x->st;
	struct lb_rec_idx *ix = &x->ix;
	const struct lb_state_real_ref *r;
	size_t i;

	for (i = 0; i < st->n_admin; i++) {
		r = &st->admin[i].ref;
		if (lb_htab_add(&ix->admin,
				lb_ref_hash(&r->svc, r->family, r->addr), i))
			return -ENOMEM;
	}
	for (i = 0; i < st->n_real_added; i++) {
		r = &st->real_added[i].ref;
		if (lb_htab_add(&ix->real_added,
				lb_ref_hash(&r->svc, r->family, r->addr), i))
			return -ENOMEM;
	}
	for (i = 0; i < st->n_real_removed; i++) {
		r = &st->real_removed[i];
		if (lb_htab_add(&ix->real_removed,
				lb_ref_hash(&r->svc, r->family, r->addr), i))
			return -ENOMEM;
	}
	for (i = 0; i < st->n_svc_added; i++)
		if (lb_htab_add(&ix->svc_added,
				lb_htab_hash_vip(&st->svc_added[i].svc), i))
			return -ENOMEM;
	for (i = 0; i < st->n_svc_removed; i++)
		if (lb_htab_add(&ix->svc_removed,
				lb_htab_hash_vip(&st->svc_removed[i]), i))
			return -ENOMEM;
	return 0;
}

static void lb_rec_index_free(struct lb_rec_idx *ix)
{
	lb_htab_free(&ix->admin);
	lb_htab_free(&ix->real_added);
	lb_htab_free(&ix->real_removed);
	lb_htab_free(&ix->svc_added);
	lb_htab_free(&ix->svc_removed);
}

/* The entry of a state list of references at (k, family, addr), or -1. */
static ssize_t lb_rec_ref(const struct lb_htab *t, const void *base,
			  size_t stride, const struct keel_vip_key *k,
			  uint8_t family, const __be32 addr[4])
{
	const struct lb_state_real_ref *r;
	uint32_t cur = LB_HTAB_START, i;

	while ((i = lb_htab_next(t, lb_ref_hash(k, family, addr), &cur)) !=
	       LB_HTAB_NONE) {
		r = (const void *)((const char *)base + i * stride);
		if (lb_state_ref_eq(r, k, family, addr))
			return i;
	}
	return -1;
}

/* The entry of a state list of services keyed k, or -1. */
static ssize_t lb_rec_svc(const struct lb_htab *t, const void *base,
			  size_t stride, const struct keel_vip_key *k)
{
	const struct keel_vip_key *e;
	uint32_t cur = LB_HTAB_START, i;

	while ((i = lb_htab_next(t, lb_htab_hash_vip(k), &cur)) !=
	       LB_HTAB_NONE) {
		e = (const void *)((const char *)base + i * stride);
		if (lb_state_key_eq(e, k))
			return i;
	}
	return -1;
}

static const struct lb_state_admin *lb_rec_admin(const struct lb_rec *x,
						 const struct keel_vip_key *k,
						 uint8_t family,
						 const __be32 addr[4])
{
	ssize_t i = lb_rec_ref(&x->ix.admin, x->st->admin,
			       sizeof(*x->st->admin), k, family, addr);

	return i < 0 ? NULL : &x->st->admin[i];
}

static bool lb_svc_removed(const struct lb_rec *x, const struct keel_vip_key *k)
{
	return lb_rec_svc(&x->ix.svc_removed, x->st->svc_removed,
			  sizeof(*x->st->svc_removed), k) >= 0;
}

static bool lb_svc_added(const struct lb_rec *x, const struct keel_vip_key *k)
{
	return lb_rec_svc(&x->ix.svc_added, x->st->svc_added,
			  sizeof(*x->st->svc_added), k) >= 0;
}

static bool lb_real_removed(const struct lb_rec *x,
			    const struct keel_vip_key *k, uint8_t family,
			    const __be32 addr[4])
{
	return lb_rec_ref(&x->ix.real_removed, x->st->real_removed,
			  sizeof(*x->st->real_removed), k, family, addr) >= 0;
}

static bool lb_real_added(const struct lb_rec *x, const struct keel_vip_key *k,
			  uint8_t family, const __be32 addr[4])
{
	return lb_rec_ref(&x->ix.real_added, x->st->real_added,
			  sizeof(*x->st->real_added), k, family, addr) >= 0;
}

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
	bool sorry;
	int err;

	w.admin = lb_rec_admin(x, &s->key, family, addr);
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
	/* Only the config makes a sorry server: a run-time real is not. */
	sorry = cr && cr->sorry;
	if (!w.is_new &&
	    (r->weight != w.weight || r->state != w.state || r->sorry != sorry))
		x->rs.reals_changed++;
	lb_model_real_set_weight(s, r, w.weight);
	lb_model_real_set_state(s, r, w.state);
	lb_model_real_set_sorry(s, r, sorry);
	return 0;
}

static bool lb_real_wanted(const struct lb_rec *x,
			   const struct lb_cfg_service *cs,
			   const struct lb_service *s, const struct lb_real *r)
{
	if (cs && lb_cfg_find_real(cs, r->family, r->addr) &&
	    !lb_real_removed(x, &s->key, r->family, r->addr))
		return true;
	return lb_real_added(x, &s->key, r->family, r->addr);
}

static bool lb_svc_wanted(const struct lb_rec *x, const struct keel_vip_key *k)
{
	if (lb_cfg_find_service(x->cfg, k) && !lb_svc_removed(x, k))
		return true;
	return lb_svc_added(x, k);
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

static int lb_rec_pass(struct lb_rec *x)
{
	struct lb_model *m = x->m;
	const struct lb_config *cfg = x->cfg;
	const struct lb_state *st = x->st;
	struct lb_reconcile_stats *rs = &x->rs;
	struct lb_service *s;
	size_t i, j;
	int err;

	/* Remove what is no longer wanted first: frees ids for additions. */
	for (i = 0; i < m->n_svcs; i++) {
		const struct lb_cfg_service *cs;

		s = m->svcs[i];
		if (s->deleted)
			continue;
		if (!lb_svc_wanted(x, &s->key)) {
			lb_model_svc_del(m, s);
			rs->services_removed++;
			continue;
		}
		cs = lb_cfg_find_service(cfg, &s->key);
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (!r->deleted && !lb_real_wanted(x, cs, s, r)) {
				lb_model_real_del(s, r);
				rs->reals_removed++;
			}
		}
	}
	for (i = 0; i < cfg->n_services; i++) {
		const struct lb_cfg_service *cs = &cfg->services[i];

		if (lb_svc_removed(x, &cs->key))
			continue;
		err = lb_want_service(m, st, &cs->key, cs->flags, cs->ring_size,
				      &s, rs);
		if (err)
			return err;
		for (j = 0; j < cs->n_reals; j++) {
			const struct lb_cfg_real *cr = &cs->reals[j];

			if (lb_real_removed(x, &cs->key, cr->family, cr->addr))
				continue;
			err = lb_want_real(x, s, cs, cr, cr->family, cr->addr,
					   cr->weight);
			if (err)
				return err;
		}
	}
	for (i = 0; i < st->n_svc_added; i++) {
		const struct lb_state_svc *as = &st->svc_added[i];

		if (lb_cfg_find_service(cfg, &as->svc) &&
		    !lb_svc_removed(x, &as->svc))
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
		cs = lb_svc_removed(x, &ar->ref.svc) ?
			     NULL :
			     lb_cfg_find_service(cfg, &ar->ref.svc);
		err = lb_want_real(x, s, cs, NULL, ar->ref.family, ar->ref.addr,
				   ar->weight);
		if (err)
			return err;
	}
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
	int err;

	err = lb_rec_index(&x);
	if (!err)
		err = lb_rec_pass(&x);
	lb_rec_index_free(&x.ix);
	if (!err && out)
		*out = x.rs;
	return err;
}
