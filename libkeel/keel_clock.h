/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_clock - the one monotonic clock of the daemons and tools:
 * CLOCK_MONOTONIC in nanoseconds, microseconds or milliseconds (truncated).
 * Header-only, libc only, so a unit test that links one file needs
 * nothing more.  Timeouts, deadlines, rate limits and stall measurements
 * all read it; wall-clock time (time(NULL)) is only for what people read.
 */
#ifndef KEEL_CLOCK_H
#define KEEL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t keel_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t keel_now_us(void)
{
	return keel_now_ns() / 1000u;
}

static inline uint64_t keel_now_ms(void)
{
	return keel_now_ns() / 1000000u;
}

#endif
