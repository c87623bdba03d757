// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_maglev.c - weighted Maglev lookup tables.
 *
 * Permutations: Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI 2016, section 3.4.  Weights: in each round
 * every real, in key order, adds its weight to its credit and claims its
 * next free preferred slot while the credit reaches max_weight (Katran's
 * second Maglev version), so entry counts come out proportional to weight.
 *
 * Between rounds a real's credit stays below max_weight, so it claims at
 * most once per round, and its k-th claim falls in round
 * ceil(k * max_weight / weight).  Walking the rounds costs
 * O(M * max_weight / mean weight); instead the claims are listed and
 * counting-sorted by (round, key order), which yields the same sequence
 * in O(M + N) whatever the weights.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keel_maps.h"
#include "keel_prime.h"
#include "lb_maglev.h"

/*
 * SipHash-2-4 keys of h1 (offset) and h2 (skip).  They are part of the
 * table format: changing either moves nearly every flow, and the two LBs
 * of a pair must build with the same ones.
 */
static const unsigned char lb_maglev_key_h1[crypto_shorthash_KEYBYTES] = {
	0x6b, 0x65, 0x65, 0x6c, 0x2d, 0x6d, 0x61, 0x67,
	0x6c, 0x65, 0x76, 0x2d, 0x68, 0x31, 0x2d, 0x01,
};

static const unsigned char lb_maglev_key_h2[crypto_shorthash_KEYBYTES] = {
	0x6b, 0x65, 0x65, 0x6c, 0x2d, 0x6d, 0x61, 0x67,
	0x6c, 0x65, 0x76, 0x2d, 0x68, 0x32, 0x2d, 0x02,
};

/* One real during a build, in key order. */
struct lb_maglev_slot {
	const struct lb_maglev_real *real;
	uint32_t id;
	uint32_t weight;
	uint32_t pos; /* next slot of its permutation to try */
	uint32_t skip;
};

/*
 * The rounds in which a real claims, ceil(k * max_weight / weight) for
 * k = 1, 2, ..., stepped without a division per claim.
 */
struct lb_maglev_rounds {
	uint64_t round;
	uint32_t excess; /* round * weight - k * max_weight, < weight */
	uint32_t weight;
	uint32_t step; /* max_weight / weight */
	uint32_t rem; /* max_weight % weight */
};

static void lb_maglev_rounds_init(struct lb_maglev_rounds *it, uint32_t weight,
				  uint32_t max_weight)
{
	it->weight = weight;
	it->step = max_weight / weight;
	it->rem = max_weight % weight;
	it->round = it->step + (it->rem != 0);
	it->excess = it->rem ? weight - it->rem : 0;
}

static void lb_maglev_rounds_next(struct lb_maglev_rounds *it)
{
	it->round += it->step;
	if (it->excess >= it->rem) {
		it->excess -= it->rem;
	} else {
		it->excess += it->weight - it->rem;
		it->round++;
	}
}

static int lb_maglev_key_cmp(const void *a, const void *b)
{
	const struct lb_maglev_real *x =
		((const struct lb_maglev_slot *)a)->real;
	const struct lb_maglev_real *y =
		((const struct lb_maglev_slot *)b)->real;
	size_t len = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, len);

	if (c)
		return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Decoded as little-endian so that every host builds the same table. */
static uint64_t lb_maglev_hash(const struct lb_maglev_real *r,
			       const unsigned char *key)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash(out, r->key, r->key_len, key);
	for (i = crypto_shorthash_BYTES - 1; i >= 0; i--)
		h = h << 8 | out[i];
	return h;
}

static bool lb_maglev_real_valid(const struct lb_maglev_real *r)
{
	return r->id != KEEL_REAL_NONE && r->key_len > 0 &&
	       r->key_len <= LB_MAGLEV_KEY_MAX;
}

/*
 * List the first size claims as indices into slots (reals of non-zero
 * weight, in key order), ordered by round and, within a round, by key
 * order: a stable counting sort over rounds 1..last.  Each claim takes a
 * slot, so these are the claims that fill the table.
 */
static int lb_maglev_schedule(const struct lb_maglev_slot *slots, size_t n,
			      uint32_t max_weight, uint64_t last, uint32_t size,
			      uint32_t *claims, uint32_t *nclaims)
{
	struct lb_maglev_rounds it;
	uint32_t *start, total = 0, at;
	size_t i;
	uint64_t r;

	start = calloc(last + 1, sizeof(*start));
	if (!start)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		lb_maglev_rounds_init(&it, slots[i].weight, max_weight);
		for (; it.round <= last; lb_maglev_rounds_next(&it))
			start[it.round]++;
	}
	for (r = 1; r <= last; r++) {
		uint32_t c = start[r];

		start[r] = total;
		total += c;
	}
	for (i = 0; i < n; i++) {
		lb_maglev_rounds_init(&it, slots[i].weight, max_weight);
		for (; it.round <= last; lb_maglev_rounds_next(&it)) {
			at = start[it.round]++;
			/* Later rounds start later still. */
			if (at >= size)
				break;
			claims[at] = i;
		}
	}
	*nclaims = total < size ? total : size;
	free(start);
	return 0;
}

static void lb_maglev_fill(struct lb_maglev_slot *slots, const uint32_t *claims,
			   uint32_t nclaims, uint32_t size, uint64_t *used,
			   uint32_t *table)
{
	uint32_t c;

	for (c = 0; c < nclaims; c++) {
		struct lb_maglev_slot *s = &slots[claims[c]];
		uint32_t pos = s->pos;

		/* A free slot exists and skip is coprime to the prime size. */
		while (used[pos / 64] & (1ULL << (pos % 64))) {
			pos += s->skip;
			if (pos >= size)
				pos -= size;
		}
		used[pos / 64] |= 1ULL << (pos % 64);
		table[pos] = s->id;
		s->pos = pos;
	}
}

int lb_maglev_build(const struct lb_maglev_real *reals, size_t n, uint32_t size,
		    uint32_t *table)
{
	struct lb_maglev_slot *slots = NULL;
	uint32_t *claims = NULL;
	/*
	 * Occupancy bitmap: most probes hit taken slots, and 8 KiB of bits
	 * stays in L1 where the table (256 KiB at the default size) does not.
	 */
	uint64_t *used = NULL;
	uint64_t weight_sum = 0, last;
	uint32_t max_weight = 0, nclaims;
	size_t i, nweighted;
	int err = 0;

	if (!table || (n && !reals) || size > KEEL_RING_SIZE_MAX ||
	    !keel_is_prime(size))
		return -EINVAL;
	/*
	 * Claim lists are indexed with 32 bits; so many reals could not be
	 * in memory anyway.
	 */
	if (n > UINT32_MAX / 4)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!lb_maglev_real_valid(&reals[i]))
			return -EINVAL;
		if (reals[i].weight > max_weight)
			max_weight = reals[i].weight;
		weight_sum += reals[i].weight;
	}
	if (sodium_init() < 0)
		return -EIO;

	if (n) {
		slots = calloc(n, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		slots[i].real = &reals[i];
	if (n > 1)
		qsort(slots, n, sizeof(*slots), lb_maglev_key_cmp);
	for (i = 1; i < n; i++) {
		if (lb_maglev_key_cmp(&slots[i - 1], &slots[i]) == 0) {
			err = -EINVAL;
			goto out;
		}
	}

	if (!max_weight) {
		for (i = 0; i < size; i++)
			table[i] = KEEL_REAL_NONE;
		goto out;
	}

	/* Weight-0 reals take no part: they leave no trace in the table. */
	nweighted = 0;
	for (i = 0; i < n; i++) {
		struct lb_maglev_slot s = slots[i];
		uint64_t h1, h2;

		if (!s.real->weight)
			continue;
		h1 = lb_maglev_hash(s.real, lb_maglev_key_h1);
		h2 = lb_maglev_hash(s.real, lb_maglev_key_h2);
		s.id = s.real->id;
		s.weight = s.real->weight;
		s.pos = h1 % size;
		s.skip = h2 % (size - 1) + 1;
		slots[nweighted++] = s;
	}

	/*
	 * After r rounds the reals hold sum(floor(r * w / max_weight)) >
	 * r * weight_sum / max_weight - nweighted claims, so the table is
	 * full by this round; it also bounds the claims of rounds
	 * 1..last by size + 2 * nweighted, which fits in 32 bits.
	 */
	last = (((uint64_t)size + nweighted) * max_weight + weight_sum - 1) /
	       weight_sum;
	claims = calloc(size, sizeof(*claims));
	used = calloc(size / 64 + 1, sizeof(*used));
	if (!claims || !used) {
		err = -ENOMEM;
		goto out;
	}
	err = lb_maglev_schedule(slots, nweighted, max_weight, last, size,
				 claims, &nclaims);
	if (err)
		goto out;
	for (i = 0; i < size; i++)
		table[i] = KEEL_REAL_NONE;
	lb_maglev_fill(slots, claims, nclaims, size, used, table);
out:
	free(used);
	free(claims);
	free(slots);
	return err;
}

uint32_t lb_maglev_ident(const uint8_t *key, size_t key_len)
{
	uint8_t h[crypto_generichash_BYTES_MIN];
	uint32_t tag;

	/* Needs no sodium_init(): BLAKE2b's portable code is the default. */
	crypto_generichash(h, sizeof(h), key, key_len, NULL, 0);
	memcpy(&tag, h, sizeof(tag));
	return tag;
}

static void lb_maglev_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int lb_maglev_digest(const uint32_t *table, uint32_t size, uint32_t flags,
		     const uint32_t *ident, uint32_t n_ident,
		     uint8_t out[LB_MAGLEV_DIGEST_BYTES])
{
	crypto_generichash_state st;
	uint32_t buf[1024]; /* tags of 1024 slots per update */
	uint32_t i, n = 0;

	if (sodium_init() < 0)
		return -EIO;
	crypto_generichash_init(&st, NULL, 0, LB_MAGLEV_DIGEST_BYTES);
	lb_maglev_put_be32((uint8_t *)&buf[0], size);
	lb_maglev_put_be32((uint8_t *)&buf[1], flags);
	crypto_generichash_update(&st, (const uint8_t *)buf, 8);
	for (i = 0; i < size; i++) {
		if (table[i] >= n_ident)
			return -EINVAL;
		buf[n++] = table[i] == KEEL_REAL_NONE ? 0 : ident[table[i]];
		if (n == sizeof(buf) / sizeof(buf[0]) || i + 1 == size) {
			crypto_generichash_update(&st, (const uint8_t *)buf,
						  n * sizeof(buf[0]));
			n = 0;
		}
	}
	crypto_generichash_final(&st, out, LB_MAGLEV_DIGEST_BYTES);
	return 0;
}
