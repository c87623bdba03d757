// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctlsock.c - the server end of the control sockets, on libevent
 * (keel_ctlsock.h says what it promises).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "keel_clock.h"
#include "keel_ctl.h"
#include "keel_ctlsock.h"
#include "keel_log.h"

#define KEEL_CTLSOCK_BACKLOG 16
#define KEEL_CTLSOCK_GROUPS 64 /* a peer's groups read at once; more: malloc */
#define KEEL_CTLSOCK_GROUP_NAME 64

struct keel_ctlsock_conn {
	struct keel_ctlsock *s;
	struct bufferevent *bev;
	struct event *deadline; /* the request under way must be whole by */
	/* In the order of their last progress, least recent first. */
	TAILQ_ENTRY(keel_ctlsock_conn) link;
	struct keel_ctl_peer peer;
	uint64_t accepted_ms;
	bool skipping; /* the rest of an over-long line */
};

struct keel_ctlsock {
	struct evconnlistener *l;
	struct keel_listen lg;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *name; /* the socket's name in its directory */
	int dirfd;
	size_t line_max;
	struct timeval idle, request;
	unsigned int request_ms, max_conns;
	uid_t owner;
	gid_t admin_gid, read_gid; /* (gid_t)-1: none */
	char admin_group[KEEL_CTLSOCK_GROUP_NAME];
	char read_group[KEEL_CTLSOCK_GROUP_NAME];
	keel_ctlsock_handler handle;
	void *arg;
	struct keel_ratelimit rl, rl_deny;
	TAILQ_HEAD(, keel_ctlsock_conn) conns;
	struct keel_listen_cand *cand; /* max_conns, for keel_listen_victim */
};

/* c made progress (an answer went out): last in line for eviction. */
static void keel_ctlsock_touch(struct keel_ctlsock_conn *c)
{
	TAILQ_REMOVE(&c->s->conns, c, link);
	TAILQ_INSERT_TAIL(&c->s->conns, c, link);
}

static void keel_ctlsock_conn_free(struct keel_ctlsock_conn *c)
{
	TAILQ_REMOVE(&c->s->conns, c, link);
	c->s->lg.st.open--;
	if (c->deadline)
		event_free(c->deadline);
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

#define KEEL_CTLSOCK_ANSWER_START (64U << 10)
#define KEEL_CTLSOCK_HINTS 16

/*
 * The buffer size each encoder's last answer fitted in: the next answer
 * starts there, so a status of 10,000 reals (about 4.5 MB) is encoded
 * once, not once per doubling from 64 KiB (seven times).  It follows the
 * answers down as well as up.  Encoders are few (one per answer kind);
 * past KEEL_CTLSOCK_HINTS the others start at 64 KiB.  The daemons answer
 * from their event loop: one thread.
 */
static struct {
	int (*enc)(char *buf, size_t size, const void *in);
	size_t size;
} keel_ctlsock_hints[KEEL_CTLSOCK_HINTS];

static size_t *keel_ctlsock_hint(int (*enc)(char *, size_t, const void *))
{
	size_t i;

	for (i = 0; i < KEEL_CTLSOCK_HINTS; i++) {
		if (keel_ctlsock_hints[i].enc == enc)
			return &keel_ctlsock_hints[i].size;
		if (!keel_ctlsock_hints[i].enc) {
			keel_ctlsock_hints[i].enc = enc;
			keel_ctlsock_hints[i].size = KEEL_CTLSOCK_ANSWER_START;
			return &keel_ctlsock_hints[i].size;
		}
	}
	return NULL;
}

char *keel_ctlsock_answer(int (*enc)(char *buf, size_t size, const void *in),
			  const void *in)
{
	size_t *hint = keel_ctlsock_hint(enc);
	size_t size = hint ? *hint : KEEL_CTLSOCK_ANSWER_START;
	char *buf = NULL, *grown;
	int n;

	for (;;) {
		grown = realloc(buf, size);
		if (!grown) {
			free(buf);
			return NULL;
		}
		buf = grown;
		n = enc(buf, size, in);
		if (n != -ENOSPC || size >= KEEL_CTL_ANSWER_MAX)
			break;
		size *= 2;
	}
	if (n > 0 && hint) {
		/* The smallest power of two from 64 KiB that holds n bytes
		 * and the NUL: where the next answer starts. */
		for (*hint = KEEL_CTLSOCK_ANSWER_START; *hint < (size_t)n + 1;)
			*hint *= 2;
	}
	if (n > 0)
		return buf;
	free(buf);
	if (n == -ENOSPC)
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL,
					"answer longer than %u bytes",
					KEEL_CTL_ANSWER_MAX);
	return keel_ctlsock_err(KEEL_CTL_E_INTERNAL,
				"cannot write the answer: %s", strerror(-n));
}

/* The bad_request answer to an over-long line; false: out of memory. */
static bool keel_ctlsock_too_long(struct keel_ctlsock_conn *c)
{
	struct keel_ctlsock *s = c->s;
	uint64_t n = 0;
	char *out;
	int err;

	if (keel_ratelimit_ok(&s->rl, keel_now_ms(), &n))
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
		resp = s->handle(s->arg, &c->peer, line, len);
		free(line);
		if (!resp)
			goto close;
		if (bufferevent_write(c->bev, resp, strlen(resp))) {
			free(resp);
			goto close;
		}
		free(resp);
		keel_ctlsock_touch(c);
	}
	/* Read on only when nothing is waiting to go out. */
	if (evbuffer_get_length(out))
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
	/*
	 * Part of a request is in: the rest must follow in time.  The idle
	 * timer alone would let a byte a second hold the connection forever.
	 */
	if (evbuffer_get_length(in) || c->skipping) {
		if (!evtimer_pending(c->deadline, NULL))
			evtimer_add(c->deadline, &s->request);
	} else {
		evtimer_del(c->deadline);
	}
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
	struct keel_ctlsock *s = c->s;

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
	if (what & BEV_EVENT_TIMEOUT) {
		s->lg.st.idle_timeouts++;
		keel_listen_log(&s->lg,
				"idle for %ld s: closed (uid %d, pid %d)",
				(long)s->idle.tv_sec, (int)c->peer.uid,
				(int)c->peer.pid);
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		keel_ctlsock_conn_free(c);
}

static void keel_ctlsock_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct keel_ctlsock_conn *c = arg;
	struct keel_ctlsock *s = c->s;

	(void)fd;
	(void)what;
	s->lg.st.slow_timeouts++;
	keel_listen_log(
		&s->lg,
		"a request not whole within %u ms: closed (uid %d, pid %d)",
		s->request_ms, (int)c->peer.uid, (int)c->peer.pid);
	keel_ctlsock_conn_free(c);
}

static bool keel_ctlsock_in(gid_t g, gid_t primary, const gid_t *v, size_t n)
{
	size_t i;

	if (g == (gid_t)-1)
		return false;
	if (g == primary)
		return true;
	for (i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

/*
 * The peer's role from its credentials at connect time: SO_PEERCRED for
 * uid and primary group, SO_PEERGROUPS (Linux 4.13) for the others.
 * Anything unreadable leaves it without a role.
 */
static void keel_ctlsock_peer(struct keel_ctlsock *s, int fd,
			      struct keel_ctl_peer *p)
{
	gid_t local[KEEL_CTLSOCK_GROUPS], *g = local;
	socklen_t len = sizeof(struct ucred);
	struct ucred cr;
	size_t n;

	p->s = s;
	p->role = KEEL_CTL_ROLE_NONE;
	p->pid = 0;
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return;
	p->pid = cr.pid;
	p->uid = cr.uid;
	p->gid = cr.gid;
	if (cr.uid == 0 || cr.uid == s->owner) {
		p->role = KEEL_CTL_ROLE_ADMIN;
		return;
	}
	len = sizeof(local);
	/* ERANGE: more groups than local holds, len says how many. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) &&
	    (errno != ERANGE || !(g = malloc(len)) ||
	     getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)))
		len = 0;
	n = g ? len / sizeof(gid_t) : 0;
	if (keel_ctlsock_in(s->admin_gid, cr.gid, g, n))
		p->role = KEEL_CTL_ROLE_ADMIN;
	else if (keel_ctlsock_in(s->read_gid, cr.gid, g, n))
		p->role = KEEL_CTL_ROLE_READ;
	if (g != local)
		free(g);
}

char *keel_ctlsock_deny(const struct keel_ctl_peer *p, const char *verb,
			enum keel_ctl_role need)
{
	struct keel_ctlsock *s = p->s;
	char msg[256], v[64];
	uint64_t n = 0;
	size_t i;

	/* The verb as lbctl spells it: "real.drain" is "real drain". */
	snprintf(v, sizeof(v), "%s", verb);
	for (i = 0; v[i]; i++)
		if (v[i] == '.')
			v[i] = ' ';
	if (need == KEEL_CTL_ROLE_ADMIN || !s->read_group[0])
		snprintf(msg, sizeof(msg), "%s needs the admin group '%s'", v,
			 s->admin_group);
	else
		snprintf(msg, sizeof(msg),
			 "%s needs the read group '%s' or the admin group '%s'",
			 v, s->read_group, s->admin_group);
	if (keel_ratelimit_ok(&s->rl_deny, keel_now_ms(), &n))
		keel_log(
			LOG_NOTICE,
			"control socket %s: uid %d (pid %d) refused: %s (%llu similar suppressed)",
			s->path, (int)p->uid, (int)p->pid, msg,
			(unsigned long long)n);
	return keel_ctlsock_err(KEEL_CTL_E_DENIED, "%s", msg);
}

/* A request under way, or an answer going out. */
static bool keel_ctlsock_busy(struct keel_ctlsock_conn *c)
{
	return c->skipping ||
	       evbuffer_get_length(bufferevent_get_input(c->bev)) ||
	       evbuffer_get_length(bufferevent_get_output(c->bev));
}

/*
 * At the cap, the newcomer wins over an idle connection, else a slow one,
 * else (all younger than the grace) the one that made progress least
 * recently: idle or slow clients cannot keep an operator out, and an
 * operator just connected is not closed before its request while they
 * can go.  O(max_conns), only at the cap.
 */
static void keel_ctlsock_make_room(struct keel_ctlsock *s, uint64_t now)
{
	struct keel_ctlsock_conn *c;
	size_t n = 0, i;
	bool busy;

	TAILQ_FOREACH(c, &s->conns, link)
	{
		if (n == s->max_conns)
			break;
		s->cand[n].accepted_ms = c->accepted_ms;
		s->cand[n++].busy = keel_ctlsock_busy(c);
	}
	if (!n)
		return;
	i = keel_listen_victim(s->cand, n, now, KEEL_LISTEN_GRACE_MS);
	for (c = TAILQ_FIRST(&s->conns); i; i--)
		c = TAILQ_NEXT(c, link);
	busy = keel_ctlsock_busy(c);
	s->lg.st.evicted++;
	keel_listen_log(
		&s->lg,
		"%u connections open: closed %s one, connected %llu ms ago (uid %d, pid %d)",
		s->max_conns, busy ? "a busy" : "an idle",
		(unsigned long long)(now - c->accepted_ms), (int)c->peer.uid,
		(int)c->peer.pid);
	keel_ctlsock_conn_free(c);
}

static void keel_ctlsock_on_accept(struct evconnlistener *l, evutil_socket_t fd,
				   struct sockaddr *sa, int salen, void *arg)
{
	struct keel_ctlsock *s = arg;
	uint64_t now = keel_now_ms();
	struct keel_ctlsock_conn *c;

	(void)sa;
	(void)salen;
	keel_listen_accepted(&s->lg);
	if (s->lg.st.open >= s->max_conns)
		keel_ctlsock_make_room(s, now);
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->s = s;
	c->accepted_ms = now;
	keel_ctlsock_peer(s, fd, &c->peer);
	c->deadline = evtimer_new(evconnlistener_get_base(l),
				  keel_ctlsock_on_deadline, c);
	if (!c->deadline)
		goto fail;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
					BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev)
		goto fail;
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	s->lg.st.open++;
	/* Read no further than one over-long line can show itself. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, s->line_max + 2);
	bufferevent_set_timeouts(c->bev, &s->idle, &s->idle);
	bufferevent_setcb(c->bev, keel_ctlsock_on_read, keel_ctlsock_on_write,
			  keel_ctlsock_on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return;
fail:
	if (c && c->deadline)
		event_free(c->deadline);
	free(c);
	close(fd);
}

/*
 * The socket's directory, by descriptor (dirfd) for every later step.
 * Made 0750 (owner, group gid) when missing; refused when it is a
 * symlink, someone else's, or writable by group or others: whoever can
 * write there can put their own socket in place of ours.
 */
static int keel_ctlsock_dir(struct keel_ctlsock *s, gid_t gid)
{
	char dir[sizeof(s->path)];
	bool made = false;
	struct stat st;
	char *slash;
	int fd, err;

	snprintf(dir, sizeof(dir), "%s", s->path);
	slash = strrchr(dir, '/');
	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		s->name = s->path;
	} else {
		s->name = s->path + (slash - dir) + 1;
		slash[slash == dir] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) == 0)
			made = true;
		else if (errno != EEXIST)
			goto fail;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR) {
			keel_log(
				LOG_ERR,
				"control socket directory %s: a symlink or not a directory: refused",
				dir);
			return -EPERM;
		}
		goto fail;
	}
	/* Owner and group by descriptor, then the mode: never a window
	 * where others could write. */
	if (made &&
	    (fchown(fd, s->owner == geteuid() ? (uid_t)-1 : s->owner, gid) ||
	     fchmod(fd, 0750))) {
		err = -errno;
		keel_log(LOG_ERR, "control socket directory %s: %s", dir,
			 strerror(-err));
		close(fd);
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.st_uid != 0 && st.st_uid != s->owner) {
		keel_log(
			LOG_ERR,
			"control socket directory %s: owned by uid %u, not root or uid %u: refused",
			dir, (unsigned int)st.st_uid, (unsigned int)s->owner);
		close(fd);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		keel_log(
			LOG_ERR,
			"control socket directory %s: mode %04o lets group or others write to it: refused",
			dir, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	s->dirfd = fd;
	return 0;
fail:
	err = -errno;
	keel_log(LOG_ERR, "control socket directory %s: %s", dir,
		 strerror(-err));
	return err;
}

/*
 * A socket file left by a process that died (crash, SIGKILL) is ours to
 * replace; one a live server still accepts on is not (two daemons on one
 * socket would be a silent mess), nor is anything that is not a socket.
 */
static int keel_ctlsock_clear(struct keel_ctlsock *s,
			      const struct sockaddr_un *sun)
{
	const char *path = sun->sun_path;
	struct stat st;
	int fd, err = 0;

	if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW)) {
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
	if (unlinkat(s->dirfd, s->name, 0) && errno != ENOENT) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: removing the old one: %s",
			 path, strerror(-err));
	}
out:
	close(fd);
	return err;
}

/*
 * socket, bind with the mode already right (the umask decides the mode
 * bind gives the file), the owner without following a symlink, then
 * listen: nobody can connect before the permissions are right.
 */
static int keel_ctlsock_listen(struct keel_ctlsock *s, struct event_base *base,
			       const struct sockaddr_un *sun, gid_t gid,
			       mode_t mode)
{
	struct stat st;
	mode_t umask_was;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		return err;
	}
	umask_was = umask(~mode & 0777);
	err = bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) ? -errno : 0;
	umask(umask_was);
	if (err) {
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		goto fail;
	}
	if (fchownat(s->dirfd, s->name,
		     s->owner == geteuid() ? (uid_t)-1 : s->owner, gid,
		     AT_SYMLINK_NOFOLLOW) ||
	    fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW)) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s permissions: %s", s->path,
			 strerror(-err));
		goto fail_unlink;
	}
	if (!S_ISSOCK(st.st_mode) || (st.st_mode & 07777) != mode) {
		keel_log(
			LOG_ERR,
			"control socket %s: not the socket just made (mode %04o)",
			s->path, (unsigned int)(st.st_mode & 07777));
		err = -EPERM;
		goto fail_unlink;
	}
	if (s->admin_gid == (gid_t)-1)
		s->admin_gid = st.st_gid;
	s->l = evconnlistener_new(base, keel_ctlsock_on_accept, s,
				  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				  KEEL_CTLSOCK_BACKLOG, fd);
	if (!s->l) {
		err = errno ? -errno : -EIO;
		keel_log(LOG_ERR, "control socket %s: %s", s->path,
			 strerror(-err));
		goto fail_unlink;
	}
	return 0;
fail_unlink:
	unlinkat(s->dirfd, s->name, 0);
fail:
	close(fd);
	return err;
}

/* A group by name into *gid (and its name into name): -ENOENT if none. */
static int keel_ctlsock_group(const char *group, gid_t *gid, char *name,
			      size_t size)
{
	struct group *g;

	if (!group || !group[0])
		return 0;
	g = getgrnam(group);
	if (!g) {
		keel_log(LOG_ERR, "control group %s does not exist", group);
		return -ENOENT;
	}
	*gid = g->gr_gid;
	snprintf(name, size, "%s", group);
	return 0;
}

int keel_ctlsock_start(struct event_base *base,
		       const struct keel_ctlsock_cfg *cfg,
		       struct keel_ctlsock **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	unsigned int idle_ms = cfg->idle_ms ?: KEEL_CTLSOCK_IDLE_MS;
	struct keel_ctlsock *s = NULL;
	char name[sizeof(s->path) + 32];
	struct group *g;
	gid_t fs_gid;
	int err;

	if (strlen(cfg->path) >= sizeof(sun.sun_path)) {
		keel_log(LOG_ERR, "control socket %s: path too long",
			 cfg->path);
		return -ENAMETOOLONG;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->dirfd = -1;
	TAILQ_INIT(&s->conns);
	s->admin_gid = cfg->gid;
	s->read_gid = (gid_t)-1;
	err = keel_ctlsock_group(cfg->group, &s->admin_gid, s->admin_group,
				 sizeof(s->admin_group));
	if (!err)
		err = keel_ctlsock_group(cfg->read_group, &s->read_gid,
					 s->read_group, sizeof(s->read_group));
	if (err)
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", cfg->path);
	memcpy(sun.sun_path, s->path, sizeof(sun.sun_path));
	s->owner = cfg->uid == (uid_t)-1 ? geteuid() : cfg->uid;
	s->line_max = cfg->line_max ?: KEEL_CTL_MSG_MAX;
	s->idle.tv_sec = idle_ms / 1000;
	s->idle.tv_usec = (idle_ms % 1000) * 1000;
	s->request_ms = cfg->request_ms ?: KEEL_CTLSOCK_REQUEST_MS;
	s->request.tv_sec = s->request_ms / 1000;
	s->request.tv_usec = (s->request_ms % 1000) * 1000;
	s->max_conns = cfg->max_conns ?: KEEL_CTLSOCK_CONNS;
	s->cand = calloc(s->max_conns, sizeof(*s->cand));
	if (!s->cand) {
		err = -ENOMEM;
		goto fail;
	}
	s->handle = cfg->handle;
	s->arg = cfg->arg;
	s->rl.interval_ms = 5000;
	s->rl.burst = 5;
	s->rl_deny.interval_ms = 10000;
	s->rl_deny.burst = 5;
	/* Everyone with a role must reach the socket: the read group's. */
	fs_gid = s->read_gid != (gid_t)-1 ? s->read_gid : s->admin_gid;
	err = keel_ctlsock_dir(s, fs_gid);
	if (!err)
		err = keel_ctlsock_clear(s, &sun);
	if (!err)
		err = keel_ctlsock_listen(s, base, &sun, fs_gid,
					  cfg->mode ?: 0660);
	if (err)
		goto fail;
	if (!s->admin_group[0]) {
		g = getgrgid(s->admin_gid);
		if (g)
			snprintf(s->admin_group, sizeof(s->admin_group), "%s",
				 g->gr_name);
		else
			snprintf(s->admin_group, sizeof(s->admin_group),
				 "gid %u", (unsigned int)s->admin_gid);
	}
	snprintf(name, sizeof(name), "control socket %s", s->path);
	err = keel_listen_init(&s->lg, base, s->l, name);
	if (err) {
		evconnlistener_free(s->l);
		unlinkat(s->dirfd, s->name, 0);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->cand);
	free(s);
	return err;
}

void keel_ctlsock_stop(struct keel_ctlsock *s)
{
	if (!s)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		keel_ctlsock_conn_free(TAILQ_FIRST(&s->conns));
	keel_listen_fini(&s->lg);
	evconnlistener_free(s->l);
	/* After a privilege drop this may be refused: a later start
	 * replaces a socket nobody serves. */
	unlinkat(s->dirfd, s->name, 0);
	close(s->dirfd);
	free(s->cand);
	free(s);
}

const struct keel_listen_stats *keel_ctlsock_stats(const struct keel_ctlsock *s)
{
	return &s->lg.st;
}
