// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctlsock (server) and keel_ctlclient (client) over real Unix
 * sockets in a temporary directory.  The server's event loop runs in a
 * thread of its own; the main thread is the client, with keel_ctl_call or
 * with raw sockets where a test needs to misbehave.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <event2/event.h>

#include "check_run.h"
#include "cpu_time.h"
#include "keel_ctl.h"
#include "keel_ctlsock.h"
#include "keel_log.h"

#define BIG_ANSWER (64U << 10)

struct srv {
	char dir[64];
	char path[108];
	struct event_base *base;
	struct keel_ctlsock *s;
	struct event *tick;
	pthread_t thread;
	atomic_bool stop;
	atomic_int calls;
};

static struct srv srv;

/*
 * "got:LINE\n"; "null" answers NULL (out of memory); "big" answers
 * BIG_ANSWER bytes.
 */
static char *echo(void *arg, const struct keel_ctl_peer *peer, const char *line,
		  size_t len)
{
	struct srv *v = arg;
	char *out;

	atomic_fetch_add(&v->calls, 1);
	ck_assert_uint_eq(strlen(line), len);
	if (!strcmp(line, "null"))
		return NULL;
	if (!strcmp(line, "role")) {
		if (asprintf(&out, "role:%d\n", peer->role) < 0)
			return NULL;
		return out;
	}
	/* As lbd answers a change from a peer without the admin role. */
	if (!strcmp(line, "real.drain") && peer->role < KEEL_CTL_ROLE_ADMIN)
		return keel_ctlsock_deny(peer, line, KEEL_CTL_ROLE_ADMIN);
	if (!strcmp(line, "status") && peer->role < KEEL_CTL_ROLE_READ)
		return keel_ctlsock_deny(peer, line, KEEL_CTL_ROLE_READ);
	if (!strcmp(line, "big")) {
		out = malloc(BIG_ANSWER + 1);
		memset(out, 'x', BIG_ANSWER - 1);
		out[BIG_ANSWER - 1] = '\n';
		out[BIG_ANSWER] = '\0';
		return out;
	}
	if (asprintf(&out, "got:%s\n", line) < 0)
		return NULL;
	return out;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (atomic_load(&srv.stop))
		event_base_loopbreak(arg);
}

static void *loop(void *arg)
{
	event_base_dispatch(arg);
	return NULL;
}

static void tmpdir(void)
{
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/keel-ctlsock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(srv.dir));
	snprintf(srv.path, sizeof(srv.path), "%s/run/ctl.sock", srv.dir);
}

/* Starts a server with cfg (path, handler and arg filled in here). */
static int srv_start(struct keel_ctlsock_cfg *cfg)
{
	struct timeval tv = { 0, 10 * 1000 };
	int err;

	cfg->path = srv.path;
	cfg->handle = echo;
	cfg->arg = &srv;
	srv.base = event_base_new();
	ck_assert_ptr_nonnull(srv.base);
	err = keel_ctlsock_start(srv.base, cfg, &srv.s);
	if (err)
		return err;
	srv.tick = event_new(srv.base, -1, EV_PERSIST, on_tick, srv.base);
	event_add(srv.tick, &tv);
	atomic_store(&srv.stop, false);
	atomic_store(&srv.calls, 0);
	ck_assert_int_eq(pthread_create(&srv.thread, NULL, loop, srv.base), 0);
	return 0;
}

static void srv_start_default(void)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1, .gid = (gid_t)-1 };

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
}

/* Stops the loop; the server stays, for its counters. */
static void srv_pause(void)
{
	atomic_store(&srv.stop, true);
	pthread_join(srv.thread, NULL);
}

static void srv_stop(void)
{
	if (!atomic_load(&srv.stop))
		srv_pause();
	keel_ctlsock_stop(srv.s);
	srv.s = NULL;
	ck_assert_int_eq(access(srv.path, F_OK), -1);
	event_free(srv.tick);
	event_base_free(srv.base);
	srv.base = NULL;
}

static void rmtree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const char *s)
{
	ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL),
			 (ssize_t)strlen(s));
}

/*
 * Reads one line (without '\n') into buf within 5 s; returns its length,
 * or -1 on EOF/timeout before a full line.
 */
static int raw_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size) {
		if (poll(&p, 1, 5000) != 1)
			return -1;
		n = recv(fd, buf + len, 1, 0);
		if (n <= 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return len;
		}
		len++;
	}
	return -1;
}

/* True when the server closes fd within ms (reading and discarding). */
static bool raw_closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, ms) != 1)
			return false;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return true;
		if (n < 0)
			return errno == ECONNRESET;
	}
}

static int call(const char *req, double timeout_s, char **line)
{
	size_t len;

	return keel_ctl_call(srv.path, req, strlen(req), timeout_s, 1U << 20,
			     line, &len);
}

/* ---- request and answer ---- */

static const struct {
	const char *req, *answer;
} exchange_cases[] = {
	{ "{\"cmd\":\"status\"}\n", "got:{\"cmd\":\"status\"}" },
	{ "hello\n", "got:hello" },
	{ "\n", "got:" },
	{ "a\r\n", "got:a\r" }, /* LF ends a line; the CR is the handler's */
	{ "first\nsecond\n", "got:first" }, /* one answer per call */
};

START_TEST(test_exchange)
{
	char *line = NULL;

	srv_start_default();
	ck_assert_int_eq(call(exchange_cases[_i].req, 5, &line), 0);
	ck_assert_str_eq(line, exchange_cases[_i].answer);
	free(line);
	srv_stop();
	rmtree();
}
END_TEST

/* Several requests on one connection, in one write: answers in order. */
START_TEST(test_pipelined)
{
	char buf[128];
	int fd;

	srv_start_default();
	fd = raw_connect(srv.path);
	raw_send(fd, "one\ntwo\nthree\n");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:one");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:two");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:three");
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/* A line in pieces is answered once, when its '\n' arrives. */
START_TEST(test_partial)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	struct pollfd p;
	char buf[128];
	size_t i;
	int fd;

	srv_start_default();
	fd = raw_connect(srv.path);
	for (i = 0; i + 1 < strlen(req); i++) {
		ck_assert_int_eq(send(fd, req + i, 1, MSG_NOSIGNAL), 1);
		usleep(2000);
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 100), 0); /* nothing yet */
	ck_assert_int_eq(atomic_load(&srv.calls), 0);
	raw_send(fd, "\n");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:{\"cmd\":\"status\"}");
	ck_assert_int_eq(atomic_load(&srv.calls), 1);
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/* A request sent before a half-close (SHUT_WR) is still answered. */
START_TEST(test_half_close)
{
	char buf[128];
	int fd;

	srv_start_default();
	fd = raw_connect(srv.path);
	raw_send(fd, "last\n");
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:last");
	ck_assert(raw_closed_within(fd, 5000));
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/* ---- line length ---- */

#define LINE_MAX_T 16

static const struct {
	const char *name;
	const char *sent; /* then "ok\n" on the same connection */
	const char *first; /* the first answer */
} long_cases[] = {
	{ "exactly the limit", "0123456789abcdef\n", "got:0123456789abcdef" },
	{ "one over, whole", "0123456789abcdefg\n", NULL },
	{ "far over, whole",
	  "0123456789abcdef0123456789abcdef0123456789abcdef\n", NULL },
	/* The error comes before the '\n': sent after the answer below. */
	{ "over, no newline yet", "0123456789abcdef0123456789", NULL },
};

START_TEST(test_too_long)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.line_max = LINE_MAX_T };
	char buf[256], want[256];
	int fd;

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	fd = raw_connect(srv.path);
	raw_send(fd, long_cases[_i].sent);
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	if (long_cases[_i].first) {
		ck_assert_str_eq(buf, long_cases[_i].first);
	} else {
		keel_ctl_err_encode(KEEL_CTL_E_BAD_REQUEST,
				    "request longer than 16 bytes", want,
				    sizeof(want));
		want[strcspn(want, "\n")] = '\0';
		ck_assert_str_eq(buf, want);
	}
	if (!strchr(long_cases[_i].sent, '\n'))
		raw_send(fd, "more of the same line\n");
	/* The connection goes on with the next line. */
	raw_send(fd, "ok\n");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:ok");
	ck_assert_int_eq(atomic_load(&srv.calls), long_cases[_i].first ? 2 : 1);
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/* ---- connections ---- */

START_TEST(test_idle_timeout)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.idle_ms = 200 };
	char buf[64];
	int quiet, used;

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	quiet = raw_connect(srv.path);
	used = raw_connect(srv.path);
	raw_send(used, "x\n");
	ck_assert_int_ge(raw_line(used, buf, sizeof(buf)), 0);
	/* A bound, not a measure: both closed well within 5 s. */
	ck_assert(raw_closed_within(quiet, 5000));
	ck_assert(raw_closed_within(used, 5000));
	close(quiet);
	close(used);
	srv_stop();
	rmtree();
}
END_TEST

/* A connection that is not idle stays open past idle_ms. */
START_TEST(test_not_idle)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.idle_ms = 500 };
	char buf[64];
	int fd, i;

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	fd = raw_connect(srv.path);
	/* 1.5 s in all, a request every 100 ms. */
	for (i = 0; i < 15; i++) {
		raw_send(fd, "x\n");
		ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
		usleep(100 * 1000);
	}
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

#define N_CLIENTS 100

START_TEST(test_many_clients)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.max_conns = N_CLIENTS };
	int fds[N_CLIENTS], i;
	char buf[64], want[64];

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	for (i = 0; i < N_CLIENTS; i++)
		fds[i] = raw_connect(srv.path);
	for (i = N_CLIENTS - 1; i >= 0; i--) {
		snprintf(buf, sizeof(buf), "client %d\n", i);
		raw_send(fds[i], buf);
	}
	for (i = 0; i < N_CLIENTS; i++) {
		snprintf(want, sizeof(want), "got:client %d", i);
		ck_assert_int_ge(raw_line(fds[i], buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, want);
	}
	/* Stopping closes the ones still open. */
	srv_stop();
	for (i = 0; i < N_CLIENTS; i++) {
		ck_assert(raw_closed_within(fds[i], 5000));
		close(fds[i]);
	}
	rmtree();
}
END_TEST

/*
 * A client that sends and never reads: the server stops reading too
 * (one answer in flight at a time), then serves everything, in order,
 * once the client reads.
 */
START_TEST(test_backpressure)
{
	size_t want = 200 * BIG_ANSWER, got = 0, i;
	char *buf = malloc(want);
	struct pollfd p;
	int fd, n = 200;
	ssize_t r;

	srv_start_default();
	fd = raw_connect(srv.path);
	for (i = 0; i < (size_t)n; i++)
		raw_send(fd, "big\n");
	usleep(300 * 1000);
	ck_assert_int_lt(atomic_load(&srv.calls), n);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (got < want) {
		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		r = recv(fd, buf + got, want - got, 0);
		ck_assert_int_gt(r, 0);
		got += r;
	}
	/* One assertion: Check reports each one to its parent. */
	for (i = 0; i < want; i++)
		if (buf[i] != ((i + 1) % BIG_ANSWER != 0 ? 'x' : '\n'))
			break;
	ck_assert_uint_eq(i, want);
	ck_assert_int_eq(atomic_load(&srv.calls), n);
	free(buf);
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/* A handler that answers NULL (out of memory) closes that connection. */
START_TEST(test_handler_null)
{
	char *line = NULL;

	srv_start_default();
	ck_assert_int_eq(call("null\n", 5, &line), -ENODATA);
	ck_assert_int_eq(call("after\n", 5, &line), 0);
	ck_assert_str_eq(line, "got:after");
	free(line);
	srv_stop();
	rmtree();
}
END_TEST

/*
 * keel_ctlsock_answer: an encoder's line, its buffer grown while the
 * encoder says -ENOSPC, from the size the encoder's last answer fitted in
 * (64 KiB at first); any other failure, or a line past
 * KEEL_CTL_ANSWER_MAX, is an internal error line.  The rows run in order
 * through one encoder: each starts where the last good one fitted.
 */
static int enc_calls;

static int enc_sized(char *buf, size_t size, const void *in)
{
	size_t want = *(const size_t *)in;

	enc_calls++;
	if (want == 0)
		return -EINVAL;
	if (want + 1 > size)
		return -ENOSPC;
	memset(buf, 'x', want - 1);
	buf[want - 1] = '\n';
	buf[want] = '\0';
	return (int)want;
}

START_TEST(test_answer)
{
	static const struct {
		size_t want; /* bytes of the line; 0: -EINVAL */
		int calls; /* encoder calls: 1 + doublings */
		const char *error; /* an internal error's text, else NULL */
	} rows[] = {
		{ 10, 1, NULL },
		{ 65535, 1, NULL },
		{ 65536, 2, NULL }, /* its NUL does not fit 64 KiB */
		{ 65536, 1, NULL }, /* starts at 128 KiB, where it fitted */
		{ 200000, 2, NULL }, /* 128 KiB, 256 KiB */
		{ 200000, 1, NULL },
		{ 10, 1, NULL }, /* still 256 KiB: one call */
		{ 10, 1, NULL }, /* back to 64 KiB */
		{ 65536, 2, NULL },
		{ KEEL_CTL_ANSWER_MAX - 1, 8, NULL }, /* 128 KiB .. 16 MiB */
		{ KEEL_CTL_ANSWER_MAX - 1, 1, NULL }, /* 4.5 MB status: once */
		{ KEEL_CTL_ANSWER_MAX, 1, "answer longer than 16777216 bytes" },
		{ 0, 1, "cannot write the answer: Invalid argument" },
	};
	size_t i;
	char *line;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enc_calls = 0;
		line = keel_ctlsock_answer(enc_sized, &rows[i].want);
		ck_assert_ptr_nonnull(line);
		ck_assert_msg(enc_calls == rows[i].calls, "row %zu: %d calls",
			      i, enc_calls);
		if (rows[i].error) {
			ck_assert_msg(strstr(line, "\"code\":\"internal\"") &&
					      strstr(line, rows[i].error),
				      "row %zu: %s", i, line);
		} else {
			ck_assert_uint_eq(strlen(line), rows[i].want);
			ck_assert(line[0] == 'x' &&
				  line[rows[i].want - 1] == '\n');
		}
		free(line);
	}
}
END_TEST

/* ---- limits ---- */

#define CAP_T 4

/*
 * Whom to close at the cap (keel_listen_victim): up to 4 connections in
 * order of last progress, each with its age and whether it is busy.
 */
#define G KEEL_LISTEN_GRACE_MS
static const struct {
	const char *name;
	size_t n;
	uint64_t age_ms[4];
	bool busy[4];
	size_t victim;
} victim_cases[] = {
	{ "one connection: it", 1, { 0 }, { false }, 0 },
	{ "all idle and old: the least recent",
	  3,
	  { 5000, 9000, G },
	  { false },
	  0 },
	{ "all young: the least recent, even idle",
	  3,
	  { G - 1, 1, 0 },
	  { false },
	  0 },
	{ "all young and busy: the least recent",
	  2,
	  { 50, 10 },
	  { true, true },
	  0 },
	{ "young first: the first old idle one",
	  3,
	  { 1, G, G + 1 },
	  { false },
	  1 },
	{ "busy old before idle old: the idle one",
	  3,
	  { 5000, 5000, 5000 },
	  { true, true, false },
	  2 },
	{ "old busy, young idle: the busy one",
	  3,
	  { 0, 5000, 2 },
	  { false, true, false },
	  1 },
	{ "only the last is old: it", 4, { 0, 1, 2, G }, { false }, 3 },
	{ "two busy old: the least recent",
	  4,
	  { 0, 800, 900, 3 },
	  { false, true, true, false },
	  1 },
	{ "exactly the grace counts as old", 2, { G - 1, G }, { false }, 1 },
};

START_TEST(test_victim)
{
	struct keel_listen_cand v[4];
	uint64_t now = 1000000;
	size_t i;

	for (i = 0; i < victim_cases[_i].n; i++) {
		v[i].accepted_ms = now - victim_cases[_i].age_ms[i];
		v[i].busy = victim_cases[_i].busy[i];
	}
	ck_assert_msg(keel_listen_victim(v, victim_cases[_i].n, now, G) ==
			      victim_cases[_i].victim,
		      "%s", victim_cases[_i].name);
}
END_TEST
#undef G

/*
 * At the cap, a new connection closes the one that made progress least
 * recently (connected or answered): an idle crowd cannot lock anyone out.
 */
static const struct {
	const char *name;
	int busy; /* this one sends a request after all have connected */
	int closed; /* the one the newcomer replaces */
	bool first_old; /* the first connected past the grace before the rest */
} cap_cases[] = {
	{ "an idle crowd: the oldest goes", -1, 0, false },
	{ "the one that spoke last stays", 0, 1, false },
	{ "the busy one is not the oldest", 2, 0, false },
	/* Under the old rule (least recent progress) 1 went. */
	{ "past the grace, the one that spoke last goes before young ones", 0,
	  0, true },
};

START_TEST(test_cap)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.max_conns = CAP_T };
	const struct keel_listen_stats *st;
	int fds[CAP_T], fd, i;
	char buf[64];

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	for (i = 0; i < CAP_T; i++) {
		fds[i] = raw_connect(srv.path);
		/* Accepted in this order: each answers once it is in. */
		raw_send(fds[i], "in\n");
		ck_assert_int_ge(raw_line(fds[i], buf, sizeof(buf)), 0);
		if (!i && cap_cases[_i].first_old)
			usleep(2 * KEEL_LISTEN_GRACE_MS * 1000);
	}
	if (cap_cases[_i].busy >= 0) {
		raw_send(fds[cap_cases[_i].busy], "again\n");
		ck_assert_int_ge(
			raw_line(fds[cap_cases[_i].busy], buf, sizeof(buf)), 0);
	}
	fd = raw_connect(srv.path);
	raw_send(fd, "newcomer\n");
	ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "got:newcomer");
	ck_assert(raw_closed_within(fds[cap_cases[_i].closed], 5000));
	for (i = 0; i < CAP_T; i++) {
		if (i == cap_cases[_i].closed)
			continue;
		raw_send(fds[i], "still\n");
		ck_assert_int_ge(raw_line(fds[i], buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "got:still");
	}
	srv_pause();
	st = keel_ctlsock_stats(srv.s);
	ck_assert_uint_eq(st->evicted, 1);
	ck_assert_uint_eq(st->open, CAP_T);
	ck_assert_uint_eq(st->accepted, CAP_T + 1);
	for (i = 0; i < CAP_T; i++)
		close(fds[i]);
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/*
 * A request must arrive whole within request_ms of its first byte, however
 * steadily its bytes trickle in (each byte would reset an idle timer).
 */
static const struct {
	const char *name;
	unsigned int request_ms;
	int gap_ms; /* between bytes */
	const char *sent; /* a byte at a time */
	bool closed; /* else answered */
} slow_cases[] = {
	{ "1 byte per 100 ms, never a newline", 300, 100,
	  "{\"cmd\":\"status\",\"padding\":\"xxxxxxxxxxxxx", true },
	{ "over-long and slow: cut as well", 300, 100,
	  "0123456789abcdef0123456789abcdef", true },
	{ "slow but whole in time", 2000, 20, "{\"cmd\":\"status\"}\n", false },
};

START_TEST(test_slow_client)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.line_max = 16,
					.idle_ms = 60000,
					.request_ms =
						slow_cases[_i].request_ms };
	const char *p = slow_cases[_i].sent;
	char buf[128];
	bool cut = false;
	int fd;

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	fd = raw_connect(srv.path);
	for (; *p && !cut; p++) {
		if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
			cut = true;
		usleep(slow_cases[_i].gap_ms * 1000);
	}
	if (slow_cases[_i].closed) {
		ck_assert(cut || raw_closed_within(fd, 5000));
	} else {
		ck_assert_int_ge(raw_line(fd, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "got:{\"cmd\":\"status\"}");
	}
	srv_pause();
	ck_assert_uint_eq(keel_ctlsock_stats(srv.s)->slow_timeouts,
			  slow_cases[_i].closed);
	ck_assert_uint_eq(keel_ctlsock_stats(srv.s)->idle_timeouts, 0);
	close(fd);
	srv_stop();
	rmtree();
}
END_TEST

/*
 * Out of descriptors (the server's process limited to a few more than it
 * holds; clients in a child, which has its own table): the listener
 * pauses instead of retrying accept() at once forever, and serves again
 * once descriptors are back.
 */
START_TEST(test_emfile_backoff)
{
	struct rlimit was, low;
	int p[2], fd, i, errors;
	double cpu0, cpu;
	char *line = NULL;
	pid_t pid;

	srv_start_default();
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &was), 0);
	ck_assert_int_eq(pipe(p), 0);
	/* The lowest free descriptor: room for two connections more. */
	fd = dup(0);
	close(fd);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
		/* Twelve clients: the backlog holds the ones not taken. */
		for (i = 0; i < 12; i++) {
			int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

			if (c >= 0)
				connect(c, (struct sockaddr *)&sa, sizeof(sa));
		}
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	low = was;
	low.rlim_cur = fd + 2;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cpu0 = cpu_time_s();
	ck_assert_int_eq(read(p[0], &i, 1), 1);
	sleep(1);
	cpu = cpu_time_s() - cpu0;
	srv_pause();
	errors = keel_ctlsock_stats(srv.s)->accept_errors;
	/*
	 * Pauses of 50, 100, 200, 400 ms... : a handful of failures in a
	 * second.  Retrying at once would be millions, and a busy CPU.
	 */
	ck_assert_int_ge(errors, 1);
	ck_assert_int_le(errors, 20);
	ck_assert_double_lt(cpu, 0.3);
	/* Descriptors back: the same server serves again. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &was), 0);
	atomic_store(&srv.stop, false);
	ck_assert_int_eq(pthread_create(&srv.thread, NULL, loop, srv.base), 0);
	ck_assert_int_eq(call("back\n", 5, &line), 0);
	ck_assert_str_eq(line, "got:back");
	free(line);
	close(p[0]);
	close(p[1]);
	srv_stop();
	rmtree();
}
END_TEST

/* ---- roles ---- */

#define NOBODY 65534
#define G_ADM 4 /* adm */
#define G_USERS 100 /* users */

/*
 * The peer's role from its credentials: a child takes the uid and groups
 * of the row, connects and asks "role", then a read and an admin verb.
 * The socket is made 0666 in a 0755 directory so that the filesystem lets
 * every row in: only the roles differ.
 */
static const struct {
	const char *name;
	const char *admin, *read; /* cfg.group, cfg.read_group */
	uid_t uid;
	gid_t gid;
	gid_t groups[2];
	int n_groups;
	int role;
	const char *drain, *status; /* answers; NULL: "got:..." */
} role_cases[] = {
	{ "root is admin",
	  "adm",
	  "users",
	  0,
	  0,
	  { 0 },
	  0,
	  KEEL_CTL_ROLE_ADMIN,
	  NULL,
	  NULL },
	{ "no group: nothing",
	  "adm",
	  "users",
	  NOBODY,
	  NOBODY,
	  { 0 },
	  0,
	  KEEL_CTL_ROLE_NONE,
	  "real drain needs the admin group 'adm'",
	  "status needs the read group 'users' or the admin group 'adm'" },
	{ "read group, supplementary",
	  "adm",
	  "users",
	  NOBODY,
	  NOBODY,
	  { G_USERS },
	  1,
	  KEEL_CTL_ROLE_READ,
	  "real drain needs the admin group 'adm'",
	  NULL },
	{ "read group, primary",
	  "adm",
	  "users",
	  NOBODY,
	  G_USERS,
	  { 0 },
	  0,
	  KEEL_CTL_ROLE_READ,
	  "real drain needs the admin group 'adm'",
	  NULL },
	{ "admin group, supplementary",
	  "adm",
	  "users",
	  NOBODY,
	  NOBODY,
	  { G_ADM },
	  1,
	  KEEL_CTL_ROLE_ADMIN,
	  NULL,
	  NULL },
	{ "both groups: admin",
	  "adm",
	  "users",
	  NOBODY,
	  NOBODY,
	  { G_USERS, G_ADM },
	  2,
	  KEEL_CTL_ROLE_ADMIN,
	  NULL,
	  NULL },
	{ "no read group named",
	  "adm",
	  NULL,
	  NOBODY,
	  NOBODY,
	  { G_USERS },
	  1,
	  KEEL_CTL_ROLE_NONE,
	  "real drain needs the admin group 'adm'",
	  "status needs the admin group 'adm'" },
};

/*
 * Forked while the server's thread runs: nothing here may allocate (no
 * ck_assert, which records its place with malloc): a lock that thread
 * held at the fork would never be released in the child (seen: a hang in
 * ASan's allocator, 3 runs in 4).
 */
static void role_child(int i, int out)
{
	static const char req[] = "role\nreal.drain\nstatus\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[800], ans[3][256];
	int fd, k;

	if (setgroups(role_cases[i].n_groups, role_cases[i].groups) ||
	    setgid(role_cases[i].gid) || setuid(role_cases[i].uid))
		_exit(2);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1)
		_exit(5);
	for (k = 0; k < 3; k++)
		if (raw_line(fd, ans[k], sizeof(ans[k])) < 0)
			_exit(3);
	snprintf(buf, sizeof(buf), "%s\n%s\n%s\n", ans[0], ans[1], ans[2]);
	if (write(out, buf, strlen(buf)) < 0)
		_exit(4);
	_exit(0);
}

static void want_answer(const char *got, const char *deny, const char *verb)
{
	char want[256];
	json_t *o;

	if (!deny) {
		snprintf(want, sizeof(want), "got:%s", verb);
		ck_assert_str_eq(got, want);
		return;
	}
	o = json_loads(got, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "code")),
			 "permission_denied");
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")), deny);
	json_decref(o);
}

START_TEST(test_roles)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1,
					.gid = (gid_t)-1,
					.mode = 0666,
					.group = role_cases[_i].admin,
					.read_group = role_cases[_i].read };
	char buf[1024], dir[128], *nl, *l2, *l3, want[32];
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (geteuid() != 0)
		return; /* needs setuid(); run as root by the suite */
	ck_assert_ptr_nonnull(getgrgid(G_ADM));
	ck_assert_ptr_nonnull(getgrgid(G_USERS));
	tmpdir();
	ck_assert_int_eq(chmod(srv.dir, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/run", srv.dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(srv_start(&cfg), 0);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid)
		role_child(_i, p[1]);
	close(p[1]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	close(p[0]);
	nl = strchr(buf, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	l2 = nl + 1;
	l3 = strchr(l2, '\n');
	ck_assert_ptr_nonnull(l3);
	*l3++ = '\0';
	l3[strcspn(l3, "\n")] = '\0';
	snprintf(want, sizeof(want), "role:%d", role_cases[_i].role);
	ck_assert_str_eq(buf, want);
	want_answer(l2, role_cases[_i].drain, "real.drain");
	want_answer(l3, role_cases[_i].status, "status");
	srv_stop();
	rmtree();
}
END_TEST

/* ---- the socket file ---- */

START_TEST(test_permissions)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct stat st;

	tmpdir();
	ck_assert_int_eq(srv_start(&cfg), 0);
	ck_assert_int_eq(lstat(srv.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	ck_assert_uint_eq(st.st_uid, geteuid());
	srv_stop();

	cfg = (struct keel_ctlsock_cfg){ .uid = geteuid(),
					 .gid = getegid(),
					 .mode = 0600 };
	ck_assert_int_eq(srv_start(&cfg), 0);
	ck_assert_int_eq(lstat(srv.path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_gid, getegid());
	srv_stop();

	cfg = (struct keel_ctlsock_cfg){ .group =
						 "keel-no-such-group-ctlsock" };
	ck_assert_int_eq(srv_start(&cfg), -ENOENT);
	event_base_free(srv.base);
	rmtree();
}
END_TEST

/*
 * The socket's directory: made 0750 with the socket's owner and group;
 * an existing one is used only when it is root's or the owner's and
 * nobody else can write to it; a symlink never is, as directory or as
 * socket.
 */
enum dir_kind {
	DIR_NONE, /* missing: made */
	DIR_KEPT, /* root's, 0755: used as it is */
	DIR_OWNERS, /* the socket owner's (cfg.uid): used */
	DIR_SYMLINK, /* a symlink to a good directory */
	DIR_STRANGER, /* someone else's */
	DIR_WORLD, /* 0777 */
	DIR_GROUP, /* 0770 */
	SOCK_SYMLINK, /* the socket's name is a symlink to a file */
};

static const struct {
	const char *name;
	enum dir_kind kind;
	int err;
	mode_t mode; /* of the directory afterwards */
} dir_cases[] = {
	{ "missing: made 0750", DIR_NONE, 0, 0750 },
	{ "root's 0755: kept", DIR_KEPT, 0, 0755 },
	{ "the owner's: kept", DIR_OWNERS, 0, 0700 },
	{ "a symlink", DIR_SYMLINK, -EPERM, 0 },
	{ "someone else's", DIR_STRANGER, -EPERM, 0700 },
	{ "writable by others", DIR_WORLD, -EPERM, 0777 },
	{ "writable by its group", DIR_GROUP, -EPERM, 0770 },
	{ "socket name is a symlink", SOCK_SYMLINK, -EEXIST, 0700 },
};

START_TEST(test_dir)
{
	struct keel_ctlsock_cfg cfg = { .uid = NOBODY, .gid = G_USERS };
	enum dir_kind kind = dir_cases[_i].kind;
	char dir[128], real[128], target[160];
	struct stat st;
	int err, fd;

	if (geteuid() != 0)
		return; /* needs chown() */
	tmpdir();
	snprintf(dir, sizeof(dir), "%s/run", srv.dir);
	snprintf(real, sizeof(real), "%s/real", srv.dir);
	snprintf(target, sizeof(target), "%s/target", srv.dir);
	if (kind != DIR_NONE && kind != DIR_SYMLINK)
		ck_assert_int_eq(mkdir(dir, 0700), 0);
	if (kind == DIR_KEPT)
		ck_assert_int_eq(chmod(dir, 0755), 0);
	if (kind == DIR_OWNERS)
		ck_assert_int_eq(chown(dir, NOBODY, -1), 0);
	if (kind == DIR_STRANGER)
		ck_assert_int_eq(chown(dir, 1, -1), 0);
	if (kind == DIR_WORLD)
		ck_assert_int_eq(chmod(dir, 0777), 0);
	if (kind == DIR_GROUP)
		ck_assert_int_eq(chmod(dir, 0770), 0);
	if (kind == DIR_SYMLINK) {
		ck_assert_int_eq(mkdir(real, 0755), 0);
		ck_assert_int_eq(symlink(real, dir), 0);
	}
	if (kind == SOCK_SYMLINK) {
		fd = open(target, O_CREAT | O_WRONLY, 0600);
		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_int_eq(symlink(target, srv.path), 0);
	}
	err = srv_start(&cfg);
	ck_assert_int_eq(err, dir_cases[_i].err);
	if (kind == DIR_SYMLINK) {
		snprintf(target, sizeof(target), "%s/ctl.sock", real);
		ck_assert_int_eq(access(target, F_OK), -1);
	} else {
		ck_assert_int_eq(lstat(dir, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, dir_cases[_i].mode);
	}
	if (kind == SOCK_SYMLINK) {
		ck_assert_int_eq(stat(target, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
		ck_assert_uint_eq(st.st_uid, 0);
	}
	if (kind == DIR_NONE) {
		ck_assert_uint_eq(st.st_uid, NOBODY);
		ck_assert_uint_eq(st.st_gid, G_USERS);
	}
	if (!err) {
		ck_assert_int_eq(lstat(srv.path, &st), 0);
		ck_assert(S_ISSOCK(st.st_mode));
		ck_assert_uint_eq(st.st_mode & 07777, 0660);
		ck_assert_uint_eq(st.st_uid, NOBODY);
		ck_assert_uint_eq(st.st_gid, G_USERS);
		srv_stop();
	} else {
		event_base_free(srv.base);
	}
	rmtree();
}
END_TEST

/* A socket file nobody serves (SIGKILL) is replaced. */
START_TEST(test_stale_replaced)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *line = NULL;
	char dir[128];
	int fd;

	tmpdir();
	snprintf(dir, sizeof(dir), "%s/run", srv.dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* the file stays, nobody listens */
	ck_assert_int_eq(call("x\n", 1, &line), -ECONNREFUSED);
	ck_assert_int_eq(srv_start(&cfg), 0);
	ck_assert_int_eq(call("x\n", 5, &line), 0);
	ck_assert_str_eq(line, "got:x");
	free(line);
	srv_stop();
	rmtree();
}
END_TEST

/* A live server's socket and a file that is no socket are left alone. */
START_TEST(test_not_replaced)
{
	struct keel_ctlsock_cfg cfg = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct event_base *b2 = event_base_new();
	struct keel_ctlsock *s2 = NULL;
	char *line = NULL;
	int fd;

	srv_start_default();
	cfg.path = srv.path;
	cfg.handle = echo;
	ck_assert_int_eq(keel_ctlsock_start(b2, &cfg, &s2), -EADDRINUSE);
	ck_assert_int_eq(call("still\n", 5, &line), 0);
	ck_assert_str_eq(line, "got:still");
	free(line);
	srv_stop();

	fd = open(srv.path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(keel_ctlsock_start(b2, &cfg, &s2), -EEXIST);
	ck_assert_int_eq(access(srv.path, F_OK), 0);
	event_base_free(b2);
	rmtree();
}
END_TEST

/* ---- the client against servers that misbehave ---- */

enum raw_kind {
	RAW_NONE, /* no socket file */
	RAW_BACKLOG, /* listens, never accepts */
	RAW_SILENT, /* accepts, reads, never answers */
	RAW_CLOSE, /* accepts and closes */
	RAW_HALF, /* half an answer, then closes */
	RAW_LONG, /* an answer longer than the client takes */
	RAW_RESET, /* accepts, closes with the request unread */
};

static const struct {
	enum raw_kind kind;
	int err;
	const char *why;
	bool unanswered; /* closed before any byte: a read may be retried */
} client_cases[] = {
	{ RAW_NONE, -ENOENT, "No such file or directory", false },
	{ RAW_BACKLOG, -ETIMEDOUT, "no answer within 0.3 s", false },
	{ RAW_SILENT, -ETIMEDOUT, "no answer within 0.3 s", false },
	{ RAW_CLOSE, -ENODATA, "connection closed without an answer", true },
	{ RAW_HALF, -EPROTO, "connection closed in the middle of an answer",
	  false },
	{ RAW_LONG, -EMSGSIZE, "answer longer than 1 MiB", false },
	{ RAW_RESET, -ECONNRESET, "Connection reset by peer", true },
};

START_TEST(test_client_errors)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	enum raw_kind kind = client_cases[_i].kind;
	char *line = NULL, msg[256], want[512], *big;
	size_t len;
	int lfd = -1, fd, err;
	pid_t pid = -1;
	int filler = -1;

	tmpdir();
	snprintf(srv.path, sizeof(srv.path), "%s/ctl.sock", srv.dir);
	if (kind != RAW_NONE) {
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", srv.path);
		ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)),
				 0);
		/* Backlog 0: the kernel still takes one connection. */
		ck_assert_int_eq(listen(lfd, kind == RAW_BACKLOG ? 0 : 4), 0);
	}
	if (kind == RAW_BACKLOG) {
		/* Fills the backlog: the client's connect gets EAGAIN. */
		filler = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ck_assert_int_eq(
			connect(filler, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	if (kind >= RAW_SILENT) {
		/* The misbehaving server is a child: the client blocks. */
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (!pid) {
			fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				_exit(1);
			/* Unread data at close: the kernel resets. */
			if (kind == RAW_RESET)
				usleep(100 * 1000);
			else
				recv(fd, msg, sizeof(msg), 0);
			if (kind == RAW_HALF)
				send(fd, "{\"ok\":", 6, MSG_NOSIGNAL);
			if (kind == RAW_LONG) {
				big = malloc(2U << 20);
				memset(big, 'x', 2U << 20);
				send(fd, big, 2U << 20, MSG_NOSIGNAL);
			}
			if (kind == RAW_SILENT)
				pause();
			_exit(0);
		}
	}
	err = keel_ctl_call(srv.path, "x\n", 2, 0.3, 1U << 20, &line, &len);
	ck_assert_int_eq(err, client_cases[_i].err);
	ck_assert_int_eq(keel_ctl_call_unanswered(err),
			 client_cases[_i].unanswered);
	keel_ctl_call_strerror(msg, sizeof(msg), "lbd", srv.path, err, 0.3,
			       1U << 20);
	snprintf(want, sizeof(want), "cannot reach lbd at %s: %s", srv.path,
		 client_cases[_i].why);
	ck_assert_str_eq(msg, want);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (filler >= 0)
		close(filler);
	if (lfd >= 0)
		close(lfd);
	rmtree();
}
END_TEST

/* An answer as long as the buffer allows is taken whole. */
START_TEST(test_client_long_answer)
{
	char *line = NULL;
	size_t len;

	srv_start_default();
	ck_assert_int_eq(keel_ctl_call(srv.path, "big\n", 4, 5, BIG_ANSWER,
				       &line, &len),
			 0);
	ck_assert_uint_eq(len, BIG_ANSWER - 1);
	free(line);
	ck_assert_int_eq(keel_ctl_call(srv.path, "big\n", 4, 5, BIG_ANSWER - 1,
				       &line, &len),
			 -EMSGSIZE);
	srv_stop();
	rmtree();
}
END_TEST

static const struct {
	int err;
	double timeout_s;
	size_t max;
	const char *want;
} strerror_cases[] = {
	{ -ETIMEDOUT, 5, 16U << 20,
	  "cannot reach lbd at /p: no answer within 5 s" },
	{ -ETIMEDOUT, 0.25, 16U << 20,
	  "cannot reach lbd at /p: no answer within 0.25 s" },
	{ -EMSGSIZE, 5, 16U << 20,
	  "cannot reach lbd at /p: answer longer than 16 MiB" },
	{ -EMSGSIZE, 5, 1000,
	  "cannot reach lbd at /p: answer longer than 1000 bytes" },
	{ -ECONNREFUSED, 5, 16U << 20,
	  "cannot reach lbd at /p: Connection refused" },
};

START_TEST(test_strerror)
{
	char msg[256];

	keel_ctl_call_strerror(msg, sizeof(msg), "lbd", "/p",
			       strerror_cases[_i].err,
			       strerror_cases[_i].timeout_s,
			       strerror_cases[_i].max);
	ck_assert_str_eq(msg, strerror_cases[_i].want);
}
END_TEST

/* ---- answer lines ---- */

static const struct {
	const char *body; /* JSON text, NULL: a failed json_pack */
	const char *want;
} ok_cases[] = {
	{ "{}", "{\"ok\":true}\n" },
	{ "{\"a\":1,\"b\":[2]}", "{\"a\":1,\"b\":[2],\"ok\":true}\n" },
	/* An "ok" already there keeps its place (rs-agent's drain answer). */
	{ "{\"ok\":false,\"draining\":true}",
	  "{\"ok\":true,\"draining\":true}\n" },
	{ NULL,
	  "{\"ok\":false,\"code\":\"internal\",\"error\":\"out of memory\"}\n" },
};

START_TEST(test_ok_line)
{
	json_t *body = NULL;
	char *line;

	if (ok_cases[_i].body) {
		body = json_loads(ok_cases[_i].body, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(body);
	}
	line = keel_ctlsock_ok(body);
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line, ok_cases[_i].want);
	free(line);
}
END_TEST

START_TEST(test_err_line)
{
	char msg[600], *line;
	json_t *o;

	line = keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND, "no service %s",
				"203.0.113.10:80/tcp");
	ck_assert_str_eq(
		line,
		"{\"ok\":false,\"code\":\"not_found\",\"error\":\"no service 203.0.113.10:80/tcp\"}\n");
	free(line);
	/* The longest message, every byte escaped: still one line. */
	memset(msg, 0x01, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	line = keel_ctlsock_err(KEEL_CTL_E_INVALID, "%s", msg);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	o = json_loads(line, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(
		strlen(json_string_value(json_object_get(o, "error"))), 511);
	json_decref(o);
	free(line);
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

static Suite *ctlsock_suite(void)
{
	Suite *s = suite_create("ctlsock");
	TCase *tc = tcase_create("server");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_exchange, 0, N(exchange_cases));
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_half_close);
	tcase_add_loop_test(tc, test_too_long, 0, N(long_cases));
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_not_idle);
	tcase_add_test(tc, test_many_clients);
	tcase_add_loop_test(tc, test_victim, 0, N(victim_cases));
	tcase_add_loop_test(tc, test_cap, 0, N(cap_cases));
	tcase_add_loop_test(tc, test_slow_client, 0, N(slow_cases));
	tcase_add_test(tc, test_emfile_backoff);
	tcase_add_loop_test(tc, test_roles, 0, N(role_cases));
	tcase_add_test(tc, test_backpressure);
	tcase_add_test(tc, test_handler_null);
	tcase_add_test(tc, test_permissions);
	tcase_add_loop_test(tc, test_dir, 0, N(dir_cases));
	tcase_add_test(tc, test_stale_replaced);
	tcase_add_test(tc, test_not_replaced);
	suite_add_tcase(s, tc);
	tc = tcase_create("client");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_client_errors, 0, N(client_cases));
	tcase_add_test(tc, test_client_long_answer);
	tcase_add_loop_test(tc, test_strerror, 0, N(strerror_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("answers");
	tcase_add_loop_test(tc, test_ok_line, 0, N(ok_cases));
	tcase_add_test(tc, test_err_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* Over-long lines are logged: keep the test's output readable. */
	keel_log_init("test_ctlsock", false, LOG_ERR);
	/* As every daemon does: a client gone mid-answer is no signal. */
	signal(SIGPIPE, SIG_IGN);
	return check_run(ctlsock_suite());
}
