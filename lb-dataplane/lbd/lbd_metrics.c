// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lbd's Prometheus metrics (lbd_metrics.h; docs/lbd.md, "Metrics"). */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <event2/buffer.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_ctlsock.h"
#include "keel_log.h"
#include "keel_metrics.h"
#include "keel_names.h"
#include "keel_probe.h"
#include "keel_prom.h"
#include "lb_health.h"
#include "lbd.h"
#include "lbd_commit.h"
#include "lbd_eval.h"
#include "lbd_loop.h"
#include "lbd_metrics.h"
#include "lbd_pair.h"
#include "lbd_rx.h"
#include "lbd_view.h"

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
/* A counter of lbd_commit_state, one sample per cause. */
static void lbd_prom_by_cause(struct evbuffer *b, const char *name,
			      const char *help, const uint64_t *v)
{
	int k;

	keel_prom_help(b, name, "counter", help);
	for (k = 0; k < LBD_CAUSE__MAX; k++) {
		struct keel_prom_label cl[] = { { "cause",
						  lbd_cause_name(k) } };

		keel_prom_sample(b, name, cl, 1, v[k]);
	}
}

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

/* The agents and each real's health. */
static void lbd_metrics_health(struct lbd *d, struct evbuffer *b)
{
	static const uint8_t sources[] = {
		LB_SRC_CONFIG,	      LB_SRC_ADMIN,	 LB_SRC_AGENT,
		LB_SRC_AGENT_TIMEOUT, LB_SRC_CHECK,	 LB_SRC_INIT,
		LB_SRC_AGENT_SILENT,  LB_SRC_CHECK_HELD,
	};
	const struct lb_agents *ag = &d->agents;
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
				 lbd_rx_count(d, i));
	}
	keel_prom_help(b, "keel_agent_key_reports_total", "counter",
		       "agent reports accepted, by key id");
	for (i = 0; i < ag->n_keys; i++) {
		struct keel_prom_label l[] = { { "key_id", id } };

		snprintf(id, sizeof(id), "%u", ag->keys[i].id);
		keel_prom_sample(b, "keel_agent_key_reports_total", l, 1,
				 ag->keys[i].reports);
	}
	keel_prom_help(b, "keel_agent_restarts_total", "counter",
		       "boot id changes seen from the agent of a real");
	for (i = 0; i < ag->n; i++) {
		const struct lb_agent_slot *s = &ag->v[i];
		struct keel_prom_label l[] = { { "real", real } };

		keel_addr_format(s->a.family, s->a.addr, real, sizeof(real));
		keel_prom_sample(b, "keel_agent_restarts_total", l, 1,
				 s->boots);
	}
	keel_metrics_probes_not_run(b, keel_probe_not_run());
	keel_prom_help(
		b, "keel_checks_held", "gauge",
		"reals whose check could not run its last probe (state held)");
	keel_prom_sample(b, "keel_checks_held", NULL, 0,
			 lbd_eval_checks_held(d));
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
			const struct lbd_hreal *e = lbd_eval_real(d, s, r);
			const struct lb_agent_slot *slot = lbd_eval_slot(d, e);
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
			if (lbd_eval_conns(d, e, slot, now, &conns))
				keel_prom_sample(b, "keel_real_connections", l,
						 2, conns);
			keel_prom_sample(b, "keel_real_load", l, 2,
					 slot->a.last.load / 1000.0);
		}
	}
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
				rl[2].value = keel_rs_name(w);
				keel_prom_sample(b, "keel_real_state", rl, 3,
						 r->state == w);
			}
			keel_prom_sample(b, "keel_real_usable", rl, 2,
					 lb_real_usable(r));
			keel_prom_sample(b, "keel_real_weight", rl, 2,
					 lb_real_weight_now(r));
		}
	}
	lbd_metrics_health(d, b);
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
				 lbd_view_iface_attached(d, i));
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
		"commits that changed the data plane, whatever their cause, since its maps were made (kept across restarts; a reload or change that changes nothing leaves it)");
	keel_prom_sample(b, "keel_config_generation", NULL, 0, d->generation);
	lbd_prom_by_cause(b, "keel_commits_total",
			  "commits to the data plane tried, by cause",
			  d->cm.commits);
	lbd_prom_by_cause(
		b, "keel_commits_failed_total",
		"commits to the data plane that failed, by cause (each is retried; the log is rate-limited)",
		d->cm.failed);
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
	lbd_pair_metrics(d, b);
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
