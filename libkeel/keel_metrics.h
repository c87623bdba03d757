/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_metrics - the Prometheus endpoint on libevent's evhttp.
 *
 *   GET or HEAD /metrics  200, text/plain; version=0.0.4, body from render
 *   any other path        404
 *   other methods         405 (with Allow: GET, HEAD); a method evhttp
 *                         does not know at all: its own 501
 *
 * It listens on the one address given, never on a wildcard it was not
 * asked for.  render runs on the event loop, once per request.
 *
 * Limits (anyone who can reach the port can connect: there is no auth):
 * - at most max_conns connections; a newcomer past the cap closes the one
 *   whose last request (or connect) is oldest, so idle or slow clients
 *   cannot keep a scraper out;
 * - a connection must deliver a whole request within request_ms of its
 *   connect or of its previous request (a client sending 1 byte/s is cut:
 *   evhttp's own timer restarts at every byte), else it is closed;
 * - accept() failures pause accepting (keel_listen.h).
 * Counted (keel_metrics_stats) and logged, rate-limited.
 */
#ifndef KEEL_METRICS_H
#define KEEL_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "keel_listen.h"
#include "keel_prom.h"

#define KEEL_METRICS_CONNS 64 /* default cap on connections */
#define KEEL_METRICS_CONNS_MAX 4096 /* the highest cap configs may ask */
#define KEEL_METRICS_REQUEST_MS 10000 /* default whole-request deadline */

struct event_base;
struct keel_metrics;

typedef void (*keel_metrics_render_fn)(struct evbuffer *out, void *arg);

struct keel_metrics_limits {
	unsigned int max_conns; /* 0: KEEL_METRICS_CONNS */
	unsigned int request_ms; /* 0: KEEL_METRICS_REQUEST_MS */
};

/*
 * listen: "127.0.0.1:9450" or "[::1]:9450" (keel_sockaddr_parse; port 0
 * lets the kernel choose, see keel_metrics_port); lim NULL: the defaults.
 * Returns 0, -EINVAL for bad syntax, -errno of socket/bind/listen
 * (-EADDRINUSE, -EADDRNOTAVAIL, ...), or -ENOMEM.
 */
int keel_metrics_start(struct event_base *base, const char *listen,
		       const struct keel_metrics_limits *lim,
		       keel_metrics_render_fn render, void *arg,
		       struct keel_metrics **out);
/* Closes the socket and drops open connections.  NULL is a no-op. */
void keel_metrics_stop(struct keel_metrics *m);
/* The port bound, in host order. */
uint16_t keel_metrics_port(const struct keel_metrics *m);
/* Counters and the connections open now. */
const struct keel_listen_stats *
keel_metrics_stats(const struct keel_metrics *m);

/* One listener's counters, for keel_metrics_listeners(). */
struct keel_metrics_listener {
	const char *name; /* the listener label: "control", "metrics" */
	const struct keel_listen_stats *st; /* NULL: skipped */
};

/*
 * keel_listener_connections, keel_listener_accepted_total,
 * keel_listener_evicted_total, keel_listener_timeouts_total{reason=idle|
 * slow} and keel_listener_accept_errors_total, labelled listener=name.
 */
void keel_metrics_listeners(struct evbuffer *b,
			    const struct keel_metrics_listener *v, size_t n);
/* keel_probe_not_run_total: keel_probe_not_run() of the process. */
void keel_metrics_probes_not_run(struct evbuffer *b, uint64_t n);

#endif
