// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_ctl.c - the agent's control socket, both ends.  A bad request is
 * answered with an error and logged (rate-limited); the connection and
 * other clients go on.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
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
#include <sodium.h>

#include "keel_ctl.h"
#include "keel_log.h"
#include "lb_addr.h"
#include "ra_ctl.h"
#include "rs_agent.h"

#define RA_CTL_LINE_MAX 4096 /* a request is a few bytes */
#define RA_CTL_ANSWER_MAX (1U << 20)

struct ra_ctl {
	struct ra_agent *a;
	struct evconnlistener *l;
	char path[RA_CFG_SUN_PATH_MAX];
	struct keel_ratelimit rl;
};

static char *ra_ctl_line(json_t *o)
{
	char *text, *line;
	size_t n;

	if (!o)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
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

static char *ra_ctl_err(enum keel_ctl_code code, const char *msg)
{
	char *out = malloc(1024);

	if (out && keel_ctl_err_encode(code, msg, out, 1024) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

static const char *ra_ctl_state_name(uint8_t st)
{
	switch (st) {
	case KEEL_RS_UP:
		return "up";
	case KEEL_RS_DOWN:
		return "down";
	case KEEL_RS_DRAINING:
		return "draining";
	default:
		return "unknown";
	}
}

static json_t *ra_ctl_status(struct ra_agent *a)
{
	json_t *o, *svcs, *lbs, *s;
	char real[48], boot[2 * KEEL_REPORT_BOOT_ID_LEN + 1];
	__be32 w[4];
	size_t i;

	memcpy(w, a->cfg->real.addr, 16);
	lb_addr_format(a->cfg->real.family, w, real, sizeof(real));
	sodium_bin2hex(boot, sizeof(boot), a->tx.boot_id,
		       sizeof(a->tx.boot_id));
	svcs = json_array();
	lbs = json_array();
	for (i = 0; svcs && i < a->n_svc; i++) {
		const struct ra_svc *v = &a->svc[i];

		s = json_pack("{ss ss ss ss sI}", "service", v->name, "state",
			      ra_ctl_state_name(ra_agent_svc_state(a, v)),
			      "check", ra_ctl_state_name(v->check_state),
			      "detail",
			      v->vip_failed ? v->vip_error : v->detail, "conns",
			      (json_int_t)v->conns);
		if (s && v->vip_failed)
			json_object_set_new(s, "vip_error",
					    json_string(v->vip_error));
		json_array_append_new(svcs, s);
	}
	for (i = 0; lbs && i < a->tx.n_lbs; i++) {
		const struct ra_report_lb *lb = &a->tx.lbs[i];

		s = json_pack("{ss sI sI}", "lb", lb->name, "sent",
			      (json_int_t)lb->sent, "errors",
			      (json_int_t)lb->errors);
		if (s && lb->failing)
			json_object_set_new(
				s, "last_error",
				json_string(strerror(-lb->last_err)));
		json_array_append_new(lbs, s);
	}
	o = json_pack("{ss ss sb sb sI sI sf so so}", "real", real, "boot_id",
		      boot, "draining", a->draining, "stopping", a->stopping,
		      "seq", (json_int_t)a->tx.seq, "interval_ms",
		      (json_int_t)a->cfg->interval_ms, "load", a->load / 1000.0,
		      "services", svcs ? svcs : json_null(), "lbs",
		      lbs ? lbs : json_null());
	if (o)
		json_object_set_new(o, "ok", json_true());
	return o;
}

char *ra_ctl_handle(struct ra_agent *a, const char *line, size_t len)
{
	const char *cmd, *key;
	json_error_t jerr;
	json_t *req, *v;
	char msg[512];
	char *out = NULL;
	int err;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(msg, sizeof(msg), "not JSON: %s", jerr.text);
		return ra_ctl_err(KEEL_CTL_E_BAD_REQUEST, msg);
	}
	if (!json_is_object(req)) {
		out = ra_ctl_err(KEEL_CTL_E_BAD_REQUEST,
				 "a request is a JSON object");
		goto out;
	}
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "cmd")) {
			snprintf(msg, sizeof(msg), "unknown member \"%.64s\"",
				 key);
			out = ra_ctl_err(KEEL_CTL_E_BAD_REQUEST, msg);
			goto out;
		}
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		out = ra_ctl_err(KEEL_CTL_E_BAD_REQUEST,
				 "\"cmd\" (a string) is required");
		goto out;
	}
	if (strcmp(cmd, "status") == 0) {
		out = ra_ctl_line(ra_ctl_status(a));
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0) {
		bool on = cmd[0] == 'd';

		if (!on && a->stopping) {
			out = ra_ctl_err(
				KEEL_CTL_E_INVALID,
				"the agent is stopping (SIGTERM): it stays drained");
			goto out;
		}
		err = ra_agent_set_drain(a, on);
		if (err) {
			snprintf(msg, sizeof(msg), "%s: %s", a->drain_file,
				 strerror(-err));
			out = ra_ctl_err(KEEL_CTL_E_INTERNAL, msg);
			goto out;
		}
		out = ra_ctl_line(
			json_pack("{sb sb}", "ok", 1, "draining", a->draining));
	} else {
		snprintf(msg, sizeof(msg),
			 "unknown cmd \"%.64s\" (status, drain, undrain)", cmd);
		out = ra_ctl_err(KEEL_CTL_E_BAD_REQUEST, msg);
	}
out:
	json_decref(req);
	return out;
}

static uint64_t ra_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ra_ctl_write(struct bufferevent *bev, struct ra_ctl *c, char *resp)
{
	uint64_t n = 0;

	if (!resp)
		return;
	if (strncmp(resp, "{\"ok\":false", 11) == 0 &&
	    keel_ratelimit_ok(&c->rl, ra_ctl_now_ms(), &n))
		keel_log(
			LOG_NOTICE,
			"control socket: refused a request: %.*s (%llu similar suppressed)",
			(int)strcspn(resp, "\n"), resp, (unsigned long long)n);
	bufferevent_write(bev, resp, strlen(resp));
	free(resp);
}

static void ra_ctl_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct ra_ctl *c = arg;
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		ra_ctl_write(bev, c, ra_ctl_handle(c->a, line, len));
		free(line);
	}
	if (evbuffer_get_length(in) > RA_CTL_LINE_MAX) {
		ra_ctl_write(bev, c,
			     ra_ctl_err(KEEL_CTL_E_BAD_REQUEST,
					"request longer than 4096 bytes"));
		evbuffer_drain(in, evbuffer_get_length(in));
		bufferevent_disable(bev, EV_READ);
	}
}

static void ra_ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void ra_ctl_accept(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent *bev;

	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
				     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, ra_ctl_read, NULL, ra_ctl_event, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int ra_ctl_start(struct ra_agent *a, struct ra_ctl **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = a->cfg->ctl_socket;
	struct ra_ctl *c;
	char dir[sizeof(sun.sun_path)], *slash;
	gid_t gid = 0;
	int err;

	if (a->cfg->ctl_group[0]) {
		struct group *g = getgrnam(a->cfg->ctl_group);

		if (!g) {
			keel_log(LOG_ERR, "control group %s does not exist",
				 a->cfg->ctl_group);
			return -ENOENT;
		}
		gid = g->gr_gid;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->a = a;
	c->rl.interval_ms = 5000;
	c->rl.burst = 5;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			err = -errno;
			keel_log(LOG_ERR, "control socket directory %s: %s",
				 dir, strerror(-err));
			goto fail;
		}
	}
	/* A socket left by an agent that crashed is ours to replace. */
	unlink(path);
	c->l = evconnlistener_new_bind(
		a->base, ra_ctl_accept, c,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
		(struct sockaddr *)&sun, sizeof(sun));
	if (!c->l) {
		err = errno ? -errno : -EIO;
		keel_log(LOG_ERR, "control socket %s: %s", path,
			 strerror(-err));
		goto fail;
	}
	if (chown(path, (uid_t)-1, a->cfg->ctl_group[0] ? gid : (gid_t)-1) ||
	    chmod(path, 0660)) {
		err = -errno;
		keel_log(LOG_ERR, "control socket %s permissions: %s", path,
			 strerror(-err));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	ra_ctl_stop(c);
	return err;
}

void ra_ctl_stop(struct ra_ctl *c)
{
	if (!c)
		return;
	if (c->l) {
		evconnlistener_free(c->l);
		unlink(c->path);
	}
	free(c);
}

/* ---- client ---- */

static int ra_ctl_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > INT_MAX ? INT_MAX : (int)ms;
}

static int ra_ctl_wait(const struct timespec *deadline, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ms, n;

	for (;;) {
		ms = ra_ctl_ms_left(deadline);
		if (!ms)
			return -ETIMEDOUT;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Send req, read one line into *line (malloc'ed, NUL instead of '\n'). */
static int ra_ctl_exchange(const char *path, const char *req,
			   const struct timespec *deadline, char **linep)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t cap = 65536, len = 0, off = 0, rlen = strlen(req);
	char *buf = NULL, *bigger, *nl;
	int fd, err;
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		/* A full backlog: busy, not gone. */
		if (err != -EAGAIN || !ra_ctl_ms_left(deadline))
			goto out;
		poll(NULL, 0, 10);
	}
	while (off < rlen) {
		n = send(fd, req + off, rlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			err = -errno;
			goto out;
		}
		if (n < 0) {
			err = ra_ctl_wait(deadline, fd, POLLOUT);
			if (err)
				goto out;
			continue;
		}
		off += n;
	}
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= RA_CTL_ANSWER_MAX) {
				err = -EMSGSIZE;
				goto out;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger) {
				err = -ENOMEM;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			err = -errno;
			goto out;
		}
		if (n < 0) {
			err = ra_ctl_wait(deadline, fd, POLLIN);
			if (err)
				goto out;
			continue;
		}
		if (n == 0) {
			err = len ? -EPROTO : -ENODATA;
			goto out;
		}
		nl = memchr(buf + len, '\n', n);
		len += n;
		if (nl) {
			*nl = '\0';
			*linep = buf;
			buf = NULL;
			err = 0;
			goto out;
		}
	}
out:
	free(buf);
	close(fd);
	return err;
}

int ra_ctl_request(const char *path, const char *cmd, double timeout_s,
		   json_t **answer, char *msg, size_t msglen)
{
	struct timespec deadline;
	json_error_t jerr;
	long long ns;
	char req[64], *line = NULL;
	json_t *a;
	int err;

	*answer = NULL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ns = deadline.tv_nsec + (long long)(timeout_s * 1e9);
	deadline.tv_sec += ns / 1000000000;
	deadline.tv_nsec = ns % 1000000000;
	snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);
	err = ra_ctl_exchange(path, req, &deadline, &line);
	if (err) {
		snprintf(msg, msglen, "cannot reach the agent at %s: %s", path,
			 err == -ETIMEDOUT ? "no answer in time" :
			 err == -ENODATA   ? "closed without an answer" :
			 err == -EPROTO ? "closed in the middle of an answer" :
					  strerror(-err));
		return RA_CTL_UNREACHABLE;
	}
	a = json_loads(line, 0, &jerr);
	free(line);
	if (!json_is_boolean(json_object_get(a, "ok"))) {
		snprintf(msg, msglen, "bad answer from the agent at %s: %s",
			 path, a ? "no \"ok\" member" : jerr.text);
		json_decref(a);
		return RA_CTL_UNREACHABLE;
	}
	*answer = a;
	if (json_is_false(json_object_get(a, "ok"))) {
		snprintf(msg, msglen, "refused: %s: %s",
			 json_string_value(json_object_get(a, "code")) ?: "?",
			 json_string_value(json_object_get(a, "error")) ?: "");
		return RA_CTL_REFUSED;
	}
	return RA_CTL_OK;
}
