// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lb_htab - a hash index of 32-bit values (lb_htab.h).  Pure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keel_hash.h"
#include "lb_htab.h"

#define LB_HTAB_MIN 16

_Static_assert(sizeof(struct keel_vip_key) == 5 * sizeof(uint32_t),
	       "a service key is five words");

uint32_t lb_htab_hash(const uint32_t *w, int n)
{
	return keel_hash_words(w, n, KEEL_HASH_SEED);
}

uint32_t lb_htab_hash_addr(uint8_t family, const __be32 addr[4])
{
	uint32_t w[5] = { family, addr[0], addr[1], addr[2], addr[3] };

	return lb_htab_hash(w, 5);
}

uint32_t lb_htab_hash_vip(const struct keel_vip_key *k)
{
	uint32_t w[5];

	memcpy(w, k, sizeof(w));
	return lb_htab_hash(w, 5);
}

static void lb_htab_put(struct lb_htab_slot *v, uint32_t mask, uint32_t hash,
			uint32_t val)
{
	uint32_t i = hash & mask;

	while (v[i].val != LB_HTAB_NONE)
		i = (i + 1) & mask;
	v[i].hash = hash;
	v[i].val = val;
}

static int lb_htab_resize(struct lb_htab *t, uint32_t slots)
{
	struct lb_htab_slot *v;
	uint32_t i;

	v = malloc((size_t)slots * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v, 0xff, (size_t)slots * sizeof(*v));
	for (i = 0; t->v && i <= t->mask; i++)
		if (t->v[i].val != LB_HTAB_NONE)
			lb_htab_put(v, slots - 1, t->v[i].hash, t->v[i].val);
	free(t->v);
	t->v = v;
	t->mask = slots - 1;
	return 0;
}

int lb_htab_add(struct lb_htab *t, uint32_t hash, uint32_t val)
{
	uint32_t slots = t->v ? t->mask + 1 : 0;
	int err;

	if (val == LB_HTAB_NONE)
		return -EINVAL;
	/* At most half full: probes stay short. */
	if ((uint64_t)(t->n + 1) * 2 > slots) {
		if (slots > UINT32_MAX / 4)
			return -ENOMEM;
		err = lb_htab_resize(t, slots ? slots * 2 : LB_HTAB_MIN);
		if (err)
			return err;
	}
	lb_htab_put(t->v, t->mask, hash, val);
	t->n++;
	return 0;
}

/* Is k (a slot's home) cyclically in (i, j]? */
static bool lb_htab_between(uint32_t i, uint32_t k, uint32_t j)
{
	return i <= j ? i < k && k <= j : i < k || k <= j;
}

bool lb_htab_del(struct lb_htab *t, uint32_t hash, uint32_t val)
{
	uint32_t i, j;

	if (!t->v)
		return false;
	for (i = hash & t->mask; t->v[i].val != LB_HTAB_NONE;
	     i = (i + 1) & t->mask)
		if (t->v[i].hash == hash && t->v[i].val == val)
			break;
	if (t->v[i].val == LB_HTAB_NONE)
		return false;
	/* Backward shift: move up every later slot of the run that may
	 * live in i, so that no probe sequence meets a hole. */
	for (j = i;;) {
		j = (j + 1) & t->mask;
		if (t->v[j].val == LB_HTAB_NONE)
			break;
		if (lb_htab_between(i, t->v[j].hash & t->mask, j))
			continue;
		t->v[i] = t->v[j];
		i = j;
	}
	t->v[i].val = LB_HTAB_NONE;
	t->n--;
	return true;
}

uint32_t lb_htab_next(const struct lb_htab *t, uint32_t hash, uint32_t *cursor)
{
	uint32_t i;

	if (!t->v)
		return LB_HTAB_NONE;
	i = *cursor == LB_HTAB_START ? hash & t->mask : (*cursor + 1) & t->mask;
	for (; t->v[i].val != LB_HTAB_NONE; i = (i + 1) & t->mask) {
		if (t->v[i].hash == hash) {
			*cursor = i;
			return t->v[i].val;
		}
	}
	return LB_HTAB_NONE;
}

void lb_htab_clear(struct lb_htab *t)
{
	if (t->v)
		memset(t->v, 0xff, ((size_t)t->mask + 1) * sizeof(*t->v));
	t->n = 0;
}

void lb_htab_free(struct lb_htab *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
