// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_metrics.c - bgp-announcer's Prometheus endpoint (metrics.listen),
 * on libkeel's keel_metrics/keel_prom, as lbd and rs-agent use them.  Names and
 * meanings: docs/bgp-announcer.md, "Metrics".
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bgpa.h"
#include "bgpa_gate.h"
#include "bgpa_health.h"
#include "bgpa_metrics.h"
#include "bgpa_peer.h"
#include "bgpa_rib.h"
#include "keel_ctlsock.h"
#include "keel_probe.h"
#include "keel_metrics.h"

static void m_peers(struct evbuffer *o, const struct bgpa *b, time_t now)
{
	struct keel_prom_label l[2];
	size_t i;
	unsigned int s;

	keel_prom_help(o, "keel_bgp_peer_state", "gauge",
		       "1 for the session's current BGP FSM state");
	for (i = 0; i < b->n_peers; i++)
		for (s = BGP_ST_IDLE; s <= BGP_ST_ESTABLISHED; s++) {
			l[0] = (struct keel_prom_label){
				"peer", b->peers[i]->cfg.name
			};
			l[1] = (struct keel_prom_label){
				"state", bgp_state_name((enum bgp_state)s)
			};
			keel_prom_sample(o, "keel_bgp_peer_state", l, 2,
					 (unsigned int)b->peers[i]->fsm.state ==
						 s);
		}
	keel_prom_help(o, "keel_bgp_peer_established", "gauge",
		       "1 while the session is Established");
	for (i = 0; i < b->n_peers; i++) {
		l[0] = (struct keel_prom_label){ "peer",
						 b->peers[i]->cfg.name };
		keel_prom_sample(o, "keel_bgp_peer_established", l, 1,
				 b->peers[i]->fsm.state == BGP_ST_ESTABLISHED);
	}
	keel_prom_help(
		o, "keel_bgp_peer_uptime_seconds", "gauge",
		"seconds since the session became Established, 0 when not");
	for (i = 0; i < b->n_peers; i++) {
		const struct bgpa_peer *p = b->peers[i];

		l[0] = (struct keel_prom_label){ "peer", p->cfg.name };
		keel_prom_sample(o, "keel_bgp_peer_uptime_seconds", l, 1,
				 p->fsm.state == BGP_ST_ESTABLISHED &&
						 p->up_since ?
					 (double)(now - p->up_since) :
					 0);
	}
#define PEER_COUNTER(metric, help, field)                             \
	do {                                                          \
		keel_prom_help(o, metric, "counter", help);           \
		for (i = 0; i < b->n_peers; i++) {                    \
			l[0] = (struct keel_prom_label){              \
				"peer", b->peers[i]->cfg.name         \
			};                                            \
			keel_prom_sample(o, metric, l, 1,             \
					 (double)b->peers[i]->field); \
		}                                                     \
	} while (0)
	PEER_COUNTER("keel_bgp_peer_messages_in_total",
		     "BGP messages received on the session", msgs_in);
	PEER_COUNTER("keel_bgp_peer_messages_out_total",
		     "BGP messages sent on the session (but NOTIFICATIONs)",
		     msgs_out);
	PEER_COUNTER("keel_bgp_peer_updates_in_total", "UPDATEs received",
		     updates_in);
	PEER_COUNTER("keel_bgp_peer_updates_out_total", "UPDATEs sent",
		     updates_out);
	PEER_COUNTER("keel_bgp_peer_updates_bad_total",
		     "UPDATEs with attribute errors (RFC 7606)", bad_updates);
	PEER_COUNTER("keel_bgp_peer_announced_prefixes",
		     "prefixes announced to the peer now (a gauge)", ao.n);
#undef PEER_COUNTER
}

/* Peers the prefix is announced to now. */
static unsigned int m_announced(const struct bgpa *b,
				const struct bgpa_prefix *x)
{
	unsigned int n = 0;
	size_t i;

	/* A prefix is in a session's Adj-RIB-Out at most once. */
	for (i = 0; i < b->n_peers; i++)
		n += bgpa_adjout_has(&b->peers[i]->ao, &x->pfx);
	return n;
}

static void m_prefixes(struct evbuffer *o, const struct bgpa *b)
{
	struct keel_prom_label l[2];
	char pfx[64];
	size_t i;
	unsigned int s;

	keel_prom_help(o, "keel_bgp_prefix_state", "gauge",
		       "1 for the prefix's current state (up, down, disabled)");
	for (i = 0; i < b->rib.n_prefixes; i++) {
		bgp_prefix_format(&b->rib.prefixes[i].pfx, pfx, sizeof(pfx));
		for (s = 0; s < BGPA_P__MAX; s++) {
			l[0] = (struct keel_prom_label){ "prefix", pfx };
			l[1] = (struct keel_prom_label){
				"state", bgpa_pstate_name((enum bgpa_pstate)s)
			};
			keel_prom_sample(
				o, "keel_bgp_prefix_state", l, 2,
				(unsigned int)b->rib.prefixes[i].state == s);
		}
	}
	keel_prom_help(
		o, "keel_bgp_prefix_announced", "gauge",
		"1 when the prefix's state says announce (and no fail-safe "
		"withdraw holds)");
	for (i = 0; i < b->rib.n_prefixes; i++) {
		const struct bgpa_prefix *x = &b->rib.prefixes[i];

		bgp_prefix_format(&x->pfx, pfx, sizeof(pfx));
		l[0] = (struct keel_prom_label){ "prefix", pfx };
		keel_prom_sample(o, "keel_bgp_prefix_announced", l, 1,
				 !x->g.withdraw && x->announce[x->state]);
	}
	keel_prom_help(o, "keel_bgp_prefix_announced_peers", "gauge",
		       "peers the prefix is announced to now");
	for (i = 0; i < b->rib.n_prefixes; i++) {
		bgp_prefix_format(&b->rib.prefixes[i].pfx, pfx, sizeof(pfx));
		l[0] = (struct keel_prom_label){ "prefix", pfx };
		keel_prom_sample(o, "keel_bgp_prefix_announced_peers", l, 1,
				 m_announced(b, &b->rib.prefixes[i]));
	}
	keel_prom_help(o, "keel_bgp_prefix_state_changes_total", "counter",
		       "state changes of the prefix since start");
	for (i = 0; i < b->rib.n_prefixes; i++) {
		bgp_prefix_format(&b->rib.prefixes[i].pfx, pfx, sizeof(pfx));
		l[0] = (struct keel_prom_label){ "prefix", pfx };
		keel_prom_sample(o, "keel_bgp_prefix_state_changes_total", l, 1,
				 (double)b->rib.prefixes[i].g.changes);
	}
}

static void m_lbd(struct evbuffer *o, const struct bgpa *b)
{
	const struct bgpa_health *h = &b->health;
	struct keel_prom_label l;
	int r;

	if (b->cfg.has_lbd) {
		keel_prom_help(o, "keel_bgp_lbd_polls_total", "counter",
			       "polls of lbd's control socket by result");
		for (r = 0; r < BGPA_POLL__MAX; r++) {
			l = (struct keel_prom_label){
				"result",
				bgpa_poll_result_name((enum bgpa_poll_result)r)
			};
			keel_prom_sample(o, "keel_bgp_lbd_polls_total", &l, 1,
					 (double)h->polls[r]);
		}
		keel_prom_help(
			o, "keel_bgp_lbd_up", "gauge",
			"1 when the last poll of lbd got a valid answer");
		keel_prom_sample(o, "keel_bgp_lbd_up", NULL, 0, h->lbd_ok);
		keel_prom_help(o, "keel_bgp_lbd_poll_seconds", "gauge",
			       "how long the last poll of lbd took");
		keel_prom_sample(o, "keel_bgp_lbd_poll_seconds", NULL, 0,
				 h->last_poll_ms / 1000.0);
		keel_prom_help(o, "keel_bgp_lbd_dataplane_attached", "gauge",
			       "lbd's last answer: its XDP program is on every "
			       "interface");
		keel_prom_sample(o, "keel_bgp_lbd_dataplane_attached", NULL, 0,
				 h->lbd_ok && h->lbd.attached);
		keel_prom_help(o, "keel_bgp_site_drained", "gauge",
			       "lbd says the site is drained");
		keel_prom_sample(o, "keel_bgp_site_drained", NULL, 0,
				 h->lbd.drained);
	}
	if (b->cfg.disable_file[0]) {
		keel_prom_help(o, "keel_bgp_disable_file", "gauge",
			       "1 while the disable file exists");
		keel_prom_sample(o, "keel_bgp_disable_file", NULL, 0,
				 h->disable_exists);
	}
}

static void bgpa_metrics_render(struct evbuffer *o, void *arg)
{
	const struct bgpa *b = arg;
	struct keel_metrics_listener l[] = {
		{ "control", b->ctl ? keel_ctlsock_stats(b->ctl) : NULL },
		{ "metrics",
		  b->metrics ? keel_metrics_stats(b->metrics) : NULL },
		{ "bgp-ipv4", b->listener[0] ? &b->listen_guard[0].st : NULL },
		{ "bgp-ipv6", b->listener[1] ? &b->listen_guard[1].st : NULL },
	};
	time_t now = time(NULL);

	keel_prom_help(o, "keel_bgp_uptime_seconds", "gauge",
		       "seconds since bgp-announcer started");
	keel_prom_sample(o, "keel_bgp_uptime_seconds", NULL, 0,
			 (double)(now - b->started));
	keel_prom_help(o, "keel_bgp_reloads_total", "counter",
		       "configuration reloads applied");
	keel_prom_sample(o, "keel_bgp_reloads_total", NULL, 0,
			 (double)b->reloads);
	m_peers(o, b, now);
	m_prefixes(o, b);
	m_lbd(o, b);
	keel_metrics_probes_not_run(o, keel_probe_not_run());
	keel_metrics_listeners(o, l, sizeof(l) / sizeof(l[0]));
}

int bgpa_metrics_start(struct bgpa *b)
{
	struct keel_metrics_limits lim = { 0 };
	int err;

	if (!b->cfg.metrics_listen[0])
		return 0;
	lim.max_conns = b->cfg.metrics_max_conns;
	err = keel_metrics_start(b->base, b->cfg.metrics_listen, &lim,
				 bgpa_metrics_render, b, &b->metrics);
	if (err)
		keel_log(LOG_ERR, "metrics on %s: %s", b->cfg.metrics_listen,
			 strerror(-err));
	return err;
}

void bgpa_metrics_stop(struct bgpa *b)
{
	keel_metrics_stop(b->metrics);
	b->metrics = NULL;
}
