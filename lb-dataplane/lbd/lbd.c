// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd - keel's load-balancer daemon.
 *
 * Start: read and validate the config (exit 1 on any error), read the
 * state file (one that cannot be used stops the start, exit 3, unless
 * --reset-state; the data plane is left as it is), load the XDP program
 * reusing the instance's pinned maps (the conn table survives restarts),
 * adopt the pinned model, reconcile it with config + state, attach, and
 * serve.  Stop: forwarding goes on unless --detach-on-exit or
 * `lbctl shutdown --unload`.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_file.h"
#include "keel_listen.h"
#include "keel_log.h"
#include "keel_addr.h"
#include "keel_metrics.h"
#include "keel_yaml.h"
#include "lb_neigh.h"
#include "lbd.h"

#define LBD_CONFIG_DEFAULT "/etc/keel/lbd.yaml"
/* A state file cannot be used: the unit does not restart lbd in a loop. */
#define LBD_EXIT_STATE 3
/*
 * Reals asked for (a route lookup and an NTF_USE request each) per loop
 * turn, and the pause between batches: thousands of unresolved reals
 * never hold the loop for long.
 */
#define LBD_PROBE_BATCH 64
#define LBD_PROBE_GAP_US 5000
/* Why a real waits in the probe queue (lbd.probe_pending[]). */
#define LBD_PROBE_UNRESOLVED 1
#define LBD_PROBE_FORCE 2

/* The position of ifindex in d->attached[], or -1. */
static int lbd_if_attached(const struct lbd *d, int ifindex)
{
	size_t i;

	for (i = 0; i < d->cfg.n_ifaces; i++)
		if (d->attached[i] == ifindex)
			return i;
	return -1;
}

/*
 * The MAC of attached interface i, asked from the kernel once and kept
 * until a neighbour entry on it goes away (the kernel flushes an
 * interface's entries when its address changes) or a reload.
 */
static int lbd_link_mac(struct lbd *d, int i, uint8_t mac[6])
{
	int err;

	if (!d->link_ok[i]) {
		err = lb_link_mac(d->attached[i], d->link_mac[i]);
		if (err)
			return err;
		d->link_ok[i] = true;
	}
	memcpy(mac, d->link_mac[i], 6);
	return 0;
}

static void lbd_link_forget(struct lbd *d, int ifindex)
{
	int i = ifindex ? lbd_if_attached(d, ifindex) : -1;

	if (i >= 0)
		d->link_ok[i] = false;
	else if (!ifindex)
		memset(d->link_ok, 0, sizeof(d->link_ok));
}

/*
 * Attached interface i has the hardware address mac (a link event, or the
 * kernel asked): the MAC guard's map follows, so frames to the new address
 * are balanced, not passed to the kernel, and so does the source MAC of
 * new neighbour answers.  The reals' entries follow through the neighbour
 * flush the kernel does on such a change (lbd_neigh_event).
 */
static void lbd_if_mac(struct lbd *d, int i, const uint8_t mac[6])
{
	char was[18], now[18];
	int err;

	if (d->if_mac_ok[i] && !memcmp(d->if_mac[i], mac, 6))
		return;
	err = lb_dp_if_mac_set(d->dp, d->attached[i], mac);
	if (err) {
		keel_log(LOG_ERR,
			 "interface %s: writing its MAC for the guard: %s",
			 d->cfg.ifaces[i].name, strerror(-err));
		return;
	}
	if (d->if_mac_ok[i]) {
		d->if_mac_changes++;
		keel_mac_format(d->if_mac[i], was, sizeof(was));
		keel_mac_format(mac, now, sizeof(now));
		keel_log(
			LOG_NOTICE,
			"interface %s: MAC %s -> %s: frames to %s are balanced",
			d->cfg.ifaces[i].name, was, now, now);
	}
	memcpy(d->if_mac[i], mac, 6);
	d->if_mac_ok[i] = true;
	memcpy(d->link_mac[i], mac, 6);
	d->link_ok[i] = true;
}

static void lbd_link_event(void *arg, int ifindex, const uint8_t mac[6])
{
	struct lbd *d = arg;
	int i = lbd_if_attached(d, ifindex);

	if (i >= 0)
		lbd_if_mac(d, i, mac);
}

/*
 * Every attached interface's MAC from the kernel (at most 16 requests):
 * after attaching, after lost events, and each refresh without events.
 */
static void lbd_if_mac_check(struct lbd *d)
{
	uint8_t mac[6];
	size_t i;

	for (i = 0; i < d->cfg.n_ifaces; i++)
		if (d->attached[i] && lb_link_mac(d->attached[i], mac) == 0)
			lbd_if_mac(d, i, mac);
}

static void lbd_real_name(const struct lb_real *r, char *buf, size_t size)
{
	if (keel_addr_format(r->family, r->addr, buf, size) < 0)
		snprintf(buf, size, "?");
}

/*
 * A neighbour answer for one real.  The egress must be an interface lbd
 * attached to: only those are redirect targets.
 */
static void lbd_real_mac(struct lbd *d, struct lb_service *s, struct lb_real *r,
			 const uint8_t mac[6], int ifindex)
{
	int i = lbd_if_attached(d, ifindex);
	uint8_t smac[6];
	char name[64];

	if (i < 0) {
		if (r->mac_ok)
			return;
		lbd_real_name(r, name, sizeof(name));
		keel_log(
			LOG_WARNING,
			"real %s is reached through ifindex %d, which lbd does not serve: not selected",
			name, ifindex);
		return;
	}
	if (lbd_link_mac(d, i, smac))
		return;
	if (r->mac_ok && memcmp(r->mac, mac, 6)) {
		lbd_real_name(r, name, sizeof(name));
		keel_log(LOG_NOTICE, "real %s changed MAC", name);
	}
	lb_model_real_set_mac(s, r, mac, smac, ifindex);
}

/*
 * Ask the kernel to resolve real id soon (lbd_on_probe, a batch per
 * turn): only while it has no MAC, or even with one (force: its entry
 * expired or failed, or the neighbour table was not readable).
 */
static void lbd_probe_queue(struct lbd *d, uint32_t id, bool force)
{
	struct timeval now = { 0, 0 };

	if (!d->probe_pending[id]) {
		/* At most one slot per id: the ring never overflows. */
		d->probe[(d->probe_head + d->probe_n++) % KEEL_MAX_REALS] = id;
		if (d->probe_ev && !evtimer_pending(d->probe_ev, NULL))
			evtimer_add(d->probe_ev, &now);
	}
	d->probe_pending[id] |= force ? LBD_PROBE_FORCE : LBD_PROBE_UNRESOLVED;
}

/* The next batch of queued reals; answers come as neighbour events. */
static void lbd_on_probe(evutil_socket_t fd, short what, void *arg)
{
	struct timeval gap = { 0, LBD_PROBE_GAP_US };
	struct lbd *d = arg;
	struct lb_real *r;
	uint32_t id, n = 0;
	uint8_t why;
	int idx;

	(void)fd;
	(void)what;
	while (d->probe_n && n < LBD_PROBE_BATCH) {
		id = d->probe[d->probe_head];
		d->probe_head = (d->probe_head + 1) % KEEL_MAX_REALS;
		d->probe_n--;
		why = d->probe_pending[id];
		d->probe_pending[id] = 0;
		r = lb_model_real_by_id(&d->m, id, NULL);
		if (!r || r->deleted || (r->mac_ok && !(why & LBD_PROBE_FORCE)))
			continue;
		n++;
		if (lb_route_oif(r->family, r->addr, &idx) == 0)
			lb_neigh_resolve(r->family, r->addr, idx);
	}
	if (d->probe_n)
		evtimer_add(d->probe_ev, &gap);
	lbd_loop_note(d);
}

/*
 * Look up every real without a MAC (all: every real) in one dump of the
 * kernel's neighbour table; queue the rest to be asked for.
 */
static void lbd_resolve(struct lbd *d, bool all)
{
	struct lb_neigh_table t;
	const struct lb_neigh_entry *e;
	bool need = all;
	size_t i, j;
	int err;

	for (i = 0; !need && i < d->m.n_svcs; i++)
		for (j = 0; !need && j < d->m.svcs[i]->n_reals; j++)
			need = !d->m.svcs[i]->reals[j].deleted &&
			       !d->m.svcs[i]->reals[j].mac_ok;
	if (!need)
		return;
	err = lb_neigh_dump(&t);
	if (err)
		keel_log(LOG_ERR, "reading the neighbour table: %s",
			 strerror(-err));
	lbd_link_forget(d, 0);
	for (i = 0; i < d->m.n_svcs; i++) {
		struct lb_service *s = d->m.svcs[i];

		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (r->deleted || (r->mac_ok && !all))
				continue;
			e = err ? NULL :
				  lb_neigh_table_find(&t, r->family, r->addr);
			if (e)
				lbd_real_mac(d, s, r, e->mac, e->ifindex);
			else
				lbd_probe_queue(d, r->id, true);
		}
	}
	if (!err)
		lb_neigh_table_free(&t);
}

/* Queue every real without a MAC (the refresh, with neighbour events). */
static void lbd_probe_unresolved(struct lbd *d)
{
	size_t i, j;

	for (i = 0; i < d->m.n_svcs; i++)
		for (j = 0; j < d->m.svcs[i]->n_reals; j++)
			if (!d->m.svcs[i]->reals[j].deleted &&
			    !d->m.svcs[i]->reals[j].mac_ok)
				lbd_probe_queue(d, d->m.svcs[i]->reals[j].id,
						false);
}

/* 1 if the commit wrote something, 0 if there was nothing, or -errno. */
static int lbd_commit(struct lbd *d)
{
	struct lb_commit_stats cs;
	int err = lb_model_commit(&d->m, &cs);

	if (err) {
		keel_log(LOG_ERR, "applying to the data plane: %s",
			 strerror(-err));
		return err;
	}
	if (!cs.services_changed && !cs.reals_written &&
	    !cs.ring_entries_written)
		return 0;
	keel_log(LOG_INFO,
		 "data plane updated: %u services, %u reals, %u ring entries",
		 cs.services_changed, cs.reals_written,
		 cs.ring_entries_written);
	return 1;
}

/*
 * The generation counts applies that changed the data plane since the
 * maps were made: kept in them, so a restarted lbd goes on counting.
 */
void lbd_generation_bump(struct lbd *d)
{
	d->generation++;
	if (lb_dp_generation_set(d->dp, (uint32_t)d->generation))
		keel_log(LOG_WARNING, "generation %llu not kept in the maps",
			 (unsigned long long)d->generation);
}

int lbd_apply(struct lbd *d, struct lb_reconcile_stats *rs)
{
	int err = lbd_health_reconcile(d, rs);

	if (err) {
		keel_log(LOG_ERR, "reconciling: %s", strerror(-err));
		return err;
	}
	lbd_resolve(d, false);
	err = lbd_commit(d);
	if (err < 0)
		return err;
	if (err > 0)
		lbd_generation_bump(d);
	return 0;
}

/* Neighbour changes of one loop turn, committed once. */
static void lbd_on_neigh_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_commit(arg);
	lbd_loop_note(arg);
}

static void lbd_neigh_event(void *arg, uint8_t family, const __be32 addr[4],
			    const uint8_t mac[6], int ifindex)
{
	struct lbd *d = arg;
	uint32_t cur = LB_HTAB_START, id;
	struct lb_service *s;
	struct lb_real *r;
	bool asked = false;

	if (family == 0) {
		/* The kernel's messages overran us: look everything up. */
		lbd_if_mac_check(d);
		lbd_resolve(d, true);
		event_active(d->neigh_soon, 0, 0);
		return;
	}
	/* A flush (the interface's address changed) comes as such events. */
	if (!mac)
		lbd_link_forget(d, ifindex);
	while ((id = lb_model_real_at(&d->m, family, addr, &cur)) !=
	       LB_HTAB_NONE) {
		r = lb_model_real_by_id(&d->m, id, &s);
		if (!r || r->deleted)
			continue;
		/*
		 * An expired or failed entry keeps the last known MAC (flows
		 * keep going); the kernel is asked again, once for the
		 * address.  Health checks decide whether the real is dead.
		 * A real that never had a MAC waits for the refresh.
		 */
		if (mac) {
			lbd_real_mac(d, s, r, mac, ifindex);
		} else if (r->mac_ok && !asked) {
			lbd_probe_queue(d, id, true);
			asked = true;
		}
	}
	event_active(d->neigh_soon, 0, 0);
}

/*
 * The per-CPU insert limit of the conn table (conn_insert_limit) into the
 * program's keel_config: lbd owns it, so a value set by hand (keel-xdp
 * limit) is replaced at start and at every reload.  1 if it changed.
 */
static int lbd_insert_limit(struct lbd *d, uint32_t limit)
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

static int lbd_attach_all(struct lbd *d, const struct lb_config *c,
			  int *attached)
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
static void lbd_detach_gone(struct lbd *d, const int *now, size_t n_now)
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
	struct lbd_health_prep hp;
	int attached[LB_CFG_IFACES_MAX] = {};
	int ret, limit;

	d->reload_at = time(NULL);
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
	/* Keys and the report socket before anything changes. */
	ret = lbd_health_prepare(d, &next, &hp, err, errlen);
	if (ret)
		goto fail;
	ret = lbd_attach_all(d, &next, attached);
	if (ret) {
		lbd_health_discard(&hp);
		snprintf(err, errlen, "attaching interfaces: %s",
			 strerror(-ret));
		goto fail;
	}
	lbd_detach_gone(d, attached, next.n_ifaces);
	lb_config_free(&d->cfg);
	d->cfg = next;
	memcpy(d->attached, attached, sizeof(attached));
	lbd_link_forget(d, 0);
	/* Positions may have moved; the attach wrote the guard's map. */
	memset(d->if_mac_ok, 0, sizeof(d->if_mac_ok));
	lbd_if_mac_check(d);
	ret = lbd_health_install(d, &hp);
	if (ret)
		keel_log(LOG_ERR, "agent report receiver: %s", strerror(-ret));
	limit = lbd_insert_limit(d, d->cfg.conn_insert_limit);
	if (limit > 0)
		d->generation++;
	ret = lbd_apply(d, rs);
	if (!ret && limit < 0)
		ret = limit;
	if (ret) {
		snprintf(err, errlen, "applying: %s", strerror(-ret));
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

void lbd_stop(struct lbd *d, bool unload)
{
	/* Long enough for a control response to be written out. */
	struct timeval soon = { 0, 100 * 1000 };

	d->detach_on_exit |= unload;
	event_base_loopexit(d->base, &soon);
}

static void lbd_tick(struct lbd *d)
{
	uint32_t every = d->cfg.neigh_refresh_ms / 1000;

	d->ticks++;
	lbd_sample(d);
	if (every && d->ticks % every)
		return;
	/* With neighbour events, asking is enough: answers come as events. */
	if (d->nm) {
		lbd_probe_unresolved(d);
		return;
	}
	lbd_if_mac_check(d);
	lbd_resolve(d, false);
	lbd_commit(d);
}

static void lbd_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_tick(arg);
	lbd_loop_note(arg);
}

/*
 * The loop's stalls (lb_stall.h), measured without waking the loop: at
 * the end of each of lbd's callbacks, the time since this loop turn's
 * poll returned (libevent's cached time) is how long the turn has held
 * the loop so far.  A turn of several callbacks is noted by each; the
 * longest note is the turn's.
 */
void lbd_loop_note(struct lbd *d)
{
	struct timeval start, now;
	int64_t us;

	if (event_base_gettimeofday_cached(d->base, &start))
		return;
	gettimeofday(&now, NULL);
	us = (now.tv_sec - start.tv_sec) * 1000000LL +
	     (now.tv_usec - start.tv_usec);
	/* Outside a turn the cache is empty: now - now.  A clock step
	 * (the cache is monotonic + a wall-clock offset) is no stall. */
	if (us < 0 || us > 3600 * 1000000LL)
		return;
	lb_stall_note(&d->stall, keel_now_us() / 1000, (uint32_t)us);
}

/*
 * Every LBD_BEAT_MS: how late this beat is, is how long the loop was
 * held, also by work that is not lbd's (libevent writing a long answer,
 * a probe): within LBD_BEAT_MS.
 */
static void lbd_on_beat(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, LBD_BEAT_MS * 1000 };
	struct lbd *d = arg;
	uint64_t now = keel_now_us(), lag;

	(void)fd;
	(void)what;
	lag = now > d->beat_due_us ? now - d->beat_due_us : 0;
	lb_stall_note(&d->stall, now / 1000,
		      lag > UINT32_MAX ? UINT32_MAX : (uint32_t)lag);
	d->beat_due_us = now + tv.tv_usec;
	evtimer_add(d->beat, &tv);
}

static void lbd_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lbd *d = arg;
	struct lb_reconcile_stats rs;
	char err[512];

	(void)what;
	if (sig == SIGHUP) {
		lbd_reload(d, &rs, err, sizeof(err));
		lbd_loop_note(d);
		return;
	}
	keel_log(LOG_NOTICE, "signal %d: stopping", (int)sig);
	lbd_stop(d, false);
}

static void lbd_shutdown(struct lbd *d)
{
	bool bad = false;
	size_t i;
	int err;

	lbd_ctl_stop(d);
	lbd_health_stop(d);
	if (d->metrics)
		keel_metrics_stop(d->metrics);
	if (d->nm)
		lb_neigh_mon_stop(d->nm);
	if (d->dp && d->detach_on_exit) {
		for (i = 0; i < d->cfg.n_ifaces; i++) {
			if (!d->attached[i])
				continue;
			err = lb_dp_detach(d->dp, d->attached[i]);
			if (err)
				keel_log(LOG_ERR, "detaching from %s: %s",
					 d->cfg.ifaces[i].name, strerror(-err));
			bad |= err != 0;
		}
		err = lb_dp_unpin(d->dp);
		if (err)
			keel_log(LOG_ERR, "removing the pins under %s: %s",
				 lb_dp_pin_dir(d->dp), strerror(-err));
		keel_log(LOG_NOTICE, "%s",
			 bad || err ? "unload incomplete (see above)" :
				      "detached and unloaded");
	} else if (d->dp) {
		keel_log(
			LOG_NOTICE,
			"stopped; the data plane keeps forwarding (pinned under %s)",
			lb_dp_pin_dir(d->dp));
	}
	if (d->tick)
		event_free(d->tick);
	if (d->beat)
		event_free(d->beat);
	if (d->neigh_soon)
		event_free(d->neigh_soon);
	if (d->probe_ev)
		event_free(d->probe_ev);
	if (d->sig_hup)
		event_free(d->sig_hup);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	lb_model_free(&d->m);
	lb_dp_close(d->dp);
	lb_state_free(&d->st);
	lb_config_free(&d->cfg);
	event_base_free(d->base);
}

static void lbd_usage(FILE *f)
{
	fprintf(f,
		"Usage: lbd [--config FILE] [--check] [--detach-on-exit[=yes|no]]\n"
		"           [--syslog] [--log-level err|warning|notice|info|debug]\n"
		"           [--reset-state]\n"
		"\n"
		"  --config FILE     configuration (default " LBD_CONFIG_DEFAULT
		")\n"
		"  --check           validate the configuration and exit\n"
		"  --detach-on-exit  on exit, detach and unload the data plane\n"
		"                    (default: it keeps forwarding for the next lbd)\n"
		"  --syslog          log to syslog instead of stderr\n"
		"  --reset-state     start even if a state file cannot be used: keep it\n"
		"                    aside (FILE.bad-TIME) and start without it, once\n");
}

/* --check: the key files a start would read (lbd_health.c's rules). */
static int lbd_check_keys(const struct lbd *d, char *msg, size_t size)
{
	const struct lb_cfg_agents *a = &d->cfg.agents;
	uid_t user = d->drop ? d->user.uid : (uid_t)-1;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	int ret = 0;

	if (!a->listen[0])
		return 0;
	ret = keel_report_key_load(a->key_file, user, key, msg, size);
	if (!ret && a->previous_key_file[0])
		ret = keel_report_key_load(a->previous_key_file, user, key, msg,
					   size);
	sodium_memzero(key, sizeof(key));
	return ret;
}

/*
 * A state file that exists but cannot be used: refuse to start (the
 * data plane keeps forwarding with its last tables, and the file is left
 * as it is), unless --reset-state, which keeps it aside under a new name.
 * Running without it would bring back every real an operator took down
 * and undo every drain (docs/state-file.md).
 */
static int lbd_state_bad(struct lbd *d, const char *what, const char *path,
			 const char *why)
{
	char aside[PATH_MAX];
	int ret;

	if (!d->reset_state) {
		keel_log(
			LOG_ERR,
			"%s %s cannot be used: %s. lbd does not start, so that nothing recorded in it is lost; the data plane keeps forwarding with its last tables. Fix or restore the file (docs/state-file.md), or start lbd once with --reset-state to keep it aside under a new name and start without it",
			what, path, why);
		d->exit_code = LBD_EXIT_STATE;
		return -EINVAL;
	}
	ret = keel_file_set_aside(path, time(NULL), aside, sizeof(aside));
	if (ret) {
		keel_log(
			LOG_ERR,
			"%s %s cannot be used (%s), and --reset-state cannot keep it aside: %s",
			what, path, why, strerror(-ret));
		d->exit_code = LBD_EXIT_STATE;
		return ret;
	}
	keel_log(
		LOG_WARNING,
		"--reset-state: %s %s could not be used (%s); kept as %s, starting without it",
		what, path, why, aside);
	return 0;
}

/*
 * What lbd keeps once set up, as the user it becomes (docs/lbd.md,
 * "Privileges", has what each was measured for):
 *   CAP_BPF        BPF_MAP_CREATE of rings (a service added at run time
 *                  or by a reload, a ring resized, lb_dp_sync()'s barrier);
 *                  on kernels before 6.5 (Debian 12's 6.1) with
 *                  kernel.unprivileged_bpf_disabled set, every bpf() call
 *   CAP_NET_ADMIN  XDP attach and detach (reload, shutdown --unload),
 *                  RTM_NEWNEIGH to make the kernel resolve a real's MAC
 * CAP_SYS_ADMIN is not kept: the rings' maps stay open (lb_dp), so none is
 * reached by id; CAP_PERFMON served the verifier at load only.
 */
static const int lbd_keep_caps[] = { CAP_BPF, CAP_NET_ADMIN };

/* The directory of path; made 0750 for u when missing (u not NULL). */
static void lbd_state_dir(const struct keel_user *u, const char *path,
			  char *dir, size_t size)
{
	char *slash;
	int fd;

	snprintf(dir, size, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else
		slash[slash == dir] = '\0';
	if (!u || mkdir(dir, 0700))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fchown(fd, u->uid, u->gid) == 0)
		fchmod(fd, 0750);
	close(fd);
}

/*
 * Started as root: the user lbd becomes once set up, looked up, and what
 * it needs then checked as that user would open it, so that a start
 * fails now rather than every admin change or reload later.  Started as
 * anyone else: lbd stays who it is, and user:, if given, must name them.
 */
static int lbd_user_prepare(struct lbd *d, bool check, char *msg, size_t size)
{
	const struct lb_cfg_agents *a = &d->cfg.agents;
	const char *keys[2] = { a->key_file, a->previous_key_file };
	char dir[LB_CFG_PATH_MAX], why[200];
	size_t i;
	int err;

	err = keel_user_start(d->cfg.user, d->cfg.user_given, &d->user,
			      &d->drop, why, sizeof(why));
	if (err == -EPERM && !d->drop) {
		snprintf(msg, size, "%s: %s", d->config_path, why);
		return err;
	}
	if (err) {
		snprintf(
			msg, size,
			"%s: %s: lbd runs as that user once set up (create it: useradd --system %s; or name another with user:)",
			d->config_path, why, d->cfg.user);
		return err;
	}
	if (!d->drop)
		return 0;
	/* --check changes nothing: a missing directory, a start makes. */
	lbd_state_dir(check ? NULL : &d->user, d->cfg.state_file, dir,
		      sizeof(dir));
	if ((!check || access(dir, F_OK) == 0) &&
	    keel_priv_access(&d->user, dir, W_OK | X_OK)) {
		snprintf(
			msg, size,
			"state_file %s: user %s cannot write to %s, and lbd saves admin state as that user (chown %s %s)",
			d->cfg.state_file, d->user.name, dir, d->user.name,
			dir);
		return -EACCES;
	}
	if (keel_priv_access(&d->user, d->config_path, R_OK)) {
		snprintf(
			msg, size,
			"%s: user %s cannot read it, and lbd reloads it as that user",
			d->config_path, d->user.name);
		return -EACCES;
	}
	for (i = 0; a->listen[0] && i < 2; i++)
		if (keys[i][0] && keel_priv_access(&d->user, keys[i], R_OK))
			keel_log(
				LOG_WARNING,
				"key file %s: user %s cannot read it: read now, but a reload will fail (chown %s %s)",
				keys[i], d->user.name, d->user.name, keys[i]);
	return 0;
}

/*
 * The state file and the agents' replay file: missing is a first start;
 * anything else must load.
 */
static int lbd_state_open(struct lbd *d)
{
	struct lbd_health *h = &d->health;
	char err[512], path[PATH_MAX];
	int ret;

	ret = lb_state_load(d->cfg.state_file, &d->st, err, sizeof(err));
	if (ret && ret != -ENOENT) {
		ret = lbd_state_bad(d, "state file", d->cfg.state_file, err);
		if (ret)
			return ret;
	}
	ret = lbd_replay_path(d, path, sizeof(path));
	if (ret) {
		keel_log(LOG_ERR, "state_file %s: name too long",
			 d->cfg.state_file);
		return ret;
	}
	ret = lb_replay_load(path, &h->restore, &h->n_restore, err,
			     sizeof(err));
	if (ret && ret != -ENOENT)
		return lbd_state_bad(d, "replay file", path, err);
	return 0;
	return 0;
}

/*
 * Everything that needed root is done (program, pins, attachments,
 * sockets): become the user.  No parser of lbd's (control JSON, agent
 * reports, HTTP) ever runs before this.
 */
static int lbd_drop(struct lbd *d)
{
	int err;

	if (!d->drop)
		return 0;
	err = lb_dp_pin_owner(d->dp, d->user.uid, d->user.gid);
	if (err)
		keel_log(
			LOG_WARNING,
			"pin directory %s: %s: shutdown --unload will leave the pins",
			lb_dp_pin_dir(d->dp), strerror(-err));
	return keel_priv_drop_logged(&d->user, lbd_keep_caps,
				     sizeof(lbd_keep_caps) /
					     sizeof(lbd_keep_caps[0]));
}

static int lbd_start(struct lbd *d)
{
	struct lb_dp_opts o = { .bpffs = d->cfg.bpffs,
				.instance = d->cfg.instance,
				.conn_table_size = d->cfg.conn_table_size };
	struct lb_reconcile_stats rs;
	struct lbd_health_prep hp;
	struct timeval one = { 1, 0 }, beat = { 0, LBD_BEAT_MS * 1000 };
	char err[512];
	uint32_t gen;
	int ret;

	/* First, before anything is loaded, attached or written. */
	ret = lbd_state_open(d);
	if (ret)
		return ret;
	ret = lb_dp_load(&o, &d->dp);
	if (ret) {
		keel_log(LOG_ERR, "loading the XDP program: %s",
			 strerror(-ret));
		return ret;
	}
	lb_dp_conn_capacity(d->dp, &d->conn_capacity);
	if (!lb_dp_generation(d->dp, &gen))
		d->generation = gen;
	if (d->conn_capacity != d->cfg.conn_table_size)
		keel_log(
			LOG_WARNING,
			"conn table kept at %u entries (config says %u): it was adopted with its flows; unload to resize",
			d->conn_capacity, d->cfg.conn_table_size);
	ret = lbd_insert_limit(d, d->cfg.conn_insert_limit);
	if (ret < 0)
		return ret;
	ret = lb_model_init(&d->m, d->dp);
	if (ret) {
		keel_log(LOG_ERR, "adopting the pinned state: %s",
			 strerror(-ret));
		return ret;
	}
	if (d->m.n_svcs)
		keel_log(LOG_NOTICE, "adopted %zu services from %s",
			 d->m.n_svcs, lb_dp_pin_dir(d->dp));
	ret = lbd_attach_all(d, &d->cfg, d->attached);
	if (ret)
		return ret;
	lbd_if_mac_check(d);
	ret = lbd_health_init(d);
	if (ret)
		return ret;
	ret = lbd_health_prepare(d, &d->cfg, &hp, err, sizeof(err));
	if (ret) {
		keel_log(LOG_ERR, "%s", err);
		return ret;
	}
	ret = lbd_health_install(d, &hp);
	if (ret)
		return ret;
	/* Before the first apply: it asks the kernel to resolve reals, and
	 * the answers come as events. */
	d->neigh_soon = event_new(d->base, -1, 0, lbd_on_neigh_soon, d);
	d->probe_ev = evtimer_new(d->base, lbd_on_probe, d);
	if (!d->neigh_soon || !d->probe_ev)
		return -ENOMEM;
	ret = lb_neigh_mon_start(d->base, lbd_neigh_event, lbd_link_event, d,
				 &d->nm);
	if (ret)
		keel_log(LOG_WARNING,
			 "neighbour monitor: %s (MACs refreshed by polling)",
			 strerror(-ret));
	ret = lbd_apply(d, &rs);
	if (ret)
		return ret;
	d->reload_ok = true;
	d->reload_at = time(NULL);

	d->tick = event_new(d->base, -1, EV_PERSIST, lbd_on_tick, d);
	d->beat = evtimer_new(d->base, lbd_on_beat, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, lbd_on_signal, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, lbd_on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, lbd_on_signal, d);
	if (!d->tick || !d->beat || !d->sig_hup || !d->sig_term ||
	    !d->sig_int || event_add(d->tick, &one) ||
	    event_add(d->sig_hup, NULL) || event_add(d->sig_term, NULL) ||
	    event_add(d->sig_int, NULL))
		return -ENOMEM;
	d->beat_due_us = keel_now_us() + beat.tv_usec;
	evtimer_add(d->beat, &beat);
	ret = lbd_ctl_start(d);
	if (ret)
		return ret;
	ret = lbd_metrics_start(d);
	if (ret)
		return ret;
	ret = lbd_drop(d);
	if (ret)
		return ret;
	/* Adopted flows show at once, not at the first tick. */
	lbd_sample(d);
	keel_log(
		LOG_NOTICE,
		"instance %s serving %zu services on %zu interfaces (generation %llu)",
		d->cfg.instance, d->m.n_svcs, d->cfg.n_ifaces,
		(unsigned long long)d->generation);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "detach-on-exit", optional_argument, NULL, 'd' },
		{ "syslog", no_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "reset-state", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct lbd d;
	struct lb_config_error ce = {};
	bool check = false, use_syslog = false;
	int opt, level = LOG_INFO, ret;
	char msg[1024];

	d.config_path = LBD_CONFIG_DEFAULT;
	d.health.fd = -1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'd':
			if (!optarg || !strcmp(optarg, "yes")) {
				d.detach_on_exit = true;
			} else if (!strcmp(optarg, "no")) {
				d.detach_on_exit = false;
			} else {
				lbd_usage(stderr);
				return 2;
			}
			break;
		case 's':
			use_syslog = true;
			break;
		case 'r':
			d.reset_state = true;
			break;
		case 'l':
			level = keel_log_level_parse(optarg);
			if (level < 0) {
				lbd_usage(stderr);
				return 2;
			}
			break;
		case 'h':
			lbd_usage(stdout);
			return 0;
		default:
			lbd_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		lbd_usage(stderr);
		return 2;
	}
	keel_log_init("lbd", use_syslog, level);
	keel_listen_event_log();
	ret = lb_config_load(d.config_path, &d.cfg, &ce);
	if (ret) {
		lb_config_error_format(&ce, msg, sizeof(msg));
		keel_log(LOG_ERR, "%s", msg);
		return 1;
	}
	ret = lbd_user_prepare(&d, check, msg, sizeof(msg));
	if (ret) {
		keel_log(LOG_ERR, "%s", msg);
		lb_config_free(&d.cfg);
		return 1;
	}
	if (check) {
		/* What a start would refuse: the agents' key files too. */
		ret = lbd_check_keys(&d, msg, sizeof(msg));
		if (ret)
			keel_log(LOG_ERR, "%s", msg);
		else
			printf("%s: ok (%zu services)\n", d.config_path,
			       d.cfg.n_services);
		lb_config_free(&d.cfg);
		return ret ? 1 : 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		keel_log(LOG_ERR, "libsodium cannot start");
		return 1;
	}
	d.base = event_base_new();
	if (!d.base) {
		keel_log(LOG_ERR, "event loop: out of memory");
		return 1;
	}
	ret = lbd_start(&d);
	if (ret) {
		/* A failed start leaves the data plane forwarding as it was. */
		d.detach_on_exit = false;
		lbd_shutdown(&d);
		return d.exit_code ? d.exit_code : 1;
	}
	ret = event_base_dispatch(d.base) < 0 ? -EIO : 0;
	lbd_shutdown(&d);
	return ret ? 1 : d.exit_code;
}
