/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_host - `rs-agent check` (what is wrong with this host's DR set-up,
 * changing nothing) and `rs-agent cleanup` (the VIPs an agent added
 * removed, the sysctls it changed restored), from the config alone.
 */
#ifndef RA_HOST_H
#define RA_HOST_H

/* Each returns the exit status (KEEL_EXIT_OK, or _FAIL: findings, errors). */
int ra_host_check(const char *config);
int ra_host_cleanup(const char *config);

#endif
