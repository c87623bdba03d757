/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* keel_health - rise/fall hysteresis (keel_health.h).  Pure. */
#include <errno.h>
#include <string.h>

#include "keel_health.h"
#include "keel_maps.h"

int keel_rf_init(struct keel_risefall *rf, uint16_t rise, uint16_t fall)
{
	if (rise < 1 || rise > KEEL_RISEFALL_MAX || fall < 1 ||
	    fall > KEEL_RISEFALL_MAX)
		return -EINVAL;
	memset(rf, 0, sizeof(*rf));
	rf->state = KEEL_RS_UNKNOWN;
	rf->rise = rise;
	rf->fall = fall;
	return 0;
}

bool keel_rf_feed(struct keel_risefall *rf, bool ok)
{
	uint8_t want = ok ? KEEL_RS_UP : KEEL_RS_DOWN;

	/* The first verdict decides at once: nothing to protect yet. */
	if (rf->state == KEEL_RS_UNKNOWN) {
		rf->state = want;
		rf->run = 0;
		return true;
	}
	if (rf->state == want) {
		rf->run = 0;
		return false;
	}
	if (++rf->run < (ok ? rf->rise : rf->fall))
		return false;
	rf->state = want;
	rf->run = 0;
	return true;
}
