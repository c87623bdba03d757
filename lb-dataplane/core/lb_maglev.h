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

#endif /* LB_MAGLEV_H */
