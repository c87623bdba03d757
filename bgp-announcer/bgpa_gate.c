// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_gate.c - health gating's decisions (docs/bgp-announcer.md, "Health
 * gating"), pure: bgpa_health.c feeds it lbd's answers, the probes' states,
 * the disable file and the time.
 *
 * A sample is good when lbd answered, its data plane is attached, every
 * service the prefix depends on has min_up reals UP and usable, and the
 * prefix's own probe (if any) is UP.  rise good samples in a row make the
 * prefix UP, fall bad ones DOWN.  The disable file and lbd's site drain
 * make it DISABLED at once, without waiting for fall.
 *
 * Fail safe: a bad sample because lbd failed (unreachable, silent,
 * garbage), its data plane is not attached, its LB pair is not synced
 * yet (docs/pair.md), or the probe is down withdraws the prefix whatever
 * down: says; nothing is announced before the first UP verdict.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bgpa_gate.h"
#include "keel_addr.h"
#include "keel_ctl_lbd.h"
#include "keel_maps.h"

__attribute__((format(printf, 3, 4))) static void
gate_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static const char *const bgpa_pstate_names[BGPA_P__MAX] = {
	[BGPA_P_UP] = "up",
	[BGPA_P_DOWN] = "down",
	[BGPA_P_DISABLED] = "disabled",
};

const char *bgpa_pstate_name(enum bgpa_pstate s)
{
	return (unsigned int)s < BGPA_P__MAX ? bgpa_pstate_names[s] : "?";
}

/* ---- lbd's answer ---- */

/*
 * A real without "state" is zeroed by the parse: KEEL_RS_UNKNOWN, not up
 * (as is a state a newer lbd adds, keel_ctl_gate_view).
 */
_Static_assert(KEEL_RS_UNKNOWN == 0, "a missing state must read as unknown");

/*
 * Reals UP and usable; an lbd without "usable": the state alone.  A sorry
 * server is not counted: a site serving only its apology should give
 * its clients to another site.
 */
static unsigned int gate_reals_up(const struct keel_ctl_gate_service *v)
{
	unsigned int up = 0;
	size_t i;

	for (i = 0; i < v->n_reals; i++)
		if (v->reals[i].state == KEEL_RS_UP && !v->reals[i].sorry &&
		    (!v->reals[i].has_usable || v->reals[i].usable))
			up++;
	return up;
}

/* The interfaces not attached, the list cut at size - 1 bytes. */
static void gate_detached(const struct keel_ctl_gate_dataplane *dp, char *buf,
			  size_t size)
{
	size_t i, dl = 0;

	buf[0] = '\0';
	for (i = 0; i < dp->n_attached; i++) {
		if (dp->attached[i].attached || dl + 2 >= size)
			continue;
		dl += (size_t)snprintf(buf + dl, size - dl, "%s%s",
				       dl ? ", " : "", dp->attached[i].ifname);
		if (dl >= size)
			dl = size - 1;
	}
}

/*
 * pair: absent is an lbd from before the pair (synced); present without
 * synced is not synced (every lbd that writes pair writes synced).  The
 * reason is lbd's text: kept only as one printable line.
 */
static void gate_pair(const struct keel_ctl_gate_view *st,
		      struct bgpa_gate_lbd *n)
{
	const struct keel_ctl_gate_pair *p = &st->pair;

	n->pair_synced = !st->has_pair || (p->has_synced && p->synced);
	if (n->pair_synced)
		return;
	if (p->has_reason && keel_ctl_text_ok(p->reason, strlen(p->reason)))
		snprintf(n->pair_reason, sizeof(n->pair_reason), "%s",
			 p->reason);
	else if (!p->has_synced)
		snprintf(n->pair_reason, sizeof(n->pair_reason),
			 "pair.synced missing");
	else
		snprintf(n->pair_reason, sizeof(n->pair_reason), "?");
}

/*
 * The gate fails only on what it reads (keel_ctl_status_gate_parse): a
 * member it reads of the wrong type (pair, pair.synced and pair.reason
 * included), an answer without services or a service without reals
 * makes lbd unusable for this poll (the caller withdraws, fail safe);
 * display-only members are not read at all.  Missing members are an
 * older lbd's (keel_ctl_lbd.h): no usable, no site, no all_attached, no
 * pair.
 */
int bgpa_gate_parse(const char *line, size_t len, struct bgpa_gate_lbd *out,
		    char *why, size_t size)
{
	struct bgpa_gate_lbd n = { 0 };
	struct keel_ctl_gate_view st;
	const struct keel_ctl_gate_service *v;
	size_t i;
	int ret;

	ret = keel_ctl_status_gate_parse(line, len, &st, why, size);
	if (ret)
		return ret;
	ret = -EBADMSG;
	if (!st.has_services) {
		gate_fmt(why, size, "no services list");
		goto out;
	}
	n.svcs = calloc(st.n_services + 1, sizeof(*n.svcs));
	if (!n.svcs) {
		ret = -ENOMEM;
		gate_fmt(why, size, "out of memory");
		goto out;
	}
	for (i = 0; i < st.n_services; i++) {
		v = &st.services[i];
		if (keel_vip_parse(v->service, &n.svcs[i].key)) {
			gate_fmt(why, size,
				 "services[%zu].service: not a service", i);
			goto out;
		}
		if (!v->has_reals) {
			gate_fmt(why, size, "services[%zu].reals: missing", i);
			goto out;
		}
		n.svcs[i].up = gate_reals_up(v);
		n.svcs[i].reals = (unsigned int)v->n_reals;
	}
	n.n_svcs = st.n_services;
	/* A missing site is an lbd from before site drain: not drained. */
	n.drained = st.has_site && st.site.drained;
	if (n.drained && st.site.has_reason)
		snprintf(n.drain_reason, sizeof(n.drain_reason), "%s",
			 st.site.reason);
	/* The reason is the operator's text: keep it one printable line. */
	if (!keel_ctl_text_ok(n.drain_reason, strlen(n.drain_reason)))
		n.drain_reason[0] = '\0';
	n.drain_since = n.drained && st.site.has_since ? (time_t)st.site.since :
							 0;
	/* A missing all_attached counts as not attached (control-protocol.md). */
	n.attached = st.has_dataplane && st.dataplane.has_all_attached &&
		     st.dataplane.all_attached;
	gate_detached(&st.dataplane, n.detached, sizeof(n.detached));
	gate_pair(&st, &n);
	n.generation = st.generation;
	free(out->svcs);
	*out = n;
	n.svcs = NULL;
	ret = 0;
out:
	free(n.svcs);
	keel_ctl_gate_view_free(&st);
	return ret;
}

void bgpa_gate_lbd_free(struct bgpa_gate_lbd *l)
{
	free(l->svcs);
	l->svcs = NULL;
	l->n_svcs = 0;
}

/* ---- one sample per prefix ---- */

bool bgpa_gate_in_prefix(const struct keel_vip_key *k,
			 const struct bgp_prefix *p)
{
	const uint8_t *a = (const uint8_t *)k->addr;
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (k->family != (p->afi == BGP_AFI_IPV4 ? KEEL_F_INET : KEEL_F_INET6))
		return false;
	if (memcmp(a, p->addr, full))
		return false;
	return !rest || !((a[full] ^ p->addr[full]) & (0xff << (8 - rest)));
}

bool bgpa_gate_is_gated(bool has_lbd, const struct bgpa_cfg_prefix *c)
{
	return has_lbd || c->probe.set;
}

void bgpa_gate_set_gated(struct bgpa_gate *g, bool gated)
{
	if (gated != g->gated) {
		/* Newly gated (or not): from nothing, never announce blind. */
		g->verdict = g->healthy = false;
		g->ok_run = g->bad_run = 0;
		g->bad_failsafe = false;
		g->ok_reason[0] = g->bad_reason[0] = '\0';
	}
	g->gated = gated;
}

static const struct bgpa_gate_svc *gate_svc_find(const struct bgpa_gate_lbd *l,
						 const struct keel_vip_key *k)
{
	size_t i;

	for (i = 0; i < l->n_svcs; i++)
		if (!memcmp(&l->svcs[i].key, k, sizeof(*k)))
			return &l->svcs[i];
	return NULL;
}

/* One service against min_up; false with the reason when short. */
static bool gate_svc_ok(const struct bgpa_gate_lbd *l,
			const struct keel_vip_key *k, uint32_t min_up,
			char *why, size_t size, unsigned int *up)
{
	const struct bgpa_gate_svc *s = gate_svc_find(l, k);
	char name[80] = "?";

	keel_vip_format(k, name, sizeof(name));
	if (!s) {
		gate_fmt(why, size, "%s is not in lbd's configuration", name);
		return false;
	}
	*up = s->up;
	if (s->up < min_up) {
		gate_fmt(why, size, "%s has %u of min %u reals up", name, s->up,
			 min_up);
		return false;
	}
	return true;
}

static void gate_sample_lbd(const struct bgpa_gate_site *site,
			    const struct bgpa_cfg_prefix *c,
			    struct bgpa_gate_sample *s)
{
	const struct bgpa_gate_lbd *l = site->lbd;
	unsigned int n = 0, up = 0, min = ~0u, u;
	char pfx[64], name[80];
	size_t i, nk;

	if (!site->lbd_ok) {
		s->failsafe = true;
		gate_fmt(s->reason, sizeof(s->reason), "%s",
			 site->lbd_error ? site->lbd_error : "");
		return;
	}
	if (!l->attached) {
		s->failsafe = true;
		gate_fmt(s->reason, sizeof(s->reason),
			 "lbd's data plane is not attached%s%s",
			 l->detached[0] ? ": " : "", l->detached);
		return;
	}
	/*
	 * Not synced: its conn table misses the peer's flows; announcing
	 * now would move them here by ECMP rehash and break them.
	 */
	if (!l->pair_synced) {
		s->failsafe = true;
		gate_fmt(s->reason, sizeof(s->reason), "pair not synced: %s",
			 l->pair_reason);
		return;
	}
	/* The services listed, or lbd's services inside the prefix. */
	nk = c->has_services ? c->n_services : l->n_svcs;
	for (i = 0; i < nk; i++) {
		const struct keel_vip_key *k =
			c->has_services ? &c->services[i] : &l->svcs[i].key;

		if (!c->has_services && !bgpa_gate_in_prefix(k, &c->pfx))
			continue;
		if (!gate_svc_ok(l, k, c->min_up, s->reason, sizeof(s->reason),
				 &u))
			return;
		n++;
		up += u;
		min = u < min ? u : min;
		if (n == 1)
			keel_vip_format(k, name, sizeof(name));
	}
	if (!n && !c->has_services) {
		bgp_prefix_format(&c->pfx, pfx, sizeof(pfx));
		gate_fmt(s->reason, sizeof(s->reason),
			 "lbd has no service inside %s", pfx);
		return;
	}
	s->ok = true;
	if (n == 1)
		gate_fmt(s->reason, sizeof(s->reason), "%s: %u reals up", name,
			 up);
	else
		gate_fmt(s->reason, sizeof(s->reason),
			 "%u services, each with at least %u reals up", n, min);
}

void bgpa_gate_sample(const struct bgpa_gate_site *site,
		      const struct bgpa_cfg_prefix *c, uint8_t probe,
		      const char *probe_detail, struct bgpa_gate_sample *out)
{
	const char *d = probe_detail ? probe_detail : "";

	memset(out, 0, sizeof(*out));
	if (site->has_lbd) {
		gate_sample_lbd(site, c, out);
		if (!out->ok)
			return;
	}
	if (c->probe.set) {
		if (probe != KEEL_RS_UP) {
			out->ok = false;
			out->failsafe = true;
			gate_fmt(out->reason, sizeof(out->reason),
				 "probe %s: %s",
				 probe == KEEL_RS_DOWN ? "down" :
							 "no verdict yet",
				 d[0] ? d : "not run yet");
			return;
		}
		if (!site->has_lbd)
			gate_fmt(out->reason, sizeof(out->reason),
				 "probe up: %s", d);
	}
	out->ok = true;
}

/* ---- rise/fall ---- */

void bgpa_gate_feed(struct bgpa_gate *g, const struct bgpa_cfg_prefix *c,
		    const struct bgpa_gate_sample *s)
{
	if (s->ok) {
		g->bad_run = 0;
		if (g->ok_run < UINT16_MAX)
			g->ok_run++;
		snprintf(g->ok_reason, sizeof(g->ok_reason), "%s", s->reason);
		if (!g->healthy && g->ok_run >= c->rise) {
			g->healthy = true;
			g->verdict = true;
		}
		return;
	}
	g->ok_run = 0;
	if (g->bad_run < UINT16_MAX)
		g->bad_run++;
	snprintf(g->bad_reason, sizeof(g->bad_reason), "%s", s->reason);
	g->bad_failsafe = s->failsafe;
	if (g->bad_run >= c->fall) {
		g->healthy = false;
		g->verdict = true;
	}
}

/* ---- the state of each prefix ---- */

void bgpa_gate_decide(const struct bgpa_gate *g, enum bgpa_pstate cur,
		      const struct bgpa_cfg_prefix *c,
		      const struct bgpa_gate_site *site, uint64_t now_ms,
		      struct bgpa_gate_decision *out)
{
	const struct bgpa_gate_lbd *l = site->lbd;
	char *why = out->reason;
	size_t size = sizeof(out->reason), n;

	out->withdraw = false;
	out->state = BGPA_P_DISABLED;
	if (!c->announce) {
		gate_fmt(why, size, "announce: false in the configuration");
	} else if (site->disable_exists) {
		gate_fmt(why, size, "disable file %s exists",
			 site->disable_file);
	} else if (l->drained) {
		gate_fmt(why, size, "site drained%s%s",
			 l->drain_reason[0] ? ": " : "", l->drain_reason);
	} else if (!g->gated) {
		out->state = BGPA_P_UP;
		gate_fmt(why, size, "not health-gated (no lbd: or probe:)");
		return;
	} else if (!g->verdict) {
		bool bad = !g->ok_run && g->bad_run;

		out->state = BGPA_P_DOWN;
		out->withdraw = true;
		gate_fmt(why, size, "waiting for the first verdict%s%s",
			 bad ? ": " : "", bad ? g->bad_reason : "");
		return;
	} else if (g->healthy) {
		out->state = BGPA_P_UP;
		if (g->bad_run)
			gate_fmt(why, size, "%s (%u of fall %u bad: %s)",
				 g->ok_reason, g->bad_run, c->fall,
				 g->bad_reason);
		else
			gate_fmt(why, size, "%s", g->ok_reason);
		return;
	} else {
		out->state = BGPA_P_DOWN;
		out->withdraw = g->bad_failsafe;
		if (g->ok_run)
			gate_fmt(why, size, "%s (%u of rise %u good)",
				 g->bad_reason, g->ok_run, c->rise);
		else
			gate_fmt(why, size, "%s", g->bad_reason);
		return;
	}
	/*
	 * DISABLED: its action (e.g. graceful_shutdown) only while the site
	 * could serve, and only for disabled_withdraw_after if set.
	 */
	if (g->gated && !(g->verdict && g->healthy))
		out->withdraw = true;
	if (c->disabled_withdraw_after_ms && cur == BGPA_P_DISABLED &&
	    now_ms - g->disabled_ms >= c->disabled_withdraw_after_ms) {
		out->withdraw = true;
		n = strlen(why);
		if (n + 32 < size)
			gate_fmt(why + n, size - n, ", withdrawn after %ums",
				 c->disabled_withdraw_after_ms);
	}
}

bool bgpa_gate_commit(struct bgpa_gate *g, enum bgpa_pstate *state,
		      const struct bgpa_gate_decision *d, uint64_t now_ms,
		      time_t now)
{
	snprintf(g->reason, sizeof(g->reason), "%s", d->reason);
	if (d->state == *state && d->withdraw == g->withdraw)
		return false;
	if (d->state == BGPA_P_DISABLED && *state != BGPA_P_DISABLED)
		g->disabled_ms = now_ms;
	if (d->state != *state)
		g->changes++;
	*state = d->state;
	g->withdraw = d->withdraw;
	g->since = now;
	return true;
}
