/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_listen - what every listening socket of keel does when accept()
 * fails, and the counters each one keeps: the control sockets
 * (keel_ctlsock), the metrics endpoints (keel_metrics) and bgp-announcer's
 * BGP port.
 *
 * libevent's evconnlistener takes a failed accept() as a one-off: the
 * socket stays readable, so with the descriptors used up (EMFILE, ENFILE)
 * it tries again at once, forever, a warning per try (2.0 M lines in 30 s
 * were seen).  A guarded listener stops accepting instead: 50 ms, doubling
 * up to 1 s while accept() keeps failing, back to 50 ms after the next
 * connection it takes.  Pending connections wait in the kernel's backlog
 * meanwhile.  Each pause is counted and logged, rate-limited, with the
 * listener's name.
 *
 * A guarded listener also takes at most KEEL_LISTEN_BATCH connections per
 * turn of the loop (libevent's listener accepts until the backlog is
 * empty): under a crowd, the connections already in are read between
 * bursts of accepts.
 *
 * The owner counts the rest (connections open, evicted at its cap, timed
 * out) in the same struct, for one set of metrics per listener, and may
 * choose whom to close at its cap with keel_listen_victim().
 */
#ifndef KEEL_LISTEN_H
#define KEEL_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "keel_log.h"

#define KEEL_LISTEN_PAUSE_MIN_MS 50
#define KEEL_LISTEN_PAUSE_MAX_MS 1000
#define KEEL_LISTEN_BATCH 8 /* connections taken per loop turn */
/* A connection younger than this is closed at the cap only when every
 * one is (keel_listen_victim). */
#define KEEL_LISTEN_GRACE_MS 100

struct event;
struct event_base;
struct evconnlistener;

struct keel_listen_stats {
	uint64_t open; /* connections open now (a gauge) */
	uint64_t accepted; /* connections taken */
	uint64_t evicted; /* closed to make room for a new one at the cap */
	uint64_t idle_timeouts; /* nothing sent or read for the idle time */
	uint64_t slow_timeouts; /* a request not whole within its deadline */
	uint64_t accept_errors; /* failed accept() calls, each a pause */
};

struct keel_listen {
	char name[128]; /* "control socket /run/keel/default.sock" */
	struct keel_listen_stats st;
	/* private */
	struct evconnlistener *l;
	struct event *resume;
	struct event *turn; /* accepting again after a batch */
	struct timeval batch_tv; /* the loop turn of the current batch */
	unsigned int batch; /* connections taken in it */
	uint32_t pause_ms;
	struct keel_ratelimit rl;
	struct keel_listen *next;
};

/*
 * Guard l (which keeps its accept callback and argument): its error
 * callback becomes the back-off above.  g must stay where it is until
 * keel_listen_fini().  0 or -ENOMEM.
 */
int keel_listen_init(struct keel_listen *g, struct event_base *base,
		     struct evconnlistener *l, const char *name);
/* Before freeing l.  A zeroed g is a no-op. */
void keel_listen_fini(struct keel_listen *g);
/*
 * The owner took a connection: counted, and the next pause is short.  The
 * KEEL_LISTEN_BATCH-th of a loop turn stops accepting until the next turn.
 */
void keel_listen_accepted(struct keel_listen *g);
/* True while accepting is paused after a failure. */
bool keel_listen_paused(const struct keel_listen *g);
/*
 * The owner's events (a connection evicted or timed out): one line
 * "NAME: MESSAGE (N similar suppressed)" at LOG_NOTICE, at most 5 per
 * 10 s per listener.
 */
void keel_listen_log(struct keel_listen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A connection as the choice of whom to close at the cap sees it. */
struct keel_listen_cand {
	uint64_t accepted_ms; /* CLOCK_MONOTONIC */
	bool busy; /* a request under way, or its answer going out */
};

/*
 * Whom to close for a newcomer at the cap, among v[0..n-1] (n > 0) listed
 * least recent progress first: the first idle one accepted at least
 * grace_ms before now_ms; else the first busy one that old; else (every
 * one is younger) v[0].  A client just connected (lbctl between its
 * connect and its request) outlives idle and slow ones, and the cap
 * still holds.  Pure; O(n).
 */
size_t keel_listen_victim(const struct keel_listen_cand *v, size_t n,
			  uint64_t now_ms, uint32_t grace_ms);

/*
 * Route libevent's own messages (a warning per failed socket() in evhttp,
 * for one) to keel_log, at most 10 per 10 s: under descriptor exhaustion
 * they would come once per try.  Once, at start.
 */
void keel_listen_event_log(void);

#endif
