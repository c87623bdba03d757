/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_metrics - the Prometheus endpoint on libevent's evhttp.
 *
 *   GET or HEAD /metrics  200, text/plain; version=0.0.4, body from render
 *   any other path        404
 *   other methods         405 (with Allow: GET, HEAD); a method evhttp
 *                         does not know at all: its own 501
 *
 * It listens on the one address given, never on a wildcard it was not
 * asked for.  render runs on the event loop, once per request.
 */
#ifndef LB_METRICS_H
#define LB_METRICS_H

#include <stdint.h>
#include "lb_prom.h"

struct event_base;
struct lb_metrics;

typedef void (*lb_metrics_render_fn)(struct evbuffer *out, void *arg);

/*
 * listen: "127.0.0.1:9450" or "[::1]:9450" (lb_prom_listen_parse; port 0
 * lets the kernel choose, see lb_metrics_port).  Returns 0, -EINVAL for
 * bad syntax, -errno of socket/bind/listen (-EADDRINUSE, -EADDRNOTAVAIL,
 * ...), or -ENOMEM.
 */
int lb_metrics_start(struct event_base *base, const char *listen,
		     lb_metrics_render_fn render, void *arg,
		     struct lb_metrics **out);
/* Closes the socket and drops open connections.  NULL is a no-op. */
void lb_metrics_stop(struct lb_metrics *m);
/* The port bound, in host order. */
uint16_t lb_metrics_port(const struct lb_metrics *m);

#endif
