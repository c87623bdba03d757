// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdint.h>
#include <sys/time.h>
#include <event2/event.h>

#include "keel_clock.h"
#include "lb_stall.h"
#include "lbd.h"
#include "lbd_loop.h"

/*
 * The loop's stalls (lb_stall.h), measured without waking the loop: at
 * the end of each of lbd's callbacks, the time since this loop turn's
 * poll returned (libevent's cached time) is how long the turn has held
 * the loop so far.  A turn of several callbacks is noted by each; the
 * longest note is the turn's.
 */
void lbd_loop_note(struct lbd *d)
{
	struct timeval start, now;
	int64_t us;

	if (event_base_gettimeofday_cached(d->base, &start))
		return;
	gettimeofday(&now, NULL);
	us = (now.tv_sec - start.tv_sec) * 1000000LL +
	     (now.tv_usec - start.tv_usec);
	/* Outside a turn the cache is empty: now - now.  A clock step
	 * (the cache is monotonic + a wall-clock offset) is no stall. */
	if (us < 0 || us > 3600 * 1000000LL)
		return;
	lb_stall_note(&d->stall, keel_now_us() / 1000, (uint32_t)us);
}
