/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_hash.h - the flow hash, shared by the XDP program and userspace
 * (tests compute the real a packet must reach with the same function).
 *
 * MurmurHash3 (x86_32) over 32-bit words: on a little-endian host this is
 * exactly MurmurHash3 of the words' bytes.  Both LBs of a pair must use the
 * same function and seed, or ECMP moving a flow between them breaks it.
 */
#ifndef KEEL_HASH_H
#define KEEL_HASH_H

#include "keel_maps.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define KEEL_HASH_SEED 0x6b65656cU /* "keel" */

static __always_inline __u32 keel_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static __always_inline __u32 keel_hash_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51U;
	k = keel_rotl32(k, 15);
	k *= 0x1b873593U;
	h ^= k;
	h = keel_rotl32(h, 13);
	return h * 5 + 0xe6546b64U;
}

static __always_inline __u32 keel_hash_final(__u32 h, __u32 len_bytes)
{
	h ^= len_bytes;
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/* MurmurHash3_x86_32 of n 32-bit words. */
static __always_inline __u32 keel_hash_words(const __u32 *w, int n, __u32 seed)
{
	__u32 h = seed;
	int i;

	for (i = 0; i < n; i++)
		h = keel_hash_mix(h, w[i]);
	return keel_hash_final(h, (__u32)n * 4);
}

static __always_inline int keel_addr_words(__u8 family)
{
	return family == KEEL_F_INET6 ? 4 : 1;
}

/* Hash of the 5-tuple: new flows of ordinary services. */
static __always_inline __u32 keel_hash_flow(const struct keel_flow *f)
{
	__u32 h = KEEL_HASH_SEED;
	int i, n = keel_addr_words(f->family);

	for (i = 0; i < 4; i++)
		if (i < n)
			h = keel_hash_mix(h, f->src[i]);
	for (i = 0; i < 4; i++)
		if (i < n)
			h = keel_hash_mix(h, f->dst[i]);
	h = keel_hash_mix(h, ((__u32)f->sport << 16) | f->dport);
	h = keel_hash_mix(h, f->proto);
	return keel_hash_final(h, (__u32)(2 * n + 2) * 4);
}

/* Hash of the source address: persistent services. */
static __always_inline __u32 keel_hash_src(const struct keel_flow *f)
{
	__u32 h = KEEL_HASH_SEED;
	int i, n = keel_addr_words(f->family);

	for (i = 0; i < 4; i++)
		if (i < n)
			h = keel_hash_mix(h, f->src[i]);
	return keel_hash_final(h, (__u32)n * 4);
}

/* Hash of both addresses: IP fragments (later ones carry no ports). */
static __always_inline __u32 keel_hash_addrs(const struct keel_flow *f)
{
	__u32 h = KEEL_HASH_SEED;
	int i, n = keel_addr_words(f->family);

	for (i = 0; i < 4; i++)
		if (i < n)
			h = keel_hash_mix(h, f->src[i]);
	for (i = 0; i < 4; i++)
		if (i < n)
			h = keel_hash_mix(h, f->dst[i]);
	return keel_hash_final(h, (__u32)(2 * n) * 4);
}

/* Map a 32-bit hash onto [0, size) without a division (Lemire). */
static __always_inline __u32 keel_hash_index(__u32 h, __u32 size)
{
	return (__u32)(((__u64)h * size) >> 32);
}

#endif /* KEEL_HASH_H */
