// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_metrics.h"

/* A scraper sends a short GET: anything bigger is not one. */
#define KEEL_METRICS_HEADERS_MAX 8192
#define KEEL_METRICS_BODY_MAX 1024
#define KEEL_METRICS_BACKLOG 16

/*
 * libevent 2.1 (Debian 12) has no connection limit for evhttp and tells
 * nobody about a new or closed connection (2.2 has
 * evhttp_set_max_connections and evhttp_set_newreqcb).  What it has is
 * evhttp_set_bevcb: we make each connection's bufferevent, and keep a
 * reference to it.  evhttp never leaves a live connection without an event
 * callback, and bufferevent_free() clears the callbacks: a tracked
 * bufferevent without one is a connection evhttp has closed (its socket
 * closed too: we make it without BEV_OPT_CLOSE_ON_FREE, so evhttp closes
 * it at once).  A connection is closed by shutting its socket down: evhttp
 * reads the EOF and frees it through its own path.
 */
struct keel_metrics_conn {
	struct bufferevent *bev; /* our reference */
	uint64_t since_ms; /* connected, or its last request */
	bool closing; /* shut down by us, evhttp not done yet */
	TAILQ_ENTRY(keel_metrics_conn) link; /* oldest since_ms first */
};

struct keel_metrics {
	struct event_base *base;
	struct evhttp *http;
	keel_metrics_render_fn render;
	void *arg;
	uint16_t port;
	unsigned int max_conns, request_ms;
	struct event *sweep;
	struct keel_listen lg;
	TAILQ_HEAD(, keel_metrics_conn) conns;
};

static bool keel_metrics_alive(const struct keel_metrics_conn *c)
{
	bufferevent_event_cb ev = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &ev, NULL);
	return ev != NULL;
}

/* Only while alive: once evhttp closed it, the number may be reused. */
static void keel_metrics_close(struct keel_metrics_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	c->closing = true;
}

/*
 * Forget the connections evhttp has closed; close the ones past their
 * deadline.  At most max_conns + the ones closing: bounded.
 */
static void keel_metrics_sweep(struct keel_metrics *m, uint64_t now)
{
	struct keel_metrics_conn *c, *next;
	uint64_t open = 0;

	for (c = TAILQ_FIRST(&m->conns); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (!keel_metrics_alive(c)) {
			TAILQ_REMOVE(&m->conns, c, link);
			bufferevent_decref(c->bev);
			free(c);
			continue;
		}
		open++;
		if (c->closing || now - c->since_ms < m->request_ms)
			continue;
		m->lg.st.slow_timeouts++;
		keel_listen_log(&m->lg, "no whole request within %u ms: closed",
				m->request_ms);
		keel_metrics_close(c);
	}
	m->lg.st.open = open;
}

static void keel_metrics_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	keel_metrics_sweep(arg, keel_now_ms());
}

/* evhttp is taking a new connection: count it, make room, track it. */
static struct bufferevent *keel_metrics_on_conn(struct event_base *base,
						void *arg)
{
	struct keel_metrics *m = arg;
	uint64_t now = keel_now_ms();
	struct keel_metrics_conn *c, *old;
	unsigned int live = 0;

	keel_listen_accepted(&m->lg);
	keel_metrics_sweep(m, now);
	TAILQ_FOREACH(c, &m->conns, link)
	live += !c->closing;
	if (live >= m->max_conns) {
		for (old = TAILQ_FIRST(&m->conns); old && old->closing;
		     old = TAILQ_NEXT(old, link))
			;
		if (old) {
			m->lg.st.evicted++;
			keel_listen_log(
				&m->lg,
				"%u connections open: closed the least active one",
				m->max_conns);
			keel_metrics_close(old);
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL; /* evhttp makes its own: served, not tracked */
	c->bev = bufferevent_socket_new(base, -1, 0);
	if (!c->bev) {
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	c->since_ms = now;
	TAILQ_INSERT_TAIL(&m->conns, c, link);
	m->lg.st.open++;
	return c->bev;
}

/* A whole request arrived on req's connection: its deadline restarts. */
static void keel_metrics_progress(struct keel_metrics *m,
				  struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev =
		evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct keel_metrics_conn *c;

	TAILQ_FOREACH(c, &m->conns, link)
	if (c->bev == bev)
		break;
	if (!c)
		return;
	c->since_ms = keel_now_ms();
	TAILQ_REMOVE(&m->conns, c, link);
	TAILQ_INSERT_TAIL(&m->conns, c, link);
}

static void keel_metrics_reply(struct evhttp_request *req, int code,
			       const char *reason)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evbuffer_new();

	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	if (code == HTTP_BADMETHOD)
		evhttp_add_header(h, "Allow", "GET, HEAD");
	if (body)
		evbuffer_add_printf(body, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, body);
	if (body)
		evbuffer_free(body);
}

static void keel_metrics_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct keel_metrics *m = arg;
	struct evbuffer *body;
	struct evkeyvalq *h;
	char len[24];

	keel_metrics_progress(m, req);
	if (!path || strcmp(path, "/metrics")) {
		keel_metrics_reply(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		keel_metrics_reply(req, HTTP_BADMETHOD, "Method Not Allowed");
		return;
	}
	body = evbuffer_new();
	if (!body) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	m->render(body, m->arg);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	if (cmd == EVHTTP_REQ_HEAD) {
		/*
		 * evhttp 2.1 would send a body after HEAD's headers: give it
		 * none, and the length a GET would have.
		 */
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_add_header(h, "Content-Length", len);
		evhttp_send_reply(req, HTTP_OK, "OK", NULL);
	} else {
		evhttp_send_reply(req, HTTP_OK, "OK", body);
	}
	evbuffer_free(body);
}

/* Our own socket: bind's errno reaches the caller intact. */
static int keel_metrics_socket(const struct sockaddr_storage *ss, socklen_t len,
			       uint16_t *port)
{
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int fd, one = 1, err = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* A restarted lbd must not wait for TIME_WAIT of its old scrapes. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		err = -errno;
		goto out;
	}
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		err = -errno;
		goto out;
	}
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		err = -errno;
		goto out;
	}
	if (listen(fd, KEEL_METRICS_BACKLOG) < 0) {
		err = -errno;
		goto out;
	}
	/* Port 0 asked the kernel to choose: learn its choice. */
	if (getsockname(fd, (struct sockaddr *)&got, &glen) < 0) {
		err = -errno;
		goto out;
	}
	*port = ntohs(got.ss_family == AF_INET6 ?
			      ((struct sockaddr_in6 *)&got)->sin6_port :
			      ((struct sockaddr_in *)&got)->sin_port);
out:
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int keel_metrics_start(struct event_base *base, const char *listen,
		       const struct keel_metrics_limits *lim,
		       keel_metrics_render_fn render, void *arg,
		       struct keel_metrics **out)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	struct keel_metrics *m;
	struct timeval tv;
	char name[96];
	socklen_t len;
	int fd = -1, err;

	*out = NULL;
	err = keel_sockaddr_parse(listen, &ss, &len);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	TAILQ_INIT(&m->conns);
	m->base = base;
	m->render = render;
	m->arg = arg;
	m->max_conns = lim && lim->max_conns ? lim->max_conns :
					       KEEL_METRICS_CONNS;
	m->request_ms = lim && lim->request_ms ? lim->request_ms :
						 KEEL_METRICS_REQUEST_MS;
	fd = keel_metrics_socket(&ss, len, &m->port);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	m->http = evhttp_new(base);
	if (!m->http) {
		err = -ENOMEM;
		goto out;
	}
	/*
	 * Let every method reach keel_metrics_request, so that all of them get
	 * 405 rather than evhttp's 501 for the ones it was not told about.
	 */
	evhttp_set_allowed_methods(
		m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
				 EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(m->http, KEEL_METRICS_HEADERS_MAX);
	evhttp_set_max_body_size(m->http, KEEL_METRICS_BODY_MAX);
	/* Ours closes first; evhttp's is the backstop. */
	tv.tv_sec = 2 * m->request_ms / 1000;
	tv.tv_usec = 2 * m->request_ms % 1000 * 1000;
	evhttp_set_timeout_tv(m->http, &tv);
	evhttp_set_gencb(m->http, keel_metrics_request, m);
	evhttp_set_bevcb(m->http, keel_metrics_on_conn, m);
	/* From here the listener owns fd (closed by evhttp_free). */
	bound = evhttp_accept_socket_with_handle(m->http, fd);
	if (!bound) {
		err = -ENOMEM;
		goto out;
	}
	fd = -1;
	snprintf(name, sizeof(name), "metrics %s", listen);
	m->sweep = event_new(base, -1, EV_PERSIST, keel_metrics_on_sweep, m);
	if (!m->sweep ||
	    keel_listen_init(&m->lg, base,
			     evhttp_bound_socket_get_listener(bound), name)) {
		err = -ENOMEM;
		goto out;
	}
	/* A quarter of the deadline: closed at most 25% late. */
	tv.tv_sec = m->request_ms / 4 / 1000;
	tv.tv_usec = m->request_ms / 4 % 1000 * 1000;
	event_add(m->sweep, &tv);
	*out = m;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	keel_metrics_stop(m);
	return err;
}

void keel_metrics_stop(struct keel_metrics *m)
{
	struct keel_metrics_conn *c;

	if (!m)
		return;
	keel_listen_fini(&m->lg);
	if (m->sweep)
		event_free(m->sweep);
	/* Closes every connection: each tracked bufferevent is then ours. */
	if (m->http)
		evhttp_free(m->http);
	while ((c = TAILQ_FIRST(&m->conns))) {
		TAILQ_REMOVE(&m->conns, c, link);
		bufferevent_decref(c->bev);
		free(c);
	}
	free(m);
}

const struct keel_listen_stats *keel_metrics_stats(const struct keel_metrics *m)
{
	return &m->lg.st;
}

void keel_metrics_listeners(struct evbuffer *b,
			    const struct keel_metrics_listener *v, size_t n)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} m[] = {
		{ "keel_listener_connections", "gauge",
		  "connections open on the listener",
		  offsetof(struct keel_listen_stats, open) },
		{ "keel_listener_accepted_total", "counter",
		  "connections the listener took",
		  offsetof(struct keel_listen_stats, accepted) },
		{ "keel_listener_evicted_total", "counter",
		  "connections closed to make room at the cap",
		  offsetof(struct keel_listen_stats, evicted) },
		{ "keel_listener_accept_errors_total", "counter",
		  "failed accept() calls (each pauses accepting)",
		  offsetof(struct keel_listen_stats, accept_errors) },
	};
	struct keel_prom_label l[2] = { { "listener", NULL },
					{ "reason", NULL } };
	size_t i, j;

	for (j = 0; j < sizeof(m) / sizeof(m[0]); j++) {
		keel_prom_help(b, m[j].name, m[j].type, m[j].help);
		for (i = 0; i < n; i++) {
			if (!v[i].st)
				continue;
			l[0].value = v[i].name;
			keel_prom_sample(
				b, m[j].name, l, 1,
				*(const uint64_t *)((const char *)v[i].st +
						    m[j].off));
		}
	}
	keel_prom_help(b, "keel_listener_timeouts_total", "counter",
		       "connections closed: idle, or no whole request in time");
	for (i = 0; i < n; i++) {
		if (!v[i].st)
			continue;
		l[0].value = v[i].name;
		l[1].value = "idle";
		keel_prom_sample(b, "keel_listener_timeouts_total", l, 2,
				 v[i].st->idle_timeouts);
		l[1].value = "slow";
		keel_prom_sample(b, "keel_listener_timeouts_total", l, 2,
				 v[i].st->slow_timeouts);
	}
}

uint16_t keel_metrics_port(const struct keel_metrics *m)
{
	return m->port;
}

void keel_metrics_probes_not_run(struct evbuffer *b, uint64_t n)
{
	keel_prom_help(
		b, "keel_probe_not_run_total", "counter",
		"health probes this process could not run itself (no descriptor, memory, process...): no verdict, the last one held");
	keel_prom_sample(b, "keel_probe_not_run_total", NULL, 0, n);
}
