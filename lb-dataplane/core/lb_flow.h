/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lb_flow: a pair's flow records between this LB's tables and the wire
 * (docs/pair.md, DESIGN-11 sections 1.2 and 3).  Out: the XDP program's
 * per-CPU sync ring drained and each record translated from this LB's real
 * ids to addresses (keel_sync_rec).  In: a peer's records translated to
 * this LB's (real id, gen) and merged into the conn table by
 * lb_dp_conn_apply().  No sockets, no crypto, no logging: lbd_pair frames,
 * seals and sends what lb_flow_out_drain() emits and hands what it opened
 * to lb_flow_in_apply().
 */
#ifndef LB_FLOW_H
#define LB_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_maps.h"
#include "keel_sync.h"
#include "lb_dp.h"

struct lb_model;

/* What became of each ring record taken on the sending side. */
enum lb_flow_out_res {
	LB_FLOW_OUT_EMITTED, /* handed to emit() */
	LB_FLOW_OUT_STALE_GEN, /* its real's id was reused or freed since */
	LB_FLOW_OUT_NO_SERVICE, /* its service is gone from the model */
	LB_FLOW_OUT_REFRESH_DROPPED, /* over reannounce_rate_max */
	LB_FLOW_OUT_BAD, /* a record no program of ours writes */
	LB_FLOW_OUT__MAX
};

/* What became of each record received from a peer, before the merge. */
enum lb_flow_in_res {
	LB_FLOW_IN_TRANSLATED, /* handed to lb_dp_conn_apply() */
	LB_FLOW_IN_UNKNOWN_SERVICE, /* no such service here */
	LB_FLOW_IN_PARKED, /* real unknown here yet: retried after commits */
	LB_FLOW_IN_UNKNOWN_REAL, /* parked and never found within 5 s */
	LB_FLOW_IN_PARK_FULL, /* parked records over park_max: dropped */
	LB_FLOW_IN_REAL_DOWN, /* DOWN here: the ring chooses again */
	LB_FLOW_IN__MAX
};

/* Sending side: the ring's reader and the refresh rate cap. */
struct lb_flow_out {
	struct lb_dp_sync_reader rd;
	uint32_t next_cpu; /* the region the next drain starts at (fairness) */
	uint32_t refresh_rate_max; /* REFRESH records/s, 0 no cap; NEW and
				    * RECHOSEN are never capped */
	double refresh_tokens;
	uint64_t refresh_ms; /* when the bucket was last filled */
	uint64_t res[LB_FLOW_OUT__MAX];
};

/* -errno from lb_dp_sync_reader_open(); -EOPNOTSUPP on an old instance. */
int lb_flow_out_init(struct lb_flow_out *o, struct lb_dp *dp,
		     uint32_t refresh_rate_max);
void lb_flow_out_fini(struct lb_flow_out *o);

/*
 * Take at most budget records from the ring (every CPU's region in turn,
 * 64 at a time, starting after the region the last call ended on),
 * translate each with m and call emit() for those to send; emit() < 0
 * stops the drain (the records taken and not yet emitted are lost: the
 * caller counts them as taken minus emitted).  Returns the records taken
 * (0 when the ring is empty) or -EINVAL without a reader.  A region whose
 * head and tail the program cannot have left is reset by the reader and
 * counted LB_FLOW_OUT_BAD once.  Cost grows with the records taken, never
 * with table sizes.
 */
int lb_flow_out_drain(struct lb_flow_out *o, struct lb_model *m,
		      uint64_t now_ms, uint32_t budget,
		      int (*emit)(void *arg, const struct keel_sync_rec *r),
		      void *arg);

/*
 * One ring record to its wire record (idle_s 0: a packet made it now).
 * LB_FLOW_OUT_EMITTED with r filled, or why not.  The refresh cap is not
 * applied here.
 */
enum lb_flow_out_res lb_flow_out_translate(struct lb_model *m,
					   const struct keel_sync_ev *ev,
					   struct keel_sync_rec *r);
/* The refresh token bucket (refresh_rate_max a second, as much burst; 0
 * is no cap): may one more REFRESH go at now_ms? */
bool lb_flow_refresh_take(struct lb_flow_out *o, uint64_t now_ms);

struct lb_flow_parked; /* lb_flow.c */

/* Receiving side: the parked records and the outcome counters. */
struct lb_flow_in {
	/* bounded FIFO of park_max records, and the apply batch */
	struct lb_flow_parked *park;
	size_t park_max;
	uint16_t reannounce; /* as lb_dp_sync_set()'s */
	uint64_t res[LB_FLOW_IN__MAX];
	uint64_t apply[KEEL_APPLY__MAX]; /* lb_dp_conn_apply()'s outcomes */
};

int lb_flow_in_init(struct lb_flow_in *in, size_t park_max,
		    uint16_t reannounce);
void lb_flow_in_fini(struct lb_flow_in *in);

/*
 * Translate n records of a peer (FLOWS or BULK_DATA) to this LB's ids and
 * merge them into dp's conn table, in runs of KEEL_SYNC_APPLY_MAX.
 * 0 or -errno from lb_dp_conn_apply() (the outcomes so far are counted).
 */
int lb_flow_in_apply(struct lb_flow_in *in, struct lb_model *m,
		     struct lb_dp *dp, const struct keel_sync_rec *recs,
		     size_t n, uint64_t now_ms);

/*
 * One peer record to this LB's apply record: LB_FLOW_IN_TRANSLATED with a
 * filled, or LB_FLOW_IN_UNKNOWN_SERVICE, LB_FLOW_IN_PARKED (no such real
 * in the service, yet), LB_FLOW_IN_REAL_DOWN.  Nothing counted.
 */
enum lb_flow_in_res lb_flow_in_translate(struct lb_model *m,
					 const struct keel_sync_rec *r,
					 struct keel_sync_apply_rec *a);

/* Records parked now. */
size_t lb_flow_in_parked(const struct lb_flow_in *in);

/* The parked records again (after each model commit), each once, oldest
 * first: applied (counted TRANSLATED) once their real is known, else
 * parked again with their arrival time; those parked 5 s are counted
 * LB_FLOW_IN_UNKNOWN_REAL (also at lb_flow_in_apply()). */
int lb_flow_in_retry(struct lb_flow_in *in, struct lb_model *m,
		     struct lb_dp *dp, uint64_t now_ms);

#endif /* LB_FLOW_H */
