// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_admin.c - the admin registers (lb_admin.h): store, local edits,
 * merge, overlay, digests, wire registers.  Pure: no I/O, no logging.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_prime.h"
#include "lb_admin.h"

#define LB_ADM_WEIGHT_MAX 65535

/* ---- keys and values ---- */

/* Order within a service: (object, real, field); services first. */
static int lb_adm_reg_cmp(const struct lb_admin_reg *x,
			  const struct lb_admin_reg *y)
{
	int c;

	if (x->object != y->object)
		return x->object < y->object ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	return 0;
}

static bool lb_adm_same_value(const struct lb_admin_reg *x,
			      const struct lb_admin_reg *y)
{
	return x->value == y->value && x->arg1 == y->arg1 && x->arg2 == y->arg2;
}

static bool lb_adm_reg_eq(const struct lb_admin_reg *x,
			  const struct lb_admin_reg *y)
{
	return lb_state_key_eq(&x->svc, &y->svc) && !lb_adm_reg_cmp(x, y) &&
	       lb_adm_same_value(x, y) && !keel_stamp_cmp(&x->at, &y->at);
}

/* A register of service k (canonical), all else zero: the default value. */
static struct lb_admin_reg lb_adm_reg_new(const struct keel_vip_key *k,
					  uint8_t object, uint8_t family,
					  const __be32 addr[4], uint8_t field)
{
	struct lb_admin_reg r;

	memset(&r, 0, sizeof(r));
	r.svc = *k;
	r.object = object;
	r.field = field;
	if (object == LB_ADMIN_REAL) {
		r.family = family;
		memcpy(r.addr, addr, family == KEEL_F_INET ? 4 : 16);
	}
	if (field == LB_ADMIN_WEIGHT)
		r.value = LB_ADMIN_WEIGHT_NONE;
	return r;
}

static bool lb_adm_is_default(const struct lb_admin_reg *r)
{
	struct lb_admin_reg d = lb_adm_reg_new(&r->svc, r->object, r->family,
					       r->addr, r->field);

	return lb_adm_same_value(r, &d);
}

static bool lb_adm_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool lb_adm_key_ok(const struct keel_vip_key *k)
{
	if (k->family == KEEL_F_INET)
		return k->proto && lb_adm_zero(&k->addr[1], 12);
	return k->family == KEEL_F_INET6 && k->proto;
}

int lb_admin_reg_check(const struct lb_admin_reg *r)
{
	bool added = r->value == LB_ADMIN_ADDED;

	if (!lb_adm_key_ok(&r->svc) || !r->at.node)
		return -EBADMSG;
	if (r->object == LB_ADMIN_SERVICE) {
		if (r->field != LB_ADMIN_PRESENCE || r->family ||
		    !lb_adm_zero(r->addr, sizeof(r->addr)) ||
		    r->value > LB_ADMIN_REMOVED)
			return -EBADMSG;
		if (!added)
			return r->arg1 || r->arg2 ? -EBADMSG : 0;
		if (r->arg1 & ~KEEL_SVC_F_PERSISTENT)
			return -EBADMSG;
		if (r->arg2 &&
		    (r->arg2 > KEEL_RING_SIZE_MAX || !keel_is_prime(r->arg2)))
			return -EBADMSG;
		return 0;
	}
	if (r->object != LB_ADMIN_REAL || r->family != r->svc.family ||
	    (r->family == KEEL_F_INET && !lb_adm_zero(&r->addr[1], 12)))
		return -EBADMSG;
	if (r->arg2 || (r->arg1 && !(r->field == LB_ADMIN_PRESENCE && added)))
		return -EBADMSG;
	switch (r->field) {
	case LB_ADMIN_PRESENCE:
		return r->value > LB_ADMIN_REMOVED ||
				       r->arg1 > LB_ADM_WEIGHT_MAX ?
			       -EBADMSG :
			       0;
	case LB_ADMIN_DRAIN:
	case LB_ADMIN_DOWN:
		return r->value > 1 ? -EBADMSG : 0;
	case LB_ADMIN_WEIGHT:
		return r->value > LB_ADM_WEIGHT_MAX &&
				       r->value != LB_ADMIN_WEIGHT_NONE ?
			       -EBADMSG :
			       0;
	}
	return -EBADMSG;
}

/* ---- the store ---- */

static bool lb_adm_svc_at(const struct lb_admin *a,
			  const struct keel_vip_key *k, size_t *at)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&a->svcs[mid].key, k, sizeof(*k));

		if (!c) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

static bool lb_adm_reg_at(const struct lb_admin_svc *s,
			  const struct lb_admin_reg *r, size_t *at)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lb_adm_reg_cmp(&s->regs[mid], r);

		if (!c) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

static const struct lb_admin_svc *lb_adm_svc(const struct lb_admin *a,
					     const struct keel_vip_key *k)
{
	size_t i;

	return lb_adm_svc_at(a, k, &i) ? &a->svcs[i] : NULL;
}

const struct lb_admin_reg *lb_admin_get(const struct lb_admin *a,
					const struct lb_admin_reg *r)
{
	const struct lb_admin_svc *s = lb_adm_svc(a, &r->svc);
	size_t i;

	if (!s || !lb_adm_reg_at(s, r, &i))
		return NULL;
	return &s->regs[i];
}

/*
 * The canonical encoding of a register for the digests: keel_sync's
 * 64-byte layout (docs/pair.md), so that any implementation can redo it.
 */
static void lb_adm_encode(const struct lb_admin_reg *r, uint8_t b[64])
{
	uint16_t node = htons(r->at.node);
	uint32_t hi = htonl(r->at.hlc >> 32), lo = htonl((uint32_t)r->at.hlc);
	uint32_t v[3] = { htonl(r->value), htonl(r->arg1), htonl(r->arg2) };

	memset(b, 0, 64);
	b[0] = r->object;
	b[1] = r->field;
	memcpy(b + 2, &node, 2);
	memcpy(b + 4, &hi, 4);
	memcpy(b + 8, &lo, 4);
	/* keel_vip_key is the wire's service key: addr, port, proto, family. */
	memcpy(b + 12, &r->svc, 20);
	memcpy(b + 32, r->addr, 16);
	memcpy(b + 48, v, sizeof(v));
}

/*
 * A service's digest is the XOR of BLAKE2b-128 over each of its
 * registers' 64-byte encodings (each key is held once, so no two shares
 * cancel): one register changed costs two hashes, whatever the service
 * holds (a hash over the sorted list cost O(registers) per change, and a
 * batch of n changes O(n^2): 6.3 s for 8000 registers in one service).
 */
static void lb_adm_reg_xor(struct lb_admin_svc *s, const struct lb_admin_reg *r)
{
	uint8_t b[64], h[LB_ADMIN_DIGEST_LEN];
	size_t i;

	lb_adm_encode(r, b);
	crypto_generichash(h, sizeof(h), b, sizeof(b), NULL, 0);
	for (i = 0; i < LB_ADMIN_DIGEST_LEN; i++)
		s->digest[i] ^= h[i];
}

/* Service s's share of the global digest, from its digest. */
static void lb_adm_remix(struct lb_admin *a, struct lb_admin_svc *s)
{
	crypto_generichash_state h;
	size_t i;

	for (i = 0; i < LB_ADMIN_GLOBAL_LEN; i++)
		a->global[i] ^= s->mix[i];
	memset(s->mix, 0, sizeof(s->mix));
	if (!s->n)
		return;
	crypto_generichash_init(&h, NULL, 0, LB_ADMIN_GLOBAL_LEN);
	crypto_generichash_update(&h, (const uint8_t *)&s->key, sizeof(s->key));
	crypto_generichash_update(&h, s->digest, sizeof(s->digest));
	crypto_generichash_final(&h, s->mix, LB_ADMIN_GLOBAL_LEN);
	for (i = 0; i < LB_ADMIN_GLOBAL_LEN; i++)
		a->global[i] ^= s->mix[i];
}

/* Set r (key, value and stamp) unconditionally: 0 or -ENOMEM. */
static int lb_adm_store(struct lb_admin *a, const struct lb_admin_reg *r)
{
	struct lb_admin_svc *s;
	size_t si, ri;
	void *p;

	if (!lb_adm_svc_at(a, &r->svc, &si)) {
		if (a->n == a->cap) {
			p = reallocarray(a->svcs, a->cap ? 2 * a->cap : 16,
					 sizeof(*a->svcs));
			if (!p)
				return -ENOMEM;
			a->svcs = p;
			a->cap = a->cap ? 2 * a->cap : 16;
		}
		memmove(&a->svcs[si + 1], &a->svcs[si],
			(a->n - si) * sizeof(*a->svcs));
		a->n++;
		memset(&a->svcs[si], 0, sizeof(a->svcs[si]));
		a->svcs[si].key = r->svc;
	}
	s = &a->svcs[si];
	if (!lb_adm_reg_at(s, r, &ri)) {
		if (s->n == s->cap) {
			p = reallocarray(s->regs, s->cap ? 2 * s->cap : 4,
					 sizeof(*s->regs));
			if (!p) {
				if (!s->n) { /* the service just inserted */
					memmove(&a->svcs[si], &a->svcs[si + 1],
						(a->n - si - 1) *
							sizeof(*a->svcs));
					a->n--;
				}
				return -ENOMEM;
			}
			s->regs = p;
			s->cap = s->cap ? 2 * s->cap : 4;
		}
		memmove(&s->regs[ri + 1], &s->regs[ri],
			(s->n - ri) * sizeof(*s->regs));
		s->n++;
		a->n_regs++;
	} else {
		lb_adm_reg_xor(s, &s->regs[ri]); /* the old value's share out */
	}
	s->regs[ri] = *r;
	lb_adm_reg_xor(s, r);
	lb_adm_remix(a, s);
	return 0;
}

static void lb_adm_remove(struct lb_admin *a, const struct lb_admin_reg *r)
{
	struct lb_admin_svc *s;
	size_t si, ri;

	if (!lb_adm_svc_at(a, &r->svc, &si))
		return;
	s = &a->svcs[si];
	if (!lb_adm_reg_at(s, r, &ri))
		return;
	lb_adm_reg_xor(s, &s->regs[ri]);
	memmove(&s->regs[ri], &s->regs[ri + 1],
		(s->n - ri - 1) * sizeof(*s->regs));
	s->n--;
	a->n_regs--;
	lb_adm_remix(a, s);
	if (s->n)
		return;
	free(s->regs);
	memmove(&a->svcs[si], &a->svcs[si + 1],
		(a->n - si - 1) * sizeof(*a->svcs));
	a->n--;
}

void lb_admin_free(struct lb_admin *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->svcs[i].regs);
	free(a->svcs);
	memset(a, 0, sizeof(*a));
}

bool lb_admin_equal(const struct lb_admin *a, const struct lb_admin *b)
{
	size_t i, j;

	if (a->hlc != b->hlc || a->n != b->n || a->n_regs != b->n_regs)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct lb_admin_svc *x = &a->svcs[i], *y = &b->svcs[i];

		if (!lb_state_key_eq(&x->key, &y->key) || x->n != y->n)
			return false;
		for (j = 0; j < x->n; j++)
			if (!lb_adm_reg_eq(&x->regs[j], &y->regs[j]))
				return false;
	}
	return true;
}

/* ---- merge ---- */

int lb_admin_merge(struct lb_admin *a, const struct lb_admin_reg *regs,
		   size_t n, bool *changed, struct lb_admin_reg **prev,
		   size_t *n_prev)
{
	const struct lb_admin_reg *held;
	struct lb_admin_reg old;
	size_t i, first = n_prev ? *n_prev : 0;
	void *p;
	int err;

	if (changed)
		*changed = false;
	for (i = 0; i < n; i++)
		if (lb_admin_reg_check(&regs[i]))
			return -EBADMSG;
	for (i = 0; i < n; i++) {
		held = lb_admin_get(a, &regs[i]);
		/* Last writer wins; an equal stamp is the same write. */
		if (held && keel_stamp_cmp(&regs[i].at, &held->at) <= 0)
			continue;
		if (prev) {
			old = held ? *held : regs[i];
			if (!held)
				old.at.node = 0;
			p = reallocarray(*prev, *n_prev + 1, sizeof(**prev));
			if (!p)
				goto nomem;
			*prev = p;
			(*prev)[(*n_prev)++] = old;
		}
		err = lb_adm_store(a, &regs[i]);
		if (err) {
			if (prev)
				(*n_prev)--;
			goto nomem;
		}
		if (changed)
			*changed = true;
	}
	for (i = 0; i < n; i++)
		keel_hlc_observe(&a->hlc, regs[i].at.hlc);
	return 0;
nomem:
	if (prev) {
		lb_admin_undo(a, *prev + first, *n_prev - first);
		*n_prev = first;
	}
	return -ENOMEM;
}

/* ---- local edits ---- */

struct lb_adm_list {
	struct lb_admin_reg *v;
	size_t n, cap;
};

static int lb_adm_push(struct lb_adm_list *l, const struct lb_admin_reg *r)
{
	void *p;

	if (l->n == l->cap) {
		p = reallocarray(l->v, l->cap ? 2 * l->cap : 8, sizeof(*l->v));
		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = l->cap ? 2 * l->cap : 8;
	}
	l->v[l->n++] = *r;
	return 0;
}

static bool lb_adm_listed(const struct lb_adm_list *l,
			  const struct lb_admin_reg *r)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!lb_adm_reg_cmp(&l->v[i], r))
			return true;
	return false;
}

/* What the overlay st says of service k: every register it implies. */
static int lb_adm_implied(const struct lb_state *st,
			  const struct keel_vip_key *k, struct lb_adm_list *l)
{
	static const __be32 none[4];
	struct lb_admin_reg r =
		lb_adm_reg_new(k, LB_ADMIN_SERVICE, 0, none, LB_ADMIN_PRESENCE);
	size_t i;
	int err = 0;

	for (i = 0; i < st->n_svc_added; i++)
		if (lb_state_key_eq(&st->svc_added[i].svc, k)) {
			r.value = LB_ADMIN_ADDED;
			r.arg1 = st->svc_added[i].flags;
			r.arg2 = st->svc_added[i].ring_size;
		}
	for (i = 0; i < st->n_svc_removed; i++)
		if (lb_state_key_eq(&st->svc_removed[i], k))
			r.value = LB_ADMIN_REMOVED;
	err = lb_adm_push(l, &r);
	for (i = 0; !err && i < st->n_real_added; i++) {
		const struct lb_state_real *x = &st->real_added[i];

		if (!lb_state_key_eq(&x->ref.svc, k))
			continue;
		r = lb_adm_reg_new(k, LB_ADMIN_REAL, x->ref.family, x->ref.addr,
				   LB_ADMIN_PRESENCE);
		r.value = LB_ADMIN_ADDED;
		r.arg1 = x->weight;
		err = lb_adm_push(l, &r);
	}
	for (i = 0; !err && i < st->n_real_removed; i++) {
		const struct lb_state_real_ref *x = &st->real_removed[i];

		if (!lb_state_key_eq(&x->svc, k))
			continue;
		r = lb_adm_reg_new(k, LB_ADMIN_REAL, x->family, x->addr,
				   LB_ADMIN_PRESENCE);
		r.value = LB_ADMIN_REMOVED;
		err = lb_adm_push(l, &r);
	}
	for (i = 0; !err && i < st->n_admin; i++) {
		const struct lb_state_admin *x = &st->admin[i];

		if (!lb_state_key_eq(&x->ref.svc, k))
			continue;
		r = lb_adm_reg_new(k, LB_ADMIN_REAL, x->ref.family, x->ref.addr,
				   LB_ADMIN_DRAIN);
		r.value = x->drain;
		err = lb_adm_push(l, &r);
		r.field = LB_ADMIN_DOWN;
		r.value = x->down;
		if (!err)
			err = lb_adm_push(l, &r);
		r.field = LB_ADMIN_WEIGHT;
		r.value = x->has_weight ? x->weight : LB_ADMIN_WEIGHT_NONE;
		if (!err)
			err = lb_adm_push(l, &r);
	}
	return err;
}

int lb_admin_track(struct lb_admin *a, const struct lb_state *st,
		   const struct keel_vip_key *svc, uint16_t node,
		   uint64_t wall_ms, struct lb_admin_reg **out, size_t *n_out,
		   struct lb_admin_reg **prev)
{
	struct keel_vip_key k = lb_state_key_canon(svc);
	struct lb_adm_list want = { 0 }, diff = { 0 }, old = { 0 };
	const struct lb_admin_svc *s = lb_adm_svc(a, &k);
	const struct lb_admin_reg *held;
	struct lb_admin_reg r;
	struct keel_stamp at;
	size_t i, done = 0;
	void *p;
	int err;

	err = lb_adm_implied(st, &k, &want);
	/* What it no longer says goes back to the default: a tombstone. */
	for (i = 0; !err && s && i < s->n; i++) {
		if (lb_adm_listed(&want, &s->regs[i]))
			continue;
		r = lb_adm_reg_new(&k, s->regs[i].object, s->regs[i].family,
				   s->regs[i].addr, s->regs[i].field);
		err = lb_adm_push(&want, &r);
	}
	for (i = 0; !err && i < want.n; i++) {
		held = lb_admin_get(a, &want.v[i]);
		if (held ? lb_adm_same_value(held, &want.v[i]) :
			   lb_adm_is_default(&want.v[i]))
			continue;
		err = lb_adm_push(&diff, &want.v[i]);
		if (!err) {
			memset(&r, 0, sizeof(r));
			r = held ? *held : want.v[i];
			if (!held)
				r.at.node = 0;
			err = lb_adm_push(&old, &r);
		}
	}
	if (err || !diff.n)
		goto out;
	p = reallocarray(*out, *n_out + diff.n, sizeof(**out));
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	*out = p;
	if (prev) {
		p = reallocarray(*prev, *n_out + diff.n, sizeof(**prev));
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		*prev = p;
	}
	at.hlc = keel_hlc_tick(&a->hlc, wall_ms);
	at.node = node;
	for (done = 0; done < diff.n; done++) {
		diff.v[done].at = at;
		err = lb_adm_store(a, &diff.v[done]);
		if (err) {
			lb_admin_undo(a, old.v, done);
			goto out;
		}
	}
	memcpy(*out + *n_out, diff.v, diff.n * sizeof(*diff.v));
	if (prev)
		memcpy(*prev + *n_out, old.v, diff.n * sizeof(*old.v));
	*n_out += diff.n;
out:
	free(want.v);
	free(diff.v);
	free(old.v);
	return err;
}

void lb_admin_undo(struct lb_admin *a, const struct lb_admin_reg *prev,
		   size_t n)
{
	size_t i;

	/* Backwards: the first change of a key is the one to restore. */
	for (i = n; i-- > 0;) {
		if (!prev[i].at.node)
			lb_adm_remove(a, &prev[i]);
		else
			/* Replaces in place: no memory needed. */
			(void)lb_adm_store(a, &prev[i]);
	}
}

void lb_admin_clock_start(struct lb_admin *a, uint64_t wall_ms)
{
	keel_hlc_observe(&a->hlc, keel_hlc_pack(wall_ms, 0));
}

/* ---- the overlay ---- */

static int lb_adm_grow(void **arr, size_t n, size_t size)
{
	void *p = reallocarray(*arr, n + 1, size);

	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

/* The reals of one service: regs[i..] of one (family, addr). */
static int lb_adm_overlay_real(const struct lb_admin_reg *r, size_t n,
			       struct lb_state *st)
{
	struct lb_state_admin ad;
	struct lb_state_real_ref ref;
	size_t i;
	int err = 0;

	memset(&ref, 0, sizeof(ref));
	ref.svc = r[0].svc;
	ref.family = r[0].family;
	memcpy(ref.addr, r[0].addr, sizeof(ref.addr));
	memset(&ad, 0, sizeof(ad));
	ad.ref = ref;
	for (i = 0; i < n; i++) {
		switch (r[i].field) {
		case LB_ADMIN_PRESENCE:
			if (r[i].value == LB_ADMIN_REMOVED) {
				/* Nothing of a removed real has effect. */
				err = lb_adm_grow((void **)&st->real_removed,
						  st->n_real_removed,
						  sizeof(*st->real_removed));
				if (!err)
					st->real_removed[st->n_real_removed++] =
						ref;
				return err;
			}
			if (r[i].value == LB_ADMIN_ADDED) {
				err = lb_adm_grow((void **)&st->real_added,
						  st->n_real_added,
						  sizeof(*st->real_added));
				if (err)
					return err;
				st->real_added[st->n_real_added].ref = ref;
				st->real_added[st->n_real_added++].weight =
					r[i].arg1;
			}
			break;
		case LB_ADMIN_DRAIN:
			ad.drain = r[i].value;
			break;
		case LB_ADMIN_DOWN:
			ad.down = r[i].value;
			break;
		case LB_ADMIN_WEIGHT:
			ad.has_weight = r[i].value != LB_ADMIN_WEIGHT_NONE;
			ad.weight = ad.has_weight ? r[i].value : 0;
			break;
		}
	}
	if (!ad.drain && !ad.down && !ad.has_weight)
		return 0;
	err = lb_adm_grow((void **)&st->admin, st->n_admin, sizeof(*st->admin));
	if (!err)
		st->admin[st->n_admin++] = ad;
	return err;
}

static int lb_adm_overlay_svc(const struct lb_admin_svc *s, struct lb_state *st)
{
	size_t i = 0, j;
	int err;

	if (s->n && s->regs[0].object == LB_ADMIN_SERVICE) {
		const struct lb_admin_reg *p = &s->regs[0];

		if (p->value == LB_ADMIN_REMOVED) {
			err = lb_adm_grow((void **)&st->svc_removed,
					  st->n_svc_removed,
					  sizeof(*st->svc_removed));
			if (!err)
				st->svc_removed[st->n_svc_removed++] = s->key;
			/* Registers under a removed service are orphans. */
			return err;
		}
		if (p->value == LB_ADMIN_ADDED) {
			err = lb_adm_grow((void **)&st->svc_added,
					  st->n_svc_added,
					  sizeof(*st->svc_added));
			if (err)
				return err;
			st->svc_added[st->n_svc_added].svc = s->key;
			st->svc_added[st->n_svc_added].flags = p->arg1;
			st->svc_added[st->n_svc_added++].ring_size = p->arg2;
		}
		i = 1;
	}
	while (i < s->n) {
		for (j = i + 1; j < s->n; j++)
			if (s->regs[j].family != s->regs[i].family ||
			    memcmp(s->regs[j].addr, s->regs[i].addr,
				   sizeof(s->regs[i].addr)))
				break;
		err = lb_adm_overlay_real(&s->regs[i], j - i, st);
		if (err)
			return err;
		i = j;
	}
	return 0;
}

int lb_admin_overlay(const struct lb_admin *a, struct lb_state *st)
{
	struct lb_state_site site = st->site;
	size_t i;
	int err;

	lb_state_free(st);
	st->site = site;
	for (i = 0; i < a->n; i++) {
		err = lb_adm_overlay_svc(&a->svcs[i], st);
		if (err) {
			lb_state_free(st);
			st->site = site;
			return err;
		}
	}
	return 0;
}

/* ---- migration ---- */

static int lb_adm_put_ref(struct lb_admin *a,
			  const struct lb_state_real_ref *ref, uint8_t field,
			  uint32_t value, uint32_t arg1, struct keel_stamp at)
{
	struct lb_state_real_ref c = lb_state_ref_canon(ref);
	struct lb_admin_reg r =
		lb_adm_reg_new(&c.svc, LB_ADMIN_REAL, c.family, c.addr, field);

	r.value = value;
	r.arg1 = arg1;
	r.at = at;
	return lb_adm_store(a, &r);
}

int lb_admin_from_state(struct lb_admin *a, const struct lb_state *st,
			struct keel_stamp at)
{
	static const __be32 none[4];
	struct lb_admin_reg r;
	struct keel_vip_key k;
	size_t i;
	int err = 0;

	keel_hlc_observe(&a->hlc, at.hlc);
	for (i = 0; !err && i < st->n_svc_added; i++) {
		k = lb_state_key_canon(&st->svc_added[i].svc);
		r = lb_adm_reg_new(&k, LB_ADMIN_SERVICE, 0, none,
				   LB_ADMIN_PRESENCE);
		r.value = LB_ADMIN_ADDED;
		r.arg1 = st->svc_added[i].flags;
		r.arg2 = st->svc_added[i].ring_size;
		r.at = at;
		err = lb_adm_store(a, &r);
	}
	for (i = 0; !err && i < st->n_svc_removed; i++) {
		k = lb_state_key_canon(&st->svc_removed[i]);
		r = lb_adm_reg_new(&k, LB_ADMIN_SERVICE, 0, none,
				   LB_ADMIN_PRESENCE);
		r.value = LB_ADMIN_REMOVED;
		r.at = at;
		err = lb_adm_store(a, &r);
	}
	for (i = 0; !err && i < st->n_real_added; i++)
		err = lb_adm_put_ref(a, &st->real_added[i].ref,
				     LB_ADMIN_PRESENCE, LB_ADMIN_ADDED,
				     st->real_added[i].weight, at);
	for (i = 0; !err && i < st->n_real_removed; i++)
		err = lb_adm_put_ref(a, &st->real_removed[i], LB_ADMIN_PRESENCE,
				     LB_ADMIN_REMOVED, 0, at);
	for (i = 0; !err && i < st->n_admin; i++) {
		const struct lb_state_admin *x = &st->admin[i];

		if (x->drain)
			err = lb_adm_put_ref(a, &x->ref, LB_ADMIN_DRAIN, 1, 0,
					     at);
		if (!err && x->down)
			err = lb_adm_put_ref(a, &x->ref, LB_ADMIN_DOWN, 1, 0,
					     at);
		if (!err && x->has_weight)
			err = lb_adm_put_ref(a, &x->ref, LB_ADMIN_WEIGHT,
					     x->weight, 0, at);
	}
	return err;
}

/* ---- anti-entropy ---- */

bool lb_admin_svc_digest(const struct lb_admin *a, const struct keel_vip_key *k,
			 uint8_t out[LB_ADMIN_DIGEST_LEN])
{
	struct keel_vip_key c = lb_state_key_canon(k);
	const struct lb_admin_svc *s = lb_adm_svc(a, &c);

	if (!s)
		return false;
	memcpy(out, s->digest, LB_ADMIN_DIGEST_LEN);
	return true;
}

size_t lb_admin_digests(const struct lb_admin *a, struct keel_sync_digest *out,
			size_t max)
{
	size_t i;

	for (i = 0; i < a->n && i < max; i++) {
		out[i].svc = lb_admin_key_to_sync(&a->svcs[i].key);
		memcpy(out[i].digest, a->svcs[i].digest, LB_ADMIN_DIGEST_LEN);
	}
	return i;
}

int lb_admin_svc_regs(const struct lb_admin *a, const struct keel_vip_key *keys,
		      size_t n, struct lb_admin_reg **out, size_t *n_out)
{
	const struct lb_admin_svc *s;
	struct keel_vip_key c;
	size_t i;
	void *p;

	for (i = 0; i < n; i++) {
		c = lb_state_key_canon(&keys[i]);
		s = lb_adm_svc(a, &c);
		if (!s)
			continue;
		p = reallocarray(*out, *n_out + s->n, sizeof(**out));
		if (!p)
			return -ENOMEM;
		*out = p;
		memcpy(*out + *n_out, s->regs, s->n * sizeof(*s->regs));
		*n_out += s->n;
	}
	return 0;
}

/* ---- wire registers ---- */

struct keel_sync_svc lb_admin_key_to_sync(const struct keel_vip_key *k)
{
	struct keel_sync_svc s;

	memset(&s, 0, sizeof(s));
	memcpy(s.addr, k->addr, k->family == KEEL_F_INET ? 4 : 16);
	s.port = ntohs(k->port);
	s.proto = k->proto;
	s.family = k->family;
	return s;
}

struct keel_vip_key lb_admin_key_from_sync(const struct keel_sync_svc *s)
{
	struct keel_vip_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, s->addr, 16);
	k.port = htons(s->port);
	k.proto = s->proto;
	k.family = s->family;
	return k;
}

void lb_admin_to_sync(const struct lb_admin_reg *r, struct keel_sync_reg *w)
{
	memset(w, 0, sizeof(*w));
	w->object = r->object;
	w->field = r->field;
	w->node = r->at.node;
	w->hlc = r->at.hlc;
	w->svc = lb_admin_key_to_sync(&r->svc);
	if (r->object == LB_ADMIN_REAL)
		memcpy(w->real, r->addr, r->family == KEEL_F_INET ? 4 : 16);
	w->value = r->value;
	w->arg1 = r->arg1;
	w->arg2 = r->arg2;
}

int lb_admin_from_sync(const struct keel_sync_reg *w, struct lb_admin_reg *r)
{
	memset(r, 0, sizeof(*r));
	r->svc = lb_admin_key_from_sync(&w->svc);
	r->object = w->object;
	r->field = w->field;
	if (w->object == LB_ADMIN_REAL)
		r->family = w->svc.family;
	memcpy(r->addr, w->real, 16);
	r->value = w->value;
	r->arg1 = w->arg1;
	r->arg2 = w->arg2;
	r->at.hlc = w->hlc;
	r->at.node = w->node;
	return lb_admin_reg_check(r);
}
