// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's neighbours (lbd_neigh.h): each real's MAC and egress from the
 * kernel's neighbour table and events, the kernel asked to resolve the
 * others (a batch per loop turn), and the MACs of the interfaces lbd
 * serves for the XDP program's MAC guard.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "keel_addr.h"
#include "keel_log.h"
#include "lb_neigh.h"
#include "lbd.h"
#include "lbd_loop.h"
#include "lbd_neigh.h"

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

void lbd_neigh_link_forget(struct lbd *d, int ifindex)
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

void lbd_neigh_link_event(void *arg, int ifindex, const uint8_t mac[6])
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
void lbd_neigh_if_mac_check(struct lbd *d)
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
void lbd_neigh_resolve(struct lbd *d, bool all)
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
	lbd_neigh_link_forget(d, 0);
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
void lbd_neigh_probe_unresolved(struct lbd *d)
{
	size_t i, j;

	for (i = 0; i < d->m.n_svcs; i++)
		for (j = 0; j < d->m.svcs[i]->n_reals; j++)
			if (!d->m.svcs[i]->reals[j].deleted &&
			    !d->m.svcs[i]->reals[j].mac_ok)
				lbd_probe_queue(d, d->m.svcs[i]->reals[j].id,
						false);
}

void lbd_neigh_apply(struct lbd *d, uint8_t family, const __be32 addr[4],
		     const uint8_t mac[6], int ifindex)
{
	uint32_t cur = LB_HTAB_START, id;
	struct lb_service *s;
	struct lb_real *r;
	bool asked = false;

	if (family == 0) {
		/* The kernel's messages overran us: look everything up. */
		lbd_neigh_if_mac_check(d);
		lbd_neigh_resolve(d, true);
		return;
	}
	/* A flush (the interface's address changed) comes as such events. */
	if (!mac)
		lbd_neigh_link_forget(d, ifindex);
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
}

int lbd_neigh_init(struct lbd *d)
{
	d->probe_ev = evtimer_new(d->base, lbd_on_probe, d);
	return d->probe_ev ? 0 : -ENOMEM;
}

void lbd_neigh_stop(struct lbd *d)
{
	if (d->probe_ev)
		event_free(d->probe_ev);
	d->probe_ev = NULL;
}
