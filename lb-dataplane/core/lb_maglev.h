/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_maglev - Maglev lookup tables (Eisenbud et al., NSDI 2016), weighted.
 *
 * The table is a pure function of the set of (identity, weight): callers
 * may pass reals in any order and get a byte-identical table.  This is what
 * lets the two LBs of a pair, configured alike, pick the same real for a
 * flow.  Entries hold the caller's id for each real; KEEL_REAL_NONE (0)
 * fills the table when no real has a weight.
 */
#ifndef LB_MAGLEV_H
#define LB_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_MAGLEV_KEY_MAX 32

struct lb_maglev_real {
	uint8_t key[LB_MAGLEV_KEY_MAX]; /* identity, e.g. family + address */
	uint8_t key_len;
	uint32_t weight; /* 0: never selected for new flows */
	uint32_t id; /* value stored in the table's entries (non-zero) */
};

/*
 * Fill table[0..size) for reals[0..n).  size must be prime.
 * Returns 0, or -EINVAL (size not prime or > KEEL_RING_SIZE_MAX, duplicate
 * identity, id 0, key_len 0 or too long), -ENOMEM, or -EIO (libsodium
 * failed to initialise).
 */
int lb_maglev_build(const struct lb_maglev_real *reals, size_t n, uint32_t size,
		    uint32_t *table);

/*
 * A table's digest, for comparing the tables two LBs built (docs/pair.md,
 * "Maglev table digests").  Ids are per LB, so a slot is hashed as its
 * real's identity tag:
 *   ident(key) = the first 4 bytes of BLAKE2b-128(key), e.g. key = family
 *                (4 or 6) followed by the 16-byte address;
 *   digest     = BLAKE2b-128(size, flags (4 bytes each, big-endian), then
 *                ident of the real in each slot in slot order, 4 zero
 *                bytes for an empty slot).
 * It hashes the table, not its inputs, so a change to the Maglev code
 * shows too.  The tag is returned as its 4 bytes in memory order.
 */
#define LB_MAGLEV_DIGEST_BYTES 16
uint32_t lb_maglev_ident(const uint8_t *key, size_t key_len);
/*
 * ident[id] is the tag of the real with that id, for ids below n_ident;
 * table entries KEEL_REAL_NONE are empty slots.  0, or -EINVAL (an entry
 * >= n_ident), -EIO (libsodium failed to initialise).
 */
int lb_maglev_digest(const uint32_t *table, uint32_t size, uint32_t flags,
		     const uint32_t *ident, uint32_t n_ident,
		     uint8_t out[LB_MAGLEV_DIGEST_BYTES]);

#endif /* LB_MAGLEV_H */
