// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What lbd shows: status JSON, counters and rates (lbd_view.h). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <event2/buffer.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "keel_clock.h"
#include "keel_ctl_lbd.h"
#include "keel_ctlsock.h"
#include "keel_log.h"
#include "keel_names.h"
#include "keel_addr.h"
#include "keel_probe.h"
#include "lb_health.h"
#include "lbd.h"
#include "lbd_eval.h"
#include "lbd_loop.h"
#include "lbd_pair_fsm.h"
#include "lbd_rx.h"
#include "lbd_view.h"

static const struct lb_state_admin *
lbd_admin(struct lbd *d, const struct lb_service *s, const struct lb_real *r)
{
	return lb_state_find_admin(&d->st, &s->key, r->family, r->addr);
}

/* The highest id in use + 1 of an id table. */
static uint32_t lbd_ids_used(const uint8_t *used, uint32_t n)
{
	while (n && !used[n - 1])
		n--;
	return n;
}

int lbd_stats_read(struct lbd *d)
{
	uint32_t nr = lbd_ids_used(d->m.real_used, KEEL_MAX_REALS);
	uint32_t ns = lbd_ids_used(d->m.svc_used, KEEL_MAX_SERVICES);
	int err;

	err = lb_dp_real_stats_all(d->dp, nr, d->real_t);
	if (!err)
		err = lb_dp_svc_stats_all(d->dp, ns, d->svc_t);
	if (err) {
		memset(d->real_t, 0, sizeof(d->real_t));
		memset(d->svc_t, 0, sizeof(d->svc_t));
	}
	return err;
}

/* A real's egress name: one of lbd's interfaces, else asked. */
static void lbd_ifname(struct lbd *d, uint32_t ifindex, char *buf)
{
	size_t i;

	for (i = 0; i < d->cfg.n_ifaces; i++) {
		if (d->attached[i] == (int)ifindex) {
			snprintf(buf, IF_NAMESIZE, "%s", d->cfg.ifaces[i].name);
			return;
		}
	}
	if (!if_indextoname(ifindex, buf))
		buf[0] = '\0';
}

/*
 * The answers below are filled into keel_ctl_lbd's structs and written
 * by its encoders, which pin the members, their order and null-or-absent
 * (docs/control-protocol.md).  Every string goes through snprintf into a
 * buffer at least as large as lbd's own, so none is cut.
 */

/* Health members of one real's answer. */
static void lbd_view_real_health(struct lbd *d, const struct lb_service *s,
				 const struct lb_real *r,
				 struct keel_ctl_real *o)
{
	const struct lbd_hreal *e = lbd_eval_real(d, s, r);
	const struct lb_agent_slot *slot = lbd_eval_slot(d, e);
	uint64_t now = keel_now_ms();

	snprintf(o->source, sizeof(o->source), "%s",
		 e ? lb_health_source_name(e->source) : "config");
	snprintf(o->health, sizeof(o->health), "%s",
		 lb_cfg_hc_name(e ? e->type : LB_CFG_HC_NONE));
	o->configured_weight = e ? e->cfg_weight : r->weight;
	o->has_conns = lbd_eval_conns(d, e, slot, now, &o->conns);
	if (slot) {
		o->has_report_age_ms = true;
		o->report_age_ms =
			now > slot->a.last_ms ? now - slot->a.last_ms : 0;
		o->has_load = true;
		o->load = slot->a.last.load / 1000.0;
		o->has_agent_restarts = true;
		o->agent_restarts = slot->boots;
		o->has_agent_protocol = true;
		o->agent_protocol = slot->a.last.version;
	}
	/*
	 * What a reinstalled agent's counter must exceed (rs-agent.md): the
	 * wire carries 64 bits, JSON and the codec 0..INT64_MAX.
	 */
	if (slot && slot->a.replay.v2) {
		o->has_agent_boot = true;
		o->agent_boot = slot->a.replay.boot > INT64_MAX ?
					INT64_MAX :
					slot->a.replay.boot;
	}
	if (e && e->check) {
		o->has_check = true;
		snprintf(o->check, sizeof(o->check), "%s",
			 keel_check_detail(e->check));
	}
}

/* The report receiver: "agents" of the status; -ENOMEM. */
static int lbd_view_agents(struct lbd *d, struct keel_ctl_agents *o)
{
	const struct lbd_rx *h = &d->rx;
	const struct lb_agents *ag = &d->agents;
	size_t i;

	*o = (struct keel_ctl_agents){
		.has_listen = h->listen[0] != '\0',
		.filter = lbd_rx_filtered(d),
		.busy = h->rx_busy,
		.interval_ms = d->cfg.agents.interval_ms,
		.dead_after_ms = d->cfg.agents.dead_after_ms,
		.keep_flows_ms = d->cfg.agents.keep_flows_ms,
		.agents = ag->n,
		.probes_not_run = keel_probe_not_run(),
	};
	snprintf(o->listen, sizeof(o->listen), "%s", h->listen);
	o->reports = calloc(LB_AGENTS_RX__MAX, sizeof(*o->reports));
	o->keys = calloc(ag->n_keys ? ag->n_keys : 1, sizeof(*o->keys));
	if (!o->reports || !o->keys)
		return -ENOMEM;
	for (i = 0; i < LB_AGENTS_RX__MAX; i++) {
		snprintf(o->reports[i].name, sizeof(o->reports[i].name), "%s",
			 lb_agents_result_name(i));
		o->reports[i].value = lbd_rx_count(d, i);
	}
	o->n_reports = LB_AGENTS_RX__MAX;
	for (i = 0; i < ag->n_keys; i++)
		o->keys[i] = (struct keel_ctl_key_count){
			.id = ag->keys[i].id,
			.reports = ag->keys[i].reports,
		};
	o->n_keys = ag->n_keys;
	return 0;
}

static void lbd_view_real(struct lbd *d, const struct lb_service *s,
			  const struct lb_real *r, struct keel_ctl_real *o)
{
	const struct lb_state_admin *a = lbd_admin(d, s, r);
	const struct lbd_rate *rate = &d->real_rate[r->id];
	const struct keel_traffic *t = &d->real_t[r->id];
	char ifname[IF_NAMESIZE] = "";

	*o = (struct keel_ctl_real){
		.id = r->id,
		.weight = r->weight,
		.effective_weight = lb_real_weight_now(r),
		/* The state's name, or "unknown" as keel_rs_name() says. */
		.state = r->state <= KEEL_RS_DRAINING ? r->state :
							KEEL_RS_UNKNOWN,
		.admin = { .drain = a && a->drain,
			   .down = a && a->down,
			   .has_weight = a && a->has_weight,
			   .weight = a && a->has_weight ? a->weight : 0 },
		.has_mac = r->mac_ok,
		.mac_resolved = r->mac_ok,
		.ring_entries = r->ring_entries,
		.has_usable = true,
		.usable = lb_real_usable(r),
		.has_sorry = r->sorry,
		.sorry = r->sorry,
		.packets = t->packets,
		.bytes = t->bytes,
		.new_flows = t->new_flows,
		.pps = rate->pps,
		.fps = rate->fps,
	};
	/* Addresses and a MAC fit (KEEL_CTL_REAL_MAX, 18): never -ENOSPC. */
	keel_addr_format(r->family, r->addr, o->real, sizeof(o->real));
	if (r->mac_ok) {
		keel_mac_format(r->mac, o->mac, sizeof(o->mac));
		lbd_ifname(d, r->ifindex, ifname);
	}
	o->has_ifname = ifname[0] != '\0';
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname);
	lbd_view_real_health(d, s, r, o);
}

/* How many of s's reals are in each state: the summary of a large site. */
static void lbd_view_counts(const struct lb_service *s,
			    struct keel_ctl_real_count *c)
{
	uint32_t n[KEEL_RS_DRAINING + 1] = {};
	size_t i;

	*c = (struct keel_ctl_real_count){};
	for (i = 0; i < s->n_reals; i++) {
		const struct lb_real *r = &s->reals[i];

		if (r->deleted)
			continue;
		c->total++;
		n[r->state <= KEEL_RS_DRAINING ? r->state : KEEL_RS_UNKNOWN]++;
		c->usable += lb_real_usable(r);
		if (r->sorry) /* capacity counts leave sorry servers out */
			continue;
		c->selectable += lb_real_selectable(r);
		c->up_usable += r->state == KEEL_RS_UP && lb_real_usable(r);
	}
	c->up = n[KEEL_RS_UP];
	c->draining = n[KEEL_RS_DRAINING];
	c->down = n[KEEL_RS_DOWN];
	c->unknown = n[KEEL_RS_UNKNOWN];
}

int lbd_view_service(struct lbd *d, struct lb_service *s, bool reals,
		     struct keel_ctl_service *o)
{
	const struct lb_cfg_service *cs = lb_cfg_find_service(&d->cfg, &s->key);
	const struct lbd_rate *rate = &d->svc_rate[s->svc_id];
	const struct keel_traffic *t = &d->svc_t[s->svc_id];
	size_t i;

	*o = (struct keel_ctl_service){
		.persistent = !!(s->flags & KEEL_SVC_F_PERSISTENT),
		.ring_size = s->ring_size,
		.packets = t->packets,
		.bytes = t->bytes,
		.new_flows = t->new_flows,
		.pps = rate->pps,
		.fps = rate->fps,
		.load_aware = cs && cs->load_aware.enabled,
		.has_real_count = !reals,
		.has_reals = reals,
	};
	/* "[v6]:port/proto" is at most 57 bytes: it fits. */
	keel_vip_format(&s->key, o->service, sizeof(o->service));
	if (!reals) {
		lbd_view_counts(s, &o->real_count);
		return 0;
	}
	o->reals = calloc(s->n_reals ? s->n_reals : 1, sizeof(*o->reals));
	if (!o->reals)
		return -ENOMEM;
	for (i = 0; i < s->n_reals; i++)
		if (!s->reals[i].deleted)
			lbd_view_real(d, s, &s->reals[i],
				      &o->reals[o->n_reals++]);
	return 0;
}

/* The id of lbd's program: what the kernel reports for an interface. */
static int lbd_prog_id(struct lbd *d, uint32_t *id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = lb_dp_prog_fd(d->dp);

	if (d->prog_id) {
		*id = d->prog_id;
		return 0;
	}
	if (fd < 0)
		return -EBADF;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	d->prog_id = info.id;
	*id = info.id;
	return 0;
}

/*
 * Whether the kernel runs lbd's program on cfg.ifaces[i] now, asked at
 * every call rather than remembered from the attach: someone may have
 * detached or replaced it (ip link set dev X xdp off), or the interface
 * may be gone or re-created under another index.  Announcers withdraw
 * when this is false (docs/control-protocol.md).
 */
bool lbd_view_iface_attached(struct lbd *d, size_t i)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int idx = d->attached[i];
	uint32_t id = 0;

	if (idx <= 0 ||
	    if_nametoindex(d->cfg.ifaces[i].name) != (unsigned int)idx)
		return false;
	if (lbd_prog_id(d, &id) || bpf_xdp_query(idx, 0, &q))
		return false;
	return d->cfg.ifaces[i].generic ? q.skb_prog_id == id :
					  q.drv_prog_id == id;
}

/* The members "all_attached" and "attached" are what announcers read. */
static int lbd_view_dataplane(struct lbd *d, struct keel_ctl_dataplane *o)
{
	size_t i, n = d->cfg.n_ifaces;

	*o = (struct keel_ctl_dataplane){
		.has_all_attached = true,
		.all_attached = n > 0,
		.conn_entries = d->conn_entries,
		.conn_capacity = d->conn_capacity,
	};
	/* What the program holds (read back, not the config): null if not. */
	o->has_conn_insert_limit =
		!lb_dp_conn_insert_cap(d->dp, &o->conn_insert_limit);
	o->attached = calloc(n ? n : 1, sizeof(*o->attached));
	if (!o->attached)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct keel_ctl_iface *f = &o->attached[i];

		snprintf(f->ifname, sizeof(f->ifname), "%s",
			 d->cfg.ifaces[i].name);
		snprintf(f->mode, sizeof(f->mode), "%s",
			 d->cfg.ifaces[i].generic ? "generic" : "native");
		f->attached = lbd_view_iface_attached(d, i);
		o->all_attached &= f->attached;
	}
	o->n_attached = n;
	return 0;
}

static void lbd_view_loop(struct lbd *d, struct keel_ctl_loop *o)
{
	const struct lb_stall *s = &d->stall;

	*o = (struct keel_ctl_loop){
		.stall_max_ms = lb_stall_recent_us(s, keel_now_ms()) / 1000.0,
		.stall_max_ms_since_start = s->max_us / 1000.0,
		.stalls_over_budget = s->over,
		.budget_ms = LB_STALL_BUDGET_US / 1000,
		.window_s = LB_STALL_WINDOW_S,
		.heartbeat_ms = LBD_BEAT_MS,
	};
}

static void lbd_view_site(struct lbd *d, struct keel_ctl_site *o)
{
	const struct lb_state_site *s = &d->st.site;

	*o = (struct keel_ctl_site){
		.drained = s->drained,
		.has_since = s->drained && s->has_since,
		.since = s->drained && s->has_since ? s->since : 0,
		.has_reason = s->drained && s->reason[0],
	};
	if (o->has_reason)
		snprintf(o->reason, sizeof(o->reason), "%s", s->reason);
}

int lbd_view_site_answer(struct lbd *d, struct keel_ctl_site_answer *o)
{
	int err;

	*o = (struct keel_ctl_site_answer){ .has_site = true,
					    .has_dataplane = true };
	lbd_view_site(d, &o->site);
	err = lbd_view_dataplane(d, &o->dataplane);
	if (err)
		keel_ctl_site_free(o);
	return err;
}

int lbd_view_services(struct lbd *d, struct keel_ctl_services *o)
{
	size_t i;

	*o = (struct keel_ctl_services){};
	lbd_stats_read(d);
	o->services =
		calloc(d->m.n_svcs ? d->m.n_svcs : 1, sizeof(*o->services));
	if (!o->services)
		return -ENOMEM;
	for (i = 0; i < d->m.n_svcs; i++)
		lbd_view_service(d, d->m.svcs[i], false,
				 &o->services[o->n_services++]);
	return 0;
}

int lbd_view_status(struct lbd *d, bool summary, struct keel_ctl_status *o)
{
	size_t i;
	int err;

	*o = (struct keel_ctl_status){
		.generation = d->generation,
		.last_reload = { .ok = d->reload_ok,
				 .at = d->reload_at,
				 .has_error = d->reload_err[0] != '\0' },
		.has_site = true,
		.has_dataplane = true,
		.has_loop = true,
		.has_agents = true,
		.has_pair = true,
		.has_services = true,
	};
	lbd_stats_read(d);
	snprintf(o->instance, sizeof(o->instance), "%s", d->cfg.instance);
	/* open(2) took it: shorter than PATH_MAX, the buffer's size. */
	snprintf(o->config, sizeof(o->config), "%s", d->config_path);
	snprintf(o->last_reload.error, sizeof(o->last_reload.error), "%s",
		 d->reload_err);
	lbd_view_site(d, &o->site);
	lbd_view_loop(d, &o->loop);
	lbd_pair_fsm_view(d, &o->pair);
	err = lbd_view_dataplane(d, &o->dataplane);
	if (!err)
		err = lbd_view_agents(d, &o->agents);
	if (err)
		goto out;
	o->services =
		calloc(d->m.n_svcs ? d->m.n_svcs : 1, sizeof(*o->services));
	if (!o->services) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; !err && i < d->m.n_svcs; i++) {
		err = lbd_view_service(d, d->m.svcs[i], !summary,
				       &o->services[i]);
		o->n_services = i + 1;
	}
out:
	if (err)
		keel_ctl_status_free(o);
	return err;
}

void lbd_view_stats(struct lbd *d, struct keel_ctl_stats *out,
		    struct keel_ctl_count counters[KEEL_CNT__MAX])
{
	uint64_t cnt[KEEL_CNT__MAX] = {};
	int i;

	lb_dp_stats(d->dp, cnt);
	for (i = 0; i < KEEL_CNT__MAX; i++) {
		snprintf(counters[i].name, sizeof(counters[i].name), "%s",
			 keel_cnt_name(i));
		counters[i].value = cnt[i];
	}
	*out = (struct keel_ctl_stats){
		.counters = counters,
		.n_counters = KEEL_CNT__MAX,
		.conn_entries = d->conn_entries,
		.conn_capacity = d->conn_capacity,
	};
	/* What the program holds, read back: null if unreadable. */
	out->has_conn_insert_limit =
		!lb_dp_conn_insert_cap(d->dp, &out->conn_insert_limit);
}

static void lbd_rate_update(struct lbd_rate *r, const struct keel_traffic *t)
{
	r->pps = t->packets >= r->packets ? t->packets - r->packets : 0;
	r->fps = t->new_flows >= r->new_flows ? t->new_flows - r->new_flows : 0;
	r->packets = t->packets;
	r->new_flows = t->new_flows;
}

void lbd_sample(struct lbd *d)
{
	bool ok = lbd_stats_read(d) == 0;
	uint64_t cap;
	size_t i, j;

	for (i = 0; ok && i < d->m.n_svcs; i++) {
		struct lb_service *s = d->m.svcs[i];

		lbd_rate_update(&d->svc_rate[s->svc_id], &d->svc_t[s->svc_id]);
		for (j = 0; j < s->n_reals; j++)
			lbd_rate_update(&d->real_rate[s->reals[j].id],
					&d->real_t[s->reals[j].id]);
	}
	/* O(ncpus): the program's insert counters, never a walk. */
	lb_dp_conn_occupancy(d->dp, &d->conn_entries, &cap);
}
