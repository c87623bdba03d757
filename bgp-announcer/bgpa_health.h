/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_health - health gating: which state (UP, DOWN, DISABLED) each
 * prefix is in, from lbd's control socket (polled on the event loop), the
 * announcer's own probes of the VIPs, the disable file and lbd's site
 * drain.  Rules and timings: docs/bgp-announcer.md, "Health gating".
 */
#ifndef BGPA_HEALTH_H
#define BGPA_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgpa_config.h"
#include "bgpa_gate.h"

struct event;
struct bufferevent;

/* What the last poll of lbd gave, and counters. */
enum bgpa_poll_result {
	BGPA_POLL_OK,
	BGPA_POLL_CONNECT, /* socket missing, refused, no permission */
	BGPA_POLL_TIMEOUT,
	BGPA_POLL_CLOSED, /* lbd closed before a whole answer */
	BGPA_POLL_BAD_ANSWER, /* not JSON, ok:false, missing members */
	BGPA_POLL__MAX,
};

struct bgpa_health {
	struct event *t_tick, *t_poll_timeout;
	struct bufferevent *poll; /* a poll in flight, or NULL */
	uint64_t poll_started_ms;
	/* lbd's last answer (kept while lbd fails) */
	bool lbd_ok; /* the last poll succeeded */
	bool lbd_answered; /* at least one poll succeeded */
	enum bgpa_poll_result last_result;
	char lbd_error[BGPA_REASON_MAX]; /* the last failure */
	time_t lbd_ok_at, lbd_fail_since;
	uint64_t polls[BGPA_POLL__MAX];
	uint32_t last_poll_ms; /* the last poll's duration */
	struct bgpa_gate_lbd lbd; /* its drain is sticky while lbd fails */
	bool disable_exists;
};

struct bgpa;

/* The prefix's probe (probe:): its own rise/fall, results kept here. */
struct bgpa_health_probe {
	struct keel_check *check;
	struct bgpa_cfg_probe cfg; /* what it was started with */
	uint8_t state; /* KEEL_RS_* */
	char pfx[64]; /* for logs */
};

/* Timers and probes; every prefix's first state.  0 or -errno. */
int bgpa_health_start(struct bgpa *b);
/* After a reload replaced b->cfg and the prefix table: probes started,
 * stopped or kept, states evaluated again (no sync: the caller's). */
void bgpa_health_reload(struct bgpa *b);
void bgpa_health_stop(struct bgpa *b);
/* A prefix leaving the table (reload): its probe stops. */
void bgpa_health_release(struct bgpa_gate *g);
const char *bgpa_poll_result_name(enum bgpa_poll_result r);

#endif /* BGPA_HEALTH_H */
