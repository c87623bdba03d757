// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's reload (lbd_reload.h): the config file read again, what must
 * not change at run time refused, the agents' keys and socket and the
 * interfaces prepared before anything changes, then applied.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keel_log.h"
#include "keel_yaml.h"
#include "lbd.h"
#include "lbd_commit.h"
#include "lbd_neigh.h"
#include "lbd_pair_fsm.h"
#include "lbd_pair.h"
#include "lbd_reload.h"
#include "lbd_rx.h"

/*
 * The per-CPU insert limit of the conn table (conn_insert_limit) into the
 * program's keel_config: lbd owns it, so a value set by hand (keel-xdp
 * limit) is replaced at start and at every reload.  1 if it changed.
 */
int lbd_insert_limit(struct lbd *d, uint32_t limit)
{
	uint32_t was = 0;
	int err;

	err = lb_dp_conn_insert_cap(d->dp, &was);
	if (!err && was == limit)
		return 0;
	if (!err)
		err = lb_dp_conn_insert_cap_set(d->dp, limit);
	if (err) {
		keel_log(LOG_ERR, "conn table insert limit: %s",
			 strerror(-err));
		return err;
	}
	keel_log(
		LOG_NOTICE,
		"conn table insert limit: %u per CPU per second (was %u; 0: none)",
		limit, was);
	return 1;
}

int lbd_ifaces_attach(struct lbd *d, const struct lb_config *c, int *attached)
{
	size_t i;
	int idx, err;

	for (i = 0; i < c->n_ifaces; i++) {
		idx = if_nametoindex(c->ifaces[i].name);
		if (!idx) {
			keel_log(LOG_ERR, "interface %s: %s", c->ifaces[i].name,
				 strerror(errno));
			return -ENODEV;
		}
		err = lb_dp_attach(d->dp, idx, c->ifaces[i].generic);
		if (err) {
			keel_log(LOG_ERR, "attaching to %s: %s",
				 c->ifaces[i].name, strerror(-err));
			return err;
		}
		attached[i] = idx;
	}
	return 0;
}

/* Interfaces the new config no longer names. */
static void lbd_ifaces_detach_gone(struct lbd *d, const int *now, size_t n_now)
{
	size_t i, j;

	for (i = 0; i < d->cfg.n_ifaces; i++) {
		for (j = 0; j < n_now && now[j] != d->attached[i]; j++)
			;
		if (j == n_now && d->attached[i]) {
			lb_dp_detach(d->dp, d->attached[i]);
			keel_log(LOG_INFO, "detached from %s",
				 d->cfg.ifaces[i].name);
		}
	}
}

int lbd_reload(struct lbd *d, struct lb_reconcile_stats *rs, char *err,
	       size_t errlen)
{
	struct lb_config_error ce = {};
	struct lb_config next = {};
	struct lbd_rx_prep hp;
	struct lbd_pair_prep pp;
	int attached[LB_CFG_IFACES_MAX] = {};
	uint64_t gen;
	int ret, limit;
	bool was_pair;

	d->reload_at = time(NULL);
	/* A new reload's outcome replaces the retried one's. */
	d->cm.reload_retry = false;
	ret = lb_config_load(d->config_path, &next, &ce);
	if (ret) {
		lb_config_error_format(&ce, err, errlen);
		goto fail;
	}
	if (strcmp(next.instance, d->cfg.instance) ||
	    strcmp(next.bpffs, d->cfg.bpffs) ||
	    strcmp(next.ctl_socket, d->cfg.ctl_socket) ||
	    strcmp(next.metrics_listen, d->cfg.metrics_listen) ||
	    strcmp(next.state_file, d->cfg.state_file)) {
		snprintf(
			err, errlen,
			"%s: instance, bpffs, control, metrics and state_file take effect at restart only",
			d->config_path);
		ret = -EINVAL;
		goto fail;
	}
	/*
	 * pair: on or off, and its node_id, at restart only: the state file
	 * changes version with it (migrated at start) and node_id is in
	 * every admin stamp and in the sessions.
	 */
	if (next.pair.on != d->cfg.pair.on ||
	    (next.pair.on && next.pair.node_id != d->cfg.pair.node_id)) {
		snprintf(
			err, errlen,
			"%s: pair: added, removed or its node_id changed take effect at restart only",
			d->config_path);
		ret = -EINVAL;
		goto fail;
	}
	/* Keys and the report socket before anything changes. */
	ret = lbd_rx_prepare(d, &next, &hp, err, errlen);
	if (ret)
		goto fail;
	/* The pair's keys, and a new listen bound first (refused: kept). */
	ret = lbd_pair_prepare(d, &next, &pp, err, errlen);
	if (ret) {
		lbd_rx_discard(&hp);
		goto fail;
	}
	ret = lbd_ifaces_attach(d, &next, attached);
	if (ret) {
		lbd_rx_discard(&hp);
		lbd_pair_discard(&pp);
		snprintf(err, errlen, "attaching interfaces: %s",
			 strerror(-ret));
		goto fail;
	}
	lbd_ifaces_detach_gone(d, attached, next.n_ifaces);
	was_pair = d->cfg.pair.on;
	lb_config_free(&d->cfg);
	d->cfg = next;
	lbd_pair_fsm_reload(d, was_pair);
	memcpy(d->attached, attached, sizeof(attached));
	lbd_neigh_link_forget(d, 0);
	/* Positions may have moved; the attach wrote the guard's map. */
	memset(d->if_mac_ok, 0, sizeof(d->if_mac_ok));
	lbd_neigh_if_mac_check(d);
	ret = lbd_rx_install(d, &hp);
	if (ret)
		keel_log(LOG_ERR, "agent report receiver: %s", strerror(-ret));
	ret = lbd_pair_install(d, &pp);
	if (ret)
		keel_log(LOG_ERR, "pair: %s", strerror(-ret));
	limit = lbd_insert_limit(d, d->cfg.conn_insert_limit);
	gen = d->generation;
	ret = lbd_commit(d, LBD_CAUSE_RELOAD, rs);
	/* One reload, one move of the generation: a changed insert limit
	 * alone moves it, with the commit's changes it is folded in. */
	if (limit > 0 && d->generation == gen)
		lbd_commit_generation_bump(d);
	if (ret && d->cm.pending && limit >= 0) {
		/*
		 * The config is taken and its commit retried (lbd_commit()):
		 * the answer says it failed, since the data plane does not
		 * have it yet; last_reload turns ok when a retry applies it.
		 */
		d->cm.reload_retry = true;
		snprintf(
			err, errlen,
			"applying: %s (the config is taken; the commit is retried and last_reload turns ok once it is applied)",
			strerror(-ret));
	} else if (ret || limit < 0) {
		ret = ret ? ret : limit;
		snprintf(err, errlen, "applying: %s", strerror(-ret));
	}
	if (ret) {
		d->reload_ok = false;
		snprintf(d->reload_err, sizeof(d->reload_err), "%s", err);
		return ret;
	}
	d->reload_ok = true;
	d->reload_err[0] = '\0';
	keel_log(LOG_NOTICE,
		 "reloaded %s: services +%u -%u ~%u, reals +%u -%u ~%u",
		 d->config_path, rs->services_added, rs->services_removed,
		 rs->services_changed, rs->reals_added, rs->reals_removed,
		 rs->reals_changed);
	return 0;
fail:
	lb_config_free(&next);
	d->reload_ok = false;
	snprintf(d->reload_err, sizeof(d->reload_err), "%s", err);
	keel_log(LOG_ERR, "reload refused, running config kept: %s", err);
	return ret ? ret : -EINVAL;
}
