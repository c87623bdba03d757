/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_dp - the pinned BPF state of one keel instance: load or adopt the XDP
 * program and its maps, attach to interfaces, and raw map access.  Policy
 * (which real gets which id, update ordering) lives in lb_model.
 *
 * All functions return 0 or -errno.
 */
#ifndef LB_DP_H
#define LB_DP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "keel_maps.h"

#define LB_DP_BPFFS_DEFAULT "/sys/fs/bpf"
#define LB_DP_INSTANCE_DEFAULT "default"
#define LB_DP_PIN_PROG "keel_xdp_prog"
/* The last ring slot is never a service's: lb_dp_sync() rewrites it. */
#define LB_DP_RING_BARRIER (KEEL_MAX_RINGS - 1)

struct lb_dp;

struct lb_dp_opts {
	const char *bpffs; /* bpffs mount, default LB_DP_BPFFS_DEFAULT */
	const char *instance; /* pins go to <bpffs>/keel/<instance>/ */
	uint32_t conn_table_size; /* 0: KEEL_CONN_TABLE_SIZE (new maps only) */
};

/*
 * Load the XDP program, reusing the instance's pinned maps if they exist
 * (their contents, the conn table included, survive), and pin program
 * and maps.  Maps pinned by an earlier layout (KEEL_LAYOUT_VERSION) are
 * migrated first, before anything is attached; maps of a layout this keel
 * does not know are refused: -EPROTO, with a log line naming the pin and
 * what to do (docs/dataplane.md, "Upgrades").
 */
int lb_dp_load(const struct lb_dp_opts *o, struct lb_dp **out);
/*
 * Open an already loaded instance's pinned maps and program; -ENOENT if
 * none, -EPROTO (logged) if they have another layout than this keel's.
 */
int lb_dp_open(const struct lb_dp_opts *o, struct lb_dp **out);
/* Close file descriptors; forwarding goes on. */
void lb_dp_close(struct lb_dp *dp);
/* Remove the instance's pins (after detaching it everywhere). */
int lb_dp_unpin(struct lb_dp *dp);
/* The same without opening them: whatever their layout.  -ENOENT: none. */
int lb_dp_unload(const struct lb_dp_opts *o);
/*
 * Give the pin directory to the user lbd becomes after its start, so that
 * `shutdown --unload` can still remove the pins.
 */
int lb_dp_pin_owner(struct lb_dp *dp, uid_t uid, gid_t gid);
const char *lb_dp_pin_dir(const struct lb_dp *dp);

/*
 * Attach: the interface becomes a redirect target and its MAC goes into
 * keel_if_mac (only frames addressed to it are balanced), then the
 * program replaces whatever runs there.  Detach removes all three.
 */
int lb_dp_attach(struct lb_dp *dp, int ifindex, bool generic);
int lb_dp_detach(struct lb_dp *dp, int ifindex);
/*
 * The MAC guard's view of an interface: set, delete, or re-read from the
 * kernel (after the interface's address changed; an interface without
 * one is deleted: its frames are balanced unguarded and counted).
 */
int lb_dp_if_mac_set(struct lb_dp *dp, int ifindex, const uint8_t mac[6]);
int lb_dp_if_mac_del(struct lb_dp *dp, int ifindex);
int lb_dp_if_mac_refresh(struct lb_dp *dp, int ifindex);
/* Make ifindex a redirect target (done by attach for its own ifindex). */
int lb_dp_tx_port_add(struct lb_dp *dp, int ifindex);

int lb_dp_svc_update(struct lb_dp *dp, const struct keel_vip_key *k,
		     const struct keel_svc_info *v);
int lb_dp_svc_delete(struct lb_dp *dp, const struct keel_vip_key *k);
/* Iterate services (and address markers); cb returning non-zero stops. */
int lb_dp_svc_foreach(struct lb_dp *dp,
		      int (*cb)(const struct keel_vip_key *,
				const struct keel_svc_info *, void *),
		      void *arg);

int lb_dp_ring_create(struct lb_dp *dp, uint32_t ring_id, uint32_t size);
int lb_dp_ring_delete(struct lb_dp *dp, uint32_t ring_id);
/* Size of an existing ring, or -ENOENT. */
int lb_dp_ring_size(struct lb_dp *dp, uint32_t ring_id, uint32_t *size);
int lb_dp_ring_read(struct lb_dp *dp, uint32_t ring_id, uint32_t *out,
		    uint32_t size);
/*
 * Write the entries where next differs from cur (the kernel's current
 * contents; NULL for a ring fresh from lb_dp_ring_create(), which holds
 * KEEL_REAL_NONE everywhere); returns the number written or -errno.  Each
 * entry is one 32-bit store into the ring's mapping, ordered before the
 * caller's next map update (docs/dataplane.md).
 */
int lb_dp_ring_write(struct lb_dp *dp, uint32_t ring_id, const uint32_t *cur,
		     const uint32_t *next, uint32_t size);

int lb_dp_real_write(struct lb_dp *dp, uint32_t id,
		     const struct keel_real_info *info,
		     const struct keel_real_meta *meta);
int lb_dp_real_read(struct lb_dp *dp, uint32_t id, struct keel_real_info *info,
		    struct keel_real_meta *meta);

/*
 * Wait until every XDP program run that started before the call has
 * finished (an RCU grace period, obtained by updating a map-in-map slot).
 * After it returns, no packet can still act on state replaced before it.
 */
int lb_dp_sync(struct lb_dp *dp);

/* Counters, summed over CPUs. */
int lb_dp_stats(struct lb_dp *dp, uint64_t out[KEEL_CNT__MAX]);
int lb_dp_svc_stats(struct lb_dp *dp, uint32_t svc_id, struct keel_traffic *t);
int lb_dp_real_stats(struct lb_dp *dp, uint32_t id, struct keel_traffic *t);
/* Ids [0, n) at once (batched: one syscall, not n). */
int lb_dp_svc_stats_all(struct lb_dp *dp, uint32_t n, struct keel_traffic *t);
int lb_dp_real_stats_all(struct lb_dp *dp, uint32_t n, struct keel_traffic *t);
int lb_dp_clear_stats(struct lb_dp *dp, bool svc, uint32_t id);
/* The conn table's size (an adopted table keeps the size it had). */
int lb_dp_conn_capacity(struct lb_dp *dp, uint32_t *n);
/*
 * Now on the clock of struct keel_conn's seen (CLOCK_MONOTONIC in units of
 * 2^KEEL_SEEN_SHIFT ns): an entry's age is lb_dp_seen_now() - seen units.
 */
uint32_t lb_dp_seen_now(void);
/*
 * Occupancy of the conn table in O(ncpus), for an event loop: entries is
 * min(capacity, new keys the program inserted (per-CPU counter
 * conn_inserts) + entries userspace added - entries userspace removed
 * (keel_info, lb_dp_conn_note_user)).  Exact until the table first fills;
 * after that it says full, which an LRU that has once filled stays (it
 * evicts only to insert) but for up to ~128 entries per CPU held in the
 * kernel's per-CPU free lists.  Never above capacity.  It cannot see
 * entries that other tools write or delete behind lb_dp's back.
 */
int lb_dp_conn_occupancy(struct lb_dp *dp, uint64_t *entries,
			 uint64_t *capacity);
/*
 * The cap on new conn entries per CPU per second (2^30 ns), 0 for none
 * (the default).  Over it, a flow whose hint is found is forwarded by the
 * hint and recorded by a later packet (counter flow_unrecorded_capped):
 * a flood that sends two packets per spoofed 5-tuple then cannot insert
 * faster than ncpus x cap entries per second.  docs/dataplane.md.
 */
int lb_dp_conn_insert_cap(struct lb_dp *dp, uint32_t *cap);
int lb_dp_conn_insert_cap_set(struct lb_dp *dp, uint32_t cap);
/*
 * Pair sync's switch (keel_sync_cfg, docs/pair.md): on, the program puts
 * a record of every flow it records into its CPU's region of the pinned
 * keel_sync_ring (read with lb_dp_sync_drain()) and announces each entry
 * in use again every reannounce units of seen's clock (1..32767).
 * -EOPNOTSUPP: an instance an older lbd loaded has no such maps.
 */
int lb_dp_sync_get(struct lb_dp *dp, struct keel_sync_cfg *out);
int lb_dp_sync_set(struct lb_dp *dp, bool on, uint16_t reannounce);
/*
 * The reader of keel_sync_ring (keel_maps.h): the array mapped shared,
 * each CPU's records taken from its tail to its head.  One reader at a
 * time per instance: the tails are its own.
 */
struct lb_dp_sync_reader {
	struct keel_sync_slot *mem;
	size_t len;
	uint32_t ncpus; /* regions */
};
/* -EOPNOTSUPP without the map; -EPROTO (logged) for a ring of another
 * shape, an older keel's until the program is loaded again. */
int lb_dp_sync_reader_open(struct lb_dp *dp, struct lb_dp_sync_reader *r);
void lb_dp_sync_reader_close(struct lb_dp_sync_reader *r);
/*
 * Take up to max of CPU cpu's records, oldest first, into out and free
 * their slots: the count, -EINVAL for no such CPU, -EBADMSG (records
 * skipped up to the head) for a head and tail the program cannot have
 * left.  lb_dp_sync_drain_region() is the same on one region's memory.
 */
int lb_dp_sync_drain(struct lb_dp_sync_reader *r, uint32_t cpu,
		     struct keel_sync_ev *out, uint32_t max);
int lb_dp_sync_drain_region(struct keel_sync_slot *region,
			    struct keel_sync_ev *out, uint32_t max);
/*
 * Merge n of the peers' records (translated to this LB's ids) into the
 * conn table: runs of keel_sync_apply over at most KEEL_SYNC_APPLY_MAX
 * each (keel_conn_merge.h decides), outcomes added up in res; inserts
 * noted for the occupancy.  -EOPNOTSUPP on an instance opened rather than
 * loaded; -EFAULT if a record could not be read.
 */
int lb_dp_conn_apply(struct lb_dp *dp, const struct keel_sync_apply_rec *recs,
		     uint32_t n, uint16_t reannounce,
		     uint32_t res[KEEL_APPLY__MAX]);
/*
 * Entries userspace added to or removed from the conn table by itself
 * (connection sync, a flush): keeps lb_dp_conn_occupancy() honest.  One
 * writer at a time (lbd).
 */
int lb_dp_conn_note_user(struct lb_dp *dp, uint64_t inserted, uint64_t deleted);
/*
 * lbd's config generation, kept in keel_info so that a restarted lbd goes
 * on counting (0 for maps that never had one).  One writer (lbd).
 */
int lb_dp_generation(struct lb_dp *dp, uint32_t *gen);
int lb_dp_generation_set(struct lb_dp *dp, uint32_t gen);
/*
 * Entries in the conn table, counted by walking it in batches of 4096
 * (bpf_map_lookup_batch): exact at no instant under churn, O(entries),
 * about 0.1-0.2 s per million.  For an operator who asks, never for an
 * event loop (lb_dp_conn_occupancy is).
 */
int lb_dp_conn_count(struct lb_dp *dp, uint64_t *n);
/*
 * One page of the conn table, for a bulk copy to a peer (docs/pair.md,
 * "Bulk"): at most max entries into keys[] and vals[], *n of them, from
 * cursor (LB_DP_CONN_PAGE_START for the first page) through whole hash
 * buckets (bpf_map_lookup_batch); *next is the cursor of the next page
 * and *end says there is none.  The cursor is the kernel's bucket token,
 * opaque, in 8 bytes: a responder keeps no state between pages.
 * Under churn: an entry present and unchanged from the first page to the
 * last is returned exactly once; one inserted or deleted meanwhile may
 * or may not be (a bucket already walked is not walked again).
 * -EINVAL: a cursor this function did not make (it may come from a
 * peer); -ENOSPC: one bucket alone holds more than max entries (nothing
 * returned, *next = cursor: ask again with a larger max; buckets hold a
 * few entries, so with max 1024 this needs ~1024 colliding flows); no
 * bucket is skipped either way.  One call scans empty buckets until it has
 * entries: tens of ms over a sparse 16M table (bench_conn_page), so it
 * runs off lbd's loop.
 */
#define LB_DP_CONN_PAGE_START 0
int lb_dp_conn_page(struct lb_dp *dp, uint64_t cursor, struct keel_flow *keys,
		    struct keel_conn *vals, uint32_t max, uint32_t *n,
		    uint64_t *next, bool *end);

/* For tests and benchmarks: the loaded program's fd. */
int lb_dp_prog_fd(const struct lb_dp *dp);
int lb_dp_map_fd(const struct lb_dp *dp, const char *pin_name);

#endif /* LB_DP_H */
