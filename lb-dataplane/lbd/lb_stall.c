// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lb_stall - the event loop's longest stalls (lb_stall.h).  Pure. */
#include "lb_stall.h"

const uint32_t lb_stall_bounds_us[LB_STALL_BUCKETS] = {
	1000,	5000,	10000,	25000,	 50000,
	100000, 250000, 500000, 1000000, 5000000,
};

void lb_stall_note(struct lb_stall *s, uint64_t now_ms, uint32_t lag_us)
{
	uint64_t sec = now_ms / 1000;
	unsigned int i = sec % LB_STALL_WINDOW_S, b;

	if (s->slot_sec[i] != sec) {
		s->slot_sec[i] = sec;
		s->slot_max_us[i] = 0;
	}
	if (lag_us > s->slot_max_us[i])
		s->slot_max_us[i] = lag_us;
	if (lag_us > s->max_us)
		s->max_us = lag_us;
	for (b = 0; b < LB_STALL_BUCKETS && lag_us > lb_stall_bounds_us[b]; b++)
		;
	s->buckets[b]++;
	s->count++;
	s->sum_us += lag_us;
	s->over += lag_us > LB_STALL_BUDGET_US;
}

uint32_t lb_stall_recent_us(const struct lb_stall *s, uint64_t now_ms)
{
	uint64_t sec = now_ms / 1000;
	uint32_t max = 0;
	unsigned int i;

	for (i = 0; i < LB_STALL_WINDOW_S; i++)
		if (s->slot_sec[i] + LB_STALL_WINDOW_S > sec &&
		    s->slot_sec[i] <= sec && s->slot_max_us[i] > max)
			max = s->slot_max_us[i];
	return max;
}
