/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Run one Check suite; the exit status for meson (0 or 1). */
#ifndef CHECK_RUN_H
#define CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
