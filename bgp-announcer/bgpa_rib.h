/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_rib - what to announce: the prefix table (one state per prefix, an
 * action per state), and per session what was last sent (its
 * Adj-RIB-Out), so that a state change or a reload sends only the
 * difference.  It knows neither the peer nor health gating: a session is
 * what it negotiated (struct bgpa_rib_session), and the UPDATEs go out
 * through the caller's emit callback.
 */
#ifndef BGPA_RIB_H
#define BGPA_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_msg.h"
#include "bgpa_config.h"
#include "bgpa_gate.h"

/*
 * A prefix's state (enum bgpa_pstate, bgpa_gate.h) and what each state
 * does (up:, down:, disabled:).  Health gating (bgpa_health.c) sets the
 * state at run time; g.withdraw withdraws the prefix whatever its state's
 * action (fail safe).
 */
struct bgpa_prefix {
	struct bgp_prefix pfx;
	enum bgpa_pstate state;
	bool announce[BGPA_P__MAX]; /* false: withdrawn in that state */
	struct bgpa_attrs attrs[BGPA_P__MAX];
	struct bgpa_gate g;
};

/* The prefix table. */
struct bgpa_rib {
	struct bgpa_prefix *prefixes;
	size_t n_prefixes;
};

/* One route as last sent to a peer. */
struct bgpa_sent {
	struct bgp_prefix pfx;
	struct bgpa_attrs attrs;
};

/* A session's Adj-RIB-Out: what it was sent and not withdrawn. */
struct bgpa_adjout {
	struct bgpa_sent *sent;
	size_t n, cap;
};

/* What the UPDATEs of one session depend on (its peer fills it in). */
struct bgpa_rib_session {
	bool ipv4, ipv6, as4; /* negotiated */
	bool has_nh4; /* next_hop4: configured */
	uint32_t nh4;
	bool has_nh6;
	uint8_t nh6[16];
	int local_family; /* of the connection's local address */
	uint8_t local[16];
	uint32_t local_as;
	const char *name; /* the peer's, for logs */
};

/* One encoded message for the session. */
typedef void bgpa_rib_emit_fn(void *arg, const uint8_t *msg, int len);

/*
 * The prefix table from cfg (states from announce:), replacing r's.  A
 * prefix in both keeps its state and gating (its probe moves over); the
 * old table is handed back in *old (NULL with *n_old 0 when empty) for
 * the caller to release each prefix's gating and free it.  0 or -ENOMEM
 * (r unchanged).
 */
int bgpa_rib_load(struct bgpa_rib *r, const struct bgpa_config *cfg,
		  struct bgpa_prefix **old, size_t *n_old);
/* pfx was sent on ao (and not withdrawn). */
bool bgpa_adjout_has(const struct bgpa_adjout *ao,
		     const struct bgp_prefix *pfx);

/*
 * Each returns the UPDATEs it emitted (End-of-RIB not counted).
 * sync: send what differs between ao and the table.
 */
size_t bgpa_rib_sync(const struct bgpa_rib *t, const struct bgpa_rib_session *s,
		     struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit, void *arg);
/* Session up: everything, then End-of-RIB per family. */
size_t bgpa_rib_established(const struct bgpa_rib *t,
			    const struct bgpa_rib_session *s,
			    struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit,
			    void *arg);
/* ROUTE-REFRESH: everything again. */
size_t bgpa_rib_resend(const struct bgpa_rib *t,
		       const struct bgpa_rib_session *s, struct bgpa_adjout *ao,
		       bgpa_rib_emit_fn *emit, void *arg);
/* Withdraw all that was sent (before a Cease), then forget it. */
size_t bgpa_rib_withdraw_all(const struct bgpa_rib_session *s,
			     struct bgpa_adjout *ao, bgpa_rib_emit_fn *emit,
			     void *arg);
/* Session down: forget what was sent. */
void bgpa_rib_down(struct bgpa_adjout *ao);

#endif /* BGPA_RIB_H */
