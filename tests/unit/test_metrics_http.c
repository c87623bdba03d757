// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_metrics over real sockets: a raw HTTP client against the server on
 * the same event loop.  Talks to 127.0.0.1 and ::1 only; meson runs it in
 * a throw-away namespace (tests/bpf/run-in-netns.sh), never on the host's
 * loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "check_run.h"
#include "lb_metrics.h"

#define BODY                                                       \
	"# HELP keel_up 1 while lbd runs.\n# TYPE keel_up gauge\n" \
	"keel_up{instance=\"a\\\"b\"} 1\n"

static int renders;

static void render(struct evbuffer *out, void *arg)
{
	static const struct lb_prom_label l[] = { { "instance", "a\"b" } };

	ck_assert_ptr_eq(arg, &renders);
	renders++;
	lb_prom_help(out, "keel_up", "gauge", "1 while lbd runs.");
	lb_prom_sample(out, "keel_up", l, 1, 1);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Send req and read until the server closes (HTTP/1.0), running the
 * server's loop in between; at most 2 s.  Returns the response (static).
 */
static const char *fetch(struct event_base *base, int af, uint16_t port,
			 const char *req)
{
	static char resp[8192];
	struct sockaddr_storage ss = {};
	uint64_t deadline = now_ms() + 2000;
	size_t len = 0;
	socklen_t sl;
	int fd;

	if (af == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*s4);
	}
	fd = socket(af, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	/* Completes from the backlog: the server accepts in its loop. */
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, sl), 0);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(now_ms() < deadline, "no full answer to %s", req);
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 5) <= 0)
			continue;
		n = recv(fd, resp + len, sizeof(resp) - 1 - len, 0);
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		len += n;
		ck_assert_uint_lt(len, sizeof(resp) - 1);
	}
	close(fd);
	resp[len] = '\0';
	return resp;
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	ck_assert_ptr_nonnull(b);
	return b + 4;
}

static const struct {
	const char *req;
	const char *status;
	const char *header; /* must appear too (NULL: none) */
	const char *body; /* exact (NULL: not checked) */
} http_cases[] = {
	{ "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n",
	  "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
	  BODY },
	{ "GET /metrics?name[]=keel_up HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n",
	  NULL, BODY },
	/* The headers of a GET, Content-Length too, and no body. */
	{ "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n",
	  "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
	  "" },
	{ "GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", NULL,
	  "404 Not Found\n" },
	{ "GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", NULL, NULL },
	{ "GET /metrics/ HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", NULL,
	  NULL },
	{ "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
	  "HTTP/1.0 405 Method Not Allowed\r\n", "\r\nAllow: GET, HEAD\r\n",
	  "405 Method Not Allowed\n" },
	{ "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
	  "HTTP/1.0 405 Method Not Allowed\r\n", "\r\nAllow: GET, HEAD\r\n",
	  NULL },
	{ "OPTIONS /metrics HTTP/1.0\r\n\r\n",
	  "HTTP/1.0 405 Method Not Allowed\r\n", NULL, NULL },
	{ "DELETE /nope HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", NULL,
	  NULL },
	/* HTTP/1.1, as Prometheus scrapes: Content-Length is checked too. */
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	  "HTTP/1.1 200 OK\r\n", NULL, BODY },
	{ "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	  "HTTP/1.1 200 OK\r\n", NULL, "" },
	/* A method nobody knows: evhttp's own answer (RFC 9110 15.6.2). */
	{ "BREW /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 501 Not Implemented\r\n",
	  NULL, NULL },
};

START_TEST(test_http)
{
	struct event_base *base = event_base_new();
	struct lb_metrics *m;
	const char *r;
	int af = _i >= 100 ? AF_INET6 : AF_INET, i = _i % 100;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(lb_metrics_start(base,
					  af == AF_INET6 ? "[::1]:0" :
							   "127.0.0.1:0",
					  render, &renders, &m),
			 0);
	ck_assert_uint_ne(lb_metrics_port(m), 0);
	renders = 0;
	r = fetch(base, af, lb_metrics_port(m), http_cases[i].req);
	ck_assert_msg(!strncmp(r, http_cases[i].status,
			       strlen(http_cases[i].status)),
		      "%s-> %s", http_cases[i].req, r);
	if (http_cases[i].header)
		ck_assert_msg(strstr(r, http_cases[i].header), "%s-> %s",
			      http_cases[i].req, r);
	if (http_cases[i].body)
		ck_assert_str_eq(body_of(r), http_cases[i].body);
	/* Rendered for a 200 only; evhttp gives HTTP/1.0 no length. */
	ck_assert_int_eq(renders,
			 strstr(http_cases[i].status, " 200 ") ? 1 : 0);
	if (renders && strstr(http_cases[i].req, "HTTP/1.1")) {
		char clen[64];

		snprintf(clen, sizeof(clen), "\r\nContent-Length: %zu\r\n",
			 strlen(BODY));
		ck_assert_msg(strstr(r, clen), "%s-> %s", http_cases[i].req, r);
	}
	lb_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/* Several scrapes on one server, and a stop that leaves the port free. */
START_TEST(test_restart)
{
	struct event_base *base = event_base_new();
	struct lb_metrics *m;
	char listen[32];
	uint16_t port;
	int k;

	ck_assert_int_eq(
		lb_metrics_start(base, "127.0.0.1:0", render, &renders, &m), 0);
	port = lb_metrics_port(m);
	renders = 0;
	for (k = 0; k < 3; k++)
		ck_assert_str_eq(
			body_of(fetch(base, AF_INET, port,
				      "GET /metrics HTTP/1.0\r\n\r\n")),
			BODY);
	ck_assert_int_eq(renders, 3);
	lb_metrics_stop(m);
	/* The same port again at once (SO_REUSEADDR over TIME_WAIT). */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	ck_assert_int_eq(lb_metrics_start(base, listen, render, &renders, &m),
			 0);
	ck_assert_uint_eq(lb_metrics_port(m), port);
	ck_assert_str_eq(body_of(fetch(base, AF_INET, port,
				       "GET /metrics HTTP/1.0\r\n\r\n")),
			 BODY);
	lb_metrics_stop(m);
	lb_metrics_stop(NULL);
	event_base_free(base);
}
END_TEST

START_TEST(test_start_errors)
{
	struct event_base *base = event_base_new();
	struct lb_metrics *m, *m2 = (void *)1;
	char listen[32];

	ck_assert_int_eq(lb_metrics_start(base, "127.0.0.1", render, NULL, &m2),
			 -EINVAL);
	ck_assert_ptr_null(m2);
	ck_assert_int_eq(lb_metrics_start(base, "localhost:9450", render, NULL,
					  &m2),
			 -EINVAL);
	/* Not an address of this namespace. */
	ck_assert_int_eq(lb_metrics_start(base, "192.0.2.1:9450", render, NULL,
					  &m2),
			 -EADDRNOTAVAIL);
	ck_assert_int_eq(
		lb_metrics_start(base, "127.0.0.1:0", render, NULL, &m), 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", lb_metrics_port(m));
	ck_assert_int_eq(lb_metrics_start(base, listen, render, NULL, &m2),
			 -EADDRINUSE);
	ck_assert_ptr_null(m2);
	lb_metrics_stop(m);
	event_base_free(base);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("metrics_http");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_http, 0, N(http_cases));
	/* The same table over IPv6: _i 100.. */
	tcase_add_loop_test(tc, test_http, 100, 100 + N(http_cases));
	tcase_add_test(tc, test_restart);
	tcase_add_test(tc, test_start_errors);
	suite_add_tcase(s, tc);
	return check_run(s);
}
