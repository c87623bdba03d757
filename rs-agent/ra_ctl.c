// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_ctl.c - the agent's control socket, the server, on keel_ctlsock.  A
 * bad request is answered with an error and logged (rate-limited); the
 * connection and other clients go on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_ctl.h"
#include "keel_ctl_agent.h"
#include "keel_ctlsock.h"
#include "keel_log.h"
#include "keel_names.h"
#include "keel_addr.h"
#include "ra_config.h"
#include "ra_ctl.h"
#include "ra_report.h"

#define RA_CTL_LINE_MAX 4096 /* a request is a few bytes */

struct ra_ctl {
	const struct ra_config *cfg;
	const struct ra_ctl_ops *ops;
	void *arg;
	struct keel_ctlsock *s;
	struct keel_ratelimit rl;
};

static int ra_ctl_status_enc(char *buf, size_t size, const void *in)
{
	return keel_ctl_agent_status_encode(buf, size, in);
}

static int ra_ctl_drain_enc(char *buf, size_t size, const void *in)
{
	return keel_ctl_agent_drain_encode(buf, size, in);
}

/* The status answer, from what the agent says (ops->status). */
static char *ra_ctl_status(struct ra_ctl *c)
{
	/* 44 services: not on the stack */
	static struct keel_ctl_agent_service svcs[KEEL_REPORT_MAX];
	static struct keel_ctl_agent_lb lbs[RA_CFG_LBS_MAX];
	static struct ra_ctl_status st;
	struct keel_ctl_agent_status a = { .services = svcs, .lbs = lbs };
	const struct ra_report_tx *tx;
	__be32 w[4];
	size_t i;

	memset(&st, 0, sizeof(st));
	c->ops->status(c->arg, &st);
	tx = st.tx;
	memcpy(w, c->cfg->real.addr, 16);
	keel_addr_format(c->cfg->real.family, w, a.real, sizeof(a.real));
	sodium_bin2hex(a.boot_id, sizeof(a.boot_id), tx->boot_id,
		       sizeof(tx->boot_id));
	a.boot = tx->boot;
	a.report_version = tx->version;
	a.draining = st.draining;
	a.stopping = st.stopping;
	a.seq = tx->seq;
	a.interval_ms = c->cfg->interval_ms;
	a.load = st.load / 1000.0;
	for (i = 0; i < st.n_svc; i++) {
		const struct ra_ctl_service *v = &st.svc[i];
		struct keel_ctl_agent_service *o = &svcs[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->service, sizeof(o->service), "%s", v->name);
		snprintf(o->state, sizeof(o->state), "%s",
			 keel_rs_name(v->state));
		snprintf(o->check, sizeof(o->check), "%s",
			 keel_rs_name(v->check));
		snprintf(o->detail, sizeof(o->detail), "%s", v->detail);
		o->conns = v->conns;
		o->has_vip_error = v->vip_error;
		if (v->vip_error)
			snprintf(o->vip_error, sizeof(o->vip_error), "%s",
				 v->vip_error);
	}
	a.n_services = st.n_svc;
	for (i = 0; i < tx->n_lbs && i < RA_CFG_LBS_MAX; i++) {
		const struct ra_report_lb *lb = &tx->lbs[i];
		struct keel_ctl_agent_lb *o = &lbs[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->lb, sizeof(o->lb), "%s", lb->name);
		o->sent = lb->sent;
		o->errors = lb->errors;
		o->has_last_error = lb->failing;
		if (lb->failing)
			snprintf(o->last_error, sizeof(o->last_error), "%s",
				 strerror(-lb->last_err));
	}
	a.n_lbs = i;
	return keel_ctlsock_answer(ra_ctl_status_enc, &a);
}

char *ra_ctl_handle(struct ra_ctl *c, const struct keel_ctl_peer *peer,
		    const char *line, size_t len)
{
	struct keel_ctl_agent_drain d;
	struct keel_ctl_req req;
	char why[256];
	const char *verb;
	bool on;
	int err;

	if (keel_ctl_req_parse_for(line, len, KEEL_CTL_ACCEPT_AGENT, &req, why,
				   sizeof(why)))
		return keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST, "%s", why);
	if (req.cmd == KEEL_CTL_STATUS) {
		if (peer->role < KEEL_CTL_ROLE_READ)
			return keel_ctlsock_deny(peer, "status",
						 KEEL_CTL_ROLE_READ);
		return ra_ctl_status(c);
	}
	/* KEEL_CTL_ACCEPT_AGENT: drain or undrain */
	on = req.cmd == KEEL_CTL_DRAIN;
	verb = on ? "drain" : "undrain";
	if (peer->role < KEEL_CTL_ROLE_ADMIN)
		return keel_ctlsock_deny(peer, verb, KEEL_CTL_ROLE_ADMIN);
	if (!on && c->ops->stopping(c->arg))
		return keel_ctlsock_err(
			KEEL_CTL_E_INVALID,
			"the agent is stopping (SIGTERM): it stays drained");
	why[0] = '\0';
	err = c->ops->set_drain(c->arg, on, why, sizeof(why));
	if (err)
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "%s",
					why[0] ? why : strerror(-err));
	d.draining = on;
	return keel_ctlsock_answer(ra_ctl_drain_enc, &d);
}

/* ra_ctl_handle, and a refusal logged (rate-limited). */
static char *ra_ctl_serve(void *arg, const struct keel_ctl_peer *peer,
			  const char *line, size_t len)
{
	struct ra_ctl *c = arg;
	char *resp = ra_ctl_handle(c, peer, line, len);
	uint64_t n = 0;

	if (resp && strncmp(resp, "{\"ok\":false", 11) == 0 &&
	    keel_ratelimit_ok(&c->rl, keel_now_ms(), &n))
		keel_log(
			LOG_NOTICE,
			"control socket: refused a request: %.*s (%llu similar suppressed)",
			(int)strcspn(resp, "\n"), resp, (unsigned long long)n);
	return resp;
}

/*
 * Mode 0660, owner the agent's user (root until it drops), group
 * control.read_group, else control.group, else as created.  Admin: root,
 * that user, control.group; read-only: control.read_group.
 */
int ra_ctl_start(struct event_base *base, const struct ra_config *rc, uid_t uid,
		 const struct ra_ctl_ops *ops, void *arg, struct ra_ctl **out)
{
	struct keel_ctlsock_cfg cfg = {
		.path = rc->ctl_socket,
		.group = rc->ctl_group,
		.read_group = rc->ctl_read_group,
		.uid = uid,
		.gid = (gid_t)-1,
		.mode = 0660,
		.line_max = RA_CTL_LINE_MAX,
		.max_conns = rc->ctl_max_conns,
		.handle = ra_ctl_serve,
	};
	struct ra_ctl *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = rc;
	c->ops = ops;
	c->arg = arg;
	c->rl.interval_ms = 5000;
	c->rl.burst = 5;
	cfg.arg = c;
	err = keel_ctlsock_start(base, &cfg, &c->s);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

const struct keel_listen_stats *ra_ctl_stats(const struct ra_ctl *c)
{
	return keel_ctlsock_stats(c->s);
}

void ra_ctl_stop(struct ra_ctl *c)
{
	if (!c)
		return;
	keel_ctlsock_stop(c->s);
	free(c);
}
