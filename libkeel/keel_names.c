// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>

#include "keel_names.h"

static const char *const cnt_names[KEEL_CNT__MAX] = KEEL_CNT_NAMES;

const char *keel_cnt_name(unsigned int cnt)
{
	if (cnt >= KEEL_CNT__MAX || !cnt_names[cnt])
		return "unknown";
	return cnt_names[cnt];
}

static const char *const rs_names[] = {
	[KEEL_RS_UNKNOWN] = "unknown",
	[KEEL_RS_UP] = "up",
	[KEEL_RS_DOWN] = "down",
	[KEEL_RS_DRAINING] = "draining",
};

#define RS_N (sizeof(rs_names) / sizeof(rs_names[0]))

const char *keel_rs_name(uint8_t state)
{
	return state < RS_N ? rs_names[state] : "unknown";
}

int keel_rs_parse(const char *s, uint8_t *state)
{
	size_t i;

	if (!strcmp(s, "drain")) {
		*state = KEEL_RS_DRAINING;
		return 0;
	}
	for (i = 0; i < RS_N; i++) {
		if (!strcmp(s, rs_names[i])) {
			*state = (uint8_t)i;
			return 0;
		}
	}
	return -EINVAL;
}
