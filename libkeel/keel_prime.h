/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_prime - primality by trial division, for the checks on Maglev ring
 * sizes (at most KEEL_RING_SIZE_MAX, so a few hundred divisions) in the
 * config and state parsers, the control requests and lb_maglev itself.
 * Header-only, libc only: the parsers, their tests and fuzzers need not
 * link lb_maglev.c (and libsodium) for it.
 */
#ifndef KEEL_PRIME_H
#define KEEL_PRIME_H

#include <stdbool.h>
#include <stdint.h>

static inline bool keel_is_prime(uint32_t n)
{
	uint64_t d;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return false;
	for (d = 5; d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
			return false;
	return true;
}

/* The smallest prime >= n if it is <= max, else 0. */
static inline uint32_t keel_prime_at_least(uint32_t n, uint32_t max)
{
	for (; n <= max; n++) {
		if (keel_is_prime(n))
			return n;
		if (n == max) /* max may be UINT32_MAX */
			break;
	}
	return 0;
}

#endif
