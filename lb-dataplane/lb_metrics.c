// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "lb_metrics.h"

/* A scraper sends a short GET: anything bigger is not one. */
#define LB_METRICS_HEADERS_MAX 8192
#define LB_METRICS_BODY_MAX 1024
#define LB_METRICS_TIMEOUT_S 10
#define LB_METRICS_BACKLOG 16

struct lb_metrics {
	struct evhttp *http;
	lb_metrics_render_fn render;
	void *arg;
	uint16_t port;
};

static void lb_metrics_reply(struct evhttp_request *req, int code,
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

static void lb_metrics_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct lb_metrics *m = arg;
	struct evbuffer *body;
	struct evkeyvalq *h;
	char len[24];

	if (!path || strcmp(path, "/metrics")) {
		lb_metrics_reply(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		lb_metrics_reply(req, HTTP_BADMETHOD, "Method Not Allowed");
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
static int lb_metrics_socket(const struct sockaddr_storage *ss, socklen_t len,
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
	if (listen(fd, LB_METRICS_BACKLOG) < 0) {
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

int lb_metrics_start(struct event_base *base, const char *listen,
		     lb_metrics_render_fn render, void *arg,
		     struct lb_metrics **out)
{
	struct sockaddr_storage ss;
	struct lb_metrics *m;
	socklen_t len;
	int fd = -1, err;

	*out = NULL;
	err = lb_prom_listen_parse(listen, &ss, &len);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->render = render;
	m->arg = arg;
	fd = lb_metrics_socket(&ss, len, &m->port);
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
	 * Let every method reach lb_metrics_request, so that all of them get
	 * 405 rather than evhttp's 501 for the ones it was not told about.
	 */
	evhttp_set_allowed_methods(
		m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
				 EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(m->http, LB_METRICS_HEADERS_MAX);
	evhttp_set_max_body_size(m->http, LB_METRICS_BODY_MAX);
	evhttp_set_timeout(m->http, LB_METRICS_TIMEOUT_S);
	evhttp_set_gencb(m->http, lb_metrics_request, m);
	/* From here the listener owns fd (closed by evhttp_free). */
	if (!evhttp_accept_socket_with_handle(m->http, fd)) {
		err = -ENOMEM;
		goto out;
	}
	fd = -1;
	*out = m;
	return 0;
out:
	if (fd >= 0)
		close(fd);
	if (m->http)
		evhttp_free(m->http);
	free(m);
	return err;
}

void lb_metrics_stop(struct lb_metrics *m)
{
	if (!m)
		return;
	evhttp_free(m->http);
	free(m);
}

uint16_t lb_metrics_port(const struct lb_metrics *m)
{
	return m->port;
}
