// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_reload.c - a new configuration applied: peers added, removed or
 * changed, the prefix table replaced (the dropped prefixes' gating
 * released here: bgpa_rib knows no health), every session sent the
 * difference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgpa.h"
#include "bgpa_config.h"
#include "bgpa_health.h"
#include "bgpa_listen.h"
#include "bgpa_metrics.h"
#include "bgpa_peer.h"
#include "bgpa_reload.h"
#include "bgpa_rib.h"

void bgpa_prefixes_release(struct bgpa_prefix *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		bgpa_health_release(&t[i].g);
	free(t);
}

int bgpa_rib_start(struct bgpa *b)
{
	struct bgpa_prefix *old;
	size_t n_old;
	int ret;

	ret = bgpa_rib_load(&b->rib, &b->cfg, &old, &n_old);
	if (!ret)
		bgpa_prefixes_release(old, n_old);
	return ret;
}

/*
 * Apply a new config: peers added, removed or changed (a changed peer's
 * session restarts), the prefix table replaced, and every established
 * session sent only the difference.  Settings fixed at start-up (AS,
 * router id, listener, user, control socket) need a restart.
 */
int bgpa_reload(struct bgpa *b, char *errbuf, size_t errlen)
{
	struct bgpa_config nc;
	struct bgpa_config_error ce;
	struct bgpa_peer **np;
	struct bgpa_prefix *old;
	bool metrics_changed;
	size_t i, n = 0, n_old;
	int ret;

	ret = bgpa_config_load(b->config_path, &nc, &ce);
	if (ret) {
		bgpa_config_error_format(&ce, errbuf, errlen);
		keel_log(LOG_ERR, "reload refused: %s", errbuf);
		return ret;
	}
	if (nc.local_as != b->cfg.local_as ||
	    nc.router_id != b->cfg.router_id ||
	    nc.listen_port != b->cfg.listen_port ||
	    strcmp(nc.user, b->cfg.user) ||
	    strcmp(nc.ctl_socket, b->cfg.ctl_socket)) {
		snprintf(errbuf, errlen,
			 "%s: local_as, router_id, listen_port, user and "
			 "control.socket change only with a restart",
			 b->config_path);
		keel_log(LOG_ERR, "reload refused: %s", errbuf);
		bgpa_config_free(&nc);
		return -EINVAL;
	}
	np = calloc(nc.n_peers, sizeof(*np));
	if (!np) {
		bgpa_config_free(&nc);
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Removed or changed peers: withdraw, Cease, free. */
	for (i = 0; i < b->n_peers; i++) {
		struct bgpa_peer *p = b->peers[i];
		size_t j;

		for (j = 0; j < nc.n_peers; j++)
			if (nc.peers[j].family == p->cfg.family &&
			    !memcmp(nc.peers[j].addr, p->cfg.addr, 16))
				break;
		if (j < nc.n_peers && bgpa_peer_same(&p->cfg, &nc.peers[j])) {
			snprintf(p->cfg.name, sizeof(p->cfg.name), "%s",
				 nc.peers[j].name);
			continue;
		}
		keel_log(LOG_NOTICE, "peer %s: %s", p->cfg.name,
			 j < nc.n_peers ? "changed, restarting the session" :
					  "removed");
		bgpa_peer_stop(p,
			       j < nc.n_peers ?
				       "configuration changed" :
				       "peer removed from the configuration");
		bgpa_listen_keys(b, &p->cfg, "");
		bgpa_peer_free(p);
		b->peers[i] = NULL;
	}
	ret = bgpa_rib_load(&b->rib, &nc, &old, &n_old);
	if (ret) {
		free(np);
		bgpa_config_free(&nc);
		snprintf(errbuf, errlen, "out of memory");
		return ret;
	}
	bgpa_prefixes_release(old, n_old);
	for (i = 0; i < nc.n_peers; i++) {
		struct bgpa_peer *p = NULL;
		size_t j;

		for (j = 0; j < b->n_peers; j++)
			if (b->peers[j] &&
			    b->peers[j]->cfg.family == nc.peers[i].family &&
			    !memcmp(b->peers[j]->cfg.addr, nc.peers[i].addr,
				    16)) {
				p = b->peers[j];
				b->peers[j] = NULL;
			}
		if (!p) {
			p = bgpa_peer_new(b, &nc.peers[i]);
			if (!p) {
				keel_log(LOG_ERR, "peer %s: out of memory",
					 nc.peers[i].name);
				continue;
			}
			bgpa_listen_keys(b, &p->cfg, p->cfg.password);
			np[n++] = p;
			bgpa_peer_start(p);
			continue;
		}
		np[n++] = p;
	}
	free(b->peers);
	b->peers = np;
	b->n_peers = n;
	metrics_changed = strcmp(nc.metrics_listen, b->cfg.metrics_listen);
	bgpa_config_free(&b->cfg);
	b->cfg = nc;
	b->reloads++;
	bgpa_health_reload(b);
	bgpa_peers_sync(b);
	if (metrics_changed) {
		bgpa_metrics_stop(b);
		bgpa_metrics_start(b);
	}
	keel_log(LOG_NOTICE, "reloaded %s: %zu peers, %zu prefixes",
		 b->config_path, b->n_peers, b->rib.n_prefixes);
	return 0;
}
