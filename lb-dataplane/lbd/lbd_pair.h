/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's side of the LB pair (docs/pair.md): the UDP socket on
 * pair.listen, the HELLO clock, the receive checks in order, each peer's
 * session (lb_pair_sess.h), FLOWS batching and sending, pair.status and
 * the keel_pair_* metrics.  Without pair: in the config nothing here
 * runs: no socket, no timer (d->pair stays NULL).
 *
 * Flow sync (lb_flow.h): the XDP records drained every 5 ms, each sent
 * to every peer by lbd_pair_emit(); lbd_pair_on_records() takes the
 * records of one accepted FLOWS datagram, merged into the conn table with
 * lb_flow_in_apply() once per receive burst.
 */
#ifndef LBD_PAIR_H
#define LBD_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <event2/buffer.h>

#include "keel_ctl_lbd.h"
#include "keel_sync.h"
#include "lb_config.h"

struct lbd;
struct lbd_pair;

/* What a reload opens and loads before anything changes. */
struct lbd_pair_prep {
	bool off; /* no pair: in the new config */
	int fd; /* a new socket (a new listen, or the first), else -1 */
	uint8_t key[KEEL_SYNC_KEY_LEN], prev[KEEL_SYNC_KEY_LEN];
	bool has_prev;
};

/* Keys and socket of cfg's pair:, checked and opened; nothing changes. */
int lbd_pair_prepare(struct lbd *d, const struct lb_config *cfg,
		     struct lbd_pair_prep *p, char *err, size_t errlen);
/* The prepared state in use (d->cfg is already the new config). */
int lbd_pair_install(struct lbd *d, struct lbd_pair_prep *p);
void lbd_pair_discard(struct lbd_pair_prep *p);
void lbd_pair_stop(struct lbd *d);

/*
 * One record to every peer's pending FLOWS body: sent when full or
 * batch_delay after its oldest record; for a peer whose session is not
 * ready, kept at most 1 s / 65536 records, then dropped (peer_not_ready).
 * 0, or -EINVAL for a record the codec refuses.
 */
int lbd_pair_emit(struct lbd *d, const struct keel_sync_rec *r);

/* The records of one accepted FLOWS or BULK_DATA datagram: merged into
 * the conn table (lb_flow_in_apply()) once per receive burst. */
void lbd_pair_on_records(struct lbd *d, const struct keel_sync_rec *recs,
			 size_t n);
/* After each model commit: parked records whose real may now exist. */
void lbd_pair_committed(struct lbd *d);

/* pair.status; *out freed with keel_ctl_pair_status_free(). */
int lbd_pair_status(struct lbd *d, struct keel_ctl_pair_status *out);
/* The keel_pair_* metrics (none without pair:). */
void lbd_pair_metrics(struct lbd *d, struct evbuffer *b);

#endif /* LBD_PAIR_H */
