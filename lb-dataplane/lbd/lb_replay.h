/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_replay - each agent's replay guard, kept across lbd's restarts
 * (docs/agent-protocol.md, "Replay"; docs/state-file.md, "The replay
 * file"), so that a restarted lbd does not take a recorded report of an
 * agent's earlier boot, or of this boot before the last one it accepted,
 * as the first report it hears.
 *
 * The file, <state_file>.replay, is JSON:
 *   {"version": 1, "agents": [{"real": "10.20.0.11", "protocol": 2,
 *     "boot": 1763800000, "boot_id": "<32 hex>", "seq": 12345}, ...]}
 * lbd writes it every few seconds and when it stops (keel_file's atomic
 * write).  It is refused as a whole when anything in it is wrong: lbd
 * then does not start, as for the state file.  Numbers above 2^63 - 1 are
 * written as 2^63 - 1: a lower guard only lets a little more through, and
 * no agent counts that high.
 */
#ifndef LB_REPLAY_H
#define LB_REPLAY_H

#include <stddef.h>

#include "lb_agents.h"

#define LB_REPLAY_VERSION 1

struct lb_replay_entry {
	uint8_t family;
	__be32 addr[4];
	struct keel_replay g;
};

/*
 * Pure: parse len bytes (at most KEEL_MAX_REALS agents); 0 with a
 * malloc'd array in *out (NULL if empty) and its length in *n, or
 * -EBADMSG with why in err (member and index, or line and column), or
 * -ENOMEM.
 */
int lb_replay_parse(const char *buf, size_t len, struct lb_replay_entry **out,
		    size_t *n, char *err, size_t errlen);

/*
 * Pure: the guards of every agent of t that accepted a report, as the
 * file's text (malloc'd, with a final newline), or NULL (no memory).
 */
char *lb_replay_dump(const struct lb_agents *t);

/*
 * Pure: give each agent of t that has heard nothing yet the guard the
 * file kept for its address; entries of agents not in t are ignored.
 * Returns how many were restored.
 */
size_t lb_replay_restore(struct lb_agents *t, const struct lb_replay_entry *e,
			 size_t n);

/*
 * The file: read (-ENOENT: none yet; other -errno or -EBADMSG with why
 * in err) / write atomically (durable: the directory fsync'd too).
 */
int lb_replay_load(const char *path, struct lb_replay_entry **out, size_t *n,
		   char *err, size_t errlen);
int lb_replay_save(const char *path, const struct lb_agents *t, bool durable);

#endif
