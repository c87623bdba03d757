// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's health: the rs-agent report receiver, lbd's own active checks,
 * and the evaluation that turns them, with admin state, into each real's
 * state and weight (docs/lbd.md, "Health"; docs/health.md).
 *
 * Every evaluation is one lb_reconcile_with() pass whose hook combines a
 * real's inputs (lb_health_combine()); what changed is committed once.
 * An evaluation runs at once after each batch of accepted reports and
 * each check state change, and on a timer (half the report interval) for
 * agents gone silent and load-aware periods.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <event2/buffer.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_probe.h"
#include "keel_addr.h"
#include "lb_health.h"
#include "keel_metrics.h"
#include "keel_prom.h"
#include "lbd.h"

_Static_assert(LB_CFG_HC_PATH_MAX <= KEEL_PROBE_PATH_MAX, "probe path");
_Static_assert(LB_CFG_HC_HOST_MAX <= KEEL_PROBE_HOST_MAX, "probe host");

#define LBD_RX_BATCH 64
#define LBD_RX_ROUNDS 8 /* batches per wake-up; the rest on the next */
#define LBD_RX_RCVBUF (4 << 20)
/*
 * A busy socket is read on a clock instead of at every datagram: a
 * wake-up costs more than the checks of a hundred junk datagrams
 * (docs/PERFORMANCE.md, "Agent report floods"), and on a virtual machine
 * the context switch alone costs more than a report.  Busy: at least
 * LBD_RX_BUSY datagrams in LBD_RX_WINDOW_MS; calm again when a poll finds
 * fewer than LBD_RX_CALM.  A poll reads at most LBD_RX_POLL_ROUNDS
 * batches (the rest stays queued for the next).  The clock runs every
 * LBD_RX_POLL_SLOW_MS (thousands of agents: 3000 at 10 Hz is 300 a poll),
 * every LBD_RX_POLL_MS once a poll finds LBD_RX_FAST or more (a flood:
 * the socket's buffer holds about 4000), back when fewer than
 * LBD_RX_FAST / 4.
 */
#define LBD_RX_POLL_MS 2
#define LBD_RX_POLL_SLOW_MS 10
#define LBD_RX_FAST 512
#define LBD_RX_WINDOW_MS 10
#define LBD_RX_BUSY 64
#define LBD_RX_CALM 8
#define LBD_RX_POLL_ROUNDS 32

/* How often the replay guards are written while reports come in. */
#define LBD_REPLAY_SAVE_MS 5000

int lbd_replay_path(const struct lbd *d, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.replay", d->cfg.state_file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
/* Time for the services rebuilt in one loop turn (lbd_health_run). */
#define LBD_HEALTH_BUDGET_US 20000

/* ---- keys and the socket ---- */

static int lbd_rx_open(const char *listen, int *fdp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int fd, one = 1, zero = 0, size = LBD_RX_RCVBUF, ret;
	socklen_t len;

	if (keel_sockaddr_parse(listen, &ss, &len)) {
		snprintf(err, errlen, "agents.listen %s: bad address", listen);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* [::] takes IPv4 agents too (as mapped addresses). */
	if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * Bursts from many agents at once, and floods between two polls:
	 * beyond net.core.rmem_max with CAP_NET_ADMIN (lbd keeps it), best
	 * effort otherwise.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	snprintf(err, errlen, "agents.listen %s: %s", listen, strerror(-ret));
	return ret;
}

/* Key files may be the user's lbd becomes, not only root's. */
static uid_t lbd_key_user(const struct lbd *d)
{
	return d->drop ? d->user.uid : (uid_t)-1;
}

int lbd_health_prepare(struct lbd *d, const struct lb_config *cfg,
		       struct lbd_health_prep *p, char *err, size_t errlen)
{
	const struct lb_cfg_agents *a = &cfg->agents;
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!a->listen[0]) {
		p->close_rx = true;
		return 0;
	}
	ret = keel_report_key_load(a->key_file, lbd_key_user(d), p->keys[0].key,
				   err, errlen);
	if (ret)
		goto fail;
	p->keys[0].id = a->key_id;
	p->n_keys = 1;
	if (a->previous_key_file[0]) {
		ret = keel_report_key_load(a->previous_key_file,
					   lbd_key_user(d), p->keys[1].key, err,
					   errlen);
		if (ret)
			goto fail;
		p->keys[1].id = a->previous_key_id;
		p->n_keys = 2;
	}
	if (d->health.fd < 0 || strcmp(a->listen, d->health.listen)) {
		ret = lbd_rx_open(a->listen, &p->fd, err, errlen);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	lbd_health_discard(p);
	return ret;
}

void lbd_health_discard(struct lbd_health_prep *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	sodium_memzero(p->keys, sizeof(p->keys));
}

static void lbd_rx_close(struct lbd_health *h)
{
	if (h->rx_poll)
		event_del(h->rx_poll);
	h->rx_busy = false;
	if (h->rx)
		event_free(h->rx);
	h->rx = NULL;
	if (h->fd >= 0)
		close(h->fd);
	if (h->filter_fd == h->fd)
		h->filter_fd = -1;
	h->fd = -1;
	h->listen[0] = '\0';
}

static void lbd_on_report(evutil_socket_t fd, short what, void *arg);
static int lbd_rx_drain(struct lbd *d, int rounds);

int lbd_health_install(struct lbd *d, struct lbd_health_prep *p)
{
	struct lbd_health *h = &d->health;
	size_t i, j;

	/* Counters of keys that stay. */
	for (i = 0; i < p->n_keys; i++)
		for (j = 0; j < h->agents.n_keys; j++)
			if (h->agents.keys[j].id == p->keys[i].id)
				p->keys[i].reports = h->agents.keys[j].reports;
	memcpy(h->agents.keys, p->keys, sizeof(p->keys));
	h->agents.n_keys = p->n_keys;
	for (i = 0; i < h->agents.n_keys; i++)
		lb_agents_key_init(&h->agents.keys[i]);
	sodium_memzero(p->keys, sizeof(p->keys));
	if (p->close_rx && h->fd >= 0) {
		keel_log(LOG_NOTICE, "agent report receiver on %s stopped",
			 h->listen);
		lbd_rx_close(h);
	}
	if (p->fd < 0)
		return 0;
	lbd_rx_close(h);
	h->fd = p->fd;
	p->fd = -1;
	snprintf(h->listen, sizeof(h->listen), "%s", d->cfg.agents.listen);
	h->rx = event_new(d->base, h->fd, EV_READ | EV_PERSIST, lbd_on_report,
			  d);
	if (!h->rx || event_add(h->rx, NULL)) {
		lbd_rx_close(h);
		return -ENOMEM;
	}
	keel_log(
		LOG_NOTICE,
		"receiving agent reports on %s (key id %u%s, dead after %u ms, flows kept %u ms more)",
		h->listen, d->cfg.agents.key_id,
		h->agents.n_keys > 1 ? " and the previous one" : "",
		d->cfg.agents.dead_after_ms, d->cfg.agents.keep_flows_ms);
	return 0;
}

/* ---- evaluation ---- */

struct lbd_eval {
	struct lbd *d;
	uint64_t now;
	uint32_t changes; /* states that changed, for the log */
};

/*
 * Real id to evaluate at the next lbd_health_run(); urgent: before
 * anything else and whatever the budget (its change takes something
 * away).  Each list holds an id once: both are bounded by KEEL_MAX_REALS.
 */
static void lbd_health_mark(struct lbd_health *h, uint32_t id, bool urgent)
{
	if (urgent) {
		if (!h->urgent[id]) {
			h->urgent[id] = 1;
			h->urgent_list[h->n_urgent++] = id;
		}
		return;
	}
	if (h->dirty[id])
		return;
	h->dirty[id] = 1;
	h->dirty_list[h->n_dirty++] = id;
}

/* A check's state changed, or it started or stopped being held. */
static void lbd_on_check(void *arg, uint8_t state, const char *detail)
{
	struct lbd_hreal *e = arg;

	(void)detail;
	/* Several checks may change in one loop turn: one evaluation. */
	lbd_health_mark(&e->d->health, e->id, state != KEEL_RS_UP);
	event_active(e->d->health.soon, 0, 0);
}

static uint64_t lbd_hc_hash(const struct lb_cfg_health *c, uint16_t port)
{
	uint64_t h = 14695981039346656037ULL;
	uint32_t v[] = { c->type, c->interval_ms, c->timeout_ms, c->rise,
			 c->fall, c->status_min,  c->status_max, port };
	const unsigned char *p;
	size_t i;

	/* FNV-1a: only to notice that a check's settings changed. */
	for (p = (const unsigned char *)v, i = 0; i < sizeof(v); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	for (p = (const unsigned char *)c->path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (p = (const unsigned char *)c->host; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static void lbd_real_label(const struct keel_vip_key *k, uint8_t family,
			   const __be32 addr[4], char *buf, size_t size)
{
	char svc[80], real[64];

	keel_vip_format(k, svc, sizeof(svc));
	keel_addr_format(family, addr, real, sizeof(real));
	snprintf(buf, size, "real %s of %s", real, svc);
}

static void lbd_check_start(struct lbd *d, struct lbd_hreal *e,
			    const struct lb_cfg_health *c, uint16_t port)
{
	struct keel_probe_spec spec = {
		.type = c->type == LB_CFG_HC_HTTP ? KEEL_PROBE_HTTP :
						    KEEL_PROBE_TCP,
		.family = e->family,
		.port = port,
		.status_min = c->status_min,
		.status_max = c->status_max,
		.timeout_ms = c->timeout_ms,
	};
	char name[160];

	memcpy(spec.addr, e->addr, sizeof(spec.addr));
	snprintf(spec.path, sizeof(spec.path), "%s", c->path);
	snprintf(spec.host, sizeof(spec.host), "%s", c->host);
	e->check = keel_check_new(d->base, &spec, c->interval_ms, c->rise,
				  c->fall, lbd_on_check, e);
	if (!e->check) {
		lbd_real_label(&e->svc, e->family, e->addr, name, sizeof(name));
		keel_log(LOG_ERR, "%s: cannot start its %s check: %s", name,
			 lb_cfg_hc_name(c->type), strerror(errno));
	}
}

static void lbd_hreal_free(struct lbd_hreal *e)
{
	if (!e)
		return;
	if (e->check)
		keel_check_free(e->check);
	free(e);
}

/* The entry of w's real, made (or remade) when it is new. */
static struct lbd_hreal *lbd_hreal_get(struct lbd_eval *x,
				       const struct lb_real_want *w)
{
	struct lbd_health *h = &x->d->health;
	const struct lb_real *r = w->real;
	struct lbd_hreal *e = h->hr[r->id];

	if (e && !memcmp(&e->svc, &w->svc->key, sizeof(e->svc)) &&
	    e->family == r->family && !memcmp(e->addr, r->addr, 16))
		return e;
	lbd_hreal_free(e);
	h->hr[r->id] = e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->svc = w->svc->key;
	e->family = r->family;
	memcpy(e->addr, r->addr, 16);
	e->id = r->id;
	e->d = x->d;
	e->start_ms = x->now;
	/* Hot restart: what the data plane had holds until a verdict. */
	e->adopted = h->adopting && !w->is_new;
	e->adopted_state = r->state;
	e->had_flows = e->adopted &&
		       (r->state == KEEL_RS_UP || r->state == KEEL_RS_DRAINING);
	e->state = r->state;
	e->lw.base = e->lw.weight = w->weight;
	return e;
}

static uint8_t lbd_health_mode(uint8_t type)
{
	switch (type) {
	case LB_CFG_HC_AGENT:
		return LB_HEALTH_AGENT;
	case LB_CFG_HC_TCP:
	case LB_CFG_HC_HTTP:
		return LB_HEALTH_CHECK;
	default:
		return LB_HEALTH_NONE;
	}
}

static const struct lb_agent_slot *lbd_slot_find(struct lbd *d,
						 const struct lbd_hreal *e)
{
	if (e->type != LB_CFG_HC_AGENT)
		return NULL;
	return lb_agents_find(&d->health.agents, e->family, e->addr);
}

/*
 * Combine e's inputs at now into the state and weight its real gets.
 * state, weight: in, what reconcile wants (admin state, admin or
 * configured weight); out, what the data plane gets.  cur: the real's
 * state until now (its change is logged unless is_new).
 */
static void lbd_hreal_eval(struct lbd *d, struct lbd_hreal *e, uint64_t now,
			   uint8_t cur, bool is_new, uint8_t *state,
			   uint32_t *weight, uint32_t *changes)
{
	struct lb_health_in in = {
		.admin_down = e->admin_down,
		.admin_drain = e->admin_drain,
		.mode = lbd_health_mode(e->type),
		.verdict = KEEL_RS_UNKNOWN,
	};
	static const struct lb_agent silent;
	const struct lb_agent_slot *slot;
	struct lb_health_out out;
	uint32_t conns;
	char name[160];

	if (in.mode == LB_HEALTH_AGENT) {
		slot = lbd_slot_find(d, e);
		in.verdict = lb_agent_verdict(slot ? &slot->a : &silent,
					      &e->svc, now, e->start_ms,
					      d->cfg.agents.dead_after_ms,
					      d->cfg.agents.keep_flows_ms,
					      e->had_flows, &in.timeout,
					      &conns);
	} else if (in.mode == LB_HEALTH_CHECK && e->check) {
		in.verdict = keel_check_state(e->check);
		in.held = keel_check_held(e->check);
	}
	if (in.verdict != KEEL_RS_UNKNOWN)
		e->adopted = false;
	in.adopted = e->adopted;
	in.adopted_state = e->adopted_state;
	e->verdict = in.verdict;
	lb_health_combine(&in, &out);
	if (!is_new && out.state != cur) {
		lbd_real_label(&e->svc, e->family, e->addr, name, sizeof(name));
		keel_log(LOG_NOTICE, "%s: %s -> %s (%s)", name,
			 lbd_state_name(cur), lbd_state_name(out.state),
			 lb_health_source_name(out.source));
		(*changes)++;
	}
	e->state = out.state;
	e->source = out.source;
	*state = out.state;
	/* Load-aware: an admin weight override still wins. */
	e->cfg_weight = *weight;
	if (e->load_aware && !e->admin_weight) {
		if (e->lw.base != *weight)
			e->lw.base = e->lw.weight = *weight;
		*weight = e->lw.weight;
	}
}

/* An agent's real is looked at again when time alone may change it. */
static void lbd_hreal_schedule(struct lbd *d, struct lbd_hreal *e, uint64_t now)
{
	static const struct lb_agent silent;
	const struct lb_agent_slot *slot;
	uint64_t at;

	if (e->type != LB_CFG_HC_AGENT) {
		lb_deadline_del(&d->health.dl, e->id);
		return;
	}
	slot = lbd_slot_find(d, e);
	e->sched_ms = slot && slot->a.heard ? slot->a.last_ms : 0;
	at = lb_agent_deadline(slot ? &slot->a : &silent, &e->svc, now,
			       e->start_ms, d->cfg.agents.dead_after_ms,
			       d->cfg.agents.keep_flows_ms, e->had_flows);
	if (at == UINT64_MAX)
		lb_deadline_del(&d->health.dl, e->id);
	else if (lb_deadline_set(&d->health.dl, e->id, at))
		keel_log(LOG_ERR, "health deadlines: out of memory");
}

static void lbd_hook(void *arg, struct lb_real_want *w)
{
	static const struct lb_cfg_health none = { .type = LB_CFG_HC_NONE };
	struct lbd_eval *x = arg;
	struct lbd *d = x->d;
	const struct lb_cfg_health *c =
		w->cs ? lb_cfg_real_health(w->cs, w->cr) : &none;
	struct lbd_hreal *e;
	uint16_t port;
	uint64_t hash;

	e = lbd_hreal_get(x, w);
	if (!e) {
		/* Out of memory: keep what the data plane has. */
		w->state = w->is_new ? KEEL_RS_DOWN : w->real->state;
		w->weight = w->real->weight;
		return;
	}
	e->pass = d->health.pass;
	port = c->port ? c->port : ntohs(w->svc->key.port);
	hash = lbd_hc_hash(c, port);
	if (e->type != c->type || e->spec_hash != hash) {
		if (e->check) {
			keel_check_free(e->check);
			e->check = NULL;
			/* A changed check starts over: no flap meanwhile. */
			e->adopted = true;
			e->adopted_state = w->real->state;
		}
		e->type = c->type;
		e->spec_hash = hash;
		if (c->type == LB_CFG_HC_TCP || c->type == LB_CFG_HC_HTTP)
			lbd_check_start(d, e, c, port);
	}
	/* What reconcile wants, for evaluations until the next pass. */
	e->want_state = w->state;
	e->want_weight = w->weight;
	e->admin_down = w->admin && w->admin->down;
	e->admin_drain = w->admin && w->admin->drain;
	e->admin_weight = w->admin && w->admin->has_weight;
	e->load_aware = w->cs && w->cs->load_aware.enabled;
	lbd_hreal_eval(d, e, x->now, w->real->state, w->is_new, &w->state,
		       &w->weight, &x->changes);
}

/*
 * Evaluate real id again between passes (a report, a check, a deadline,
 * a load-aware weight): what reconcile would do for it with the hook.
 * true if its state or weight changed (staged in the model); *svcs
 * counts the services this made dirty.
 */
static bool lbd_hreal_run(struct lbd *d, uint32_t id, bool dirty, uint64_t now,
			  uint32_t *changes, uint32_t *svcs)
{
	const struct lb_agent_slot *slot;
	struct lbd_hreal *e = d->health.hr[id];
	struct lb_service *s;
	struct lb_real *r = lb_model_real_by_id(&d->m, id, &s);
	uint32_t weight;
	uint8_t state;

	if (!e || !r || r->deleted || e->pass != d->health.pass ||
	    memcmp(&e->svc, &s->key, sizeof(e->svc)) ||
	    e->family != r->family || memcmp(e->addr, r->addr, 16))
		return false;
	/*
	 * A deadline reached by an agent heard since it was set: only the
	 * deadline moves, unless the agent fell silent meanwhile
	 * (lb_agent_deadline_moves()).  The steady stream of reports costs a
	 * heap update each dead_after per real, not an evaluation.
	 */
	if (!dirty && e->type == LB_CFG_HC_AGENT) {
		slot = lbd_slot_find(d, e);
		if (slot &&
		    lb_agent_deadline_moves(&slot->a, e->sched_ms, now,
					    d->cfg.agents.dead_after_ms)) {
			lbd_hreal_schedule(d, e, now);
			return false;
		}
	}
	state = e->want_state;
	weight = e->want_weight;
	lbd_hreal_eval(d, e, now, r->state, false, &state, &weight, changes);
	lbd_hreal_schedule(d, e, now);
	if (r->state == state && r->weight == weight)
		return false;
	*svcs += !s->dirty;
	lb_model_real_set_weight(s, r, weight);
	lb_model_real_set_state(s, r, state);
	return true;
}

/* One new report (at most) of e's agent into e's load-aware sample. */
static void lbd_loadw_sample(struct lbd *d, struct lbd_hreal *e,
			     const struct lb_cfg_service *cs, uint64_t now)
{
	const struct lb_agent_slot *slot = lbd_slot_find(d, e);
	uint32_t conns;
	bool timeout;

	if (!slot || slot->accepted == e->lw_seen)
		return;
	e->lw_seen = slot->accepted;
	lb_agent_verdict(&slot->a, &e->svc, now, 0, UINT32_MAX, 0, false,
			 &timeout, &conns);
	lb_loadw_sample(&cs->load_aware, &e->lw,
			cs->load_aware.metric == LB_LOADW_LOAD ?
				slot->a.last.load :
				conns);
}

/*
 * Load-aware weights: new reports into each real's sample (all: every
 * load-aware real, the full pass; else the reals of agents heard since
 * the last tick), then, at most once per period, each load-aware
 * service's weights.  Outside a full pass a service whose weights moved
 * has its reals evaluated again.
 */
static void lbd_loadw(struct lbd *d, uint64_t now, bool all)
{
	static struct lb_loadw_real lw[KEEL_MAX_REALS];
	static struct lbd_hreal *ent[KEEL_MAX_REALS];
	struct lbd_health *h = &d->health;
	const struct lb_cfg_service *cs;
	struct lb_service *s;
	struct lbd_hsvc *hs;
	uint32_t i, j, n, id, ns;

	/* Samples of the agents heard since the last tick (if any real
	 * is load-aware: otherwise nothing to walk). */
	for (i = 0; h->agent_first && i < h->n_agent_dirty; i++) {
		uint32_t a = h->agent_dirty_list[i];

		h->agent_dirty[a] = 0;
		for (id = h->agent_first[a]; !all && h->n_lw_svcs && id;
		     id = h->hr[id] ? h->hr[id]->agent_next : 0) {
			struct lbd_hreal *e = h->hr[id];

			cs = e && e->load_aware ?
				     lb_cfg_find_service(&d->cfg, &e->svc) :
				     NULL;
			if (cs && cs->load_aware.enabled)
				lbd_loadw_sample(d, e, cs, now);
		}
	}
	h->n_agent_dirty = 0;
	ns = all ? d->m.n_svcs : h->n_lw_svcs;
	for (i = 0; i < ns; i++) {
		s = all ? d->m.svcs[i] : d->m.svc_by_id[h->lw_svcs[i]];
		if (!s || s->deleted)
			continue;
		cs = lb_cfg_find_service(&d->cfg, &s->key);
		if (!cs || !cs->load_aware.enabled)
			continue;
		hs = &h->hs[s->svc_id];
		if (!hs->used || memcmp(&hs->key, &s->key, sizeof(s->key))) {
			memset(hs, 0, sizeof(*hs));
			hs->key = s->key;
			hs->used = true;
		}
		if (!all && hs->lw_last_ms &&
		    now < hs->lw_last_ms + cs->load_aware.period_ms)
			continue;
		for (j = n = 0; j < s->n_reals; j++) {
			struct lbd_hreal *e = h->hr[s->reals[j].id];

			if (s->reals[j].deleted || !e ||
			    memcmp(&e->svc, &s->key, sizeof(s->key)))
				continue;
			if (all)
				lbd_loadw_sample(d, e, cs, now);
			lw[n] = e->lw;
			ent[n++] = e;
		}
		if (lb_loadw_update(&cs->load_aware, lw, n, now,
				    &hs->lw_last_ms) <= 0)
			continue;
		for (j = 0; j < n; j++) {
			ent[j]->lw = lw[j];
			if (!all)
				lbd_health_mark(h, ent[j]->id, false);
		}
	}
}

static int lbd_reconcile_pass(struct lbd *d, struct lb_reconcile_stats *rs,
			      uint32_t *changes)
{
	struct lbd_eval x = { .d = d, .now = keel_now_ms() };
	struct lb_reconcile_hook hook = { .real = lbd_hook, .arg = &x };
	int err;

	d->health.pass++;
	lbd_loadw(d, x.now, true);
	err = lb_reconcile_with(&d->m, &d->cfg, &d->st, &hook, rs);
	if (changes)
		*changes = x.changes;
	return err;
}

/* The filter off the socket and unloaded: lbd checks every source. */
static void lbd_rxfilter_off(struct lbd_health *h, const char *why, int err)
{
	keel_log(
		LOG_ERR,
		"agent report socket filter %s: %s; taken off, lbd checks every source itself",
		why, strerror(-err));
	if (h->filter_fd >= 0)
		lb_rxfilter_detach(h->filter_fd);
	h->filter_fd = -1;
	lb_rxfilter_close(h->filter);
	h->filter = NULL;
}

/*
 * The filter lets exactly the agents' addresses through: synced with the
 * table before it goes on a new socket (start, a new agents.listen).
 */
static void lbd_rxfilter_update(struct lbd_health *h)
{
	int err;

	if (!h->filter)
		return;
	err = lb_rxfilter_sync(h->filter, &h->agents);
	if (err) {
		lbd_rxfilter_off(h, "cannot be updated", err);
		return;
	}
	if (h->fd < 0 || h->filter_fd == h->fd)
		return;
	err = lb_rxfilter_attach(h->filter, h->fd);
	if (err) {
		lbd_rxfilter_off(h, "cannot be attached", err);
		return;
	}
	h->filter_fd = h->fd;
	keel_log(LOG_INFO,
		 "agent report socket filter on %s: %zu agent addresses",
		 h->listen, h->agents.n);
}

/* The per-agent arrays (they follow the agents table's slots). */
static void lbd_agent_index_free(struct lbd_health *h)
{
	free(h->agent_first);
	free(h->agent_dirty);
	free(h->agent_dirty_list);
	h->agent_first = NULL;
	h->agent_dirty = NULL;
	h->agent_dirty_list = NULL;
	h->n_agent_dirty = 0;
}

/*
 * After a full pass: drop entries of reals no longer wanted; the agents
 * table, each agent's reals, the deadlines and the load-aware services
 * for the evaluations until the next pass.
 */
static void lbd_health_sweep(struct lbd *d)
{
	struct lbd_health *h = &d->health;
	const struct lb_agent_slot *slot;
	const struct lb_cfg_service *cs;
	uint64_t now = keel_now_ms();
	struct lb_agent_addr *a;
	struct timeval tv;
	size_t i, n = 0;
	bool loadw = false;

	a = malloc(KEEL_MAX_REALS * sizeof(*a));
	for (i = 0; i < KEEL_MAX_REALS; i++) {
		struct lbd_hreal *e = h->hr[i];

		if (!e)
			continue;
		if (e->pass != h->pass) {
			lbd_hreal_free(e);
			h->hr[i] = NULL;
			continue;
		}
		if (e->type == LB_CFG_HC_AGENT && a) {
			a[n].family = e->family;
			memcpy(a[n].addr, e->addr, 16);
			n++;
		}
	}
	if (!a || lb_agents_rebuild(&h->agents, a, n))
		keel_log(
			LOG_ERR,
			"agents table: out of memory (the previous one stays)");
	free(a);
	lbd_rxfilter_update(h);
	if (h->restore) {
		keel_log(
			LOG_INFO,
			"replay guards of %zu of %zu agents restored from the replay file",
			lb_replay_restore(&h->agents, h->restore, h->n_restore),
			h->n_restore);
		free(h->restore);
		h->restore = NULL;
		h->n_restore = 0;
	}
	/* Each agent's reals, chained; the slots just moved. */
	lbd_agent_index_free(h);
	h->agent_first = calloc(h->agents.n + 1, sizeof(*h->agent_first));
	h->agent_dirty = calloc(h->agents.n + 1, sizeof(*h->agent_dirty));
	h->agent_dirty_list =
		calloc(h->agents.n + 1, sizeof(*h->agent_dirty_list));
	if (!h->agent_first || !h->agent_dirty || !h->agent_dirty_list) {
		keel_log(LOG_ERR, "agents' reals: out of memory");
		lbd_agent_index_free(h);
	}
	/* Everything was just evaluated: deadlines anew, nothing dirty. */
	lb_deadline_clear(&h->dl);
	for (i = 0; i < h->n_dirty; i++)
		h->dirty[h->dirty_list[i]] = 0;
	h->n_dirty = 0;
	for (i = 0; i < h->n_urgent; i++)
		h->urgent[h->urgent_list[i]] = 0;
	h->n_urgent = 0;
	for (i = 0; i < KEEL_MAX_REALS; i++) {
		struct lbd_hreal *e = h->hr[i];

		if (!e || e->type != LB_CFG_HC_AGENT)
			continue;
		slot = lb_agents_find(&h->agents, e->family, e->addr);
		if (slot && h->agent_first) {
			e->agent_next = h->agent_first[slot - h->agents.v];
			h->agent_first[slot - h->agents.v] = i;
		}
		lbd_hreal_schedule(d, e, now);
	}
	h->n_lw_svcs = 0;
	for (i = 0; i < d->m.n_svcs; i++) {
		if (d->m.svcs[i]->deleted)
			continue;
		cs = lb_cfg_find_service(&d->cfg, &d->m.svcs[i]->key);
		if (cs && cs->load_aware.enabled)
			h->lw_svcs[h->n_lw_svcs++] = d->m.svcs[i]->svc_id;
	}
	loadw = h->n_lw_svcs > 0;
	/*
	 * Silent agents (the deadlines), load-aware periods and samples are
	 * looked at by the clock, every half report interval.  Checks and
	 * reports that change a state report it themselves.
	 */
	if (h->timer && (n || loadw)) {
		tv.tv_sec = d->cfg.agents.interval_ms / 2 / 1000;
		tv.tv_usec = d->cfg.agents.interval_ms / 2 % 1000 * 1000;
		event_add(h->timer, &tv);
	} else if (h->timer) {
		event_del(h->timer);
	}
}

int lbd_health_reconcile(struct lbd *d, struct lb_reconcile_stats *rs)
{
	int err = lbd_reconcile_pass(d, rs, NULL);

	if (!err) {
		lbd_health_sweep(d);
		d->health.adopting = false;
	}
	return err;
}

/*
 * Evaluate what is due: reals marked by checks, state-changing reports
 * and load-aware weights, then reals whose deadline passed.  What
 * changed is committed at once, but only as many services as fit in
 * LBD_HEALTH_BUDGET_US (each rebuilds its Maglev table, 1.5 ms or more;
 * the cost per service is learnt from the commits): when many reals
 * change together (a rack down, the first reports after a start), the
 * rest follow in the next turns, and reports are read in between.
 */
static void lbd_health_run(struct lbd *d, uint64_t now)
{
	struct lbd_health *h = &d->health;
	uint32_t i, id, changes = 0, svcs = 0, max;
	struct timeval zero = { 0, 0 };
	struct lb_commit_stats cs;
	bool changed = false;
	uint64_t t0, due;
	int err;

	/* Before the first commit: a Maglev build of 65537 entries. */
	max = LBD_HEALTH_BUDGET_US / (h->svc_cost_us ? h->svc_cost_us : 2000);
	if (max < 1)
		max = 1;
	/* What takes capacity away first, and all of it. */
	for (i = 0; i < h->n_urgent; i++) {
		id = h->urgent_list[i];
		h->urgent[id] = 0;
		changed |= lbd_hreal_run(d, id, true, now, &changes, &svcs);
	}
	h->n_urgent = 0;
	for (i = 0; i < h->n_dirty && svcs < max; i++) {
		id = h->dirty_list[i];
		h->dirty[id] = 0;
		changed |= lbd_hreal_run(d, id, true, now, &changes, &svcs);
	}
	/* The rest, in order, next turn. */
	memmove(h->dirty_list, h->dirty_list + i,
		(h->n_dirty - i) * sizeof(*h->dirty_list));
	h->n_dirty -= i;
	if (lb_deadline_peek(&h->dl, NULL, &due) && due <= now) {
		/*
		 * Reports already waiting are read before a deadline is
		 * acted on: a loop that was busy (a long commit, a large
		 * status) is no evidence that an agent went silent.
		 * Bounded: a flood does not keep the clock out.
		 */
		lbd_rx_drain(d, LBD_RX_POLL_ROUNDS);
		now = keel_now_ms();
	}
	while (svcs < max && lb_deadline_pop(&h->dl, now, &id))
		changed |= lbd_hreal_run(d, id, false, now, &changes, &svcs);
	/* A timer, not event_active(): the loop polls its sockets first. */
	if (h->n_dirty || svcs >= max)
		evtimer_add(h->more, &zero);
	if (!changed && !h->commit_pending)
		return;
	t0 = keel_now_us();
	err = lb_model_commit(&d->m, &cs);
	if (svcs) /* an average that follows the machine's load */
		h->svc_cost_us =
			(3 * h->svc_cost_us + (keel_now_us() - t0) / svcs) / 4;
	if (err) {
		/* Staged in the model: tried again, whatever else happens. */
		struct timeval tv;

		h->retry_ms =
			h->commit_pending ?
				(h->retry_ms < 500 ? 2 * h->retry_ms : 1000) :
				100;
		h->commit_pending = true;
		tv.tv_sec = h->retry_ms / 1000;
		tv.tv_usec = h->retry_ms % 1000 * 1000;
		evtimer_add(h->more, &tv);
		keel_log(LOG_ERR,
			 "applying health changes: %s (again in %u ms)",
			 strerror(-err), h->retry_ms);
		return;
	}
	h->commit_pending = false;
	lbd_generation_bump(d);
}

/*
 * The replay guards to disk (lb_replay.h): every LBD_REPLAY_SAVE_MS while
 * reports are accepted, and durably when lbd stops.  After a crash, what
 * lbd could take again is what agents sent since the last save.
 */
static void lbd_replay_save(struct lbd *d, uint64_t now, bool durable)
{
	static struct keel_ratelimit rl = { .interval_ms = 60000, .burst = 1 };
	struct lbd_health *h = &d->health;
	char path[PATH_MAX];
	uint64_t n;
	int err;

	if (!h->replay_dirty)
		return;
	err = lbd_replay_path(d, path, sizeof(path));
	if (!err)
		err = lb_replay_save(path, &h->agents, durable);
	h->replay_saved_ms = now;
	if (!err) {
		h->replay_dirty = false;
		return;
	}
	if (keel_ratelimit_ok(&rl, now, &n))
		keel_log(
			LOG_ERR,
			"replay file %s: %s (a restarted lbd may accept reports it has already seen)",
			path, strerror(-err));
}

/*
 * An accepted report of slot's agent.  changed: its states changed, or it
 * is the first after a silence: its reals are marked for evaluation.
 * Returns true when that must happen now: a real's verdict is no longer
 * UP (a service went DOWN or DRAINING).  A report that only brings reals
 * up waits for the clock (half an interval): a crowd of agents coming up
 * at once (lbd's start, a rack back) then rebuilds each service once or
 * twice, not once per agent (3000 agents: 3000 Maglev rebuilds, seconds
 * of CPU, before).
 */
static bool lbd_health_heard(struct lbd *d, const struct lb_agent_slot *slot,
			     bool changed, uint64_t now)
{
	struct lbd_health *h = &d->health;
	uint32_t a = slot - h->agents.v, id, conns;
	bool now_too = false, timeout, down;
	struct lbd_hreal *e;

	if (!h->agent_first) {
		/* The per-agent arrays could not be made (out of memory):
		 * find the agent's reals the long way rather than lose a
		 * DOWN report. */
		for (id = 1; changed && id < KEEL_MAX_REALS; id++)
			if ((e = h->hr[id]) && e->type == LB_CFG_HC_AGENT &&
			    e->family == slot->a.family &&
			    !memcmp(e->addr, slot->a.addr, 16))
				lbd_health_mark(h, id, true);
		return changed;
	}
	if (!h->agent_dirty[a]) {
		h->agent_dirty[a] = 1;
		h->agent_dirty_list[h->n_agent_dirty++] = a;
	}
	for (id = h->agent_first[a]; changed && id && (e = h->hr[id]);
	     id = e->agent_next) {
		down = lb_agent_verdict(&slot->a, &e->svc, now, e->start_ms,
					d->cfg.agents.dead_after_ms,
					d->cfg.agents.keep_flows_ms,
					e->had_flows, &timeout,
					&conns) != KEEL_RS_UP;
		lbd_health_mark(h, id, down);
		now_too |= down;
	}
	return now_too;
}

static void lbd_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	uint64_t now;

	(void)fd;
	(void)what;
	now = keel_now_ms();
	lbd_loadw(d, now, false);
	lbd_health_run(d, now);
	if (now - d->health.replay_saved_ms >= LBD_REPLAY_SAVE_MS)
		lbd_replay_save(d, now, false);
	lbd_loop_note(d);
}

/* ---- the receiver ---- */

/* The datagram's source as a keel family and address. */
static bool lbd_src(const struct sockaddr_storage *ss, uint8_t *family,
		    __be32 addr[4])
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		*family = KEEL_F_INET;
		addr[0] = s4->sin_addr.s_addr;
	} else if (ss->ss_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*family = KEEL_F_INET;
		memcpy(addr, &s6->sin6_addr.s6_addr[12], 4);
	} else if (ss->ss_family == AF_INET6) {
		*family = KEEL_F_INET6;
		memcpy(addr, &s6->sin6_addr, 16);
	} else {
		return false;
	}
	return true;
}

static const char *const lbd_rx_why[LB_AGENTS_RX__MAX] = {
	[LB_AGENTS_RX_MALFORMED] = "malformed",
	[LB_AGENTS_RX_VERSION] = "a protocol version this lbd does not know",
	[LB_AGENTS_RX_UNKNOWN_SOURCE] =
		"not sent from the address of a real with agent health",
	[LB_AGENTS_RX_WRONG_REAL] =
		"it names another real than its source address",
	[LB_AGENTS_RX_REPLAY] = "replayed or reordered",
	[LB_AGENTS_RX_OLD_BOOT] =
		"from an earlier boot of the agent than the last accepted (a replay, or an agent whose boot counter went back: docs/agent-protocol.md)",
	[LB_AGENTS_RX_DOWNGRADE] =
		"protocol version 1 from an agent that speaks version 2",
	[LB_AGENTS_RX_RATE_LIMITED] =
		"an unlikely header while many arrive: not verified",
	[LB_AGENTS_RX_BAD_MAC] = "bad MAC (wrong key or key id, or altered)",
};

/*
 * urgent: a report that must be acted on now (lbd_health_heard()); the
 * others wait for the timer, so steady reports from many agents cost no
 * evaluation and agents coming up one evaluation per half interval.
 */
static void lbd_rx_one(struct lbd *d, const uint8_t *buf, size_t len,
		       const struct sockaddr_storage *ss, uint64_t now,
		       bool *urgent)
{
	struct lbd_health *h = &d->health;
	struct lb_agent_slot *slot;
	enum lb_agents_result res;
	uint64_t suppressed;
	bool changed;
	char src[64];
	uint8_t fam;
	__be32 addr[4];

	if (!lbd_src(ss, &fam, addr))
		return;
	res = lb_agents_classify(&h->agents, buf, len, fam, addr, now, &slot);
	h->results[res]++;
	if (res == LB_AGENTS_RX_OK) {
		h->replay_dirty = true;
		changed =
			lb_agent_urgent(slot, now, d->cfg.agents.dead_after_ms);
		*urgent |= lbd_health_heard(d, slot, changed, now);
		return;
	}
	if (!keel_ratelimit_ok(&h->rl[res], now, &suppressed))
		return;
	if (keel_addr_format(fam, addr, src, sizeof(src)) < 0)
		snprintf(src, sizeof(src), "?");
	keel_log(LOG_WARNING,
		 "agent report from %s (%zu bytes) rejected, %s: %s%s", src,
		 len, lb_agents_result_name(res), lbd_rx_why[res],
		 suppressed ? " (more of these suppressed)" : "");
}

/* Up to rounds batches from the socket; how many datagrams were read. */
static int lbd_rx_drain(struct lbd *d, int rounds)
{
	static uint8_t bufs[LBD_RX_BATCH][KEEL_REPORT_LEN_MAX + 1];
	struct sockaddr_storage from[LBD_RX_BATCH];
	struct mmsghdr msgs[LBD_RX_BATCH];
	struct iovec iov[LBD_RX_BATCH];
	bool urgent = false;
	int n, i, round, total = 0;
	uint64_t now;

	for (round = 0; round < rounds && d->health.fd >= 0; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < LBD_RX_BATCH; i++) {
			/* One byte more than a report: longer is malformed. */
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(d->health.fd, msgs, LBD_RX_BATCH, MSG_DONTWAIT,
			     NULL);
		if (n <= 0)
			break;
		total += n;
		now = keel_now_ms();
		for (i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len;

			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = sizeof(bufs[i]);
			lbd_rx_one(d, bufs[i], len, &from[i], now, &urgent);
		}
		if (n < LBD_RX_BATCH)
			break;
	}
	/*
	 * A DOWN report takes effect now, not at the next tick: in this
	 * loop turn, once every waiting report is read (one evaluation).
	 */
	if (urgent)
		event_active(d->health.soon, 0, 0);
	return total;
}

static void lbd_on_report(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, LBD_RX_POLL_SLOW_MS * 1000 };
	struct lbd *d = arg;
	struct lbd_health *h = &d->health;
	uint64_t now;
	int n;

	(void)fd;
	(void)what;
	n = lbd_rx_drain(d, LBD_RX_ROUNDS);
	now = keel_now_ms();
	if (now - h->rx_win_ms >= LBD_RX_WINDOW_MS) {
		h->rx_win_ms = now;
		h->rx_win_n = 0;
	}
	h->rx_win_n += n;
	/* Busy: read on a clock from now on, not at every datagram. */
	if (h->rx_win_n >= LBD_RX_BUSY && h->rx_poll && !event_del(h->rx)) {
		if (event_add(h->rx_poll, &tv)) {
			event_add(h->rx, NULL); /* never leave it unread */
		} else {
			h->rx_busy = true;
			h->rx_fast = false;
		}
	}
	lbd_loop_note(d);
}

static void lbd_on_rx_poll(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	struct lbd_health *h = &d->health;

	struct timeval tv = { 0, 0 };
	bool fast;
	int n;

	(void)fd;
	(void)what;
	n = lbd_rx_drain(d, LBD_RX_POLL_ROUNDS);
	if (n < LBD_RX_CALM && h->rx) {
		/* Calm again: back to reading when a datagram comes (if
		 * that cannot be set up, the clock keeps reading). */
		if (!event_add(h->rx, NULL)) {
			event_del(h->rx_poll);
			h->rx_busy = false;
			h->rx_win_n = 0;
		}
	} else {
		fast = h->rx_fast ? n >= LBD_RX_FAST / 4 : n >= LBD_RX_FAST;
		if (fast != h->rx_fast) {
			h->rx_fast = fast;
			tv.tv_usec = 1000 * (fast ? LBD_RX_POLL_MS :
						    LBD_RX_POLL_SLOW_MS);
			event_del(h->rx_poll);
			event_add(h->rx_poll, &tv);
		}
	}
	lbd_loop_note(d);
}

static void lbd_on_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_health_run(arg, keel_now_ms());
	lbd_loop_note(arg);
}

/* Called once from lbd_start() before the first apply. */
int lbd_health_init(struct lbd *d)
{
	struct lbd_health *h = &d->health;
	size_t i;
	int err;

	h->fd = -1;
	h->filter_fd = -1;
	h->adopting = true;
	/* Now, while lbd may still load BPF programs (lb_rxfilter.h). */
	err = lb_rxfilter_open(&h->filter);
	if (err)
		keel_log(
			LOG_WARNING,
			"agent report socket filter not loaded (%s): lbd drops reports from other sources itself",
			strerror(-err));
	for (i = 0; i < LB_AGENTS_RX__MAX; i++) {
		h->rl[i].interval_ms = 10000;
		h->rl[i].burst = 5;
	}
	h->timer = event_new(d->base, -1, EV_PERSIST, lbd_on_timer, d);
	h->soon = event_new(d->base, -1, 0, lbd_on_soon, d);
	h->rx_poll = event_new(d->base, -1, EV_PERSIST, lbd_on_rx_poll, d);
	h->more = evtimer_new(d->base, lbd_on_soon, d);
	if (!h->timer || !h->soon || !h->rx_poll || !h->more ||
	    lb_deadline_init(&h->dl, KEEL_MAX_REALS))
		return -ENOMEM;
	return 0;
}

void lbd_health_stop(struct lbd *d)
{
	struct lbd_health *h = &d->health;
	size_t i;

	lbd_rx_close(h);
	h->filter_fd = -1;
	lb_rxfilter_close(h->filter);
	h->filter = NULL;
	lbd_replay_save(d, keel_now_ms(), true);
	free(h->restore);
	h->restore = NULL;
	if (h->timer)
		event_free(h->timer);
	if (h->soon)
		event_free(h->soon);
	if (h->rx_poll)
		event_free(h->rx_poll);
	if (h->more)
		event_free(h->more);
	h->timer = h->soon = h->rx_poll = h->more = NULL;
	for (i = 0; i < KEEL_MAX_REALS; i++) {
		lbd_hreal_free(h->hr[i]);
		h->hr[i] = NULL;
	}
	lb_agents_free(&h->agents);
	lb_deadline_free(&h->dl);
	lbd_agent_index_free(h);
}

/* ---- status and metrics ---- */

/* Datagrams with this result; unknown_source includes the filter's. */
static uint64_t lbd_rx_count(struct lbd_health *h, unsigned int res)
{
	uint64_t n = h->results[res];

	if (res == LB_AGENTS_RX_UNKNOWN_SOURCE && h->filter)
		n += lb_rxfilter_dropped(h->filter);
	return n;
}

static const struct lbd_hreal *
lbd_hreal_of(struct lbd *d, const struct lb_service *s, const struct lb_real *r)
{
	const struct lbd_hreal *e = d->health.hr[r->id];

	if (!e || memcmp(&e->svc, &s->key, sizeof(s->key)) ||
	    e->family != r->family || memcmp(e->addr, r->addr, 16))
		return NULL;
	return e;
}

static const struct lb_agent_slot *lbd_slot_of(struct lbd *d,
					       const struct lbd_hreal *e)
{
	const struct lb_agent_slot *slot;

	if (!e || e->type != LB_CFG_HC_AGENT)
		return NULL;
	slot = lb_agents_find(&d->health.agents, e->family, e->addr);
	return slot && slot->a.heard ? slot : NULL;
}

/* The connections slot's agent reports for e's service, unless silent. */
static bool lbd_conns_of(struct lbd *d, const struct lbd_hreal *e,
			 const struct lb_agent_slot *slot, uint64_t now,
			 uint32_t *conns)
{
	bool timeout;

	if (!slot)
		return false;
	lb_agent_verdict(&slot->a, &e->svc, now, e->start_ms,
			 d->cfg.agents.dead_after_ms,
			 d->cfg.agents.keep_flows_ms, e->had_flows, &timeout,
			 conns);
	return !timeout;
}

void lbd_health_view_real(struct lbd *d, const struct lb_service *s,
			  const struct lb_real *r, json_t *o)
{
	const struct lbd_hreal *e = lbd_hreal_of(d, s, r);
	const struct lb_agent_slot *slot = lbd_slot_of(d, e);
	uint64_t now = keel_now_ms();
	uint32_t conns = 0;
	bool has_conns = lbd_conns_of(d, e, slot, now, &conns);

	json_object_set_new(o, "source",
			    json_string(e ? lb_health_source_name(e->source) :
					    "config"));
	json_object_set_new(
		o, "health",
		json_string(lb_cfg_hc_name(e ? e->type : LB_CFG_HC_NONE)));
	json_object_set_new(o, "configured_weight",
			    json_integer(e ? e->cfg_weight : r->weight));
	json_object_set_new(o, "report_age_ms",
			    slot ? json_integer(now - slot->a.last_ms) :
				   json_null());
	json_object_set_new(o, "conns",
			    has_conns ? json_integer(conns) : json_null());
	json_object_set_new(o, "load",
			    slot ? json_real(slot->a.last.load / 1000.0) :
				   json_null());
	json_object_set_new(o, "agent_restarts",
			    slot ? json_integer(slot->boots) : json_null());
	/* What a reinstalled agent's counter must exceed (rs-agent.md). */
	json_object_set_new(o, "agent_protocol",
			    slot ? json_integer(slot->a.last.version) :
				   json_null());
	json_object_set_new(
		o, "agent_boot",
		slot && slot->a.replay.v2 ?
			json_integer((json_int_t)slot->a.replay.boot) :
			json_null());
	json_object_set_new(o, "check",
			    e && e->check ?
				    json_string(keel_check_detail(e->check)) :
				    json_null());
}

json_t *lbd_health_view(struct lbd *d)
{
	struct lbd_health *h = &d->health;
	json_t *res = json_object(), *keys = json_array();
	size_t i;

	for (i = 0; res && i < LB_AGENTS_RX__MAX; i++)
		json_object_set_new(res, lb_agents_result_name(i),
				    json_integer(lbd_rx_count(h, i)));
	for (i = 0; keys && i < h->agents.n_keys; i++)
		json_array_append_new(
			keys,
			json_pack("{sIsI}", "id",
				  (json_int_t)h->agents.keys[i].id, "reports",
				  (json_int_t)h->agents.keys[i].reports));
	return json_pack("{sosbsbsIsIsIsIsososI}", "listen",
			 h->listen[0] ? json_string(h->listen) : json_null(),
			 "filter", h->filter_fd >= 0 && h->filter_fd == h->fd,
			 "busy", h->rx_busy, "interval_ms",
			 (json_int_t)d->cfg.agents.interval_ms, "dead_after_ms",
			 (json_int_t)d->cfg.agents.dead_after_ms,
			 "keep_flows_ms",
			 (json_int_t)d->cfg.agents.keep_flows_ms, "agents",
			 (json_int_t)h->agents.n, "reports", res, "keys", keys,
			 "probes_not_run", (json_int_t)keel_probe_not_run());
}

void lbd_health_metrics(struct lbd *d, struct evbuffer *b)
{
	static const uint8_t sources[] = {
		LB_SRC_CONFIG,	      LB_SRC_ADMIN,	 LB_SRC_AGENT,
		LB_SRC_AGENT_TIMEOUT, LB_SRC_CHECK,	 LB_SRC_INIT,
		LB_SRC_AGENT_SILENT,  LB_SRC_CHECK_HELD,
	};
	struct lbd_health *h = &d->health;
	uint64_t now = keel_now_ms();
	char svc[80], real[64], id[16];
	uint32_t conns;
	size_t i, j, k;

	keel_prom_help(b, "keel_agent_reports_total", "counter",
		       "agent reports received, by result");
	for (i = 0; i < LB_AGENTS_RX__MAX; i++) {
		struct keel_prom_label l[] = { { "result",
						 lb_agents_result_name(i) } };

		keel_prom_sample(b, "keel_agent_reports_total", l, 1,
				 lbd_rx_count(h, i));
	}
	keel_prom_help(b, "keel_agent_key_reports_total", "counter",
		       "agent reports accepted, by key id");
	for (i = 0; i < h->agents.n_keys; i++) {
		struct keel_prom_label l[] = { { "key_id", id } };

		snprintf(id, sizeof(id), "%u", h->agents.keys[i].id);
		keel_prom_sample(b, "keel_agent_key_reports_total", l, 1,
				 h->agents.keys[i].reports);
	}
	keel_prom_help(b, "keel_agent_restarts_total", "counter",
		       "boot id changes seen from the agent of a real");
	for (i = 0; i < h->agents.n; i++) {
		const struct lb_agent_slot *s = &h->agents.v[i];
		struct keel_prom_label l[] = { { "real", real } };

		keel_addr_format(s->a.family, s->a.addr, real, sizeof(real));
		keel_prom_sample(b, "keel_agent_restarts_total", l, 1,
				 s->boots);
	}
	keel_metrics_probes_not_run(b, keel_probe_not_run());
	keel_prom_help(
		b, "keel_checks_held", "gauge",
		"reals whose check could not run its last probe (state held)");
	for (i = k = 0; i < KEEL_MAX_REALS; i++)
		k += h->hr[i] && h->hr[i]->check &&
		     keel_check_held(h->hr[i]->check);
	keel_prom_sample(b, "keel_checks_held", NULL, 0, k);
	keel_prom_help(b, "keel_real_source", "gauge",
		       "1 for the input that decided the real's state");
	keel_prom_help(b, "keel_real_report_age_seconds", "gauge",
		       "time since the real's agent's last accepted report");
	keel_prom_help(b, "keel_real_connections", "gauge",
		       "established connections the real's agent reports");
	keel_prom_help(b, "keel_real_load", "gauge",
		       "host load the real's agent reports");
	for (i = 0; i < d->m.n_svcs; i++) {
		struct lb_service *s = d->m.svcs[i];

		if (s->deleted)
			continue;
		keel_vip_format(&s->key, svc, sizeof(svc));
		for (j = 0; j < s->n_reals; j++) {
			const struct lb_real *r = &s->reals[j];
			const struct lbd_hreal *e = lbd_hreal_of(d, s, r);
			const struct lb_agent_slot *slot = lbd_slot_of(d, e);
			struct keel_prom_label l[] = { { "service", svc },
						       { "real", real },
						       { "source", NULL } };

			if (r->deleted || !e)
				continue;
			keel_addr_format(r->family, r->addr, real,
					 sizeof(real));
			for (k = 0; k < sizeof(sources); k++) {
				l[2].value = lb_health_source_name(sources[k]);
				keel_prom_sample(b, "keel_real_source", l, 3,
						 e->source == sources[k]);
			}
			if (!slot)
				continue;
			keel_prom_sample(b, "keel_real_report_age_seconds", l,
					 2, (now - slot->a.last_ms) / 1000.0);
			if (lbd_conns_of(d, e, slot, now, &conns))
				keel_prom_sample(b, "keel_real_connections", l,
						 2, conns);
			keel_prom_sample(b, "keel_real_load", l, 2,
					 slot->a.last.load / 1000.0);
		}
	}
}
