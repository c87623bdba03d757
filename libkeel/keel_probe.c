/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe - one interface over the probe types (keel_probe_tcp.c,
 * keel_probe_http.c, keel_probe_cmd.c): validation, the timeout, delivery
 * of the result from the loop; and keel_check, a periodic probe through
 * rise/fall.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>

#include "keel_clock.h"
#include "keel_health.h"
#include "keel_log.h"
#include "keel_maps.h"
#include "keel_probe_int.h"

/* Process-wide: every check of a daemon shares the descriptors. */
static uint64_t probe_not_run;
static struct keel_ratelimit probe_not_run_rl = { .interval_ms = 10000,
						  .burst = 5 };

uint64_t keel_probe_not_run(void)
{
	return probe_not_run;
}

bool keel_probe_errno_local(int err)
{
	switch (err) {
	case EMFILE: /* descriptors, this process's or the system's */
	case ENFILE:
	case ENOBUFS: /* memory */
	case ENOMEM:
	case EAGAIN: /* no process, or no local port */
	case EADDRNOTAVAIL:
	case EACCES: /* a local policy (netfilter, LSM) refused it */
	case EPERM:
		return true;
	default:
		return false;
	}
}

/* Counted and logged, rate-limited: "probe of WHAT not run: WHY". */
static void probe_not_run_note(const struct keel_probe_spec *s, const char *why)
{
	char what[INET6_ADDRSTRLEN + 16];
	uint64_t n = 0;

	probe_not_run++;
	if (!keel_ratelimit_ok(&probe_not_run_rl, keel_now_ms(), &n))
		return;
	if (s->type == KEEL_PROBE_CMD) {
		snprintf(what, sizeof(what), "command");
	} else {
		char a[INET6_ADDRSTRLEN] = "?";

		inet_ntop(s->family == KEEL_F_INET6 ? AF_INET6 : AF_INET,
			  s->addr, a, sizeof(a));
		snprintf(what, sizeof(what),
			 s->family == KEEL_F_INET6 ? "[%s]:%u" : "%s:%u", a,
			 s->port);
	}
	keel_log(
		LOG_WARNING,
		"probe of %s not run: %s: no verdict, the last one stands (%llu similar suppressed)",
		what, why, (unsigned long long)n);
}

static bool str_ok(const char *s, size_t size, bool (*ok)(unsigned char))
{
	const char *end = memchr(s, '\0', size);

	if (!end)
		return false;
	for (; s < end; s++)
		if (!ok((unsigned char)*s))
			return false;
	return true;
}

/* A request-target (RFC 9112 section 3.2) or Host value: visible ASCII. */
static bool visible(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static bool any(unsigned char c)
{
	(void)c;
	return true;
}

static bool addr_ok(uint8_t family, const uint8_t *addr)
{
	static const uint8_t zero[12];

	if (family == KEEL_F_INET6)
		return true;
	return family == KEEL_F_INET && !memcmp(addr + 4, zero, sizeof(zero));
}

int keel_probe_spec_check(const struct keel_probe_spec *s)
{
	if (s->timeout_ms < 1 || s->timeout_ms > KEEL_PROBE_TIMEOUT_MAX)
		return -EINVAL;
	switch (s->type) {
	case KEEL_PROBE_TCP:
	case KEEL_PROBE_HTTP:
		if (!addr_ok(s->family, s->addr) || !s->port)
			return -EINVAL;
		if (s->src_family && (s->src_family != s->family ||
				      !addr_ok(s->src_family, s->src_addr)))
			return -EINVAL;
		if (s->type == KEEL_PROBE_TCP)
			return 0;
		if (!str_ok(s->path, sizeof(s->path), visible) ||
		    (s->path[0] && s->path[0] != '/'))
			return -EINVAL;
		if (!str_ok(s->host, sizeof(s->host), visible))
			return -EINVAL;
		if (!s->status_min && !s->status_max)
			return 0;
		if (s->status_min < 100 || s->status_min > s->status_max ||
		    s->status_max > 599)
			return -EINVAL;
		return 0;
	case KEEL_PROBE_CMD:
		if (!str_ok(s->cmd, sizeof(s->cmd), any) || !s->cmd[0])
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

socklen_t keel_probe_sockaddr(const struct keel_probe_spec *s, bool src,
			      struct sockaddr_storage *ss)
{
	uint8_t family = src ? s->src_family : s->family;
	const uint8_t *addr = src ? s->src_addr : s->addr;
	uint16_t port = src ? 0 : s->port;

	memset(ss, 0, sizeof(*ss));
	if (family == KEEL_F_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, addr, 16);
	return sizeof(*s6);
}

void keel_probe_done(struct keel_probe *p, enum keel_probe_result res,
		     const char *fmt, ...)
{
	va_list ap;

	if (p->done)
		return;
	p->done = true;
	p->res = res;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	/* Deliver from the loop, outside whatever callback we are in. */
	event_del(p->ev);
	event_active(p->ev, EV_WRITE, 0);
}

static void probe_free(struct keel_probe *p)
{
	p->ops->stop(p);
	event_free(p->ev);
	free(p);
}

/* The timeout (EV_TIMEOUT, not done yet) or the result (done). */
static void probe_ev(evutil_socket_t fd, short what, void *arg)
{
	struct keel_probe *p = arg;
	char detail[KEEL_PROBE_DETAIL_MAX];
	keel_probe_cb cb = p->cb;
	void *cb_arg = p->arg;
	enum keel_probe_result res;

	(void)fd;
	(void)what;
	if (!p->done) {
		p->done = true;
		p->res = KEEL_PROBE_FAILED;
		snprintf(p->detail, sizeof(p->detail), "timeout %ums",
			 p->spec.timeout_ms);
	}
	res = p->res;
	if (res == KEEL_PROBE_NOT_RUN) {
		probe_not_run_note(&p->spec, p->detail);
		snprintf(detail, sizeof(detail), "not run: %.*s",
			 (int)sizeof(detail) - 10, p->detail);
	} else {
		memcpy(detail, p->detail, sizeof(detail));
	}
	/* Freed first: the callback may start or cancel anything. */
	probe_free(p);
	cb(cb_arg, res, detail);
}

struct keel_probe *keel_probe_run(struct event_base *base,
				  const struct keel_probe_spec *spec,
				  keel_probe_cb cb, void *arg)
{
	struct timeval tv;
	struct keel_probe *p;
	int err;

	err = keel_probe_spec_check(spec);
	if (err)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		err = -ENOMEM;
		goto not_run;
	}
	p->base = base;
	p->spec = *spec;
	p->cb = cb;
	p->arg = arg;
	switch (spec->type) {
	case KEEL_PROBE_TCP:
		p->ops = &keel_probe_tcp_ops;
		p->u.tcp.fd = -1;
		break;
	case KEEL_PROBE_HTTP:
		p->ops = &keel_probe_http_ops;
		if (!p->spec.path[0])
			strcpy(p->spec.path, "/");
		if (!p->spec.status_min && !p->spec.status_max) {
			p->spec.status_min = 200;
			p->spec.status_max = 399;
		}
		break;
	default:
		p->ops = &keel_probe_cmd_ops;
		p->u.cmd.pid = 0;
		p->u.cmd.pidfd = -1;
		break;
	}
	p->ev = event_new(base, -1, 0, probe_ev, p);
	if (!p->ev) {
		free(p);
		err = -ENOMEM;
		goto not_run;
	}
	tv.tv_sec = spec->timeout_ms / 1000;
	tv.tv_usec = spec->timeout_ms % 1000 * 1000;
	if (event_add(p->ev, &tv)) {
		err = -ENOMEM;
		goto out_free;
	}
	err = p->ops->start(p);
	if (err)
		goto out_free;
	return p;
out_free:
	probe_free(p);
not_run:
	/* A valid spec the prober could not act on: its own trouble. */
	probe_not_run_note(spec, strerror(-err));
fail:
	errno = -err;
	return NULL;
}

void keel_probe_cancel(struct keel_probe *p)
{
	if (p)
		probe_free(p);
}

struct keel_check {
	struct event_base *base;
	struct keel_probe_spec spec;
	struct timeval interval;
	struct keel_risefall rf;
	keel_check_cb cb;
	void *arg;
	struct event *tick;
	struct keel_probe *probe; /* in flight, or NULL */
	bool held; /* the last probe was not run */
	char detail[KEEL_PROBE_DETAIL_MAX];
};

/*
 * Last thing its callers do: the callback may free c.  A probe not run is
 * no result: rise/fall never sees it, the state stands.
 */
static void check_result(struct keel_check *c, enum keel_probe_result res)
{
	bool was = c->held;

	c->held = res == KEEL_PROBE_NOT_RUN;
	if (c->held) {
		if (!was)
			c->cb(c->arg, c->rf.state, c->detail);
		return;
	}
	if (keel_rf_feed(&c->rf, res == KEEL_PROBE_PASSED) || was)
		c->cb(c->arg, c->rf.state, c->detail);
}

static void check_probed(void *arg, enum keel_probe_result res,
			 const char *detail)
{
	struct keel_check *c = arg;

	c->probe = NULL;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
	check_result(c, res);
}

static void check_tick(evutil_socket_t fd, short what, void *arg)
{
	struct keel_check *c = arg;

	(void)fd;
	(void)what;
	evtimer_add(c->tick, &c->interval);
	/* A probe slower than the interval is let finish, not doubled. */
	if (c->probe)
		return;
	c->probe = keel_probe_run(c->base, &c->spec, check_probed, c);
	if (c->probe)
		return;
	/* No socket, memory or process: nothing learnt of the service. */
	snprintf(c->detail, sizeof(c->detail), "not run: %s", strerror(errno));
	check_result(c, KEEL_PROBE_NOT_RUN);
}

struct keel_check *keel_check_new(struct event_base *base,
				  const struct keel_probe_spec *spec,
				  uint32_t interval_ms, uint16_t rise,
				  uint16_t fall, keel_check_cb cb, void *arg)
{
	static const struct timeval now = { 0, 0 };
	struct keel_check *c;
	int err;

	err = keel_probe_spec_check(spec);
	if (err)
		goto fail;
	if (interval_ms < KEEL_CHECK_INTERVAL_MIN ||
	    interval_ms > KEEL_CHECK_INTERVAL_MAX) {
		err = -EINVAL;
		goto fail;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		err = -ENOMEM;
		goto fail;
	}
	err = keel_rf_init(&c->rf, rise, fall);
	if (err)
		goto out_free;
	c->base = base;
	c->spec = *spec;
	c->interval.tv_sec = interval_ms / 1000;
	c->interval.tv_usec = interval_ms % 1000 * 1000;
	c->cb = cb;
	c->arg = arg;
	c->tick = evtimer_new(base, check_tick, c);
	if (!c->tick) {
		err = -ENOMEM;
		goto out_free;
	}
	/* The first probe at once, from the loop. */
	if (evtimer_add(c->tick, &now)) {
		err = -ENOMEM;
		goto out_free;
	}
	return c;
out_free:
	if (c->tick)
		event_free(c->tick);
	free(c);
fail:
	errno = -err;
	return NULL;
}

void keel_check_free(struct keel_check *c)
{
	if (!c)
		return;
	keel_probe_cancel(c->probe);
	event_free(c->tick);
	free(c);
}

uint8_t keel_check_state(const struct keel_check *c)
{
	return c->rf.state;
}

const char *keel_check_detail(const struct keel_check *c)
{
	return c->detail;
}

bool keel_check_held(const struct keel_check *c)
{
	return c->held;
}
