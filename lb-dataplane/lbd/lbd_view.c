// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What lbd shows: status JSON, counters, rates and Prometheus metrics. */
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
#include "keel_ctlsock.h"
#include "keel_log.h"
#include "keel_names.h"
#include "keel_addr.h"
#include "keel_metrics.h"
#include "keel_prom.h"
#include "lbd.h"

static const char *const lbd_states[] = {
	[KEEL_RS_UNKNOWN] = "unknown",
	[KEEL_RS_UP] = "up",
	[KEEL_RS_DOWN] = "down",
	[KEEL_RS_DRAINING] = "draining",
};

const char *lbd_state_name(uint8_t state)
{
	return state <= KEEL_RS_DRAINING ? lbd_states[state] : "unknown";
}

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
		      "state", lbd_state_name(r->state));
	if (!o) {
		keel_log(LOG_ERR, "status: cannot render real %s", addr);
		return NULL;
	}
	lbd_health_view_real(d, s, r, o);
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
static bool lbd_iface_attached(struct lbd *d, size_t i)
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
		ok = lbd_iface_attached(d, i);
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
	json_object_set_new(o, "agents", lbd_health_view(d));
	json_object_set_new(o, "services", svcs);
	return o;
}

json_t *lbd_view_stats(struct lbd *d)
{
	uint64_t cnt[KEEL_CNT__MAX] = {};
	json_t *c = json_object();
	int i;

	lb_dp_stats(d->dp, cnt);
	for (i = 0; c && i < KEEL_CNT__MAX; i++)
		json_object_set_new(c, keel_cnt_name(i), json_integer(cnt[i]));
	return json_pack("{sosIsIso}", "counters", c, "conn_entries",
			 (json_int_t)d->conn_entries, "conn_capacity",
			 (json_int_t)d->conn_capacity, "conn_insert_limit",
			 lbd_view_insert_limit(d));
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

static void lbd_prom_traffic(struct evbuffer *b, const char *kind,
			     const struct keel_prom_label *l, size_t nl,
			     const struct keel_traffic *t)
{
	char name[64];

	snprintf(name, sizeof(name), "keel_%s_packets_total", kind);
	keel_prom_sample(b, name, l, nl, t->packets);
	snprintf(name, sizeof(name), "keel_%s_bytes_total", kind);
	keel_prom_sample(b, name, l, nl, t->bytes);
	snprintf(name, sizeof(name), "keel_%s_new_flows_total", kind);
	keel_prom_sample(b, name, l, nl, t->new_flows);
}

/* The loop's stalls: the longest of the window, a histogram, a count. */
static void lbd_prom_stall(struct evbuffer *b, const struct lb_stall *s)
{
	char le[32];
	uint64_t n = 0;
	int i;

	keel_prom_help(
		b, "keel_lbd_loop_stall_max_seconds", "gauge",
		"longest time lbd's event loop was held over the last 60 s (one loop turn, noted by lbd's callbacks and a 100 ms heartbeat)");
	keel_prom_sample(b, "keel_lbd_loop_stall_max_seconds", NULL, 0,
			 lb_stall_recent_us(s, keel_now_ms()) / 1e6);
	keel_prom_help(
		b, "keel_lbd_loop_stall_seconds", "histogram",
		"how long lbd's event loop had been held when each of its callbacks ended (and each heartbeat's lateness)");
	for (i = 0; i <= LB_STALL_BUCKETS; i++) {
		struct keel_prom_label l[] = { { "le", le } };

		n += s->buckets[i];
		if (i < LB_STALL_BUCKETS)
			keel_prom_value(le, sizeof(le),
					lb_stall_bounds_us[i] / 1e6);
		else
			snprintf(le, sizeof(le), "+Inf");
		keel_prom_sample(b, "keel_lbd_loop_stall_seconds_bucket", l, 1,
				 n);
	}
	keel_prom_sample(b, "keel_lbd_loop_stall_seconds_sum", NULL, 0,
			 s->sum_us / 1e6);
	keel_prom_sample(b, "keel_lbd_loop_stall_seconds_count", NULL, 0,
			 s->count);
	keel_prom_help(b, "keel_lbd_loop_stalls_total", "counter",
		       "notes of lbd's event loop held longer than 50 ms");
	keel_prom_sample(b, "keel_lbd_loop_stalls_total", NULL, 0, s->over);
}

static void lbd_metrics_render(struct evbuffer *b, void *arg)
{
	static const char *const kinds[] = { "service", "real" };
	static const char *const what[] = { "packets", "bytes", "new_flows" };
	struct keel_metrics_listener l[] = { { "control", NULL },
					     { "metrics", NULL } };
	uint64_t cnt[KEEL_CNT__MAX] = {};
	struct lbd *d = arg;
	char svc[80], real[64], help[128];
	size_t i, j, k, w;
	uint32_t limit;

	lbd_stats_read(d);
	for (k = 0; k < 2; k++)
		for (w = 0; w < 3; w++) {
			snprintf(svc, sizeof(svc), "keel_%s_%s_total", kinds[k],
				 what[w]);
			snprintf(help, sizeof(help), "%s forwarded per %s",
				 what[w], kinds[k]);
			keel_prom_help(b, svc, "counter", help);
		}
	keel_prom_help(b, "keel_real_state", "gauge",
		       "1 for the real's current state");
	keel_prom_help(
		b, "keel_real_usable", "gauge",
		"1 if the real may carry flows (exists, not down, MAC known)");
	keel_prom_help(b, "keel_real_weight", "gauge", "effective weight");
	for (i = 0; i < d->m.n_svcs; i++) {
		struct lb_service *s = d->m.svcs[i];
		struct keel_prom_label sl[] = { { "service", svc } };

		keel_vip_format(&s->key, svc, sizeof(svc));
		lbd_prom_traffic(b, "service", sl, 1, &d->svc_t[s->svc_id]);
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];
			struct keel_prom_label rl[] = { { "service", svc },
							{ "real", real },
							{ "state", NULL } };

			if (r->deleted)
				continue;
			keel_addr_format(r->family, r->addr, real,
					 sizeof(real));
			lbd_prom_traffic(b, "real", rl, 2, &d->real_t[r->id]);
			for (w = KEEL_RS_UNKNOWN; w <= KEEL_RS_DRAINING; w++) {
				rl[2].value = lbd_state_name(w);
				keel_prom_sample(b, "keel_real_state", rl, 3,
						 r->state == w);
			}
			keel_prom_sample(b, "keel_real_usable", rl, 2,
					 lb_real_usable(r));
			keel_prom_sample(b, "keel_real_weight", rl, 2,
					 lb_real_selectable(r) ? r->weight : 0);
		}
	}
	lbd_health_metrics(d, b);
	keel_prom_help(
		b, "keel_verdicts_total", "counter",
		"packets by verdict and reason (every packet counts once in each kind)");
	lb_dp_stats(d->dp, cnt);
	for (k = 0; k < KEEL_CNT__MAX; k++) {
		struct keel_prom_label cl[] = { { "counter",
						  keel_cnt_name(k) } };

		keel_prom_sample(b, "keel_verdicts_total", cl, 1, cnt[k]);
	}
	keel_prom_help(
		b, "keel_site_drained", "gauge",
		"1 while an operator has drained the site (lbctl site drain)");
	keel_prom_sample(b, "keel_site_drained", NULL, 0, d->st.site.drained);
	keel_prom_help(b, "keel_dataplane_attached", "gauge",
		       "1 if lbd's XDP program runs on the interface");
	for (i = 0; i < d->cfg.n_ifaces; i++) {
		struct keel_prom_label il[] = { { "ifname",
						  d->cfg.ifaces[i].name } };

		keel_prom_sample(b, "keel_dataplane_attached", il, 1,
				 lbd_iface_attached(d, i));
	}
	keel_prom_help(b, "keel_interface_mac_changes_total", "counter",
		       "MAC changes of the interfaces lbd serves, followed");
	keel_prom_sample(b, "keel_interface_mac_changes_total", NULL, 0,
			 d->if_mac_changes);
	keel_prom_help(
		b, "keel_conn_table_entries", "gauge",
		"connection-table entries (from insert counters; never above capacity)");
	keel_prom_sample(b, "keel_conn_table_entries", NULL, 0,
			 d->conn_entries);
	keel_prom_help(b, "keel_conn_table_capacity", "gauge",
		       "connection-table size");
	keel_prom_sample(b, "keel_conn_table_capacity", NULL, 0,
			 d->conn_capacity);
	if (lb_dp_conn_insert_cap(d->dp, &limit) == 0) {
		keel_prom_help(
			b, "keel_conn_table_insert_limit", "gauge",
			"new connection-table entries per CPU per second (0: no limit)");
		keel_prom_sample(b, "keel_conn_table_insert_limit", NULL, 0,
				 limit);
	}
	lbd_prom_stall(b, &d->stall);
	keel_prom_help(
		b, "keel_config_generation", "gauge",
		"changes applied to the data plane since its maps were made (kept across restarts)");
	keel_prom_sample(b, "keel_config_generation", NULL, 0, d->generation);
	keel_prom_help(b, "keel_config_last_reload_ok", "gauge",
		       "1 if the last reload was applied");
	keel_prom_sample(b, "keel_config_last_reload_ok", NULL, 0,
			 d->reload_ok);
	keel_prom_help(b, "keel_config_last_reload_timestamp_seconds", "gauge",
		       "time of the last reload attempt");
	keel_prom_sample(b, "keel_config_last_reload_timestamp_seconds", NULL,
			 0, d->reload_at);
	l[0].st = d->ctl ? keel_ctlsock_stats(d->ctl) : NULL;
	l[1].st = d->metrics ? keel_metrics_stats(d->metrics) : NULL;
	keel_metrics_listeners(b, l, 2);
	lbd_loop_note(d);
}

int lbd_metrics_start(struct lbd *d)
{
	struct keel_metrics_limits lim = { .max_conns =
						   d->cfg.metrics_max_conns };
	int err;

	if (!d->cfg.metrics_listen[0])
		return 0;
	err = keel_metrics_start(d->base, d->cfg.metrics_listen, &lim,
				 lbd_metrics_render, d, &d->metrics);
	if (err)
		keel_log(LOG_ERR, "metrics on %s: %s", d->cfg.metrics_listen,
			 strerror(-err));
	return err;
}
