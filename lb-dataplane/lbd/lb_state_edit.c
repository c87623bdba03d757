// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_state_edit.c - in-memory edits of the state (lb_state.h): admin
 * overrides and the run-time overlay, each list kept minimal and in
 * order.  Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb_state.h"

/* Room for one more element at the end; NULL if out of memory. */
static void *lb_st_grow(void *arr, size_t n, size_t size)
{
	return reallocarray(arr, n + 1, size);
}

/* Remove element i, keeping the order: files stay diffable. */
static void lb_st_erase(void *arr, size_t *n, size_t size, size_t i)
{
	char *b = arr;

	memmove(b + i * size, b + (i + 1) * size, (*n - i - 1) * size);
	(*n)--;
}

static bool lb_st_svc_added_at(const struct lb_state *st,
			       const struct keel_vip_key *k, size_t *at)
{
	for (*at = 0; *at < st->n_svc_added; (*at)++)
		if (lb_state_key_eq(&st->svc_added[*at].svc, k))
			return true;
	return false;
}

static bool lb_st_svc_removed_at(const struct lb_state *st,
				 const struct keel_vip_key *k, size_t *at)
{
	for (*at = 0; *at < st->n_svc_removed; (*at)++)
		if (lb_state_key_eq(&st->svc_removed[*at], k))
			return true;
	return false;
}

static bool lb_st_real_added_at(const struct lb_state *st,
				const struct lb_state_real_ref *r, size_t *at)
{
	for (*at = 0; *at < st->n_real_added; (*at)++)
		if (!lb_state_ref_cmp(&st->real_added[*at].ref, r))
			return true;
	return false;
}

static bool lb_st_real_removed_at(const struct lb_state *st,
				  const struct lb_state_real_ref *r, size_t *at)
{
	for (*at = 0; *at < st->n_real_removed; (*at)++)
		if (!lb_state_ref_cmp(&st->real_removed[*at], r))
			return true;
	return false;
}

static bool lb_st_admin_at(const struct lb_state *st,
			   const struct lb_state_real_ref *r, size_t *at)
{
	for (*at = 0; *at < st->n_admin; (*at)++)
		if (!lb_state_ref_cmp(&st->admin[*at].ref, r))
			return true;
	return false;
}

const struct lb_state_admin *lb_state_find_admin(const struct lb_state *st,
						 const struct keel_vip_key *k,
						 uint8_t family,
						 const __be32 addr[4])
{
	size_t i;

	for (i = 0; i < st->n_admin; i++)
		if (lb_state_ref_eq(&st->admin[i].ref, k, family, addr))
			return &st->admin[i];
	return NULL;
}

struct lb_state_admin *lb_state_admin_get(struct lb_state *st,
					  const struct lb_state_real_ref *r,
					  bool create)
{
	struct lb_state_real_ref c = lb_state_ref_canon(r);
	struct lb_state_admin *a;
	size_t i;

	if (lb_st_admin_at(st, &c, &i))
		return &st->admin[i];
	if (!create)
		return NULL;
	a = lb_st_grow(st->admin, st->n_admin, sizeof(*a));
	if (!a)
		return NULL;
	st->admin = a;
	a = &st->admin[st->n_admin++];
	memset(a, 0, sizeof(*a));
	a->ref = c;
	return a;
}

void lb_state_admin_compact(struct lb_state *st)
{
	size_t i, n = 0;

	for (i = 0; i < st->n_admin; i++) {
		const struct lb_state_admin *a = &st->admin[i];

		if (a->drain || a->down || a->has_weight)
			st->admin[n++] = *a;
	}
	st->n_admin = n;
}

/*
 * Add or replace.  Callers put before they erase anything, so that
 * -ENOMEM leaves the state as it was.
 */
static int lb_st_svc_put(struct lb_state *st, const struct lb_state_svc *s)
{
	struct lb_state_svc *a;
	size_t i;

	if (!lb_st_svc_added_at(st, &s->svc, &i)) {
		a = lb_st_grow(st->svc_added, st->n_svc_added, sizeof(*a));
		if (!a)
			return -ENOMEM;
		st->svc_added = a;
		i = st->n_svc_added++;
	}
	st->svc_added[i] = *s;
	return 0;
}

int lb_state_svc_add(struct lb_state *st, const struct lb_state_svc *s,
		     bool in_config)
{
	struct lb_state_svc c = *s;
	bool removed;
	size_t i;
	int err;

	c.svc = lb_state_key_canon(&s->svc);
	removed = lb_st_svc_removed_at(st, &c.svc, &i);
	if (!in_config) {
		err = lb_st_svc_put(st, &c);
		if (err)
			return err;
	}
	if (removed)
		lb_st_erase(st->svc_removed, &st->n_svc_removed,
			    sizeof(*st->svc_removed), i);
	return 0;
}

int lb_state_svc_del(struct lb_state *st, const struct keel_vip_key *k,
		     bool in_config)
{
	struct keel_vip_key c = lb_state_key_canon(k), *r;
	size_t i, n;

	if (in_config && !lb_st_svc_removed_at(st, &c, &i)) {
		r = lb_st_grow(st->svc_removed, st->n_svc_removed, sizeof(*r));
		if (!r)
			return -ENOMEM;
		st->svc_removed = r;
		st->svc_removed[st->n_svc_removed++] = c;
	}
	if (lb_st_svc_added_at(st, &c, &i))
		lb_st_erase(st->svc_added, &st->n_svc_added,
			    sizeof(*st->svc_added), i);
	/* Nothing of the service outlives it: a later add starts afresh. */
	for (i = n = 0; i < st->n_real_added; i++)
		if (!lb_state_key_eq(&st->real_added[i].ref.svc, &c))
			st->real_added[n++] = st->real_added[i];
	st->n_real_added = n;
	for (i = n = 0; i < st->n_real_removed; i++)
		if (!lb_state_key_eq(&st->real_removed[i].svc, &c))
			st->real_removed[n++] = st->real_removed[i];
	st->n_real_removed = n;
	for (i = n = 0; i < st->n_admin; i++)
		if (!lb_state_key_eq(&st->admin[i].ref.svc, &c))
			st->admin[n++] = st->admin[i];
	st->n_admin = n;
	return 0;
}

static int lb_st_real_put(struct lb_state *st, const struct lb_state_real *r)
{
	struct lb_state_real *a;
	size_t i;

	if (!lb_st_real_added_at(st, &r->ref, &i)) {
		a = lb_st_grow(st->real_added, st->n_real_added, sizeof(*a));
		if (!a)
			return -ENOMEM;
		st->real_added = a;
		i = st->n_real_added++;
	}
	st->real_added[i] = *r;
	return 0;
}

int lb_state_real_add(struct lb_state *st, const struct lb_state_real *r,
		      bool in_config)
{
	struct lb_state_real c = { .ref = lb_state_ref_canon(&r->ref),
				   .weight = r->weight };
	bool removed;
	size_t i;
	int err;

	removed = lb_st_real_removed_at(st, &c.ref, &i);
	if (!in_config) {
		err = lb_st_real_put(st, &c);
		if (err)
			return err;
	}
	if (removed)
		lb_st_erase(st->real_removed, &st->n_real_removed,
			    sizeof(*st->real_removed), i);
	return 0;
}

int lb_state_real_del(struct lb_state *st, const struct lb_state_real_ref *r,
		      bool in_config)
{
	struct lb_state_real_ref c = lb_state_ref_canon(r), *p;
	size_t i;

	if (in_config && !lb_st_real_removed_at(st, &c, &i)) {
		p = lb_st_grow(st->real_removed, st->n_real_removed,
			       sizeof(*p));
		if (!p)
			return -ENOMEM;
		st->real_removed = p;
		st->real_removed[st->n_real_removed++] = c;
	}
	if (lb_st_real_added_at(st, &c, &i))
		lb_st_erase(st->real_added, &st->n_real_added,
			    sizeof(*st->real_added), i);
	/* An override of a removed real would resurface if it came back. */
	if (lb_st_admin_at(st, &c, &i))
		lb_st_erase(st->admin, &st->n_admin, sizeof(*st->admin), i);
	return 0;
}
