/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe_int - what the probe types share with keel_probe.c (not for
 * users of keel_probe.h).
 *
 * Life of a probe: keel_probe_run() validates and copies the spec, arms
 * the timeout and calls ops->start().  The type reports its result with
 * keel_probe_done(), from anywhere (even inside start() or a libevent
 * callback of its own): that only records it and makes p->ev active, so
 * the result is delivered from the loop, where ops->stop() can free the
 * type's resources safely before the user's callback runs.
 */
#ifndef KEEL_PROBE_INT_H
#define KEEL_PROBE_INT_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "keel_probe.h"

struct event;
struct evhttp_connection;

#define KEEL_PROBE_DETAIL_MAX 128

struct keel_probe_ops {
	/* 0, or -errno when nothing could be started (then stop() runs). */
	int (*start)(struct keel_probe *p);
	/* Release whatever start() took; safe on a partial start. */
	void (*stop)(struct keel_probe *p);
};

extern const struct keel_probe_ops keel_probe_tcp_ops;
extern const struct keel_probe_ops keel_probe_http_ops;
extern const struct keel_probe_ops keel_probe_cmd_ops;

struct keel_probe {
	struct event_base *base;
	struct keel_probe_spec spec; /* a copy, defaults applied */
	const struct keel_probe_ops *ops;
	keel_probe_cb cb;
	void *arg;
	struct event *ev; /* the timeout, then the delivery of the result */
	bool done;
	enum keel_probe_result res;
	char detail[KEEL_PROBE_DETAIL_MAX];
	union {
		struct {
			int fd;
			struct event *ev;
		} tcp;
		struct {
			struct evhttp_connection *evcon;
			int err; /* enum evhttp_request_error + 1; 0: none */
			bool starting; /* inside evhttp_make_request() */
		} http;
		struct {
			pid_t pid; /* 0: none or reaped */
			int pidfd;
			struct event *ev;
		} cmd;
	} u;
};

void keel_probe_done(struct keel_probe *p, enum keel_probe_result res,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Whether a socket() or connect() errno is the prober's own trouble
 * (descriptors, memory, local ports, local policy) rather than news of
 * the service.
 */
bool keel_probe_errno_local(int err);

/* The spec's (family, addr, port) as a sockaddr; src: the source. */
socklen_t keel_probe_sockaddr(const struct keel_probe_spec *s, bool src,
			      struct sockaddr_storage *ss);

#endif
