/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#ifndef KEEL_NAMES_H
#define KEEL_NAMES_H

#include <stdint.h>

#include "keel_maps.h"

/* Stable metric name of a global counter (enum keel_cnt). */
const char *keel_cnt_name(unsigned int cnt);

/*
 * A real's state (enum keel_real_state) as lbd, rs-agent, bgp-announcer
 * and keel-xdp print it: "unknown", "up", "down", "draining"; "unknown"
 * for a value out of range.
 */
const char *keel_rs_name(uint8_t state);

/*
 * Those names, and "drain" (keel-xdp's word for draining), to KEEL_RS_*.
 * 0, or -EINVAL for any other word (*state untouched).
 */
int keel_rs_parse(const char *s, uint8_t *state);

#endif
