// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "keel_names.h"

static const char *const cnt_names[KEEL_CNT__MAX] = KEEL_CNT_NAMES;

const char *keel_cnt_name(unsigned int cnt)
{
	if (cnt >= KEEL_CNT__MAX || !cnt_names[cnt])
		return "unknown";
	return cnt_names[cnt];
}
