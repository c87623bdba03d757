// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_metrics.c - the agent's Prometheus endpoint (metrics.listen in the
 * config; docs/rs-agent.md lists the series), on libkeel's keel_metrics.
 */
#include <errno.h>
#include <string.h>
#include <event2/buffer.h>

#include "keel_log.h"
#include "keel_metrics.h"
#include "keel_names.h"
#include "keel_probe.h"
#include "keel_prom.h"
#include "ra_agent_state.h"
#include "ra_ctl.h"
#include "ra_metrics.h"

static void ra_metrics_render(struct evbuffer *b, void *arg)
{
	static const uint8_t states[] = { KEEL_RS_UP, KEEL_RS_DOWN,
					  KEEL_RS_DRAINING };
	struct ra_agent *a = arg;
	struct keel_metrics_listener ls[] = {
		{ "control", a->ctl ? ra_ctl_stats(a->ctl) : NULL },
		{ "metrics",
		  a->metrics ? keel_metrics_stats(a->metrics) : NULL },
	};
	struct keel_prom_label l[2];
	size_t i, j;

	keel_prom_help(b, "keel_agent_service_state", "gauge",
		       "1 for the state each service reports now");
	for (i = 0; i < a->n_svc; i++) {
		uint8_t st = ra_agent_svc_state(a, &a->svc[i]);

		l[0] = (struct keel_prom_label){ "service", a->svc[i].name };
		for (j = 0; j < 3; j++) {
			l[1] = (struct keel_prom_label){
				"state", keel_rs_name(states[j])
			};
			keel_prom_sample(b, "keel_agent_service_state", l, 2,
					 st == states[j]);
		}
	}
	keel_prom_help(b, "keel_agent_service_connections", "gauge",
		       "established connections to each service");
	for (i = 0; i < a->n_svc; i++) {
		l[0] = (struct keel_prom_label){ "service", a->svc[i].name };
		keel_prom_sample(b, "keel_agent_service_connections", l, 1,
				 a->svc[i].conns);
	}
	keel_prom_help(b, "keel_agent_reports_sent_total", "counter",
		       "reports each LB's socket took");
	for (i = 0; i < a->tx.n_lbs; i++) {
		l[0] = (struct keel_prom_label){ "lb", a->tx.lbs[i].name };
		keel_prom_sample(b, "keel_agent_reports_sent_total", l, 1,
				 a->tx.lbs[i].sent);
	}
	keel_prom_help(b, "keel_agent_report_send_errors_total", "counter",
		       "reports that could not be sent to each LB");
	for (i = 0; i < a->tx.n_lbs; i++) {
		l[0] = (struct keel_prom_label){ "lb", a->tx.lbs[i].name };
		keel_prom_sample(b, "keel_agent_report_send_errors_total", l, 1,
				 a->tx.lbs[i].errors);
	}
	keel_prom_help(b, "keel_agent_draining", "gauge",
		       "1 while the agent drains (command or SIGTERM)");
	keel_prom_sample(b, "keel_agent_draining", NULL, 0, a->draining);
	keel_prom_help(b, "keel_agent_load", "gauge",
		       "the 1-minute load average the reports carry");
	keel_prom_sample(b, "keel_agent_load", NULL, 0, a->load / 1000.0);
	keel_prom_help(b, "keel_agent_conn_count_errors_total", "counter",
		       "failed sock_diag counts (the last counts are kept)");
	keel_prom_sample(b, "keel_agent_conn_count_errors_total", NULL, 0,
			 a->diag_errors);
	keel_metrics_probes_not_run(b, keel_probe_not_run());
	keel_metrics_listeners(b, ls, sizeof(ls) / sizeof(ls[0]));
}

int ra_metrics_start(struct ra_agent *a)
{
	struct keel_metrics_limits lim = { .max_conns =
						   a->cfg->metrics_max_conns };
	int err;

	if (!a->cfg->metrics_listen[0])
		return 0;
	err = keel_metrics_start(a->base, a->cfg->metrics_listen, &lim,
				 ra_metrics_render, a, &a->metrics);
	if (err)
		keel_log(LOG_ERR, "metrics on %s: %s", a->cfg->metrics_listen,
			 strerror(-err));
	return err;
}

void ra_metrics_stop(struct ra_agent *a)
{
	keel_metrics_stop(a->metrics);
	a->metrics = NULL;
}
