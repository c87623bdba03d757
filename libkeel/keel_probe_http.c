/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe_http - GET path; up when the status is in [min, max].
 * libevent's HTTP client does the protocol.  The verdict is taken as soon
 * as the status line and headers are in (a health page's body, however
 * large or slow, does not matter), and the connection is then dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <event2/http.h>

#include "keel_maps.h"
#include "keel_probe_int.h"

/* Enough for any health endpoint's headers; more is refused. */
#define HTTP_HEADERS_MAX 16384

static const char *http_error(int err)
{
	switch (err - 1) {
	case EVREQ_HTTP_TIMEOUT:
		return "http: timeout";
	case EVREQ_HTTP_EOF:
		return "http: connection closed";
	case EVREQ_HTTP_INVALID_HEADER:
		return "http: bad response";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "http: connection error";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "http: response too long";
	default:
		return "http: request failed";
	}
}

/* The status line and headers are in. */
static int http_headers(struct evhttp_request *req, void *arg)
{
	struct keel_probe *p = arg;
	int code = evhttp_request_get_response_code(req);

	/* RFC 9110 section 15.2: 1xx are interim; libevent reads on. */
	if (code == 100)
		return 0;
	keel_probe_done(p,
			code >= p->spec.status_min &&
					code <= p->spec.status_max ?
				KEEL_PROBE_PASSED :
				KEEL_PROBE_FAILED,
			"status %d", code);
	return -1; /* the body is not needed: close */
}

static void http_error_cb(enum evhttp_request_error err, void *arg)
{
	struct keel_probe *p = arg;

	p->u.http.err = err + 1;
}

/* The request ended without headers (connect failed, bad response...). */
static void http_done(struct evhttp_request *req, void *arg)
{
	struct keel_probe *p = arg;
	int err = errno;

	/*
	 * Failed inside evhttp_make_request(): libevent 2.1 could not even
	 * make the socket and says so only through errno.
	 */
	if (p->u.http.starting && keel_probe_errno_local(err))
		keel_probe_done(p, KEEL_PROBE_NOT_RUN, "http: socket: %s",
				strerror(err));
	else if (p->u.http.err)
		keel_probe_done(p, KEEL_PROBE_FAILED, "%s",
				http_error(p->u.http.err));
	else if (req && evhttp_request_get_response_code(req))
		keel_probe_done(p, KEEL_PROBE_FAILED, "status %d",
				evhttp_request_get_response_code(req));
	else
		keel_probe_done(p, KEEL_PROBE_FAILED, "http: connect failed");
}

static int http_start(struct keel_probe *p)
{
	const struct keel_probe_spec *s = &p->spec;
	char addr[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	char host[KEEL_PROBE_HOST_MAX + 8];
	struct evhttp_request *req;
	struct timeval tv;
	int af = s->family == KEEL_F_INET6 ? AF_INET6 : AF_INET;
	struct evkeyvalq *h;
	int ret;

	inet_ntop(af, s->addr, addr, sizeof(addr));
	p->u.http.evcon =
		evhttp_connection_base_new(p->base, NULL, addr, s->port);
	if (!p->u.http.evcon)
		return -ENOMEM;
	evhttp_connection_set_family(p->u.http.evcon, af);
	if (s->src_family) {
		inet_ntop(af, s->src_addr, src, sizeof(src));
		evhttp_connection_set_local_address(p->u.http.evcon, src);
	}
	/* The probe's own timer bounds the whole exchange; libevent's, the
	 * same, only keeps it from waiting longer on its own. */
	tv.tv_sec = s->timeout_ms / 1000;
	tv.tv_usec = s->timeout_ms % 1000 * 1000;
	evhttp_connection_set_timeout_tv(p->u.http.evcon, &tv);
	evhttp_connection_set_retries(p->u.http.evcon, 0);
	evhttp_connection_set_max_headers_size(p->u.http.evcon,
					       HTTP_HEADERS_MAX);

	req = evhttp_request_new(http_done, p);
	if (!req)
		return -ENOMEM;
	evhttp_request_set_header_cb(req, http_headers);
	evhttp_request_set_error_cb(req, http_error_cb);
	/* RFC 9110 section 7.2: Host is the authority; an IPv6 literal in
	 * brackets, the port unless it is the default. */
	if (s->host[0])
		snprintf(host, sizeof(host), "%s", s->host);
	else if (s->port == 80)
		snprintf(host, sizeof(host), af == AF_INET6 ? "[%s]" : "%s",
			 addr);
	else
		snprintf(host, sizeof(host),
			 af == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, s->port);
	h = evhttp_request_get_output_headers(req);
	if (evhttp_add_header(h, "Host", host) ||
	    evhttp_add_header(h, "User-Agent", "keel-probe") ||
	    evhttp_add_header(h, "Connection", "close")) {
		evhttp_request_free(req);
		return -ENOMEM;
	}
	/*
	 * The connection owns req from here, except when it cannot even
	 * create its socket (libevent 2.1: bind_socket() failed): then req
	 * is off its queue and ours to free.
	 */
	errno = 0;
	p->u.http.starting = true;
	ret = evhttp_make_request(p->u.http.evcon, req, EVHTTP_REQ_GET,
				  s->path);
	p->u.http.starting = false;
	if (ret) {
		int err = errno;

		evhttp_request_free(req);
		/* No descriptor or memory: ours.  Else a missing source
		 * address, as for TCP: a result. */
		if (keel_probe_errno_local(err) && err != EADDRNOTAVAIL)
			keel_probe_done(p, KEEL_PROBE_NOT_RUN,
					"http: socket: %s", strerror(err));
		else
			keel_probe_done(p, KEEL_PROBE_FAILED, "%s",
					s->src_family ? "http: bind failed" :
							"http: socket failed");
	}
	return 0;
}

static void http_stop(struct keel_probe *p)
{
	if (p->u.http.evcon) {
		evhttp_connection_free(p->u.http.evcon);
		p->u.http.evcon = NULL;
	}
}

const struct keel_probe_ops keel_probe_http_ops = {
	.start = http_start,
	.stop = http_stop,
};
