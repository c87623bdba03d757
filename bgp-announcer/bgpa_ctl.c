// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_ctl.c - bgp-announcer's control socket: one JSON request per line,
 * one JSON response per line, as lbd's (docs/bgp-announcer.md):
 *
 *   {"cmd":"status"}    sessions, prefixes (state, why, since, to whom),
 *                       lbd as last seen
 *   {"cmd":"prefixes"}  the prefixes alone, with their health detail
 *   {"cmd":"reload"}    as SIGHUP
 *
 * Requests are read by libkeel's keel_ctl_req_parse_for() (the commands
 * of KEEL_CTL_ACCEPT_BGPA), answers written by the keel_ctl_bgpa encoders,
 * which lbctl's parsers mirror; errors use libkeel's shape
 * ({"ok":false,"code":...,"error":...}); the socket is keel_ctlsock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "bgpa.h"
#include "bgpa_ctl.h"
#include "bgpa_gate.h"
#include "bgpa_health.h"
#include "bgpa_peer.h"
#include "bgpa_reload.h"
#include "bgpa_rib.h"
#include "keel_clock.h"
#include "keel_ctl.h"
#include "keel_ctl_bgpa.h"
#include "keel_ctl_lbd.h"
#include "keel_ctlsock.h"

static void ctl_notif(const struct bgpa_peer_err *e, bool *has,
		      struct keel_ctl_bgpa_notif *n)
{
	*has = e->set;
	if (!e->set)
		return;
	n->code = e->n.code;
	n->subcode = e->n.subcode;
	n->has_message = e->n.has_shutdown;
	if (e->n.has_shutdown)
		snprintf(n->message, sizeof(n->message), "%s", e->n.shutdown);
	n->at = e->at;
}

/* Fills o; o->announced is malloc'ed (NULL with nothing sent). */
static int ctl_peer(const struct bgpa_peer *p, time_t now,
		    struct keel_ctl_bgpa_peer *o)
{
	size_t i;

	snprintf(o->name, sizeof(o->name), "%s", p->cfg.name);
	inet_ntop(p->cfg.family, p->cfg.addr, o->address, sizeof(o->address));
	o->remote_as = p->cfg.remote_as;
	snprintf(o->state, sizeof(o->state), "%s",
		 bgp_state_name(p->fsm.state));
	o->state_for_s = now - p->state_since;
	o->established = p->fsm.state == BGP_ST_ESTABLISHED;
	o->ipv4 = p->fsm.nego.ipv4;
	o->ipv6 = p->fsm.nego.ipv6;
	o->hold_time = p->fsm.nego.hold_time;
	o->keepalive = p->fsm.nego.keepalive;
	ctl_notif(&p->last_sent, &o->has_last_error_sent, &o->last_error_sent);
	ctl_notif(&p->last_recv, &o->has_last_error_received,
		  &o->last_error_received);
	if (p->ao.n) {
		o->announced = calloc(p->ao.n, sizeof(*o->announced));
		if (!o->announced)
			return -ENOMEM;
	}
	for (i = 0; i < p->ao.n; i++)
		bgp_prefix_format(&p->ao.sent[i].pfx, o->announced[i],
				  sizeof(o->announced[i]));
	o->n_announced = p->ao.n;
	o->updates_sent = p->updates_out;
	o->updates_received = p->updates_in;
	o->updates_bad = p->bad_updates;
	o->has_uptime_s = p->up_since != 0;
	o->uptime_s = p->up_since ? now - p->up_since : 0;
	o->has_last_reason = p->last_reason[0] != '\0';
	snprintf(o->last_reason, sizeof(o->last_reason), "%s", p->last_reason);
	return 0;
}

static const char *ctl_rs_name(const struct bgpa_gate *g)
{
	if (g->probe->state == KEEL_RS_UP)
		return "up";
	return g->probe->state == KEEL_RS_DOWN ? "down" : "unknown";
}

/*
 * One prefix: state, whether its action announces, to whom, why, since;
 * o->peers is malloc'ed (NULL without peers).
 */
static int ctl_prefix(const struct bgpa *b, const struct bgpa_prefix *x,
		      bool detail, struct keel_ctl_bgpa_prefix *o)
{
	const struct bgpa_gate *g = &x->g;
	size_t j;

	if (b->n_peers) {
		o->peers = calloc(b->n_peers, sizeof(*o->peers));
		if (!o->peers)
			return -ENOMEM;
	}
	for (j = 0; j < b->n_peers; j++) {
		const struct bgpa_peer *p = b->peers[j];

		if (bgpa_adjout_has(&p->ao, &x->pfx))
			snprintf(o->peers[o->n_peers++], sizeof(*o->peers),
				 "%s", p->cfg.name);
	}
	bgp_prefix_format(&x->pfx, o->prefix, sizeof(o->prefix));
	snprintf(o->state, sizeof(o->state), "%s", bgpa_pstate_name(x->state));
	o->announce = !g->withdraw && x->announce[x->state];
	snprintf(o->reason, sizeof(o->reason), "%s", g->reason);
	o->has_since = g->since != 0;
	o->since = g->since;
	if (!detail)
		return 0;
	o->gated = g->gated;
	o->fail_safe = g->withdraw;
	o->has_health = g->gated;
	snprintf(o->health, sizeof(o->health), "%s",
		 !g->verdict ? "unknown" :
		 g->healthy  ? "up" :
			       "down");
	o->good_in_row = g->ok_run;
	o->bad_in_row = g->bad_run;
	o->has_probe = g->probe != NULL;
	if (g->probe)
		snprintf(o->probe, sizeof(o->probe), "%s", ctl_rs_name(g));
	return 0;
}

static int ctl_prefixes(const struct bgpa *b, bool detail,
			struct keel_ctl_bgpa_prefix **out, size_t *n)
{
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	if (!b->rib.n_prefixes)
		return 0;
	*out = calloc(b->rib.n_prefixes, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < b->rib.n_prefixes; i++) {
		*n = i + 1; /* freed with the rest on failure */
		err = ctl_prefix(b, &b->rib.prefixes[i], detail, &(*out)[i]);
		if (err)
			return err;
	}
	return 0;
}

static void ctl_lbd(const struct bgpa *b, struct keel_ctl_bgpa_lbd *o)
{
	const struct bgpa_health *h = &b->health;

	snprintf(o->socket, sizeof(o->socket), "%s", b->cfg.lbd_socket);
	o->ok = h->lbd_ok;
	snprintf(o->last_result, sizeof(o->last_result), "%s",
		 bgpa_poll_result_name(h->last_result));
	o->polls_ok = h->polls[BGPA_POLL_OK];
	o->polls_failed =
		h->polls[BGPA_POLL_CONNECT] + h->polls[BGPA_POLL_TIMEOUT] +
		h->polls[BGPA_POLL_CLOSED] + h->polls[BGPA_POLL_BAD_ANSWER];
	o->has_error = h->lbd_error[0] && !h->lbd_ok;
	if (o->has_error)
		snprintf(o->error, sizeof(o->error), "%s", h->lbd_error);
	o->has_last_ok_at = h->lbd_ok_at != 0;
	o->last_ok_at = h->lbd_ok_at;
	o->has_attached = h->lbd_answered;
	o->attached = h->lbd.attached;
	o->site.drained = h->lbd.drained;
	o->site.has_since = h->lbd.drain_since != 0;
	o->site.since = h->lbd.drain_since;
	o->site.has_reason = h->lbd.drain_reason[0] != '\0';
	snprintf(o->site.reason, sizeof(o->site.reason), "%s",
		 h->lbd.drain_reason);
}

static int ctl_status(struct bgpa *b, struct keel_ctl_bgpa_status *s)
{
	time_t now = time(NULL);
	uint32_t rid = htonl(b->cfg.router_id);
	size_t i;
	int err;

	s->local_as = b->cfg.local_as;
	inet_ntop(AF_INET, &rid, s->router_id, sizeof(s->router_id));
	s->uptime_s = now - b->started;
	s->reloads = b->reloads;
	if (b->n_peers) {
		s->peers = calloc(b->n_peers, sizeof(*s->peers));
		if (!s->peers)
			return -ENOMEM;
	}
	for (i = 0; i < b->n_peers; i++) {
		s->n_peers = i + 1; /* freed with the rest on failure */
		err = ctl_peer(b->peers[i], now, &s->peers[i]);
		if (err)
			return err;
	}
	err = ctl_prefixes(b, false, &s->prefixes, &s->n_prefixes);
	if (err)
		return err;
	s->has_lbd = b->cfg.has_lbd;
	if (b->cfg.has_lbd)
		ctl_lbd(b, &s->lbd);
	s->has_disable_file = b->cfg.disable_file[0] != '\0';
	snprintf(s->disable_file.path, sizeof(s->disable_file.path), "%s",
		 b->cfg.disable_file);
	s->disable_file.exists = b->health.disable_exists;
	return 0;
}

static int ctl_enc_status(char *buf, size_t size, const void *in)
{
	return keel_ctl_bgpa_status_encode(buf, size, in);
}

static int ctl_enc_prefixes(char *buf, size_t size, const void *in)
{
	return keel_ctl_bgpa_prefixes_encode(buf, size, in);
}

static int ctl_enc_empty(char *buf, size_t size, const void *in)
{
	(void)in;
	return keel_ctl_empty_encode(buf, size);
}

static char *ctl_answer_status(struct bgpa *b)
{
	struct keel_ctl_bgpa_status s = { 0 };
	char *out;

	if (ctl_status(b, &s))
		out = keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	else
		out = keel_ctlsock_answer(ctl_enc_status, &s);
	keel_ctl_bgpa_status_free(&s);
	return out;
}

static char *ctl_answer_prefixes(struct bgpa *b)
{
	struct keel_ctl_bgpa_prefixes p = { 0 };
	char *out;

	if (ctl_prefixes(b, true, &p.prefixes, &p.n_prefixes))
		out = keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	else
		out = keel_ctlsock_answer(ctl_enc_prefixes, &p);
	keel_ctl_bgpa_prefixes_free(&p);
	return out;
}

char *bgpa_ctl_handle(struct bgpa *b, const struct keel_ctl_peer *peer,
		      const char *line, size_t len)
{
	static struct keel_ratelimit rl = { .interval_ms = 5000, .burst = 5 };
	struct keel_ctl_req req;
	const char *verb;
	char err[256];
	uint64_t n;
	int rc;

	rc = keel_ctl_req_parse_for(line, len, KEEL_CTL_ACCEPT_BGPA, &req, err,
				    sizeof(err));
	if (rc) {
		if (keel_ratelimit_ok(&rl, keel_now_ms(), &n))
			keel_log(LOG_WARNING, "control: bad request: %s", err);
		return keel_ctlsock_err(rc == -ERANGE ? KEEL_CTL_E_INVALID :
							KEEL_CTL_E_BAD_REQUEST,
					"%s", err);
	}
	verb = keel_ctl_cmd_name(req.cmd);
	switch (req.cmd) {
	case KEEL_CTL_STATUS:
	case KEEL_CTL_PREFIXES:
		if (peer->role < KEEL_CTL_ROLE_READ)
			return keel_ctlsock_deny(peer, verb,
						 KEEL_CTL_ROLE_READ);
		return req.cmd == KEEL_CTL_STATUS ? ctl_answer_status(b) :
						    ctl_answer_prefixes(b);
	case KEEL_CTL_RELOAD:
		if (peer->role < KEEL_CTL_ROLE_ADMIN)
			return keel_ctlsock_deny(peer, verb,
						 KEEL_CTL_ROLE_ADMIN);
		if (bgpa_reload(b, err, sizeof(err)))
			return keel_ctlsock_err(KEEL_CTL_E_INVALID, "%s", err);
		return keel_ctlsock_answer(ctl_enc_empty, NULL);
	default: /* not in KEEL_CTL_ACCEPT_BGPA: the parser refused it */
		return keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST, "unknown cmd");
	}
}

static char *ctl_line(void *arg, const struct keel_ctl_peer *peer,
		      const char *line, size_t len)
{
	return bgpa_ctl_handle(arg, peer, line, len);
}

/*
 * Mode 0660, owner the daemon's user, group control.read_group, else
 * control.group, else its own.  Admin: root, that user, control.group
 * (else its own group); read-only: control.read_group.
 */
int bgpa_ctl_start(struct bgpa *b)
{
	struct keel_ctlsock_cfg cfg = {
		.path = b->cfg.ctl_socket,
		.group = b->cfg.ctl_group,
		.read_group = b->cfg.ctl_read_group,
		.uid = b->drop ? b->user.uid : geteuid(),
		.gid = b->drop ? b->user.gid : getegid(),
		.mode = 0660,
		.line_max = KEEL_CTL_MSG_MAX,
		.max_conns = b->cfg.ctl_max_conns,
		.handle = ctl_line,
		.arg = b,
	};

	return keel_ctlsock_start(b->base, &cfg, &b->ctl);
}

void bgpa_ctl_stop(struct bgpa *b)
{
	keel_ctlsock_stop(b->ctl);
	b->ctl = NULL;
}
