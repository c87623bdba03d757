/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
#ifndef KEEL_NAMES_H
#define KEEL_NAMES_H

#include "keel_maps.h"

/* Stable metric name of a global counter (enum keel_cnt). */
const char *keel_cnt_name(unsigned int cnt);

#endif
