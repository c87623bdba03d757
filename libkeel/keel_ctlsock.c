// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctlsock.c - the server end of the control sockets, on libevent
 * (keel_ctlsock.h says what it promises).
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "keel_ctl.h"
#include "keel_ctlsock.h"
#include "keel_log.h"

#define KEEL_CTLSOCK_BACKLOG 16

struct keel_ctlsock_conn {
	struct keel_ctlsock *s;
	struct bufferevent *bev;
	struct keel_ctlsock_conn *prev, *next;
	bool skipping; /* the rest of an over-long line */
};

struct keel_ctlsock {
	struct evconnlistener *l;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t line_max;
	struct timeval idle;
	keel_ctlsock_handler handle;
	void *arg;
	struct keel_ratelimit rl;
	struct keel_ctlsock_conn *conns;
};

static uint64_t keel_ctlsock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keel_ctlsock_conn_free(struct keel_ctlsock_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	free(c);
}

char *keel_ctlsock_err(enum keel_ctl_code code, const char *fmt, ...)
{
	char msg[512], *out;
	size_t size;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Room for every byte escaped as \u00XX. */
	size = 6 * strlen(msg) + 64;
	out = malloc(size);
	if (out && keel_ctl_err_encode(code, msg, out, size) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

char *keel_ctlsock_ok(json_t *body)
{
	char *text, *line;
	size_t n;

	if (!body)
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	json_object_set_new(body, "ok", json_true());
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (!text)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

/* The bad_request answer to an over-long line; false: out of memory. */
static bool keel_ctlsock_too_long(struct keel_ctlsock_conn *c)
{
	struct keel_ctlsock *s = c->s;
	uint64_t n = 0;
	char *out;
	int err;

	if (keel_ratelimit_ok(&s->rl, keel_ctlsock_now_ms(), &n))
		keel_log(
			LOG_WARNING,
			"control socket %s: request longer than %zu bytes (%llu similar suppressed)",
			s->path, s->line_max, (unsigned long long)n);
	out = keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST,
			       "request longer than %zu bytes", s->line_max);
	if (!out)
		return false;
	err = bufferevent_write(c->bev, out, strlen(out));
	free(out);
	return err == 0;
}

/*
 * Answer the complete lines in the input, one at a time: the next one is
 * read only once the previous answer has left (the write callback comes
 * back here), so a client that never reads cannot make us buffer answers.
 * Returns false when the connection was freed.
 */
static bool keel_ctlsock_serve(struct keel_ctlsock_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct keel_ctlsock *s = c->s;
	struct evbuffer_ptr eol;
	size_t len, avail;
	char *line, *resp;

	while (!evbuffer_get_length(out)) {
		eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			avail = evbuffer_get_length(in);
			if (!c->skipping && avail > s->line_max) {
				if (!keel_ctlsock_too_long(c))
					goto close;
				c->skipping = true;
			}
			if (c->skipping)
				evbuffer_drain(in, avail);
			break;
		}
		len = eol.pos;
		if (c->skipping || len > s->line_max) {
			if (!c->skipping && !keel_ctlsock_too_long(c))
				goto close;
			c->skipping = false;
			evbuffer_drain(in, len + 1);
			continue;
		}
		line = malloc(len + 1);
		if (!line)
			goto close;
		evbuffer_remove(in, line, len + 1);
		line[len] = '\0';
		resp = s->handle(s->arg, line, len);
		free(line);
		if (!resp)
			goto close;
		if (bufferevent_write(c->bev, resp, strlen(resp))) {
			free(resp);
			goto close;
		}
		free(resp);
	}
	/* Read on only when nothing is waiting to go out. */
	if (evbuffer_get_length(out))
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
	return true;
close:
	keel_ctlsock_conn_free(c);
	return false;
}

static void keel_ctlsock_on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	keel_ctlsock_serve(arg);
}

/* The answer has left: serve what the client sent meanwhile. */
static void keel_ctlsock_on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	keel_ctlsock_serve(arg);
}

static void keel_ctlsock_on_event(struct bufferevent *bev, short what,
				  void *arg)
{
	struct keel_ctlsock_conn *c = arg;

	(void)bev;
	/*
	 * EOF: the client is done (it may have half-closed after its last
	 * request: that one is answered first).  Error or idle timeout: gone.
	 */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		if (keel_ctlsock_serve(c) &&
		    !evbuffer_get_length(bufferevent_get_output(c->bev)))
			keel_ctlsock_conn_free(c);
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		keel_ctlsock_conn_free(c);
}

static void keel_ctlsock_on_accept(struct evconnlistener *l, evutil_socket_t fd,
				   struct sockaddr *sa, int salen, void *arg)
{
	struct keel_ctlsock *s = arg;
	struct keel_ctlsock_conn *c;

	(void)sa;
	(void)salen;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->s = s;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev)
		goto fail;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	/* Read no further than one over-long line can show itself. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, s->line_max + 2);
	bufferevent_set_timeouts(c->bev, &s->idle, &s->idle);
	bufferevent_setcb(c->bev, keel_ctlsock_on_read, keel_ctlsock_on_write,
			  keel_ctlsock_on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return;
fail:
	free(c);
	close(fd);
}

static int keel_ctlsock_mkparent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST) {
		keel_log(LOG_ERR, "control socket directory %s: %s", dir,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * A socket file left by a process that died (crash, SIGKILL) is ours to
 * replace; one a live server still accepts on is not (two daemons on one
 * socket would be a silent mess), nor is anything that is not a socket.
 */
static int keel_ctlsock_clear(const struct sockaddr_un *sun)
{
	const char *path = sun->sun_path;
	struct stat st;
	int fd, err = 0;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: %s", path,
			 strerror(-err));
		return err;
	}
	if (!S_ISSOCK(st.st_mode)) {
		keel_log(LOG_ERR,
			 "control socket %s: exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: %s", path,
			 strerror(-err));
		return err;
	}
	/* Refused: nobody listens.  EAGAIN: a full backlog, so alive. */
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 ||
	    errno == EAGAIN) {
		keel_log(LOG_ERR,
			 "control socket %s: a running process is serving it",
			 path);
		err = -EADDRINUSE;
		goto out;
	}
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: removing the old one: %s",
			 path, strerror(-err));
	}
out:
	close(fd);
	return err;
}

/*
 * socket, bind, owner and mode, then listen: nobody can connect before
 * the permissions are right.
 */
static int keel_ctlsock_listen(struct keel_ctlsock *s, struct event_base *base,
			       const struct sockaddr_un *sun, uid_t uid,
			       gid_t gid, mode_t mode)
{
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		return err;
	}
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun))) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		goto fail;
	}
	if (chown(s->path, uid, gid) || chmod(s->path, mode)) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s permissions: %s", s->path,
			 strerror(-err));
		unlink(s->path);
		goto fail;
	}
	s->l = evconnlistener_new(base, keel_ctlsock_on_accept, s,
				  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				  KEEL_CTLSOCK_BACKLOG, fd);
	if (!s->l) {
		err = errno ? -errno : -EIO;
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		unlink(s->path);
		goto fail;
	}
	return 0;
fail:
	close(fd);
	return err;
}

int keel_ctlsock_start(struct event_base *base,
		       const struct keel_ctlsock_cfg *cfg,
		       struct keel_ctlsock **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned int idle_ms = cfg->idle_ms ?: KEEL_CTLSOCK_IDLE_MS;
	struct keel_ctlsock *s = NULL;
	gid_t gid = cfg->gid;
	int err;

	if (cfg->group && cfg->group[0]) {
		struct group *g = getgrnam(cfg->group);

		if (!g) {
			keel_log(LOG_ERR, "control group %s does not exist",
				 cfg->group);
			return -ENOENT;
		}
		gid = g->gr_gid;
	}
	if (strlen(cfg->path) >= sizeof(sun.sun_path)) {
		keel_log(LOG_ERR, "control socket %s: path too long",
			 cfg->path);
		return -ENAMETOOLONG;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", cfg->path);
	memcpy(sun.sun_path, s->path, sizeof(sun.sun_path));
	s->line_max = cfg->line_max ?: KEEL_CTL_MSG_MAX;
	s->idle.tv_sec = idle_ms / 1000;
	s->idle.tv_usec = (idle_ms % 1000) * 1000;
	s->handle = cfg->handle;
	s->arg = cfg->arg;
	s->rl.interval_ms = 5000;
	s->rl.burst = 5;
	err = keel_ctlsock_mkparent(s->path);
	if (!err)
		err = keel_ctlsock_clear(&sun);
	if (!err)
		err = keel_ctlsock_listen(s, base, &sun, cfg->uid, gid,
					  cfg->mode ?: 0660);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void keel_ctlsock_stop(struct keel_ctlsock *s)
{
	if (!s)
		return;
	while (s->conns)
		keel_ctlsock_conn_free(s->conns);
	evconnlistener_free(s->l);
	unlink(s->path);
	free(s);
}
