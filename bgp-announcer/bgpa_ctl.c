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
 * Errors use libkeel's shape ({"ok":false,"code":...,"error":...}); the
 * socket itself is libkeel's keel_ctlsock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "bgpa.h"
#include "keel_clock.h"
#include "keel_ctl.h"
#include "keel_ctlsock.h"

static json_t *ctl_err_json(const struct bgpa_peer_err *e)
{
	if (!e->set)
		return json_null();
	return json_pack("{sisiss*sI}", "code", e->n.code, "subcode",
			 e->n.subcode, "message",
			 e->n.has_shutdown ? e->n.shutdown : NULL, "at",
			 (json_int_t)e->at);
}

static json_t *ctl_peer(const struct bgpa_peer *p, time_t now)
{
	char addr[INET6_ADDRSTRLEN] = "", pfx[64];
	json_t *o, *routes = json_array();
	size_t i;

	inet_ntop(p->cfg.family, p->cfg.addr, addr, sizeof(addr));
	for (i = 0; routes && i < p->n_sent; i++) {
		bgp_prefix_format(&p->sent[i].pfx, pfx, sizeof(pfx));
		json_array_append_new(routes, json_string(pfx));
	}
	o = json_pack("{sssssIsssIsbsbsbsisisosososIsIsI}", "name", p->cfg.name,
		      "address", addr, "remote_as",
		      (json_int_t)p->cfg.remote_as, "state",
		      bgp_state_name(p->fsm.state), "state_for_s",
		      (json_int_t)(now - p->state_since), "established",
		      p->fsm.state == BGP_ST_ESTABLISHED, "ipv4",
		      p->fsm.nego.ipv4, "ipv6", p->fsm.nego.ipv6, "hold_time",
		      p->fsm.nego.hold_time, "keepalive", p->fsm.nego.keepalive,
		      "last_error_sent", ctl_err_json(&p->last_sent),
		      "last_error_received", ctl_err_json(&p->last_recv),
		      "announced", routes, "updates_sent",
		      (json_int_t)p->updates_out, "updates_received",
		      (json_int_t)p->updates_in, "updates_bad",
		      (json_int_t)p->bad_updates);
	if (!o)
		return NULL;
	json_object_set_new(o, "uptime_s",
			    p->up_since ? json_integer(now - p->up_since) :
					  json_null());
	json_object_set_new(o, "last_reason",
			    p->last_reason[0] ? json_string(p->last_reason) :
						json_null());
	return o;
}

/* One prefix: state, whether its action announces, to whom, why, since. */
static json_t *ctl_prefix(const struct bgpa *b, const struct bgpa_prefix *x,
			  bool detail)
{
	const struct bgpa_gate *g = &x->g;
	json_t *o, *to = json_array();
	char pfx[64];
	size_t j, k;

	for (j = 0; to && j < b->n_peers; j++) {
		const struct bgpa_peer *p = b->peers[j];

		for (k = 0; k < p->n_sent; k++)
			if (!memcmp(&p->sent[k].pfx, &x->pfx, sizeof(x->pfx)))
				json_array_append_new(to,
						      json_string(p->cfg.name));
	}
	bgp_prefix_format(&x->pfx, pfx, sizeof(pfx));
	o = json_pack("{sssssbsoss}", "prefix", pfx, "state",
		      bgpa_pstate_name(x->state), "announce",
		      !g->withdraw && x->announce[x->state], "peers", to,
		      "reason", g->reason);
	if (!o)
		return NULL;
	json_object_set_new(o, "since",
			    g->since ? json_integer(g->since) : json_null());
	if (!detail)
		return o;
	json_object_set_new(o, "gated", json_boolean(g->gated));
	json_object_set_new(o, "fail_safe", json_boolean(g->withdraw));
	json_object_set_new(o, "health",
			    !g->gated	? json_null() :
			    !g->verdict ? json_string("unknown") :
			    g->healthy	? json_string("up") :
					  json_string("down"));
	json_object_set_new(o, "good_in_row", json_integer(g->ok_run));
	json_object_set_new(o, "bad_in_row", json_integer(g->bad_run));
	json_object_set_new(
		o, "probe",
		!g->probe			? json_null() :
		g->probe->state == KEEL_RS_UP	? json_string("up") :
		g->probe->state == KEEL_RS_DOWN ? json_string("down") :
						  json_string("unknown"));
	return o;
}

static json_t *ctl_prefixes(const struct bgpa *b, bool detail)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < b->n_prefixes; i++)
		json_array_append_new(a,
				      ctl_prefix(b, &b->prefixes[i], detail));
	return a;
}

static json_t *ctl_lbd(const struct bgpa *b)
{
	const struct bgpa_health *h = &b->health;
	json_t *o;

	if (!b->cfg.has_lbd)
		return json_null();
	o = json_pack("{sssbsssIsI}", "socket", b->cfg.lbd_socket, "ok",
		      h->lbd_ok, "last_result",
		      bgpa_poll_result_name(h->last_result), "polls_ok",
		      (json_int_t)h->polls[BGPA_POLL_OK], "polls_failed",
		      (json_int_t)(h->polls[BGPA_POLL_CONNECT] +
				   h->polls[BGPA_POLL_TIMEOUT] +
				   h->polls[BGPA_POLL_CLOSED] +
				   h->polls[BGPA_POLL_BAD_ANSWER]));
	if (!o)
		return NULL;
	json_object_set_new(o, "error",
			    h->lbd_error[0] && !h->lbd_ok ?
				    json_string(h->lbd_error) :
				    json_null());
	json_object_set_new(o, "last_ok_at",
			    h->lbd_ok_at ? json_integer(h->lbd_ok_at) :
					   json_null());
	json_object_set_new(o, "attached",
			    h->lbd_answered ? json_boolean(h->lbd.attached) :
					      json_null());
	json_object_set_new(o, "site",
			    json_pack("{sbsoso}", "drained", h->lbd.drained,
				      "since",
				      h->lbd.drain_since ?
					      json_integer(h->lbd.drain_since) :
					      json_null(),
				      "reason",
				      h->lbd.drain_reason[0] ?
					      json_string(h->lbd.drain_reason) :
					      json_null()));
	return o;
}

static json_t *ctl_status(struct bgpa *b)
{
	json_t *peers = json_array(), *o;
	time_t now = time(NULL);
	char id[INET_ADDRSTRLEN];
	uint32_t rid = htonl(b->cfg.router_id);
	size_t i;

	if (!peers)
		return NULL;
	for (i = 0; i < b->n_peers; i++)
		json_array_append_new(peers, ctl_peer(b->peers[i], now));
	inet_ntop(AF_INET, &rid, id, sizeof(id));
	o = json_pack("{sIsssIsIsoso}", "local_as", (json_int_t)b->cfg.local_as,
		      "router_id", id, "uptime_s",
		      (json_int_t)(now - b->started), "reloads",
		      (json_int_t)b->reloads, "peers", peers, "prefixes",
		      ctl_prefixes(b, false));
	if (!o)
		return NULL;
	json_object_set_new(o, "lbd", ctl_lbd(b));
	json_object_set_new(o, "disable_file",
			    b->cfg.disable_file[0] ?
				    json_pack("{sssb}", "path",
					      b->cfg.disable_file, "exists",
					      b->health.disable_exists) :
				    json_null());
	return o;
}

char *bgpa_ctl_handle(struct bgpa *b, const struct keel_ctl_peer *peer,
		      const char *line, size_t len)
{
	static struct keel_ratelimit rl = { .interval_ms = 5000, .burst = 5 };
	json_error_t je;
	json_t *req, *cmd;
	const char *c;
	char err[256];
	uint64_t n;
	char *out;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req || !json_is_object(req) || json_object_size(req) != 1 ||
	    !(cmd = json_object_get(req, "cmd")) || !json_is_string(cmd)) {
		json_decref(req);
		if (keel_ratelimit_ok(&rl, keel_now_ms(), &n))
			keel_log(LOG_WARNING, "control: bad request");
		return keel_ctlsock_err(
			KEEL_CTL_E_BAD_REQUEST,
			"expected {\"cmd\": \"status\"|\"prefixes\"|\"reload\"}");
	}
	c = json_string_value(cmd);
	if (!strcmp(c, "status") || !strcmp(c, "prefixes")) {
		if (peer->role < KEEL_CTL_ROLE_READ) {
			out = keel_ctlsock_deny(peer, c, KEEL_CTL_ROLE_READ);
			goto out;
		}
	} else if (!strcmp(c, "reload") && peer->role < KEEL_CTL_ROLE_ADMIN) {
		out = keel_ctlsock_deny(peer, c, KEEL_CTL_ROLE_ADMIN);
		goto out;
	}
	if (!strcmp(c, "status")) {
		out = keel_ctlsock_ok(ctl_status(b));
	} else if (!strcmp(c, "prefixes")) {
		out = keel_ctlsock_ok(
			json_pack("{so}", "prefixes", ctl_prefixes(b, true)));
	} else if (!strcmp(c, "reload")) {
		if (bgpa_reload(b, err, sizeof(err)))
			out = keel_ctlsock_err(KEEL_CTL_E_INVALID, "%s", err);
		else
			out = keel_ctlsock_ok(json_object());
	} else {
		out = keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST, "unknown cmd");
	}
out:
	json_decref(req);
	return out;
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
