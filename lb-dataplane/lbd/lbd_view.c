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

/* Health members of one real's status object o. */
static void lbd_view_real_health(struct lbd *d, const struct lb_service *s,
				 const struct lb_real *r, json_t *o)
{
	const struct lbd_hreal *e = lbd_eval_real(d, s, r);
	const struct lb_agent_slot *slot = lbd_eval_slot(d, e);
	uint64_t now = keel_now_ms();
	uint32_t conns = 0;
	bool has_conns = lbd_eval_conns(d, e, slot, now, &conns);

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

/* The report receiver: "agents" of the status. */
static json_t *lbd_view_agents(struct lbd *d)
{
	const struct lbd_rx *h = &d->rx;
	const struct lb_agents *ag = &d->agents;
	json_t *res = json_object(), *keys = json_array();
	size_t i;

	for (i = 0; res && i < LB_AGENTS_RX__MAX; i++)
		json_object_set_new(res, lb_agents_result_name(i),
				    json_integer(lbd_rx_count(d, i)));
	for (i = 0; keys && i < ag->n_keys; i++)
		json_array_append_new(
			keys,
			json_pack("{sIsI}", "id", (json_int_t)ag->keys[i].id,
				  "reports", (json_int_t)ag->keys[i].reports));
	return json_pack("{sosbsbsIsIsIsIsososI}", "listen",
			 h->listen[0] ? json_string(h->listen) : json_null(),
			 "filter", lbd_rx_filtered(d), "busy", h->rx_busy,
			 "interval_ms", (json_int_t)d->cfg.agents.interval_ms,
			 "dead_after_ms",
			 (json_int_t)d->cfg.agents.dead_after_ms,
			 "keep_flows_ms",
			 (json_int_t)d->cfg.agents.keep_flows_ms, "agents",
			 (json_int_t)ag->n, "reports", res, "keys", keys,
			 "probes_not_run", (json_int_t)keel_probe_not_run());
}

static json_t *lbd_view_real(struct lbd *d, const struct lb_service *s,
			     const struct lb_real *r)
{
	const struct lb_state_admin *a = lbd_admin(d, s, r);
	const struct lbd_rate *rate = &d->real_rate[r->id];
	const struct keel_traffic *t = &d->real_t[r->id];
	char addr[64], mac[20], ifname[IF_NAMESIZE] = "";
	json_t *o;

	keel_addr_format(r->family, r->addr, addr, sizeof(addr));
	keel_mac_format(r->mac, mac, sizeof(mac));
	if (r->mac_ok)
		lbd_ifname(d, r->ifindex, ifname);
	o = json_pack("{sssIsIsIss}", "real", addr, "id", (json_int_t)r->id,
		      "weight", (json_int_t)r->weight, "effective_weight",
		      (json_int_t)(lb_real_selectable(r) ? r->weight : 0),
		      "state", keel_rs_name(r->state));
	if (!o) {
		keel_log(LOG_ERR, "status: cannot render real %s", addr);
		return NULL;
	}
	lbd_view_real_health(d, s, r, o);
	json_object_set_new(o, "admin",
			    json_pack("{sbsbso}", "drain", a && a->drain,
				      "down", a && a->down, "weight",
				      a && a->has_weight ?
					      json_integer(a->weight) :
					      json_null()));
	json_object_set_new(o, "mac",
			    r->mac_ok ? json_string(mac) : json_null());
	json_object_set_new(o, "mac_resolved", json_boolean(r->mac_ok));
	json_object_set_new(o, "ifname",
			    ifname[0] ? json_string(ifname) : json_null());
	json_object_set_new(o, "ring_entries", json_integer(r->ring_entries));
	json_object_set_new(o, "usable", json_boolean(lb_real_usable(r)));
	json_object_set_new(o, "packets", json_integer(t->packets));
	json_object_set_new(o, "bytes", json_integer(t->bytes));
	json_object_set_new(o, "new_flows", json_integer(t->new_flows));
	json_object_set_new(o, "pps", json_real(rate->pps));
	json_object_set_new(o, "fps", json_real(rate->fps));
	return o;
}

/* How many of s's reals are in each state: the summary of a large site. */
static json_t *lbd_view_counts(const struct lb_service *s)
{
	uint32_t n[KEEL_RS_DRAINING + 1] = {}, total = 0, usable = 0, sel = 0;
	uint32_t up_usable = 0;
	size_t i;

	for (i = 0; i < s->n_reals; i++) {
		const struct lb_real *r = &s->reals[i];

		if (r->deleted)
			continue;
		total++;
		n[r->state <= KEEL_RS_DRAINING ? r->state : KEEL_RS_UNKNOWN]++;
		usable += lb_real_usable(r);
		sel += lb_real_selectable(r);
		up_usable += r->state == KEEL_RS_UP && lb_real_usable(r);
	}
	return json_pack("{sisisisisisisisi}", "total", total, "up",
			 n[KEEL_RS_UP], "draining", n[KEEL_RS_DRAINING], "down",
			 n[KEEL_RS_DOWN], "unknown", n[KEEL_RS_UNKNOWN],
			 "usable", usable, "up_usable", up_usable, "selectable",
			 sel);
}

json_t *lbd_view_service(struct lbd *d, struct lb_service *s, bool reals)
{
	const struct lb_cfg_service *cs = lb_cfg_find_service(&d->cfg, &s->key);
	const struct lbd_rate *rate = &d->svc_rate[s->svc_id];
	const struct keel_traffic *t = &d->svc_t[s->svc_id];
	char name[80];
	json_t *o, *arr;
	size_t i;

	keel_vip_format(&s->key, name, sizeof(name));
	o = json_pack("{sssbsIsIsIsIsfsf}", "service", name, "persistent",
		      (int)!!(s->flags & KEEL_SVC_F_PERSISTENT), "ring_size",
		      (json_int_t)s->ring_size, "packets",
		      (json_int_t)t->packets, "bytes", (json_int_t)t->bytes,
		      "new_flows", (json_int_t)t->new_flows, "pps", rate->pps,
		      "fps", rate->fps);
	if (!o)
		return NULL;
	json_object_set_new(o, "load_aware",
			    json_boolean(cs && cs->load_aware.enabled));
	if (!reals) {
		json_object_set_new(o, "real_count", lbd_view_counts(s));
		return o;
	}
	arr = json_array();
	for (i = 0; arr && i < s->n_reals; i++)
		if (!s->reals[i].deleted)
			json_array_append_new(arr, lbd_view_real(d, s,
								 &s->reals[i]));
	json_object_set_new(o, "reals", arr);
	return o;
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
/* What the program holds (read back, not the config): null if unreadable. */
static json_t *lbd_view_insert_limit(struct lbd *d)
{
	uint32_t cap;

	return lb_dp_conn_insert_cap(d->dp, &cap) ? json_null() :
						    json_integer(cap);
}

json_t *lbd_view_dataplane(struct lbd *d)
{
	json_t *att = json_array();
	bool ok, every = d->cfg.n_ifaces > 0;
	size_t i;

	for (i = 0; att && i < d->cfg.n_ifaces; i++) {
		ok = lbd_view_iface_attached(d, i);
		every &= ok;
		json_array_append_new(
			att, json_pack("{sssssb}", "ifname",
				       d->cfg.ifaces[i].name, "mode",
				       d->cfg.ifaces[i].generic ? "generic" :
								  "native",
				       "attached", ok));
	}
	return json_pack("{sbsosIsIso}", "all_attached", every, "attached", att,
			 "conn_entries", (json_int_t)d->conn_entries,
			 "conn_capacity", (json_int_t)d->conn_capacity,
			 "conn_insert_limit", lbd_view_insert_limit(d));
}

json_t *lbd_view_loop(struct lbd *d)
{
	const struct lb_stall *s = &d->stall;

	return json_pack("{sfsfsIsisisi}", "stall_max_ms",
			 lb_stall_recent_us(s, keel_now_ms()) / 1000.0,
			 "stall_max_ms_since_start", s->max_us / 1000.0,
			 "stalls_over_budget", (json_int_t)s->over, "budget_ms",
			 LB_STALL_BUDGET_US / 1000, "window_s",
			 LB_STALL_WINDOW_S, "heartbeat_ms", LBD_BEAT_MS);
}

json_t *lbd_view_site(struct lbd *d)
{
	const struct lb_state_site *s = &d->st.site;

	return json_pack("{sbsoso}", "drained", s->drained, "since",
			 s->drained && s->has_since ? json_integer(s->since) :
						      json_null(),
			 "reason",
			 s->drained && s->reason[0] ? json_string(s->reason) :
						      json_null());
}

json_t *lbd_view_status(struct lbd *d, bool summary)
{
	json_t *o, *svcs;
	size_t i;

	lbd_stats_read(d);
	svcs = json_array();
	for (i = 0; svcs && i < d->m.n_svcs; i++)
		json_array_append_new(svcs, lbd_view_service(d, d->m.svcs[i],
							     !summary));
	o = json_pack("{sssIss}", "instance", d->cfg.instance, "generation",
		      (json_int_t)d->generation, "config", d->config_path);
	if (!o)
		return NULL;
	json_object_set_new(o, "last_reload",
			    json_pack("{sbsIso}", "ok", d->reload_ok, "at",
				      (json_int_t)d->reload_at, "error",
				      d->reload_err[0] ?
					      json_string(d->reload_err) :
					      json_null()));
	json_object_set_new(o, "site", lbd_view_site(d));
	json_object_set_new(o, "dataplane", lbd_view_dataplane(d));
	json_object_set_new(o, "loop", lbd_view_loop(d));
	json_object_set_new(o, "agents", lbd_view_agents(d));
	json_object_set_new(o, "services", svcs);
	return o;
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
