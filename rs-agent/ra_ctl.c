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
#include <jansson.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_ctl.h"
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

static json_t *ra_ctl_status(struct ra_ctl *c)
{
	static struct ra_ctl_status st; /* 44 services: not on the stack */
	const struct ra_report_tx *tx;
	json_t *o, *svcs, *lbs, *s;
	char real[48], boot[2 * KEEL_REPORT_BOOT_ID_LEN + 1];
	__be32 w[4];
	size_t i;

	memset(&st, 0, sizeof(st));
	c->ops->status(c->arg, &st);
	tx = st.tx;
	memcpy(w, c->cfg->real.addr, 16);
	keel_addr_format(c->cfg->real.family, w, real, sizeof(real));
	sodium_bin2hex(boot, sizeof(boot), tx->boot_id, sizeof(tx->boot_id));
	svcs = json_array();
	lbs = json_array();
	for (i = 0; svcs && i < st.n_svc; i++) {
		const struct ra_ctl_service *v = &st.svc[i];

		s = json_pack("{ss ss ss ss sI}", "service", v->name, "state",
			      keel_rs_name(v->state), "check",
			      keel_rs_name(v->check), "detail", v->detail,
			      "conns", (json_int_t)v->conns);
		if (s && v->vip_error)
			json_object_set_new(s, "vip_error",
					    json_string(v->vip_error));
		json_array_append_new(svcs, s);
	}
	for (i = 0; lbs && i < tx->n_lbs; i++) {
		const struct ra_report_lb *lb = &tx->lbs[i];

		s = json_pack("{ss sI sI}", "lb", lb->name, "sent",
			      (json_int_t)lb->sent, "errors",
			      (json_int_t)lb->errors);
		if (s && lb->failing)
			json_object_set_new(
				s, "last_error",
				json_string(strerror(-lb->last_err)));
		json_array_append_new(lbs, s);
	}
	o = json_pack("{ss ss sI si sb sb sI sI sf so so}", "real", real,
		      "boot_id", boot, "boot", (json_int_t)tx->boot,
		      "report_version", (int)tx->version, "draining",
		      st.draining, "stopping", st.stopping, "seq",
		      (json_int_t)tx->seq, "interval_ms",
		      (json_int_t)c->cfg->interval_ms, "load", st.load / 1000.0,
		      "services", svcs ? svcs : json_null(), "lbs",
		      lbs ? lbs : json_null());
	return o;
}

char *ra_ctl_handle(struct ra_ctl *c, const struct keel_ctl_peer *peer,
		    const char *line, size_t len)
{
	const char *cmd, *key;
	json_error_t jerr;
	json_t *req, *v;
	char *out = NULL, why[256];
	int err;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		return keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST, "not JSON: %s",
					jerr.text);
	}
	if (!json_is_object(req)) {
		out = keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST,
				       "a request is a JSON object");
		goto out;
	}
	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "cmd")) {
			out = keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST,
					       "unknown member \"%.64s\"", key);
			goto out;
		}
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		out = keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST,
				       "\"cmd\" (a string) is required");
		goto out;
	}
	if (strcmp(cmd, "status") == 0) {
		if (peer->role < KEEL_CTL_ROLE_READ)
			out = keel_ctlsock_deny(peer, cmd, KEEL_CTL_ROLE_READ);
		else
			out = keel_ctlsock_ok(ra_ctl_status(c));
	} else if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0) {
		bool on = cmd[0] == 'd';

		if (peer->role < KEEL_CTL_ROLE_ADMIN) {
			out = keel_ctlsock_deny(peer, cmd, KEEL_CTL_ROLE_ADMIN);
			goto out;
		}
		if (!on && c->ops->stopping(c->arg)) {
			out = keel_ctlsock_err(
				KEEL_CTL_E_INVALID,
				"the agent is stopping (SIGTERM): it stays drained");
			goto out;
		}
		why[0] = '\0';
		err = c->ops->set_drain(c->arg, on, why, sizeof(why));
		if (err) {
			out = keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "%s",
					       why[0] ? why : strerror(-err));
			goto out;
		}
		out = keel_ctlsock_ok(
			json_pack("{sb sb}", "ok", 1, "draining", on));
	} else {
		out = keel_ctlsock_err(
			KEEL_CTL_E_BAD_REQUEST,
			"unknown cmd \"%.64s\" (status, drain, undrain)", cmd);
	}
out:
	json_decref(req);
	return out;
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
