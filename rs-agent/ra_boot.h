/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_boot - the agent's boot counter (docs/agent-protocol.md, "Replay";
 * docs/rs-agent.md, "State"): a number the agent raises at every start
 * and carries in its reports (version 2), so that lbd accepts a report of
 * a new boot only if its counter is above the last one it accepted.  A
 * recorded report of an earlier boot can then never be replayed.
 *
 * Kept in state_dir/boot as one decimal line; the new value is written
 * (temporary file, fsync, rename, fsync of the directory) before the
 * first report of the boot.  Each start takes max(last + 1, now): the
 * wall clock seeds it, so that a reinstalled host (no file) still starts
 * above every counter its earlier installation sent, as long as its clock
 * is right; the clock going back never lowers it.
 */
#ifndef RA_BOOT_H
#define RA_BOOT_H

#include <stddef.h>
#include <stdint.h>

/* The largest counter: lbd keeps it as a JSON integer. */
#define RA_BOOT_MAX INT64_MAX

/*
 * Pure: the file's bytes.  "N\n" or "N", N decimal 1..RA_BOOT_MAX
 * without leading zeros.  0 with *boot, or -EBADMSG.
 */
int ra_boot_parse(const char *buf, size_t len, uint64_t *boot);

/* How the last counter was found, for the log. */
enum ra_boot_found {
	RA_BOOT_FOUND = 0, /* the file held it */
	RA_BOOT_MISSING, /* no file: the first start (or a reinstall) */
	RA_BOOT_BAD, /* unreadable or damaged: kept aside, seeded by the clock */
};

/*
 * Raise the counter in path (state_dir/boot) for a new boot at wall-clock
 * now_s (unix seconds): *boot = max(last + 1, now_s), written durably
 * before returning 0.  A damaged file is renamed aside
 * (keel_file_set_aside(), its new name in aside) and the clock seeds the
 * counter.  -errno with why in msg when the new value cannot be made
 * durable, or the counter is at its maximum: then no report may be sent.
 * *found (may be NULL) says what was there; msg also explains a
 * RA_BOOT_BAD.
 */
int ra_boot_next(const char *path, uint64_t now_s, uint64_t *boot,
		 enum ra_boot_found *found, char *aside, size_t asidelen,
		 char *msg, size_t msglen);

#endif
