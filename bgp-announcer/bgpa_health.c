// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_health.c - health gating (docs/bgp-announcer.md, "Health gating").
 *
 * Every lbd.interval a tick: the disable file is looked at, and lbd's
 * control socket is asked for its status (non-blocking connect, one
 * request line, one answer line within lbd.timeout; a poll still running
 * is never doubled).  Each finished poll (or, without lbd:, each tick) is
 * one sample per prefix: good when lbd answered, its data plane is
 * attached, every service the prefix depends on has min_up reals UP and
 * usable, and the prefix's own probe (if any) is UP.  rise good samples
 * in a row make the prefix UP, fall bad ones DOWN.  The disable file and
 * lbd's site drain make it DISABLED at once, without waiting for fall.
 *
 * Fail safe: a bad sample because lbd failed (unreachable, silent,
 * garbage), its data plane is not attached, or the probe is down
 * withdraws the prefix whatever down: says; nothing is announced before
 * the first UP verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "bgpa.h"
#include "keel_ctl.h"
#include "keel_probe.h"
#include "lb_addr.h"

/* lbctl reads status answers of up to 16 MiB: so do we. */
#define GATE_ANSWER_MAX (16u << 20)

static const char *const gate_poll_names[BGPA_POLL__MAX] = {
	[BGPA_POLL_OK] = "ok",
	[BGPA_POLL_CONNECT] = "connect",
	[BGPA_POLL_TIMEOUT] = "timeout",
	[BGPA_POLL_CLOSED] = "closed",
	[BGPA_POLL_BAD_ANSWER] = "bad_answer",
};

const char *bgpa_poll_result_name(enum bgpa_poll_result r)
{
	return (unsigned int)r < BGPA_POLL__MAX ? gate_poll_names[r] : "?";
}

static bool gate_is_gated(const struct bgpa *b, const struct bgpa_cfg_prefix *c)
{
	return b->cfg.has_lbd || c->probe.set;
}

__attribute__((format(printf, 3, 4))) static void
gate_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* ---- one sample per prefix ---- */

struct gate_sample {
	bool ok;
	bool failsafe; /* bad, and withdraw whatever down: says */
	char reason[BGPA_REASON_MAX];
};

static bool gate_in_prefix(const struct keel_vip_key *k,
			   const struct bgp_prefix *p)
{
	const uint8_t *a = (const uint8_t *)k->addr;
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (k->family != (p->afi == BGP_AFI_IPV4 ? KEEL_F_INET : KEEL_F_INET6))
		return false;
	if (memcmp(a, p->addr, full))
		return false;
	return !rest || !((a[full] ^ p->addr[full]) & (0xff << (8 - rest)));
}

static const struct bgpa_lbd_svc *gate_svc_find(const struct bgpa_health *h,
						const struct keel_vip_key *k)
{
	size_t i;

	for (i = 0; i < h->n_svcs; i++)
		if (!memcmp(&h->svcs[i].key, k, sizeof(*k)))
			return &h->svcs[i];
	return NULL;
}

/* One service against min_up; false with the reason when short. */
static bool gate_svc_ok(const struct bgpa_health *h,
			const struct keel_vip_key *k, uint32_t min_up,
			char *why, size_t size, unsigned int *up)
{
	const struct bgpa_lbd_svc *s = gate_svc_find(h, k);
	char name[80] = "?";

	lb_vip_format(k, name, sizeof(name));
	if (!s) {
		gate_fmt(why, size, "%s is not in lbd's configuration", name);
		return false;
	}
	*up = s->up;
	if (s->up < min_up) {
		gate_fmt(why, size, "%s has %u of min %u reals up", name, s->up,
			 min_up);
		return false;
	}
	return true;
}

static void gate_sample_lbd(const struct bgpa *b,
			    const struct bgpa_cfg_prefix *c,
			    struct gate_sample *s)
{
	const struct bgpa_health *h = &b->health;
	unsigned int n = 0, up = 0, min = ~0u, u;
	char pfx[64], name[80];
	size_t i;

	if (!h->lbd_ok) {
		s->failsafe = true;
		gate_fmt(s->reason, sizeof(s->reason), "%s", h->lbd_error);
		return;
	}
	if (!h->attached) {
		s->failsafe = true;
		gate_fmt(s->reason, sizeof(s->reason),
			 "lbd's data plane is not attached%s%s",
			 h->detached[0] ? ": " : "", h->detached);
		return;
	}
	if (c->has_services) {
		for (i = 0; i < c->n_services; i++) {
			if (!gate_svc_ok(h, &c->services[i], c->min_up,
					 s->reason, sizeof(s->reason), &u))
				return;
			n++;
			up += u;
			min = u < min ? u : min;
		}
	} else {
		for (i = 0; i < h->n_svcs; i++) {
			if (!gate_in_prefix(&h->svcs[i].key, &c->pfx))
				continue;
			if (!gate_svc_ok(h, &h->svcs[i].key, c->min_up,
					 s->reason, sizeof(s->reason), &u))
				return;
			n++;
			up += u;
			min = u < min ? u : min;
			if (n == 1)
				lb_vip_format(&h->svcs[i].key, name,
					      sizeof(name));
		}
		if (!n) {
			bgpa_prefix_str(&c->pfx, pfx, sizeof(pfx));
			gate_fmt(s->reason, sizeof(s->reason),
				 "lbd has no service inside %s", pfx);
			return;
		}
	}
	s->ok = true;
	if (n == 1 && !c->has_services)
		gate_fmt(s->reason, sizeof(s->reason), "%s: %u reals up", name,
			 up);
	else if (n == 1)
		gate_fmt(s->reason, sizeof(s->reason), "%u reals up", up);
	else
		gate_fmt(s->reason, sizeof(s->reason),
			 "%u services, each with at least %u reals up", n, min);
}

static void gate_sample(const struct bgpa *b, const struct bgpa_prefix *x,
			const struct bgpa_cfg_prefix *c, struct gate_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (b->cfg.has_lbd) {
		gate_sample_lbd(b, c, s);
		if (!s->ok)
			return;
	}
	if (c->probe.set) {
		const struct bgpa_gate_probe *p = x->g.probe;
		const char *d = p && p->check ? keel_check_detail(p->check) :
						"";
		uint8_t st = p ? p->state : KEEL_RS_UNKNOWN;

		if (st != KEEL_RS_UP) {
			s->ok = false;
			s->failsafe = true;
			gate_fmt(s->reason, sizeof(s->reason), "probe %s: %s",
				 st == KEEL_RS_DOWN ? "down" : "no verdict yet",
				 d[0] ? d : "not run yet");
			return;
		}
		if (!b->cfg.has_lbd)
			gate_fmt(s->reason, sizeof(s->reason), "probe up: %s",
				 d);
	}
	s->ok = true;
}

/* rise/fall over the samples. */
static void gate_feed(struct bgpa_gate *g, const struct bgpa_cfg_prefix *c,
		      const struct gate_sample *s)
{
	if (s->ok) {
		g->bad_run = 0;
		if (g->ok_run < UINT16_MAX)
			g->ok_run++;
		snprintf(g->ok_reason, sizeof(g->ok_reason), "%s", s->reason);
		if (!g->healthy && g->ok_run >= c->rise) {
			g->healthy = true;
			g->verdict = true;
		}
		return;
	}
	g->ok_run = 0;
	if (g->bad_run < UINT16_MAX)
		g->bad_run++;
	snprintf(g->bad_reason, sizeof(g->bad_reason), "%s", s->reason);
	g->bad_failsafe = s->failsafe;
	if (g->bad_run >= c->fall) {
		g->healthy = false;
		g->verdict = true;
	}
}

/* ---- the state of each prefix ---- */

/* The state, withdraw flag and reason the prefix should have now. */
static void gate_decide(const struct bgpa *b, const struct bgpa_prefix *x,
			const struct bgpa_cfg_prefix *c, uint64_t now_ms,
			enum bgpa_pstate *st, bool *withdraw, char *why,
			size_t size)
{
	const struct bgpa_health *h = &b->health;
	const struct bgpa_gate *g = &x->g;

	*withdraw = false;
	*st = BGPA_P_DISABLED;
	if (!c->announce) {
		gate_fmt(why, size, "announce: false in the configuration");
	} else if (h->disable_exists) {
		gate_fmt(why, size, "disable file %s exists",
			 b->cfg.disable_file);
	} else if (h->drained) {
		gate_fmt(why, size, "site drained%s%s",
			 h->drain_reason[0] ? ": " : "", h->drain_reason);
	} else if (!g->gated) {
		*st = BGPA_P_UP;
		gate_fmt(why, size, "not health-gated (no lbd: or probe:)");
		return;
	} else if (!g->verdict) {
		*st = BGPA_P_DOWN;
		*withdraw = true;
		gate_fmt(why, size, "waiting for the first verdict%s%s",
			 g->ok_run  ? "" :
			 g->bad_run ? ": " :
				      "",
			 g->ok_run ? "" : g->bad_reason);
		return;
	} else if (g->healthy) {
		*st = BGPA_P_UP;
		if (g->bad_run)
			gate_fmt(why, size, "%s (%u of fall %u bad: %s)",
				 g->ok_reason, g->bad_run, c->fall,
				 g->bad_reason);
		else
			gate_fmt(why, size, "%s", g->ok_reason);
		return;
	} else {
		*st = BGPA_P_DOWN;
		*withdraw = g->bad_failsafe;
		if (g->ok_run)
			gate_fmt(why, size, "%s (%u of rise %u good)",
				 g->bad_reason, g->ok_run, c->rise);
		else
			gate_fmt(why, size, "%s", g->bad_reason);
		return;
	}
	/*
	 * DISABLED: its action (e.g. graceful_shutdown) only while the site
	 * could serve, and only for disabled_withdraw_after if set.
	 */
	if (g->gated && !(g->verdict && g->healthy))
		*withdraw = true;
	if (c->disabled_withdraw_after_ms && x->state == BGPA_P_DISABLED &&
	    now_ms - g->disabled_ms >= c->disabled_withdraw_after_ms) {
		*withdraw = true;
		if (strlen(why) + 32 < size)
			gate_fmt(why + strlen(why), size - strlen(why),
				 ", withdrawn after %ums",
				 c->disabled_withdraw_after_ms);
	}
}

/* Apply gate_decide to every prefix; log changes; one sync. */
static void gate_evaluate(struct bgpa *b)
{
	uint64_t now_ms = bgpa_now_ms();
	time_t now = time(NULL);
	bool changed = false;
	char pfx[64];
	size_t i;

	if (b->n_prefixes != b->cfg.n_prefixes)
		return; /* mid-reload */
	for (i = 0; i < b->n_prefixes; i++) {
		struct bgpa_prefix *x = &b->prefixes[i];
		const struct bgpa_cfg_prefix *c = &b->cfg.prefixes[i];
		enum bgpa_pstate st;
		bool wd;
		char why[BGPA_REASON_MAX];

		gate_decide(b, x, c, now_ms, &st, &wd, why, sizeof(why));
		snprintf(x->g.reason, sizeof(x->g.reason), "%s", why);
		if (st == x->state && wd == x->g.withdraw)
			continue;
		if (st == BGPA_P_DISABLED && x->state != BGPA_P_DISABLED)
			x->g.disabled_ms = now_ms;
		if (st != x->state)
			x->g.changes++;
		x->state = st;
		x->g.withdraw = wd;
		x->g.since = now;
		changed = true;
		bgpa_prefix_str(&x->pfx, pfx, sizeof(pfx));
		keel_log(st == BGPA_P_UP ? LOG_NOTICE : LOG_WARNING,
			 "prefix %s: %s, %s: %s", pfx, bgpa_pstate_name(st),
			 !wd && x->announce[st] ? "announced" : "withdrawn",
			 why);
	}
	if (changed)
		bgpa_rib_sync_all(b);
}

static void gate_sample_all(struct bgpa *b)
{
	size_t i;

	if (b->n_prefixes != b->cfg.n_prefixes)
		return;
	for (i = 0; i < b->n_prefixes; i++) {
		struct bgpa_prefix *x = &b->prefixes[i];
		const struct bgpa_cfg_prefix *c = &b->cfg.prefixes[i];
		struct gate_sample s;

		if (!x->g.gated)
			continue;
		gate_sample(b, x, c, &s);
		gate_feed(&x->g, c, &s);
	}
	gate_evaluate(b);
}

/* ---- lbd's answer ---- */

static int gate_parse_reals(json_t *reals, unsigned int *up, unsigned int *n)
{
	json_t *r, *st, *us;
	size_t i;

	if (!json_is_array(reals))
		return -EBADMSG;
	*up = *n = 0;
	json_array_foreach(reals, i, r)
	{
		st = json_object_get(r, "state");
		us = json_object_get(r, "usable");
		if (!json_is_string(st))
			return -EBADMSG;
		(*n)++;
		/* An lbd without "usable": the state alone. */
		if (!strcmp(json_string_value(st), "up") &&
		    (!us || json_is_true(us)))
			(*up)++;
	}
	return 0;
}

/* 0, or -EBADMSG with why filled. */
static int gate_parse(struct bgpa_health *h, const char *line, size_t len,
		      char *why, size_t size)
{
	json_t *a, *site, *dp, *svcs, *s, *att, *v;
	struct bgpa_lbd_svc *t = NULL;
	json_error_t je;
	size_t i, n = 0, dl = 0;
	int ret = -EBADMSG;

	a = json_loadb(line, len, 0, &je);
	if (!json_is_object(a)) {
		gate_fmt(why, size, "not a JSON object: %s", je.text);
		goto out;
	}
	if (!json_is_true(json_object_get(a, "ok"))) {
		v = json_object_get(a, "error");
		gate_fmt(why, size, "refused: %s",
			 json_is_string(v) ? json_string_value(v) : "?");
		goto out;
	}
	svcs = json_object_get(a, "services");
	if (!json_is_array(svcs)) {
		gate_fmt(why, size, "no services list");
		goto out;
	}
	t = calloc(json_array_size(svcs) + 1, sizeof(*t));
	if (!t) {
		gate_fmt(why, size, "out of memory");
		goto out;
	}
	json_array_foreach(svcs, i, s)
	{
		v = json_object_get(s, "service");
		if (!json_is_string(v) ||
		    lb_vip_parse(json_string_value(v), &t[n].key) ||
		    gate_parse_reals(json_object_get(s, "reals"), &t[n].up,
				     &t[n].reals)) {
			gate_fmt(why, size, "services[%zu] malformed", i);
			goto out;
		}
		n++;
	}
	/* A missing site is an lbd from before site drain: not drained. */
	site = json_object_get(a, "site");
	h->drained = json_is_true(json_object_get(site, "drained"));
	v = json_object_get(site, "reason");
	snprintf(h->drain_reason, sizeof(h->drain_reason), "%s",
		 h->drained && json_is_string(v) ? json_string_value(v) : "");
	/* The reason is the operator's text: keep it one printable line. */
	if (!keel_ctl_text_ok(h->drain_reason, strlen(h->drain_reason)))
		h->drain_reason[0] = '\0';
	v = json_object_get(site, "since");
	h->drain_since = h->drained && json_is_integer(v) ?
				 (time_t)json_integer_value(v) :
				 0;
	/* A missing all_attached counts as not attached (control-protocol.md). */
	dp = json_object_get(a, "dataplane");
	h->attached = json_is_true(json_object_get(dp, "all_attached"));
	h->detached[0] = '\0';
	json_array_foreach(json_object_get(dp, "attached"), i, att)
	{
		v = json_object_get(att, "ifname");
		if (json_is_false(json_object_get(att, "attached")) &&
		    json_is_string(v) && dl + 2 < sizeof(h->detached))
			dl += (size_t)snprintf(h->detached + dl,
					       sizeof(h->detached) - dl,
					       "%s%.32s", dl ? ", " : "",
					       json_string_value(v));
		if (dl >= sizeof(h->detached))
			dl = sizeof(h->detached) - 1;
	}
	v = json_object_get(a, "generation");
	h->generation = json_is_integer(v) ? (uint64_t)json_integer_value(v) :
					     0;
	free(h->svcs);
	h->svcs = t;
	h->n_svcs = n;
	t = NULL;
	ret = 0;
out:
	free(t);
	json_decref(a);
	return ret;
}

/* ---- polling lbd ---- */

static void gate_poll_end(struct bgpa *b, enum bgpa_poll_result r,
			  const char *why)
{
	struct bgpa_health *h = &b->health;
	time_t now = time(NULL);

	if (h->poll) {
		bufferevent_free(h->poll);
		h->poll = NULL;
	}
	event_del(h->t_poll_timeout);
	h->last_poll_ms = (uint32_t)(bgpa_now_ms() - h->poll_started_ms);
	h->polls[r]++;
	h->last_result = r;
	if (r == BGPA_POLL_OK) {
		if (!h->lbd_ok)
			keel_log(LOG_NOTICE, "lbd at %s answers%s",
				 b->cfg.lbd_socket,
				 h->lbd_answered ? " again" : "");
		h->lbd_ok = true;
		h->lbd_answered = true;
		h->lbd_ok_at = now;
		h->lbd_error[0] = '\0';
	} else {
		/* Logged when it starts failing or the reason changes. */
		char e[BGPA_REASON_MAX];

		gate_fmt(e, sizeof(e), "lbd %s: %s",
			 r == BGPA_POLL_CONNECT ? "unreachable" :
			 r == BGPA_POLL_TIMEOUT ? "silent" :
			 r == BGPA_POLL_CLOSED	? "closed the connection" :
						  "answered garbage",
			 why);
		if (h->lbd_ok || strcmp(e, h->lbd_error))
			keel_log(LOG_WARNING, "%s (%s)", e, b->cfg.lbd_socket);
		if (h->lbd_ok || !h->lbd_fail_since)
			h->lbd_fail_since = now;
		h->lbd_ok = false;
		snprintf(h->lbd_error, sizeof(h->lbd_error), "%s", e);
	}
	if (r == BGPA_POLL_OK)
		h->lbd_fail_since = 0;
	gate_sample_all(b);
}

static void gate_poll_read(struct bufferevent *bev, void *arg)
{
	struct bgpa *b = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char why[BGPA_REASON_MAX];
	size_t len;
	char *line;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (!line) {
		if (evbuffer_get_length(in) > GATE_ANSWER_MAX)
			gate_poll_end(b, BGPA_POLL_BAD_ANSWER,
				      "answer longer than 16 MiB");
		return;
	}
	if (gate_parse(&b->health, line, len, why, sizeof(why)))
		gate_poll_end(b, BGPA_POLL_BAD_ANSWER, why);
	else
		gate_poll_end(b, BGPA_POLL_OK, "");
	free(line);
}

static void gate_poll_event(struct bufferevent *bev, short what, void *arg)
{
	int e = EVUTIL_SOCKET_ERROR();
	char why[96];

	(void)bev;
	if (what & BEV_EVENT_ERROR) {
		gate_fmt(why, sizeof(why), "%s", strerror(e));
		gate_poll_end(arg, BGPA_POLL_CLOSED, why);
	} else if (what & BEV_EVENT_EOF) {
		gate_poll_end(arg, BGPA_POLL_CLOSED, "no answer line");
	}
}

static void gate_poll_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct bgpa *b = arg;
	char why[64];

	(void)fd;
	(void)what;
	gate_fmt(why, sizeof(why), "no answer within %ums",
		 b->cfg.lbd_timeout_ms);
	gate_poll_end(b, BGPA_POLL_TIMEOUT, why);
}

static void gate_poll_start(struct bgpa *b)
{
	struct bgpa_health *h = &b->health;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct keel_ctl_req req = { .cmd = KEEL_CTL_STATUS };
	struct timeval tv = { b->cfg.lbd_timeout_ms / 1000,
			      (b->cfg.lbd_timeout_ms % 1000) * 1000 };
	char msg[128], why[128];
	int fd, n;

	h->poll_started_ms = bgpa_now_ms();
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->cfg.lbd_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		gate_fmt(why, sizeof(why), "socket: %s", strerror(errno));
		gate_poll_end(b, BGPA_POLL_CONNECT, why);
		return;
	}
	/* A Unix socket connects at once or fails at once (EAGAIN: its
	 * backlog is full, lbd is not accepting). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		gate_fmt(why, sizeof(why), "connect: %s", strerror(errno));
		close(fd);
		gate_poll_end(b, BGPA_POLL_CONNECT, why);
		return;
	}
	n = keel_ctl_req_encode(&req, msg, sizeof(msg));
	h->poll = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (n < 0 || !h->poll) {
		if (!h->poll)
			close(fd);
		gate_poll_end(b, BGPA_POLL_CONNECT, "out of memory");
		return;
	}
	bufferevent_setcb(h->poll, gate_poll_read, NULL, gate_poll_event, b);
	bufferevent_write(h->poll, msg, (size_t)n);
	bufferevent_enable(h->poll, EV_READ | EV_WRITE);
	event_add(h->t_poll_timeout, &tv);
}

/* ---- the tick ---- */

static void gate_check_disable_file(struct bgpa *b)
{
	struct bgpa_health *h = &b->health;
	struct stat st;
	bool exists;

	if (!b->cfg.disable_file[0]) {
		h->disable_exists = false;
		return;
	}
	exists = stat(b->cfg.disable_file, &st) == 0;
	if (exists != h->disable_exists)
		keel_log(LOG_NOTICE, "disable file %s %s", b->cfg.disable_file,
			 exists ? "appeared: every prefix DISABLED" :
				  "is gone");
	h->disable_exists = exists;
}

static void gate_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bgpa *b = arg;
	bool was = b->health.disable_exists;

	(void)fd;
	(void)what;
	gate_check_disable_file(b);
	if (b->cfg.has_lbd) {
		/* The disable file acts at once, not at the poll's end. */
		if (was != b->health.disable_exists)
			gate_evaluate(b);
		if (!b->health.poll)
			gate_poll_start(b);
		return;
	}
	gate_sample_all(b);
}

/* ---- probes ---- */

static void gate_probe_cb(void *arg, uint8_t state, const char *detail)
{
	struct bgpa_gate_probe *p = arg;

	if (p->state != state)
		keel_log(state == KEEL_RS_UP ? LOG_INFO : LOG_WARNING,
			 "prefix %s: probe %s (%s)", p->pfx,
			 state == KEEL_RS_UP ? "up" : "down", detail);
	p->state = state;
}

static void gate_probe_sync(struct bgpa *b, struct bgpa_prefix *x,
			    const struct bgpa_cfg_prefix *c)
{
	struct bgpa_gate *g = &x->g;
	struct bgpa_gate_probe *p;

	if (g->probe && c->probe.set &&
	    !memcmp(&g->probe->cfg, &c->probe, sizeof(c->probe)))
		return;
	bgpa_gate_release(g);
	if (!c->probe.set)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		keel_log(LOG_ERR, "out of memory for a probe");
		return;
	}
	p->cfg = c->probe;
	p->state = KEEL_RS_UNKNOWN;
	bgpa_prefix_str(&x->pfx, p->pfx, sizeof(p->pfx));
	p->check = keel_check_new(b->base, &c->probe.spec, c->probe.interval_ms,
				  (uint16_t)c->probe.rise,
				  (uint16_t)c->probe.fall, gate_probe_cb, p);
	if (!p->check)
		keel_log(LOG_ERR, "prefix %s: cannot start its probe: %s",
			 p->pfx, strerror(errno));
	g->probe = p;
}

void bgpa_gate_release(struct bgpa_gate *g)
{
	if (!g->probe)
		return;
	if (g->probe->check)
		keel_check_free(g->probe->check);
	free(g->probe);
	g->probe = NULL;
}

/* ---- start, reload, stop ---- */

static bool gate_needs_tick(const struct bgpa *b)
{
	size_t i;

	if (b->cfg.has_lbd || b->cfg.disable_file[0])
		return true;
	for (i = 0; i < b->cfg.n_prefixes; i++)
		if (b->cfg.prefixes[i].probe.set ||
		    b->cfg.prefixes[i].disabled_withdraw_after_ms)
			return true;
	return false;
}

static void gate_apply(struct bgpa *b)
{
	struct bgpa_health *h = &b->health;
	struct timeval tv = { b->cfg.lbd_interval_ms / 1000,
			      (b->cfg.lbd_interval_ms % 1000) * 1000 };
	size_t i;

	for (i = 0; i < b->n_prefixes && i < b->cfg.n_prefixes; i++) {
		struct bgpa_prefix *x = &b->prefixes[i];
		const struct bgpa_cfg_prefix *c = &b->cfg.prefixes[i];
		bool gated = gate_is_gated(b, c);

		if (gated != x->g.gated) {
			/* Newly gated: from nothing, never announce blind. */
			x->g.verdict = x->g.healthy = false;
			x->g.ok_run = x->g.bad_run = 0;
		}
		x->g.gated = gated;
		gate_probe_sync(b, x, c);
	}
	if (!b->cfg.has_lbd && h->poll) {
		bufferevent_free(h->poll);
		h->poll = NULL;
		event_del(h->t_poll_timeout);
	}
	if (!b->cfg.has_lbd) {
		h->drained = false;
		h->lbd_ok = false;
	}
	gate_check_disable_file(b);
	event_del(h->t_tick);
	if (gate_needs_tick(b))
		event_add(h->t_tick, &tv);
	gate_evaluate(b);
}

int bgpa_health_start(struct bgpa *b)
{
	struct bgpa_health *h = &b->health;

	h->t_tick = event_new(b->base, -1, EV_PERSIST, gate_tick, b);
	h->t_poll_timeout = evtimer_new(b->base, gate_poll_timeout, b);
	if (!h->t_tick || !h->t_poll_timeout)
		return -ENOMEM;
	snprintf(h->lbd_error, sizeof(h->lbd_error), "lbd not asked yet");
	gate_apply(b);
	if (b->cfg.has_lbd)
		gate_poll_start(b); /* the first sample without waiting */
	return 0;
}

void bgpa_health_reload(struct bgpa *b)
{
	if (b->health.t_tick)
		gate_apply(b);
}

void bgpa_health_stop(struct bgpa *b)
{
	struct bgpa_health *h = &b->health;
	size_t i;

	for (i = 0; i < b->n_prefixes; i++)
		bgpa_gate_release(&b->prefixes[i].g);
	if (h->poll)
		bufferevent_free(h->poll);
	h->poll = NULL;
	if (h->t_tick)
		event_free(h->t_tick);
	if (h->t_poll_timeout)
		event_free(h->t_poll_timeout);
	h->t_tick = h->t_poll_timeout = NULL;
	free(h->svcs);
	h->svcs = NULL;
	h->n_svcs = 0;
}
