// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_probe over real sockets and processes.  meson runs it in a
 * throw-away network namespace (tests/bpf/run-in-netns.sh): it adds a
 * route to nowhere there (for timeouts) and listens on 127.0.0.1 and ::1,
 * never on the host's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <event2/event.h>

#include "check_run.h"
#include "keel_clock.h"
#include "keel_maps.h"
#include "keel_probe.h"

/* Routed to a neighbour that does not exist: SYNs vanish (setup_netns). */
#define NOWHERE "10.255.0.9"

/*
 * libevent times with CLOCK_MONOTONIC_COARSE (a few ms of resolution): a
 * timer may fire that much earlier than keel_now_ms() says.
 */
#define COARSE_MS 10

/* Commands run as nobody: never as root (keel_probe_cmd.c). */
#define NOBODY 65534
#define NOBODY_IDS .uid = NOBODY, .gid = NOBODY

struct result {
	int n;
	bool ok;
	enum keel_probe_result res;
	char detail[128];
	uint64_t at;
};

static void probe_cb(void *arg, enum keel_probe_result res, const char *detail)
{
	struct result *r = arg;

	r->n++;
	r->ok = res == KEEL_PROBE_PASSED;
	r->res = res;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	r->at = keel_now_ms();
}

static void expire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

/* Run the loop until *count >= want or ms pass; false on the deadline. */
static bool run_until(struct event_base *b, const int *count, int want,
		      unsigned int ms)
{
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
	bool expired = false;
	struct event *t = evtimer_new(b, expire, &expired);

	evtimer_add(t, &tv);
	while (*count < want && !expired)
		event_base_loop(b, EVLOOP_ONCE);
	event_free(t);
	return *count >= want;
}

/* Just run the loop for ms. */
static void run_for(struct event_base *b, unsigned int ms)
{
	static const int never;

	run_until(b, &never, 1, ms);
}

/* Nothing of a probe or check left on the loop; then free it. */
static void base_free_empty(struct event_base *b)
{
	ck_assert_int_eq(event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED),
			 0);
	event_base_free(b);
}

static void spec_addr(struct keel_probe_spec *s, const char *addr,
		      uint16_t port)
{
	if (strchr(addr, ':')) {
		s->family = KEEL_F_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, s->addr), 1);
	} else {
		s->family = KEEL_F_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, s->addr), 1);
	}
	s->port = port;
}

static void spec_src(struct keel_probe_spec *s, const char *addr)
{
	if (strchr(addr, ':')) {
		s->src_family = KEEL_F_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, addr, s->src_addr), 1);
	} else {
		s->src_family = KEEL_F_INET;
		ck_assert_int_eq(inet_pton(AF_INET, addr, s->src_addr), 1);
	}
}

/* A listening socket on addr (port 0: any); *port gets the port. */
static int listen_on(const char *addr, uint16_t *port, int backlog)
{
	struct sockaddr_storage ss = {};
	socklen_t sl;
	int one = 1, fd, af = strchr(addr, ':') ? AF_INET6 : AF_INET;

	if (af == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, sl), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* A port nobody listens on: bound once, then closed. */
static uint16_t closed_port(const char *addr)
{
	uint16_t port = 0;

	close(listen_on(addr, &port, 1));
	return port;
}

/* One probe to completion (at most 5 s); the result in *r. */
static void probe_once(struct event_base *b, const struct keel_probe_spec *s,
		       struct result *r)
{
	struct keel_probe *p;

	memset(r, 0, sizeof(*r));
	p = keel_probe_run(b, s, probe_cb, r);
	ck_assert_ptr_nonnull(p);
	/* Never from within keel_probe_run, even for an immediate result. */
	ck_assert_int_eq(r->n, 0);
	ck_assert(run_until(b, &r->n, 1, 5000));
	/* And exactly once. */
	run_for(b, 20);
	ck_assert_int_eq(r->n, 1);
}

/* --- TCP --- */

static const struct tcp_case {
	const char *name;
	const char *listen; /* NULL: nothing listens */
	const char *dst;
	const char *src; /* NULL: any */
	bool ok;
	const char *detail;
} tcp_cases[] = {
	{ "ipv4 ok", "127.0.0.1", "127.0.0.1", NULL, true, "connected" },
	{ "ipv6 ok", "::1", "::1", NULL, true, "connected" },
	{ "ipv4 refused", NULL, "127.0.0.1", NULL, false,
	  "connect: Connection refused" },
	{ "ipv6 refused", NULL, "::1", NULL, false,
	  "connect: Connection refused" },
	{ "source bound", "127.0.0.1", "127.0.0.1", "127.0.0.2", true,
	  "connected" },
	{ "source not on this host", "127.0.0.1", "127.0.0.1", "192.0.2.1",
	  false, "bind: Cannot assign requested address" },
};

START_TEST(test_tcp)
{
	const struct tcp_case *c = &tcp_cases[_i];
	struct keel_probe_spec s = { .type = KEEL_PROBE_TCP,
				     .timeout_ms = 2000 };
	struct event_base *b = event_base_new();
	uint16_t port = 0;
	struct result r;
	int lfd = -1;

	if (c->listen)
		lfd = listen_on(c->listen, &port, 16);
	else
		port = closed_port(c->dst);
	spec_addr(&s, c->dst, port);
	if (c->src)
		spec_src(&s, c->src);
	probe_once(b, &s, &r);
	ck_assert_msg(r.ok == c->ok && !strcmp(r.detail, c->detail),
		      "%s: ok %d detail '%s'", c->name, r.ok, r.detail);
	if (c->src && c->ok) {
		struct sockaddr_in peer;
		socklen_t pl = sizeof(peer);
		char txt[INET_ADDRSTRLEN];
		int afd = accept(lfd, (struct sockaddr *)&peer, &pl);

		ck_assert_int_ge(afd, 0);
		inet_ntop(AF_INET, &peer.sin_addr, txt, sizeof(txt));
		ck_assert_str_eq(txt, c->src);
		close(afd);
	}
	if (lfd >= 0)
		close(lfd);
	event_base_free(b);
}
END_TEST

/* SYNs to NOWHERE are never answered: only the timeout ends the probe. */
START_TEST(test_tcp_timeout)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_TCP,
				     .timeout_ms = 300 };
	struct event_base *b = event_base_new();
	uint64_t t0 = keel_now_ms();
	struct result r;

	spec_addr(&s, NOWHERE, 80);
	probe_once(b, &s, &r);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.detail, "timeout 300ms");
	ck_assert_uint_ge(r.at - t0, 300 - COARSE_MS);
	printf("tcp timeout: result after %llu ms (timeout 300)\n",
	       (unsigned long long)(r.at - t0));
	event_base_free(b);
}
END_TEST

/* Cancelled before completion: no callback, nothing left on the loop. */
START_TEST(test_cancel)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_TCP,
				     .timeout_ms = 200 };
	struct event_base *b = event_base_new();
	struct result r = {};
	struct keel_probe *p;

	spec_addr(&s, NOWHERE, 80);
	p = keel_probe_run(b, &s, probe_cb, &r);
	ck_assert_ptr_nonnull(p);
	run_for(b, 50);
	keel_probe_cancel(p);
	run_for(b, 400);
	ck_assert_int_eq(r.n, 0);
	/* Cancelled with its result pending delivery: still none. */
	s.port = closed_port("127.0.0.1");
	spec_addr(&s, "127.0.0.1", s.port);
	p = keel_probe_run(b, &s, probe_cb, &r);
	ck_assert_ptr_nonnull(p);
	keel_probe_cancel(p);
	run_for(b, 100);
	ck_assert_int_eq(r.n, 0);
	keel_probe_cancel(NULL);
	base_free_empty(b);
}
END_TEST

/* --- HTTP --- */

/*
 * A one-shot HTTP server on the test's loop: reads the request head,
 * keeps it in srv.req, then answers with srv.resp (NULL: never answers;
 * "": closes at once) and closes unless srv.keep_open.
 */
static struct server {
	struct event_base *base;
	int lfd;
	struct event *lev, *cev;
	int cfd;
	const char *resp;
	bool keep_open;
	char req[4096];
	size_t len;
	int conns;
} srv;

static void srv_close(void)
{
	if (srv.cev) {
		event_free(srv.cev);
		srv.cev = NULL;
	}
	if (srv.cfd >= 0) {
		close(srv.cfd);
		srv.cfd = -1;
	}
}

static void srv_read(evutil_socket_t fd, short what, void *arg)
{
	ssize_t n;

	(void)what;
	(void)arg;
	n = read(fd, srv.req + srv.len, sizeof(srv.req) - 1 - srv.len);
	if (n <= 0) {
		srv_close();
		return;
	}
	srv.len += n;
	srv.req[srv.len] = '\0';
	if (!strstr(srv.req, "\r\n\r\n") || !srv.resp)
		return;
	if (srv.resp[0])
		ck_assert_int_eq(write(fd, srv.resp, strlen(srv.resp)),
				 (ssize_t)strlen(srv.resp));
	if (!srv.keep_open)
		srv_close();
}

static void srv_accept(evutil_socket_t fd, short what, void *arg)
{
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)what;
	(void)arg;
	if (cfd < 0)
		return;
	srv.conns++;
	srv_close();
	srv.cfd = cfd;
	srv.len = 0;
	srv.req[0] = '\0';
	srv.cev =
		event_new(srv.base, cfd, EV_READ | EV_PERSIST, srv_read, NULL);
	event_add(srv.cev, NULL);
}

static uint16_t srv_start(struct event_base *b, const char *addr,
			  const char *resp)
{
	uint16_t port = 0;

	memset(&srv, 0, sizeof(srv));
	srv.base = b;
	srv.cfd = -1;
	srv.resp = resp;
	srv.lfd = listen_on(addr, &port, 16);
	srv.lev = event_new(b, srv.lfd, EV_READ | EV_PERSIST, srv_accept, NULL);
	event_add(srv.lev, NULL);
	return port;
}

static void srv_stop(void)
{
	srv_close();
	event_free(srv.lev);
	close(srv.lfd);
}

#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define BIG_BODY                                          \
	"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n" \
	"Content-Type: text/plain\r\n\r\nstill coming..."

static const struct http_case {
	const char *name;
	const char *listen; /* NULL: nothing listens on 127.0.0.1 */
	const char *resp;
	bool keep_open;
	const char *path, *host;
	uint16_t min, max;
	uint32_t timeout_ms;
	bool ok;
	const char *detail;
	const char *req_line, *req_host; /* expected in the request */
	const char *src;
} http_cases[] = {
	{ .name = "200",
	  .listen = "127.0.0.1",
	  .resp = OK200,
	  .ok = true,
	  .detail = "status 200",
	  .req_line = "GET / HTTP/1.1\r\n",
	  .req_host = "127.0.0.1:%u" },
	{ .name = "503",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.1 503 Service Unavailable\r\n"
		  "Content-Length: 4\r\n\r\nbusy",
	  .detail = "status 503" },
	{ .name = "301 in the default range",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.0 301 Moved\r\nLocation: /x\r\n\r\n",
	  .ok = true,
	  .detail = "status 301" },
	{ .name = "400 just outside it",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.0 400 Bad Request\r\n\r\n",
	  .detail = "status 400" },
	{ .name = "404 inside 200..404",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	  .min = 200,
	  .max = 404,
	  .ok = true,
	  .detail = "status 404" },
	{ .name = "204 outside 200..200",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.1 204 No Content\r\n\r\n",
	  .min = 200,
	  .max = 200,
	  .detail = "status 204" },
	{ .name = "path and host",
	  .listen = "127.0.0.1",
	  .resp = OK200,
	  .path = "/healthz?deep=1",
	  .host = "im.example.com",
	  .ok = true,
	  .detail = "status 200",
	  .req_line = "GET /healthz?deep=1 HTTP/1.1\r\n",
	  .req_host = "im.example.com" },
	{ .name = "ipv6 host literal",
	  .listen = "::1",
	  .resp = OK200,
	  .ok = true,
	  .detail = "status 200",
	  .req_line = "GET / HTTP/1.1\r\n",
	  .req_host = "[::1]:%u" },
	{ .name = "decided on the headers, body never ends",
	  .listen = "127.0.0.1",
	  .resp = BIG_BODY,
	  .keep_open = true,
	  .ok = true,
	  .detail = "status 200" },
	{ .name = "never answers",
	  .listen = "127.0.0.1",
	  .timeout_ms = 300,
	  .detail = "timeout 300ms" },
	{ .name = "garbage",
	  .listen = "127.0.0.1",
	  .resp = "SSH-2.0-OpenSSH_9.2\r\n\r\n",
	  .detail = "http: bad response" },
	{ .name = "status not a number",
	  .listen = "127.0.0.1",
	  .resp = "HTTP/1.1 abc OK\r\n\r\n",
	  .detail = "http: bad response" },
	{ .name = "closed without an answer",
	  .listen = "127.0.0.1",
	  .resp = "",
	  .detail = "http: connection closed" },
	{ .name = "refused", .detail = "http: connect failed" },
	{ .name = "source bound",
	  .listen = "127.0.0.1",
	  .resp = OK200,
	  .src = "127.0.0.3",
	  .ok = true,
	  .detail = "status 200" },
	{ .name = "source not on this host",
	  .src = "192.0.2.1",
	  .detail = "http: bind failed" },
};

START_TEST(test_http)
{
	const struct http_case *c = &http_cases[_i];
	struct keel_probe_spec s = { .type = KEEL_PROBE_HTTP,
				     .timeout_ms = c->timeout_ms ?: 1000,
				     .status_min = c->min,
				     .status_max = c->max };
	struct event_base *b = event_base_new();
	const char *dst = c->listen ? c->listen : "127.0.0.1";
	uint64_t t0 = keel_now_ms();
	uint16_t port;
	struct result r;

	port = c->listen ? srv_start(b, c->listen, c->resp) : closed_port(dst);
	srv.keep_open = c->keep_open;
	spec_addr(&s, dst, port);
	if (c->path)
		strcpy(s.path, c->path);
	if (c->host)
		strcpy(s.host, c->host);
	if (c->src)
		spec_src(&s, c->src);
	probe_once(b, &s, &r);
	ck_assert_msg(r.ok == c->ok && !strcmp(r.detail, c->detail),
		      "%s: ok %d detail '%s'", c->name, r.ok, r.detail);
	if (c->req_line)
		ck_assert_msg(!strncmp(srv.req, c->req_line,
				       strlen(c->req_line)),
			      "%s: request '%s'", c->name, srv.req);
	if (c->req_host) {
		char host[128], line[160];

		snprintf(host, sizeof(host), c->req_host, port);
		snprintf(line, sizeof(line), "\r\nHost: %s\r\n", host);
		ck_assert_msg(strstr(srv.req, line), "%s: request '%s'",
			      c->name, srv.req);
		ck_assert_msg(strstr(srv.req, "\r\nConnection: close\r\n"),
			      "%s: request '%s'", c->name, srv.req);
	}
	if (c->timeout_ms)
		ck_assert_uint_ge(r.at - t0, c->timeout_ms - COARSE_MS);
	if (c->keep_open)
		ck_assert_uint_lt(r.at - t0, 500);
	if (c->listen) {
		ck_assert_int_eq(srv.conns, 1);
		srv_stop();
	}
	event_base_free(b);
}
END_TEST

/* --- commands --- */

static char tmpdir[64];

/* A file name in the test's directory. */
static const char *tmpfile_name(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	return path;
}

/* The pids a command wrote to path, one per line; how many. */
static int read_pids(const char *path, pid_t *pids, int max)
{
	FILE *f = fopen(path, "r");
	int n = 0, v;

	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &v) == 1)
		pids[n++] = v;
	fclose(f);
	return n;
}

/* Our child, reaped by us: not waitable any more, no /proc entry. */
static void assert_reaped(pid_t pid)
{
	char path[64];

	errno = 0;
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	ck_assert_msg(access(path, F_OK) && errno == ENOENT, "%s still exists",
		      path);
}

/* Run the loop until our child pid is reaped (at most 1 s), and check. */
static void wait_reaped(struct event_base *b, pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == -1 && errno == ECHILD)
			break;
		run_for(b, 10);
	}
	assert_reaped(pid);
}

/* Not ours (a grandchild, reparented): dead, gone or a zombie of init. */
static bool proc_dead(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

static const struct cmd_case {
	const char *name;
	const char *cmd;
	bool ok;
	const char *detail;
} cmd_cases[] = {
	{ "exit 0", "exit 0", true, "exit 0" },
	{ "true", "true", true, "exit 0" },
	{ "exit 1", "exit 1", false, "exit 1" },
	{ "exit 7", "echo noise; exit 7", false, "exit 7" },
	{ "not found", "/nonexistent/check", false, "exit 127" },
	{ "killed by a signal", "kill -TERM $$", false, "signal 15" },
	{ "stdin and stdout on /dev/null",
	  "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] && "
	  "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ]",
	  true, "exit 0" },
	{ "a process group of its own",
	  "set -- $(cat /proc/$$/stat); [ \"$5\" = \"$$\" ]", true, "exit 0" },
	/* The test ignores SIGPIPE (13: bit 12); the command must not
	 * inherit that. */
	{ "SIGPIPE not ignored",
	  "m=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status); "
	  "[ $((0x$m & 0x1000)) -eq 0 ]",
	  true, "exit 0" },
	/* Read by the exec'd process itself: dash blocks every signal
	 * around its own vfork(), so its mask seen from a child races. */
	{ "no signal blocked",
	  "exec grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status", true,
	  "exit 0" },
	/* The spec's user and group, no other group, even from root. */
	{ "runs as the spec's user",
	  "[ \"$(id -u) $(id -g) $(id -G)\" = \"65534 65534 65534\" ]", true,
	  "exit 0" },
	{ "not as root", "[ \"$(id -u)\" = 0 ]", false, "exit 1" },
	{ "no capability",
	  "exec grep -q '^CapEff:[[:space:]]*0*$' /proc/self/status", true,
	  "exit 0" },
};

START_TEST(test_cmd)
{
	const struct cmd_case *c = &cmd_cases[_i];
	struct keel_probe_spec s = { .type = KEEL_PROBE_CMD,
				     .timeout_ms = 5000,
				     NOBODY_IDS };
	struct event_base *b = event_base_new();
	struct result r;

	signal(SIGPIPE, SIG_IGN);
	snprintf(s.cmd, sizeof(s.cmd), "%s", c->cmd);
	probe_once(b, &s, &r);
	ck_assert_msg(r.ok == c->ok && !strcmp(r.detail, c->detail),
		      "%s: ok %d detail '%s'", c->name, r.ok, r.detail);
	/* Every child reaped. */
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	event_base_free(b);
}
END_TEST

/* A descriptor of ours without O_CLOEXEC does not reach the command. */
START_TEST(test_cmd_no_fd_leak)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_CMD,
				     .timeout_ms = 5000,
				     NOBODY_IDS };
	struct event_base *b = event_base_new();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct result r;

	ck_assert_int_ge(fd, 3);
	snprintf(s.cmd, sizeof(s.cmd), "[ ! -e /proc/$$/fd/%d ]", fd);
	probe_once(b, &s, &r);
	ck_assert_msg(r.ok, "fd %d leaked: %s", fd, r.detail);
	/* And the test can fail: the same check on fd 2 (kept). */
	snprintf(s.cmd, sizeof(s.cmd), "[ ! -e /proc/$$/fd/2 ]");
	probe_once(b, &s, &r);
	ck_assert(!r.ok);
	close(fd);
	event_base_free(b);
}
END_TEST

/*
 * Past the timeout: the result at the timeout, the shell and what it
 * started killed, the shell reaped (no zombie).
 */
START_TEST(test_cmd_timeout)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_CMD,
				     .timeout_ms = 300,
				     NOBODY_IDS };
	struct event_base *b = event_base_new();
	const char *f = tmpfile_name("timeout");
	uint64_t t0 = keel_now_ms(), t;
	struct result r;
	pid_t pids[2];

	snprintf(s.cmd, sizeof(s.cmd),
		 "echo $$ > %s; sleep 10 & echo $! >> %s; wait", f, f);
	probe_once(b, &s, &r);
	ck_assert(!r.ok);
	ck_assert_str_eq(r.detail, "timeout 300ms");
	ck_assert_uint_ge(r.at - t0, 300 - COARSE_MS);
	ck_assert_uint_lt(r.at - t0, 2000);
	ck_assert_int_eq(read_pids(f, pids, 2), 2);
	/* Reaped at once or by the reaper on the loop, within 1 s. */
	for (t = keel_now_ms(); keel_now_ms() - t < 1000; run_for(b, 10))
		if (waitpid(pids[0], NULL, WNOHANG) == -1 && errno == ECHILD &&
		    proc_dead(pids[1]))
			break;
	assert_reaped(pids[0]);
	ck_assert_msg(proc_dead(pids[1]), "sleep %d survived", pids[1]);
	printf("cmd timeout: result after %llu ms (timeout 300); sh %d "
	       "reaped, sleep %d killed\n",
	       (unsigned long long)(r.at - t0), pids[0], pids[1]);
	base_free_empty(b);
}
END_TEST

/* Cancelled while running: no callback, the command killed and reaped. */
START_TEST(test_cmd_cancel)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_CMD,
				     .timeout_ms = 5000,
				     NOBODY_IDS };
	struct event_base *b = event_base_new();
	const char *f = tmpfile_name("cancel");
	struct result r = {};
	struct keel_probe *p;
	pid_t pid;
	int i;

	snprintf(s.cmd, sizeof(s.cmd), "echo $$ > %s; exec sleep 10", f);
	p = keel_probe_run(b, &s, probe_cb, &r);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 200 && read_pids(f, &pid, 1) < 1; i++)
		run_for(b, 10);
	ck_assert_int_eq(read_pids(f, &pid, 1), 1);
	keel_probe_cancel(p);
	wait_reaped(b, pid);
	run_for(b, 100);
	ck_assert_int_eq(r.n, 0);
	base_free_empty(b);
}
END_TEST

/* --- bad specs --- */

static void spec_base(struct keel_probe_spec *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->timeout_ms = 1000;
	if (type == KEEL_PROBE_CMD) {
		strcpy(s->cmd, "true");
		s->uid = s->gid = NOBODY;
		return;
	}
	s->family = KEEL_F_INET;
	s->addr[0] = 127;
	s->addr[3] = 1;
	s->port = 80;
}

static const struct spec_case {
	const char *name;
	uint8_t type;
	void (*edit)(struct keel_probe_spec *s);
	int ret;
} spec_cases[];

static void e_none(struct keel_probe_spec *s)
{
	(void)s;
}
static void e_type0(struct keel_probe_spec *s)
{
	s->type = 0;
}
static void e_type4(struct keel_probe_spec *s)
{
	s->type = 4;
}
static void e_timeout0(struct keel_probe_spec *s)
{
	s->timeout_ms = 0;
}
static void e_timeout_max(struct keel_probe_spec *s)
{
	s->timeout_ms = KEEL_PROBE_TIMEOUT_MAX;
}
static void e_timeout_over(struct keel_probe_spec *s)
{
	s->timeout_ms = KEEL_PROBE_TIMEOUT_MAX + 1;
}
static void e_family(struct keel_probe_spec *s)
{
	s->family = 2;
}
static void e_v4pad(struct keel_probe_spec *s)
{
	s->addr[4] = 1;
}
static void e_port0(struct keel_probe_spec *s)
{
	s->port = 0;
}
static void e_src_family(struct keel_probe_spec *s)
{
	s->src_family = KEEL_F_INET6;
}
static void e_src_v4(struct keel_probe_spec *s)
{
	s->src_family = KEEL_F_INET;
	s->src_addr[0] = 127;
}
static void e_path_rel(struct keel_probe_spec *s)
{
	strcpy(s->path, "health");
}
static void e_path_space(struct keel_probe_spec *s)
{
	strcpy(s->path, "/a b");
}
static void e_path_crlf(struct keel_probe_spec *s)
{
	strcpy(s->path, "/a\r\nX-Evil: 1");
}
static void e_path_ok(struct keel_probe_spec *s)
{
	strcpy(s->path, "/healthz?full=1");
}
static void e_path_unterminated(struct keel_probe_spec *s)
{
	memset(s->path, 'a', sizeof(s->path));
	s->path[0] = '/';
}
static void e_host_crlf(struct keel_probe_spec *s)
{
	strcpy(s->host, "a\nb");
}
static void e_host_ok(struct keel_probe_spec *s)
{
	strcpy(s->host, "im.example.com");
}
static void e_status_ok(struct keel_probe_spec *s)
{
	s->status_min = 200;
	s->status_max = 200;
}
static void e_status_min_only(struct keel_probe_spec *s)
{
	s->status_min = 200;
}
static void e_status_swapped(struct keel_probe_spec *s)
{
	s->status_min = 300;
	s->status_max = 200;
}
static void e_status_600(struct keel_probe_spec *s)
{
	s->status_min = 200;
	s->status_max = 600;
}
static void e_cmd_empty(struct keel_probe_spec *s)
{
	s->cmd[0] = '\0';
}
static void e_cmd_unterminated(struct keel_probe_spec *s)
{
	memset(s->cmd, 'a', sizeof(s->cmd));
}

static const struct spec_case spec_cases[] = {
	{ "tcp ok", KEEL_PROBE_TCP, e_none, 0 },
	{ "http ok", KEEL_PROBE_HTTP, e_none, 0 },
	{ "cmd ok", KEEL_PROBE_CMD, e_none, 0 },
	{ "type 0", KEEL_PROBE_TCP, e_type0, -EINVAL },
	{ "type 4", KEEL_PROBE_TCP, e_type4, -EINVAL },
	{ "timeout 0", KEEL_PROBE_TCP, e_timeout0, -EINVAL },
	{ "timeout 0 cmd", KEEL_PROBE_CMD, e_timeout0, -EINVAL },
	{ "timeout max", KEEL_PROBE_TCP, e_timeout_max, 0 },
	{ "timeout over max", KEEL_PROBE_HTTP, e_timeout_over, -EINVAL },
	{ "family", KEEL_PROBE_TCP, e_family, -EINVAL },
	{ "ipv4 padding", KEEL_PROBE_HTTP, e_v4pad, -EINVAL },
	{ "port 0", KEEL_PROBE_TCP, e_port0, -EINVAL },
	{ "source of another family", KEEL_PROBE_TCP, e_src_family, -EINVAL },
	{ "source ok", KEEL_PROBE_HTTP, e_src_v4, 0 },
	{ "relative path", KEEL_PROBE_HTTP, e_path_rel, -EINVAL },
	{ "path with a space", KEEL_PROBE_HTTP, e_path_space, -EINVAL },
	{ "path with CRLF", KEEL_PROBE_HTTP, e_path_crlf, -EINVAL },
	{ "path with a query", KEEL_PROBE_HTTP, e_path_ok, 0 },
	{ "path not terminated", KEEL_PROBE_HTTP, e_path_unterminated,
	  -EINVAL },
	{ "path ignored for tcp", KEEL_PROBE_TCP, e_path_crlf, 0 },
	{ "host with LF", KEEL_PROBE_HTTP, e_host_crlf, -EINVAL },
	{ "host ok", KEEL_PROBE_HTTP, e_host_ok, 0 },
	{ "status 200..200", KEEL_PROBE_HTTP, e_status_ok, 0 },
	{ "status min only", KEEL_PROBE_HTTP, e_status_min_only, -EINVAL },
	{ "status swapped", KEEL_PROBE_HTTP, e_status_swapped, -EINVAL },
	{ "status 600", KEEL_PROBE_HTTP, e_status_600, -EINVAL },
	{ "empty command", KEEL_PROBE_CMD, e_cmd_empty, -EINVAL },
	{ "command not terminated", KEEL_PROBE_CMD, e_cmd_unterminated,
	  -EINVAL },
};

START_TEST(test_spec)
{
	const struct spec_case *c = &spec_cases[_i];
	struct event_base *b = event_base_new();
	struct keel_probe_spec s;
	struct result r = {};
	struct keel_probe *p;

	spec_base(&s, c->type);
	c->edit(&s);
	ck_assert_msg(keel_probe_spec_check(&s) == c->ret, "%s", c->name);
	if (c->ret) {
		errno = 0;
		ck_assert_ptr_null(keel_probe_run(b, &s, probe_cb, &r));
		ck_assert_int_eq(errno, -c->ret);
		errno = 0;
		ck_assert_ptr_null(
			keel_check_new(b, &s, 100, 1, 1, NULL, NULL));
		ck_assert_int_eq(errno, -c->ret);
	} else {
		p = keel_probe_run(b, &s, probe_cb, &r);
		ck_assert_ptr_nonnull(p);
		keel_probe_cancel(p);
		/* A cancelled command is reaped from the loop. */
		for (int i = 0;
		     i < 100 &&
		     event_base_get_num_events(b, EVENT_BASE_COUNT_ADDED);
		     i++)
			run_for(b, 10);
		ck_assert_int_eq(r.n, 0);
	}
	event_base_free(b);
}
END_TEST

START_TEST(test_check_args)
{
	struct event_base *b = event_base_new();
	struct keel_probe_spec s;

	spec_base(&s, KEEL_PROBE_TCP);
	errno = 0;
	ck_assert_ptr_null(keel_check_new(b, &s, KEEL_CHECK_INTERVAL_MIN - 1, 1,
					  1, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(keel_check_new(b, &s, KEEL_CHECK_INTERVAL_MAX + 1, 1,
					  1, NULL, NULL));
	ck_assert_ptr_null(keel_check_new(b, &s, 100, 0, 1, NULL, NULL));
	ck_assert_ptr_null(keel_check_new(b, &s, 100, 1, 101, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	event_base_free(b);
}
END_TEST

/* --- checks --- */

struct seen {
	int n;
	uint8_t state[16];
	char detail[16][64];
	uint64_t at[16];
};

static void check_cb(void *arg, uint8_t state, const char *detail)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->state[s->n] = state;
		snprintf(s->detail[s->n], sizeof(s->detail[0]), "%s", detail);
		s->at[s->n] = keel_now_ms();
	}
	s->n++;
}

/* The service goes away and comes back: UP, DOWN, UP, each after rise or
 * fall probes. */
START_TEST(test_check_tcp_flap)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_TCP,
				     .timeout_ms = 200 };
	struct event_base *b = event_base_new();
	struct seen seen = {};
	struct keel_check *c;
	uint16_t port = 0;
	uint64_t t0 = keel_now_ms(), t1, t2;
	int lfd = listen_on("127.0.0.1", &port, 64);

	spec_addr(&s, "127.0.0.1", port);
	c = keel_check_new(b, &s, 50, 3, 2, check_cb, &seen);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(keel_check_state(c), KEEL_RS_UNKNOWN);
	ck_assert_str_eq(keel_check_detail(c), "");
	/* The first probe at once decides. */
	ck_assert(run_until(b, &seen.n, 1, 1000));
	ck_assert_uint_eq(seen.state[0], KEEL_RS_UP);
	ck_assert_uint_lt(seen.at[0] - t0, 50);
	ck_assert_str_eq(keel_check_detail(c), "connected");

	close(lfd);
	t1 = keel_now_ms();
	ck_assert(run_until(b, &seen.n, 2, 2000));
	ck_assert_uint_eq(seen.state[1], KEEL_RS_DOWN);
	ck_assert_str_eq(seen.detail[1], "connect: Connection refused");
	ck_assert_uint_eq(keel_check_state(c), KEEL_RS_DOWN);
	/* fall 2 at 50 ms: the second failed probe, 50..100 ms. */
	ck_assert_uint_ge(seen.at[1] - t1, 50 - COARSE_MS);

	lfd = listen_on("127.0.0.1", &port, 64);
	t2 = keel_now_ms();
	ck_assert(run_until(b, &seen.n, 3, 2000));
	ck_assert_uint_eq(seen.state[2], KEEL_RS_UP);
	ck_assert_uint_ge(seen.at[2] - t2, 100 - COARSE_MS); /* rise 3 */
	printf("tcp check flap: up after %llu ms, down %llu ms after close, "
	       "up %llu ms after listen\n",
	       (unsigned long long)(seen.at[0] - t0),
	       (unsigned long long)(seen.at[1] - t1),
	       (unsigned long long)(seen.at[2] - t2));
	run_for(b, 200);
	ck_assert_int_eq(seen.n, 3);
	keel_check_free(c);
	close(lfd);
	event_base_free(b);
}
END_TEST

/* The callback may free its check. */
static void free_on_first(void *arg, uint8_t state, const char *detail)
{
	struct keel_check **c = arg;

	(void)state;
	(void)detail;
	keel_check_free(*c);
	*c = NULL;
}

START_TEST(test_check_free_in_cb)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_TCP,
				     .timeout_ms = 200 };
	struct event_base *b = event_base_new();
	struct keel_check *c;

	spec_addr(&s, "127.0.0.1", closed_port("127.0.0.1"));
	c = keel_check_new(b, &s, 20, 1, 1, free_on_first, &c);
	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 100 && c; i++)
		event_base_loop(b, EVLOOP_ONCE);
	ck_assert_ptr_null(c);
	base_free_empty(b);
}
END_TEST

/*
 * A probe slower than the interval (300 ms at 50 ms) is never doubled:
 * each run writes "1" when it starts and "2" when it ends; the file must
 * alternate.  Then the check is freed mid-probe: that command is reaped.
 */
START_TEST(test_check_no_double)
{
	struct keel_probe_spec s = { .type = KEEL_PROBE_CMD,
				     .timeout_ms = 2000,
				     NOBODY_IDS };
	struct event_base *b = event_base_new();
	const char *f = tmpfile_name("double");
	struct seen seen = {};
	struct keel_check *c;
	pid_t marks[64], last;
	uint64_t t;
	int n, i;

	/* The pid before the "1": a run that wrote "1" has written it. */
	snprintf(s.cmd, sizeof(s.cmd),
		 "echo $$ > %s.pid; echo 1 >> %s; sleep 0.3; echo 2 >> %s", f,
		 f, f);
	c = keel_check_new(b, &s, 50, 1, 1, check_cb, &seen);
	ck_assert_ptr_nonnull(c);
	run_for(b, 1100);
	/*
	 * Free it with a run in flight (an odd number of marks), however
	 * slow a loaded machine starts the shell: at most 1 s more.
	 */
	for (t = keel_now_ms(); keel_now_ms() - t < 1000; run_for(b, 10))
		if (read_pids(f, marks, 64) % 2)
			break;
	keel_check_free(c);
	n = read_pids(f, marks, 64);
	printf("check slower than its interval: %d marks in 1.1 s and up to 1 s more:",
	       n);
	for (i = 0; i < n; i++)
		printf(" %d", marks[i]);
	printf("\n");
	ck_assert_int_eq(n % 2, 1); /* freed mid-run */
	ck_assert_int_ge(n, 5);
	ck_assert_int_le(n, 13); /* 2.1 s / 0.3 s: 7 runs at most */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(marks[i], i % 2 ? 2 : 1);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_uint_eq(seen.state[0], KEEL_RS_UP);
	/* The run in flight when the check was freed: killed, reaped. */
	{
		char pidf[140];

		snprintf(pidf, sizeof(pidf), "%s.pid", f);
		ck_assert_int_eq(read_pids(pidf, &last, 1), 1);
	}
	wait_reaped(b, last);
	base_free_empty(b);
}
END_TEST

/* --- probes the prober cannot run --- */

/* Descriptors: none left above what the process holds now. */
static void no_more_fds(struct rlimit *was)
{
	struct rlimit low;
	int fd = dup(0);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, was), 0);
	low = *was;
	low.rlim_cur = fd;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
}

/*
 * Out of descriptors, a probe of any type is not run: no verdict on the
 * service (listening and healthy all along), counted.  A command check
 * asking to run as root is not run either.
 */
static const struct not_run_case {
	const char *name;
	uint8_t type;
	bool no_fds;
	uint32_t uid;
	int err; /* keel_probe_run fails with it; 0: the callback says */
	const char *detail;
} not_run_cases[] = {
	{ "tcp, no descriptor", KEEL_PROBE_TCP, true, 0, EMFILE, NULL },
	{ "http, no descriptor", KEEL_PROBE_HTTP, true, 0, 0,
	  "not run: http: socket: Too many open files" },
	{ "command, no descriptor", KEEL_PROBE_CMD, true, NOBODY, EMFILE,
	  NULL },
	{ "command as root", KEEL_PROBE_CMD, false, 0, EPERM, NULL },
};

START_TEST(test_not_run)
{
	const struct not_run_case *c = &not_run_cases[_i];
	struct event_base *b = event_base_new();
	uint64_t before = keel_probe_not_run();
	struct keel_probe_spec s;
	struct keel_probe *p;
	struct rlimit was;
	struct result r = {};
	uint16_t port = 0;
	int lfd = -1;

	spec_base(&s, c->type);
	if (c->type != KEEL_PROBE_CMD) {
		lfd = listen_on("127.0.0.1", &port, 16);
		spec_addr(&s, "127.0.0.1", port);
	} else {
		s.uid = s.gid = c->uid;
	}
	if (c->no_fds)
		no_more_fds(&was);
	errno = 0;
	p = keel_probe_run(b, &s, probe_cb, &r);
	if (c->err) {
		ck_assert_ptr_null(p);
		ck_assert_int_eq(errno, c->err);
	} else {
		ck_assert_ptr_nonnull(p);
		ck_assert(run_until(b, &r.n, 1, 5000));
		ck_assert_int_eq(r.res, KEEL_PROBE_NOT_RUN);
		ck_assert_str_eq(r.detail, c->detail);
	}
	if (c->no_fds)
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	ck_assert_uint_eq(keel_probe_not_run(), before + 1);
	if (lfd >= 0)
		close(lfd);
	event_base_free(b);
}
END_TEST

/*
 * A check whose probes cannot run keeps its state: UP stays UP however
 * many rounds pass (fall is 1), DOWN stays DOWN; it is held meanwhile,
 * the callback says so once with the same state, and once more when
 * probes run again.
 */
static const struct held_case {
	const char *name;
	uint8_t type;
	bool listening;
	uint8_t state;
} held_cases[] = {
	{ "tcp up stays up", KEEL_PROBE_TCP, true, KEEL_RS_UP },
	{ "tcp down stays down", KEEL_PROBE_TCP, false, KEEL_RS_DOWN },
	{ "http up stays up", KEEL_PROBE_HTTP, true, KEEL_RS_UP },
	{ "command up stays up", KEEL_PROBE_CMD, true, KEEL_RS_UP },
};

START_TEST(test_check_held)
{
	const struct held_case *c = &held_cases[_i];
	struct event_base *b = event_base_new();
	struct keel_probe_spec s;
	struct seen seen = {};
	struct keel_check *k;
	struct rlimit was;
	uint64_t before;
	uint16_t port = 0;
	int lfd = -1;

	spec_base(&s, c->type);
	s.timeout_ms = 200;
	if (c->type == KEEL_PROBE_HTTP) {
		port = srv_start(
			b, "127.0.0.1",
			"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
		spec_addr(&s, "127.0.0.1", port);
	} else if (c->type == KEEL_PROBE_TCP) {
		if (c->listening)
			lfd = listen_on("127.0.0.1", &port, 64);
		else
			port = closed_port("127.0.0.1");
		spec_addr(&s, "127.0.0.1", port);
	}
	k = keel_check_new(b, &s, 30, 1, 1, check_cb, &seen);
	ck_assert_ptr_nonnull(k);
	ck_assert(run_until(b, &seen.n, 1, 2000));
	ck_assert_uint_eq(seen.state[0], c->state);
	ck_assert(!keel_check_held(k));
	before = keel_probe_not_run();
	no_more_fds(&was);
	/* Ten intervals and more, fall 1: a fed failure would flip it. */
	run_for(b, 400);
	ck_assert_uint_eq(keel_check_state(k), c->state);
	ck_assert(keel_check_held(k));
	ck_assert_msg(!strncmp(keel_check_detail(k), "not run: ", 9), "%s",
		      keel_check_detail(k));
	ck_assert_uint_ge(keel_probe_not_run() - before, 5);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_uint_eq(seen.state[1], c->state);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	ck_assert(run_until(b, &seen.n, 3, 2000));
	ck_assert_uint_eq(seen.state[2], c->state);
	ck_assert(!keel_check_held(k));
	keel_check_free(k);
	if (c->type == KEEL_PROBE_HTTP)
		srv_stop();
	if (lfd >= 0)
		close(lfd);
	event_base_free(b);
}
END_TEST

/*
 * A namespace of our own even when run by hand as root (meson already
 * gives one): the route to nowhere must never reach the host's tables.
 */
static int setup_netns(void)
{
	static const char *const cmds[] = {
		"ip link set lo up",
		"ip link add kp0 type veth peer name kp1",
		"ip link set kp0 up",
		"ip link set kp1 up",
		"ip addr add 10.254.0.1/24 dev kp0",
		"ip neigh replace 10.254.0.2 lladdr 02:00:00:00:00:02 dev kp0 "
		"nud permanent",
		"ip route replace 10.255.0.0/16 via 10.254.0.2 dev kp0",
	};

	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (system(cmds[i])) {
			fprintf(stderr, "setup: '%s' failed\n", cmds[i]);
			return -1;
		}
	return 0;
}

int main(void)
{
	Suite *s = suite_create("probe");
	char rm[128];
	TCase *tc;
	int ret;

	if (getuid() != 0) {
		fprintf(stderr, "test_probe: needs root (a network namespace "
				"of its own), skipped\n");
		return 77;
	}
	if (setup_netns())
		return 1;
	/* A command's exit status must reach its own waitpid(). */
	signal(SIGCHLD, SIG_DFL);

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, test_spec, 0,
			    sizeof(spec_cases) / sizeof(spec_cases[0]));
	tcase_add_test(tc, test_check_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_tcp, 0,
			    sizeof(tcp_cases) / sizeof(tcp_cases[0]));
	tcase_add_test(tc, test_tcp_timeout);
	tcase_add_test(tc, test_cancel);
	suite_add_tcase(s, tc);

	tc = tcase_create("http");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_http, 0,
			    sizeof(http_cases) / sizeof(http_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("cmd");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_cmd, 0,
			    sizeof(cmd_cases) / sizeof(cmd_cases[0]));
	tcase_add_test(tc, test_cmd_no_fd_leak);
	tcase_add_test(tc, test_cmd_timeout);
	tcase_add_test(tc, test_cmd_cancel);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_check_tcp_flap);
	tcase_add_test(tc, test_check_free_in_cb);
	tcase_add_test(tc, test_check_no_double);
	suite_add_tcase(s, tc);

	tc = tcase_create("not_run");
	tcase_set_timeout(tc, 15);
	tcase_add_loop_test(tc, test_not_run, 0,
			    sizeof(not_run_cases) / sizeof(not_run_cases[0]));
	tcase_add_loop_test(tc, test_check_held, 0,
			    sizeof(held_cases) / sizeof(held_cases[0]));
	suite_add_tcase(s, tc);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_probe.XXXXXX");
	/* Commands run as nobody write their marks here. */
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 01777)) {
		perror("mkdtemp");
		return 1;
	}
	ret = check_run(s);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", tmpdir);
	if (system(rm))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return ret;
}
