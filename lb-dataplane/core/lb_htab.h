/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_htab - an index of 32-bit values (ids, array positions) by a 32-bit
 * hash of a key that the caller keeps.  The table stores no keys: a
 * lookup walks the values stored under a hash and the caller compares
 * its own keys, so one table serves any key type and equal keys may be
 * stored more than once (a real staged for deletion and its re-addition).
 * Open addressing with linear probing, at most half full, deletion by
 * backward shift (no tombstones).  Pure: no I/O, malloc only.
 *
 *	uint32_t cur = LB_HTAB_START, v;
 *
 *	while ((v = lb_htab_next(t, hash, &cur)) != LB_HTAB_NONE)
 *		if (key_of(v) equals key) ...
 */
#ifndef LB_HTAB_H
#define LB_HTAB_H

#include <stdbool.h>
#include <stdint.h>
#include "keel_maps.h"

#define LB_HTAB_NONE UINT32_MAX /* no value; never stored */
#define LB_HTAB_START UINT32_MAX /* a fresh cursor */

struct lb_htab_slot {
	uint32_t hash;
	uint32_t val; /* LB_HTAB_NONE: empty */
};

/* Zeroed: an empty table (no memory until the first add). */
struct lb_htab {
	struct lb_htab_slot *v;
	uint32_t mask; /* slots - 1 */
	uint32_t n;
};

/* 0, -EINVAL for LB_HTAB_NONE, -ENOMEM (the table unchanged). */
int lb_htab_add(struct lb_htab *t, uint32_t hash, uint32_t val);
/* Remove one (hash, val); false if it is not there. */
bool lb_htab_del(struct lb_htab *t, uint32_t hash, uint32_t val);
/* The next value stored under hash after *cursor, or LB_HTAB_NONE. */
uint32_t lb_htab_next(const struct lb_htab *t, uint32_t hash, uint32_t *cursor);
void lb_htab_clear(struct lb_htab *t); /* keeps its memory */
void lb_htab_free(struct lb_htab *t);

/* A hash of n 32-bit words (MurmurHash3, keel_hash.h). */
uint32_t lb_htab_hash(const uint32_t *w, int n);
/* Of a real's address (family and 16 bytes). */
uint32_t lb_htab_hash_addr(uint8_t family, const __be32 addr[4]);
/* Of a service key. */
uint32_t lb_htab_hash_vip(const struct keel_vip_key *k);

#endif /* LB_HTAB_H */
