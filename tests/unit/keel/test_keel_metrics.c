// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_metrics over real sockets: a raw HTTP client against the server on
 * the same event loop.  Talks to 127.0.0.1 and ::1 only; meson runs it in
 * a throw-away namespace (tests/bpf/run-in-netns.sh), never on the host's
 * loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "check_run.h"
#include "cpu_time.h"
#include "keel_clock.h"
#include "keel_metrics.h"

#define BODY                                                       \
	"# HELP keel_up 1 while lbd runs.\n# TYPE keel_up gauge\n" \
	"keel_up{instance=\"a\\\"b\"} 1\n"

static int renders;

static void render(struct evbuffer *out, void *arg)
{
	static const struct keel_prom_label l[] = { { "instance", "a\"b" } };

	ck_assert_ptr_eq(arg, &renders);
	renders++;
	keel_prom_help(out, "keel_up", "gauge", "1 while lbd runs.");
	keel_prom_sample(out, "keel_up", l, 1, 1);
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
	uint64_t deadline = keel_now_ms() + 2000;
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

		ck_assert_msg(keel_now_ms() < deadline, "no full answer to %s",
			      req);
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
	struct keel_metrics *m;
	const char *r;
	int af = _i >= 100 ? AF_INET6 : AF_INET, i = _i % 100;

	ck_assert_ptr_nonnull(base);
	ck_assert_int_eq(keel_metrics_start(base,
					    af == AF_INET6 ? "[::1]:0" :
							     "127.0.0.1:0",
					    NULL, render, &renders, &m),
			 0);
	ck_assert_uint_ne(keel_metrics_port(m), 0);
	renders = 0;
	r = fetch(base, af, keel_metrics_port(m), http_cases[i].req);
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
	keel_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/* Several scrapes on one server, and a stop that leaves the port free. */
START_TEST(test_restart)
{
	struct event_base *base = event_base_new();
	struct keel_metrics *m;
	char listen[32];
	uint16_t port;
	int k;

	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1:0", NULL, render,
					    &renders, &m),
			 0);
	port = keel_metrics_port(m);
	renders = 0;
	for (k = 0; k < 3; k++)
		ck_assert_str_eq(
			body_of(fetch(base, AF_INET, port,
				      "GET /metrics HTTP/1.0\r\n\r\n")),
			BODY);
	ck_assert_int_eq(renders, 3);
	keel_metrics_stop(m);
	/* The same port again at once (SO_REUSEADDR over TIME_WAIT). */
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	ck_assert_int_eq(keel_metrics_start(base, listen, NULL, render,
					    &renders, &m),
			 0);
	ck_assert_uint_eq(keel_metrics_port(m), port);
	ck_assert_str_eq(body_of(fetch(base, AF_INET, port,
				       "GET /metrics HTTP/1.0\r\n\r\n")),
			 BODY);
	keel_metrics_stop(m);
	keel_metrics_stop(NULL);
	event_base_free(base);
}
END_TEST

START_TEST(test_start_errors)
{
	struct event_base *base = event_base_new();
	struct keel_metrics *m, *m2 = (void *)1;
	char listen[32];

	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1", NULL, render,
					    NULL, &m2),
			 -EINVAL);
	ck_assert_ptr_null(m2);
	ck_assert_int_eq(keel_metrics_start(base, "localhost:9450", NULL,
					    render, NULL, &m2),
			 -EINVAL);
	/* Not an address of this namespace. */
	ck_assert_int_eq(keel_metrics_start(base, "192.0.2.1:9450", NULL,
					    render, NULL, &m2),
			 -EADDRNOTAVAIL);
	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1:0", NULL, render,
					    NULL, &m),
			 0);
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", keel_metrics_port(m));
	ck_assert_int_eq(keel_metrics_start(base, listen, NULL, render, NULL,
					    &m2),
			 -EADDRINUSE);
	ck_assert_ptr_null(m2);
	keel_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/* ---- limits ---- */

static int conn_to(uint16_t port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&s4, sizeof(s4)), 0);
	return fd;
}

static void pump(struct event_base *base, int ms)
{
	uint64_t end = keel_now_ms() + ms;

	while (keel_now_ms() < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

/* True once the server has closed fd (EOF or reset), running the loop. */
static bool closed_within(struct event_base *base, int fd, int ms)
{
	uint64_t end = keel_now_ms() + ms;
	char buf[4096];
	ssize_t n;

	while (keel_now_ms() < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		usleep(2000);
	}
	return false;
}

/* The whole answer to a keep-alive GET on fd (read up to its body). */
static void keepalive_get(struct event_base *base, int fd)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[4096] = "";
	uint64_t end = keel_now_ms() + 2000;
	size_t len = 0;
	ssize_t n;

	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	while (!strstr(buf, BODY)) {
		ck_assert(keel_now_ms() < end);
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (n > 0)
			len += n;
		buf[len] = '\0';
		usleep(2000);
	}
}

#define CAP_T 3

/*
 * At the cap, a newcomer closes the connection whose last request (or
 * connect) is oldest, and is served.
 */
static const struct {
	const char *name;
	int busy; /* asks once more after all have connected */
	int closed;
} cap_cases[] = {
	{ "an idle crowd: the oldest goes", -1, 0 },
	{ "the one that asked last stays", 0, 1 },
};

START_TEST(test_cap)
{
	struct keel_metrics_limits lim = { .max_conns = CAP_T };
	struct event_base *base = event_base_new();
	const struct keel_listen_stats *st;
	int fds[CAP_T], i;
	struct keel_metrics *m;
	const char *r;

	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1:0", &lim, render,
					    &renders, &m),
			 0);
	for (i = 0; i < CAP_T; i++) {
		fds[i] = conn_to(keel_metrics_port(m));
		pump(base, 20); /* accepted in this order */
	}
	if (cap_cases[_i].busy >= 0)
		keepalive_get(base, fds[cap_cases[_i].busy]);
	r = fetch(base, AF_INET, keel_metrics_port(m),
		  "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_str_eq(body_of(r), BODY);
	ck_assert(closed_within(base, fds[cap_cases[_i].closed], 2000));
	for (i = 0; i < CAP_T; i++)
		if (i != cap_cases[_i].closed)
			keepalive_get(base, fds[i]);
	st = keel_metrics_stats(m);
	ck_assert_uint_eq(st->evicted, 1);
	ck_assert_uint_eq(st->accepted, CAP_T + 1);
	for (i = 0; i < CAP_T; i++)
		close(fds[i]);
	keel_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/*
 * A connection must deliver a whole request within request_ms: bytes
 * trickling in every 100 ms do not keep it (evhttp's own timer restarts
 * at each one); nothing at all does not either; a request in pieces that
 * is whole in time is answered.
 */
static const struct {
	const char *name;
	const char *sent; /* a byte every gap_ms */
	int gap_ms;
	bool closed;
} slow_cases[] = {
	{ "1 byte per 100 ms", "GET /metrics HTTP/1.1\r\nHost: xxxxxxxxxx", 100,
	  true },
	{ "idle", "", 0, true },
	{ "slow but whole in time", "GET /metrics HTTP/1.0\r\n\r\n", 5, false },
};

START_TEST(test_slow)
{
	struct keel_metrics_limits lim = { .request_ms = 400 };
	struct event_base *base = event_base_new();
	const char *p = slow_cases[_i].sent;
	struct keel_metrics *m;
	bool cut = false;
	char buf[4096];
	ssize_t n;
	int fd;

	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1:0", &lim, render,
					    &renders, &m),
			 0);
	fd = conn_to(keel_metrics_port(m));
	for (; *p && !cut; p++) {
		if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
			cut = true;
		pump(base, slow_cases[_i].gap_ms);
	}
	if (slow_cases[_i].closed) {
		/* Cut while still sending, not after (evhttp's own timer). */
		ck_assert(slow_cases[_i].sent[0] ?
				  cut :
				  closed_within(base, fd, 3000));
		ck_assert_uint_eq(keel_metrics_stats(m)->slow_timeouts, 1);
	} else {
		pump(base, 100);
		n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		ck_assert_int_gt(n, 0);
		buf[n] = '\0';
		ck_assert_msg(strstr(buf, " 200 OK"), "%s", buf);
		ck_assert_uint_eq(keel_metrics_stats(m)->slow_timeouts, 0);
	}
	close(fd);
	keel_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/*
 * Out of descriptors (this process limited to a few more than it holds,
 * the clients in a child): accepting pauses instead of spinning, and
 * scrapes are served again once descriptors are back.
 */
START_TEST(test_emfile)
{
	struct event_base *base = event_base_new();
	struct rlimit was, low;
	struct keel_metrics *m;
	int p[2], fd, i, errors;
	double cpu0, cpu;
	char c;
	pid_t pid;

	ck_assert_int_eq(keel_metrics_start(base, "127.0.0.1:0", NULL, render,
					    &renders, &m),
			 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		for (i = 0; i < 12; i++)
			conn_to(keel_metrics_port(m));
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	fd = dup(0); /* the lowest free descriptor */
	close(fd);
	low = was;
	low.rlim_cur = fd + 2;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cpu0 = cpu_time_s();
	pump(base, 1000);
	cpu = cpu_time_s() - cpu0;
	errors = keel_metrics_stats(m)->accept_errors;
	ck_assert_int_ge(errors, 1);
	ck_assert_int_le(errors, 20);
	/* The pump itself sleeps 2 ms a turn: a spin would be ~1 s. */
	ck_assert_double_lt(cpu, 0.3);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	ck_assert_str_eq(body_of(fetch(base, AF_INET, keel_metrics_port(m),
				       "GET /metrics HTTP/1.0\r\n\r\n")),
			 BODY);
	close(p[0]);
	close(p[1]);
	keel_metrics_stop(m);
	event_base_free(base);
}
END_TEST

/* The listeners' counters in the exposition format. */
START_TEST(test_listeners_text)
{
	static const char want[] =
		"# HELP keel_listener_connections connections open on the listener\n"
		"# TYPE keel_listener_connections gauge\n"
		"keel_listener_connections{listener=\"control\"} 2\n"
		"keel_listener_connections{listener=\"metrics\"} 0\n"
		"# HELP keel_listener_accepted_total connections the listener took\n"
		"# TYPE keel_listener_accepted_total counter\n"
		"keel_listener_accepted_total{listener=\"control\"} 10\n"
		"keel_listener_accepted_total{listener=\"metrics\"} 0\n"
		"# HELP keel_listener_evicted_total connections closed to make room at the cap\n"
		"# TYPE keel_listener_evicted_total counter\n"
		"keel_listener_evicted_total{listener=\"control\"} 3\n"
		"keel_listener_evicted_total{listener=\"metrics\"} 0\n"
		"# HELP keel_listener_accept_errors_total failed accept() calls (each pauses accepting)\n"
		"# TYPE keel_listener_accept_errors_total counter\n"
		"keel_listener_accept_errors_total{listener=\"control\"} 6\n"
		"keel_listener_accept_errors_total{listener=\"metrics\"} 0\n"
		"# HELP keel_listener_timeouts_total connections closed: idle, or no whole request in time\n"
		"# TYPE keel_listener_timeouts_total counter\n"
		"keel_listener_timeouts_total{listener=\"control\",reason=\"idle\"} 4\n"
		"keel_listener_timeouts_total{listener=\"control\",reason=\"slow\"} 5\n"
		"keel_listener_timeouts_total{listener=\"metrics\",reason=\"idle\"} 0\n"
		"keel_listener_timeouts_total{listener=\"metrics\",reason=\"slow\"} 0\n";
	struct keel_listen_stats a = { .open = 2,
				       .accepted = 10,
				       .evicted = 3,
				       .idle_timeouts = 4,
				       .slow_timeouts = 5,
				       .accept_errors = 6 },
				 z = {};
	struct keel_metrics_listener v[] = { { "control", &a },
					     { "metrics", &z },
					     { "none", NULL } };
	struct evbuffer *b = evbuffer_new();
	char *text;
	size_t n;

	keel_metrics_listeners(b, v, 3);
	n = evbuffer_get_length(b);
	text = calloc(1, n + 1);
	evbuffer_remove(b, text, n);
	ck_assert_str_eq(text, want);
	free(text);
	evbuffer_free(b);
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
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_cap, 0, N(cap_cases));
	tcase_add_loop_test(tc, test_slow, 0, N(slow_cases));
	tcase_add_test(tc, test_emfile);
	tcase_add_test(tc, test_listeners_text);
	suite_add_tcase(s, tc);
	return check_run(s);
}
