/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_health - rise/fall hysteresis over a stream of probe results,
 * shared by rs-agent (local checks) and lbd (active checks).  Pure.
 *
 * A checker starts UNKNOWN; its first result decides at once (nothing is
 * protected yet at start, and waiting `rise` intervals only delays
 * service).  After that it goes UP after `rise` consecutive successes and
 * DOWN after `fall` consecutive failures; a result of the other kind
 * resets the run.
 */
#ifndef KEEL_HEALTH_H
#define KEEL_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#define KEEL_RISEFALL_MAX 100

struct keel_risefall {
	uint8_t state; /* KEEL_RS_UNKNOWN, KEEL_RS_UP or KEEL_RS_DOWN */
	uint16_t rise, fall; /* 1..KEEL_RISEFALL_MAX */
	uint16_t run; /* consecutive results against the current state */
};

/* -EINVAL unless 1 <= rise, fall <= KEEL_RISEFALL_MAX. */
int keel_rf_init(struct keel_risefall *rf, uint16_t rise, uint16_t fall);
/* Feed one result; true when the state changed. */
bool keel_rf_feed(struct keel_risefall *rf, bool ok);

#endif
