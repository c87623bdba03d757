// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_health.c - health gating's I/O (docs/bgp-announcer.md, "Health
 * gating"); what each sample, verdict and state is: bgpa_gate.c.
 *
 * Every lbd.interval a tick: the disable file is looked at, and lbd's
 * control socket is asked for its status (non-blocking connect, one
 * request line, one answer line within lbd.timeout; a poll still running
 * is never doubled).  Each finished poll (or, without lbd:, each tick) is
 * one sample per prefix, fed to its rise/fall; then every prefix's state
 * is decided again, changes logged, and the peers synced once.  The
 * prefixes' probes run here too (libkeel's keel_check).
 */
#include <errno.h>
#include <fcntl.h>
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

#include "bgpa.h"
#include "bgpa_gate.h"
#include "bgpa_health.h"
#include "bgpa_peer.h"
#include "keel_clock.h"
#include "keel_ctl.h"
#include "keel_names.h"
#include "keel_probe.h"

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

/* The site as every prefix's sample and decision see it now. */
static void gate_site(const struct bgpa *b, struct bgpa_gate_site *s)
{
	*s = (struct bgpa_gate_site){
		.has_lbd = b->cfg.has_lbd,
		.lbd_ok = b->health.lbd_ok,
		.lbd_error = b->health.lbd_error,
		.lbd = &b->health.lbd,
		.disable_exists = b->health.disable_exists,
		.disable_file = b->cfg.disable_file,
	};
}

/* ---- the state of each prefix ---- */

/* Decide every prefix's state; log changes; one sync. */
static void gate_evaluate(struct bgpa *b)
{
	uint64_t now_ms = keel_now_ms();
	time_t now = time(NULL);
	struct bgpa_gate_decision d;
	struct bgpa_gate_site site;
	bool changed = false;
	char pfx[64];
	size_t i;

	if (b->rib.n_prefixes != b->cfg.n_prefixes)
		return; /* mid-reload */
	gate_site(b, &site);
	for (i = 0; i < b->rib.n_prefixes; i++) {
		struct bgpa_prefix *x = &b->rib.prefixes[i];

		bgpa_gate_decide(&x->g, x->state, &b->cfg.prefixes[i], &site,
				 now_ms, &d);
		if (!bgpa_gate_commit(&x->g, &x->state, &d, now_ms, now))
			continue;
		changed = true;
		bgp_prefix_format(&x->pfx, pfx, sizeof(pfx));
		keel_log(d.state == BGPA_P_UP ? LOG_NOTICE : LOG_WARNING,
			 "prefix %s: %s, %s: %s", pfx,
			 bgpa_pstate_name(d.state),
			 !d.withdraw && x->announce[d.state] ? "announced" :
							       "withdrawn",
			 d.reason);
	}
	if (changed)
		bgpa_peers_sync(b);
}

static void gate_sample_all(struct bgpa *b)
{
	struct bgpa_gate_site site;
	size_t i;

	if (b->rib.n_prefixes != b->cfg.n_prefixes)
		return;
	gate_site(b, &site);
	for (i = 0; i < b->rib.n_prefixes; i++) {
		struct bgpa_prefix *x = &b->rib.prefixes[i];
		const struct bgpa_cfg_prefix *c = &b->cfg.prefixes[i];
		const struct bgpa_health_probe *p = x->g.probe;
		struct bgpa_gate_sample s;

		if (!x->g.gated)
			continue;
		bgpa_gate_sample(
			&site, c, p ? p->state : KEEL_RS_UNKNOWN,
			p && p->check ? keel_check_detail(p->check) : "", &s);
		bgpa_gate_feed(&x->g, c, &s);
	}
	gate_evaluate(b);
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
	h->last_poll_ms = (uint32_t)(keel_now_ms() - h->poll_started_ms);
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

		snprintf(e, sizeof(e), "lbd %s: %s",
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
	if (bgpa_gate_parse(line, len, &b->health.lbd, why, sizeof(why)))
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
		snprintf(why, sizeof(why), "%s", strerror(e));
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
	snprintf(why, sizeof(why), "no answer within %ums",
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

	h->poll_started_ms = keel_now_ms();
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->cfg.lbd_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		gate_poll_end(b, BGPA_POLL_CONNECT, why);
		return;
	}
	/* A Unix socket connects at once or fails at once (EAGAIN: its
	 * backlog is full, lbd is not accepting). */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
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
	/*
	 * Only "no such file" means no disable: a file that cannot be looked
	 * at (EACCES, EIO, ...) may be there, and an operator's disable must
	 * not be undone by it (docs/state-file.md, "State kept elsewhere").
	 */
	if (!exists && errno != ENOENT && errno != ENOTDIR) {
		if (!h->disable_exists)
			keel_log(
				LOG_ERR,
				"disable file %s cannot be looked at (%s): taken as present, every prefix DISABLED",
				b->cfg.disable_file, strerror(errno));
		h->disable_exists = true;
		return;
	}
	if (exists != h->disable_exists)
		keel_log(LOG_NOTICE, "disable file %s %s", b->cfg.disable_file,
			 exists ? "appeared: every prefix DISABLED" :
				  "is gone");
	h->disable_exists = exists;
}

static void gate_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bgpa *b = arg;

	(void)fd;
	(void)what;
	gate_check_disable_file(b);
	if (b->cfg.has_lbd) {
		/*
		 * The disable file and disabled_withdraw_after act at the
		 * tick, not at the end of a poll (which a silent lbd delays).
		 */
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
	struct bgpa_health_probe *p = arg;

	if (p->state != state)
		keel_log(state == KEEL_RS_UP ? LOG_INFO : LOG_WARNING,
			 "prefix %s: probe %s (%s)", p->pfx,
			 keel_rs_name(state), detail);
	p->state = state;
}

/*
 * The same probe: member by member, as both structs have padding (a
 * member added to keel_probe_spec belongs here too).
 */
static bool gate_probe_same(const struct bgpa_cfg_probe *a,
			    const struct bgpa_cfg_probe *b)
{
	const struct keel_probe_spec *x = &a->spec, *y = &b->spec;

	return a->set == b->set && a->has_address == b->has_address &&
	       a->interval_ms == b->interval_ms && a->rise == b->rise &&
	       a->fall == b->fall && x->type == y->type &&
	       x->family == y->family &&
	       !memcmp(x->addr, y->addr, sizeof(x->addr)) &&
	       x->port == y->port && x->src_family == y->src_family &&
	       !memcmp(x->src_addr, y->src_addr, sizeof(x->src_addr)) &&
	       !strcmp(x->path, y->path) && !strcmp(x->host, y->host) &&
	       x->status_min == y->status_min &&
	       x->status_max == y->status_max && !strcmp(x->cmd, y->cmd) &&
	       x->uid == y->uid && x->gid == y->gid &&
	       x->timeout_ms == y->timeout_ms;
}

static void gate_probe_sync(struct bgpa *b, struct bgpa_prefix *x,
			    const struct bgpa_cfg_prefix *c)
{
	struct bgpa_gate *g = &x->g;
	struct bgpa_health_probe *p;

	if (g->probe && c->probe.set &&
	    gate_probe_same(&g->probe->cfg, &c->probe))
		return;
	bgpa_health_release(g);
	if (!c->probe.set)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		keel_log(LOG_ERR, "out of memory for a probe");
		return;
	}
	p->cfg = c->probe;
	p->state = KEEL_RS_UNKNOWN;
	bgp_prefix_format(&x->pfx, p->pfx, sizeof(p->pfx));
	p->check = keel_check_new(b->base, &c->probe.spec, c->probe.interval_ms,
				  (uint16_t)c->probe.rise,
				  (uint16_t)c->probe.fall, gate_probe_cb, p);
	if (!p->check)
		keel_log(LOG_ERR, "prefix %s: cannot start its probe: %s",
			 p->pfx, strerror(errno));
	g->probe = p;
}

void bgpa_health_release(struct bgpa_gate *g)
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

	for (i = 0; i < b->rib.n_prefixes && i < b->cfg.n_prefixes; i++) {
		struct bgpa_prefix *x = &b->rib.prefixes[i];
		const struct bgpa_cfg_prefix *c = &b->cfg.prefixes[i];

		bgpa_gate_set_gated(&x->g,
				    bgpa_gate_is_gated(b->cfg.has_lbd, c));
		gate_probe_sync(b, x, c);
	}
	if (!b->cfg.has_lbd && h->poll) {
		bufferevent_free(h->poll);
		h->poll = NULL;
		event_del(h->t_poll_timeout);
	}
	if (!b->cfg.has_lbd) {
		h->lbd.drained = false;
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

	for (i = 0; i < b->rib.n_prefixes; i++)
		bgpa_health_release(&b->rib.prefixes[i].g);
	if (h->poll)
		bufferevent_free(h->poll);
	h->poll = NULL;
	if (h->t_tick)
		event_free(h->t_tick);
	if (h->t_poll_timeout)
		event_free(h->t_poll_timeout);
	h->t_tick = h->t_poll_timeout = NULL;
	bgpa_gate_lbd_free(&h->lbd);
}
