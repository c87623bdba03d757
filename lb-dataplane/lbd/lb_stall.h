/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_stall - how long lbd's event loop was held: lbd notes, at the end of
 * each of its callbacks, how long the current loop turn has run (and a
 * heartbeat timer notes its own lateness, for work that is not lbd's).
 * Kept here: the longest over a sliding window, the longest since start,
 * a histogram, and a count of those over the budget.  Pure: the caller
 * passes monotonic time.
 */
#ifndef LB_STALL_H
#define LB_STALL_H

#include <stdint.h>

#define LB_STALL_WINDOW_S 60 /* the "recent" longest stall */
#define LB_STALL_BUDGET_US 50000 /* docs/PERFORMANCE.md: <= 50 ms */
#define LB_STALL_BUCKETS 10

/* Histogram bounds (upper, inclusive), microseconds; then +Inf. */
extern const uint32_t lb_stall_bounds_us[LB_STALL_BUCKETS];

struct lb_stall {
	/* The longest of each second of the window, and which second. */
	uint32_t slot_max_us[LB_STALL_WINDOW_S];
	uint64_t slot_sec[LB_STALL_WINDOW_S];
	uint64_t buckets[LB_STALL_BUCKETS + 1]; /* not cumulative */
	uint64_t count; /* notes */
	uint64_t sum_us;
	uint64_t over; /* notes over LB_STALL_BUDGET_US */
	uint32_t max_us; /* since start */
};

/* The loop held for lag_us, noted at now_ms. */
void lb_stall_note(struct lb_stall *s, uint64_t now_ms, uint32_t lag_us);
/* The longest noted in the LB_STALL_WINDOW_S seconds up to now_ms. */
uint32_t lb_stall_recent_us(const struct lb_stall *s, uint64_t now_ms);

#endif /* LB_STALL_H */
