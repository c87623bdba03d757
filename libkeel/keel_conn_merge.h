/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_conn_merge - what a connection record from the pair's peer does to
 * this LB's conn-table entry for the same flow (docs/pair.md, "Applying a
 * peer's record").  Written once: the BPF program that applies records,
 * the unit tests and a userspace engine use this function.  Pure; the
 * kernel's types only, so the BPF program can include it.
 *
 * The LB that forwards a flow now holds the truth about it: an entry used
 * here within the last `active` units is kept whatever the peer says (its
 * real is answering that flow right now); otherwise the more recently used
 * entry wins, the peer's last use being now - its idle time; ties keep the
 * local entry.  An entry whose real is not usable here is replaced, since
 * the program would choose again on the next packet anyway and the peer's
 * choice keeps the flow where it is.  Times are in the units of
 * keel_conn.seen (2^KEEL_SEEN_SHIFT ns).
 */
#ifndef KEEL_CONN_MERGE_H
#define KEEL_CONN_MERGE_H

#include "keel_maps.h"

enum keel_merge {
	KEEL_MERGE_INSERT, /* no entry here */
	KEEL_MERGE_SAME, /* the same real: nothing to write */
	KEEL_MERGE_REPLACE, /* the peer's real replaces this one */
	KEEL_MERGE_KEEP_ACTIVE, /* forwarded here just now: a conflict */
	KEEL_MERGE_KEEP_NEWER, /* used here more recently than there */
	KEEL_MERGE__MAX
};

#ifndef __BPF__
_Static_assert(KEEL_MERGE_INSERT == (int)KEEL_APPLY_INSERTED &&
		       KEEL_MERGE_SAME == (int)KEEL_APPLY_SAME &&
		       KEEL_MERGE_REPLACE == (int)KEEL_APPLY_REPLACED &&
		       KEEL_MERGE_KEEP_ACTIVE == (int)KEEL_APPLY_KEPT_ACTIVE &&
		       KEEL_MERGE_KEEP_NEWER == (int)KEEL_APPLY_KEPT_NEWER,
	       "keel_sync_apply counts merge outcomes by their value");
#endif

/*
 * cur: the entry here, or NULL; cur_usable: its real is usable here (the
 * generation current, the real UP or DRAINING, of the flow's service).
 * (id, gen): the real the record names, translated to this LB's ids.
 * peer_last: when the peer last used the entry (now - its idle time, at
 * least 0).  active: how recent a use here wins outright (2 units).
 */
static inline enum keel_merge keel_conn_merge(const struct keel_conn *cur,
					      int cur_usable, __u32 id,
					      __u32 gen, __u32 peer_last,
					      __u32 now, __u32 active)
{
	if (!cur)
		return KEEL_MERGE_INSERT;
	if (cur->real_id == id && cur->real_gen == gen)
		return KEEL_MERGE_SAME;
	if (!cur_usable)
		return KEEL_MERGE_REPLACE;
	/* seen ahead of now (another CPU just wrote it) counts as now. */
	if (!(cur->flags & KEEL_CONN_F_PEER) &&
	    (cur->seen >= now || now - cur->seen <= active))
		return KEEL_MERGE_KEEP_ACTIVE;
	return peer_last > cur->seen ? KEEL_MERGE_REPLACE :
				       KEEL_MERGE_KEEP_NEWER;
}

#endif /* KEEL_CONN_MERGE_H */
