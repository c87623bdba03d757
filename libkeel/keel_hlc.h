/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_hlc - hybrid logical clock stamps for the pair's admin registers
 * (docs/pair.md, "One admin truth").  A stamp is 48 bits of wall-clock
 * milliseconds and a 16-bit counter, plus the node that made it; stamps
 * compare as (hlc, node).  A change made after seeing another always has
 * the higher stamp, whatever the clocks say, and a restart keeps order
 * when the last stamp is persisted.  Skew between the LBs orders only
 * edits made closer together than the skew.  Header-only, libc only.
 */
#ifndef KEEL_HLC_H
#define KEEL_HLC_H

#include <stdint.h>

#define KEEL_HLC_CTR_BITS 16
#define KEEL_HLC_MS_MAX ((1ULL << (64 - KEEL_HLC_CTR_BITS)) - 1)

struct keel_stamp {
	uint64_t hlc;
	uint16_t node; /* 1..65535; 0 only in a stamp never set */
};

static inline uint64_t keel_hlc_pack(uint64_t ms, uint16_t ctr)
{
	if (ms > KEEL_HLC_MS_MAX)
		ms = KEEL_HLC_MS_MAX;
	return ms << KEEL_HLC_CTR_BITS | ctr;
}

static inline uint64_t keel_hlc_ms(uint64_t hlc)
{
	return hlc >> KEEL_HLC_CTR_BITS;
}

static inline uint16_t keel_hlc_ctr(uint64_t hlc)
{
	return (uint16_t)hlc;
}

/*
 * The stamp of a local edit: above everything issued or seen (*last) and
 * at least the wall clock.  *last becomes it.  A wall clock stepped back
 * only slows the milliseconds down; the counter carries the order.
 */
static inline uint64_t keel_hlc_tick(uint64_t *last, uint64_t wall_ms)
{
	uint64_t w = keel_hlc_pack(wall_ms, 0);
	/* Saturates: never wraps below what it issued. */
	uint64_t next = *last == UINT64_MAX ? UINT64_MAX : *last + 1;
	uint64_t h = next > w ? next : w;

	*last = h;
	return h;
}

/* A stamp received from a peer (or read back from the state file). */
static inline void keel_hlc_observe(uint64_t *last, uint64_t seen)
{
	if (seen > *last)
		*last = seen;
}

/* <0, 0, >0 as a is older than, the same as, newer than b. */
static inline int keel_stamp_cmp(const struct keel_stamp *a,
				 const struct keel_stamp *b)
{
	if (a->hlc != b->hlc)
		return a->hlc < b->hlc ? -1 : 1;
	if (a->node != b->node)
		return a->node < b->node ? -1 : 1;
	return 0;
}

#endif /* KEEL_HLC_H */
