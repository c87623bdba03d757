/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * CPU seconds this process used so far (user + system): for tests that
 * check a loop does not spin (a bound on CPU, not a timing of work).
 */
#ifndef CPU_TIME_H
#define CPU_TIME_H

#include <sys/resource.h>

static inline double cpu_time_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

#endif
