// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's control socket: one JSON request per line, one response per line
 * (docs/control-protocol.md), served by keel_ctlsock.  A bad request is
 * answered with an error and logged (rate-limited); the connection and
 * other clients go on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keel_clock.h"
#include "keel_ctl_lbd.h"
#include "keel_ctlsock.h"
#include "keel_log.h"
#include "keel_addr.h"
#include "keel_prime.h"
#include "lbd.h"
#include "lbd_admin.h"
#include "lbd_commit.h"
#include "lbd_ctl.h"
#include "lbd_loop.h"
#include "lbd_pair.h"
#include "lbd_reload.h"
#include "lbd_pair_fsm.h"
#include "lbd_view.h"

struct lbd_req {
	struct lbd *d;
	const struct keel_ctl_req *r;
	struct keel_vip_key key;
	uint8_t family;
	__be32 addr[4];
	struct lb_service *svc;
	struct lb_real *real;
};

/* The answers' encoders (keel_ctl_lbd.h) as keel_ctlsock_answer() wants. */
static int lbd_enc_change(char *buf, size_t size, const void *in)
{
	return keel_ctl_change_encode(buf, size, in);
}

static int lbd_enc_reload(char *buf, size_t size, const void *in)
{
	return keel_ctl_reload_encode(buf, size, in);
}

static int lbd_enc_stats(char *buf, size_t size, const void *in)
{
	return keel_ctl_stats_encode(buf, size, in);
}

static int lbd_enc_status(char *buf, size_t size, const void *in)
{
	return keel_ctl_status_encode(buf, size, in);
}

static int lbd_enc_services(char *buf, size_t size, const void *in)
{
	return keel_ctl_services_encode(buf, size, in);
}

static int lbd_enc_reals(char *buf, size_t size, const void *in)
{
	return keel_ctl_reals_encode(buf, size, in);
}

static int lbd_enc_site(char *buf, size_t size, const void *in)
{
	return keel_ctl_site_encode(buf, size, in);
}

static int lbd_enc_empty(char *buf, size_t size, const void *in)
{
	(void)in;
	return keel_ctl_empty_encode(buf, size);
}

static int lbd_enc_pair_status(char *buf, size_t size, const void *in)
{
	return keel_ctl_pair_status_encode(buf, size, in);
}

/* pair.status: configured false without pair: (not an error). */
static char *lbd_pair_status_answer(struct lbd *d)
{
	struct keel_ctl_pair_status a;
	char *line;

	if (lbd_pair_status(d, &a)) {
		keel_ctl_pair_status_free(&a);
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	}
	line = keel_ctlsock_answer(lbd_enc_pair_status, &a);
	keel_ctl_pair_status_free(&a);
	return line;
}

static char *lbd_ok_gen(struct lbd *d)
{
	struct keel_ctl_change c = { .generation = d->generation };

	return keel_ctlsock_answer(lbd_enc_change, &c);
}

/* Parse service and real, find them in the model. */
static char *lbd_req_target(struct lbd_req *q, bool need_real)
{
	const struct keel_ctl_req *r = q->r;

	if (keel_vip_parse(r->service, &q->key))
		return keel_ctlsock_err(KEEL_CTL_E_INVALID, "bad service '%s'",
					r->service);
	q->svc = lb_model_svc_find(&q->d->m, &q->key);
	if (!need_real)
		return NULL;
	if (keel_addr_parse(r->real, &q->family, q->addr))
		return keel_ctlsock_err(KEEL_CTL_E_INVALID, "bad real '%s'",
					r->real);
	if (q->family != q->key.family)
		return keel_ctlsock_err(
			KEEL_CTL_E_INVALID,
			"real %s is not of the service's family", r->real);
	if (q->svc)
		q->real = lb_model_real_find(q->svc, q->family, q->addr);
	return NULL;
}

/*
 * Make a change to the state: save it first (so that what the data plane
 * does is always what a restart would do), then apply.  A failed save
 * leaves memory as it was.  With pair:, the registers the change makes
 * are stamped (node id, HLC), saved in version 2 and queued for the
 * peers (docs/pair.md, "Flow of a change").
 */
static char *lbd_change(struct lbd *d, int (*edit)(struct lbd_req *),
			struct lbd_req *q)
{
	struct lb_admin_reg *regs = NULL, *prev = NULL;
	struct lb_reconcile_stats rs;
	char *before, msg[256];
	size_t n = 0;
	int err;

	before = lb_state_dump(&d->st);
	if (!before)
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	err = edit(q);
	if (!err && d->cfg.pair.on)
		err = lb_admin_track(&d->admin, &d->st, &q->key,
				     d->cfg.pair.node_id, lbd_wall_ms(), &regs,
				     &n, &prev);
	if (!err)
		err = lbd_state_write(d);
	if (err) {
		lb_admin_undo(&d->admin, prev, n);
		free(regs);
		free(prev);
		lb_state_free(&d->st);
		lb_state_parse(before, strlen(before), &d->st, msg,
			       sizeof(msg));
		free(before);
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "saving %s: %s",
					d->cfg.state_file, strerror(-err));
	}
	free(before);
	lbd_admin_queue(d, regs, n);
	free(regs);
	free(prev);
	err = lbd_commit(d, LBD_CAUSE_CONTROL, &rs);
	if (err)
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL,
					"saved, but applying failed: %s",
					strerror(-err));
	return lbd_ok_gen(d);
}

static struct lb_state_real_ref lbd_ref(const struct lbd_req *q)
{
	struct lb_state_real_ref ref = { .svc = q->key, .family = q->family };

	memcpy(ref.addr, q->addr, sizeof(ref.addr));
	return ref;
}

static int lbd_edit_admin(struct lbd_req *q)
{
	struct lb_state_real_ref ref = lbd_ref(q);
	struct lb_state_admin *a = lb_state_admin_get(&q->d->st, &ref, true);

	if (!a)
		return -ENOMEM;
	switch (q->r->cmd) {
	case KEEL_CTL_REAL_WEIGHT:
		a->has_weight = !q->r->weight_clear;
		a->weight = q->r->weight_clear ? 0 : q->r->weight;
		break;
	case KEEL_CTL_REAL_DRAIN:
		a->drain = true;
		break;
	case KEEL_CTL_REAL_UNDRAIN:
		a->drain = false;
		break;
	case KEEL_CTL_REAL_DOWN:
		a->down = true;
		break;
	case KEEL_CTL_REAL_UP:
		a->down = false;
		break;
	default:
		return -EINVAL;
	}
	lb_state_admin_compact(&q->d->st);
	return 0;
}

static bool lbd_real_in_config(const struct lbd_req *q)
{
	const struct lb_cfg_service *cs =
		lb_cfg_find_service(&q->d->cfg, &q->key);

	return cs && lb_cfg_find_real(cs, q->family, q->addr);
}

static int lbd_edit_real_add(struct lbd_req *q)
{
	struct lb_state_real ar = { .ref = lbd_ref(q),
				    .weight = q->r->has_weight ? q->r->weight :
								 1 };

	return lb_state_real_add(&q->d->st, &ar, lbd_real_in_config(q));
}

static int lbd_edit_real_del(struct lbd_req *q)
{
	struct lb_state_real_ref ref = lbd_ref(q);

	/* Also drops the real's admin override. */
	return lb_state_real_del(&q->d->st, &ref, lbd_real_in_config(q));
}

static int lbd_edit_svc_add(struct lbd_req *q)
{
	struct lb_state_svc as = {
		.svc = q->key,
		.flags = q->r->persistent ? KEEL_SVC_F_PERSISTENT : 0,
		.ring_size = q->r->ring_size,
	};

	return lb_state_svc_add(&q->d->st, &as,
				lb_cfg_find_service(&q->d->cfg, &q->key));
}

static int lbd_edit_svc_del(struct lbd_req *q)
{
	return lb_state_svc_del(&q->d->st, &q->key,
				lb_cfg_find_service(&q->d->cfg, &q->key));
}

static char *lbd_do_real(struct lbd_req *q)
{
	char *e = lbd_req_target(q, true);

	if (e)
		return e;
	if (!q->svc)
		return keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND, "no service %s",
					q->r->service);
	switch (q->r->cmd) {
	case KEEL_CTL_REAL_ADD:
		if (q->real)
			return keel_ctlsock_err(KEEL_CTL_E_EXISTS,
						"%s already has %s",
						q->r->service, q->r->real);
		return lbd_change(q->d, lbd_edit_real_add, q);
	case KEEL_CTL_REAL_DEL:
		if (!q->real)
			return keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND,
						"%s has no real %s",
						q->r->service, q->r->real);
		return lbd_change(q->d, lbd_edit_real_del, q);
	default:
		if (!q->real)
			return keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND,
						"%s has no real %s",
						q->r->service, q->r->real);
		return lbd_change(q->d, lbd_edit_admin, q);
	}
}

static char *lbd_do_service(struct lbd_req *q)
{
	char *e = lbd_req_target(q, false);

	if (e)
		return e;
	if (q->r->cmd == KEEL_CTL_SERVICE_DEL) {
		if (!q->svc)
			return keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND,
						"no service %s", q->r->service);
		return lbd_change(q->d, lbd_edit_svc_del, q);
	}
	if (q->svc)
		return keel_ctlsock_err(KEEL_CTL_E_EXISTS, "service %s exists",
					q->r->service);
	if (q->r->ring_size && !keel_is_prime(q->r->ring_size))
		return keel_ctlsock_err(KEEL_CTL_E_INVALID,
					"ring_size %u is not prime",
					q->r->ring_size);
	if (q->key.proto == KEEL_MARKER_PROTO)
		return keel_ctlsock_err(KEEL_CTL_E_INVALID,
					"protocol 0 is reserved");
	return lbd_change(q->d, lbd_edit_svc_add, q);
}

/* {"site": {...}, "dataplane": {...}, "ok": true}: what announcers act on. */
static char *lbd_site_answer(struct lbd *d)
{
	struct keel_ctl_site_answer a;
	char *line;

	if (lbd_view_site_answer(d, &a))
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	line = keel_ctlsock_answer(lbd_enc_site, &a);
	keel_ctl_site_free(&a);
	return line;
}

static char *lbd_status_answer(struct lbd *d, bool summary)
{
	struct keel_ctl_status a;
	char *line;

	if (lbd_view_status(d, summary, &a))
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	line = keel_ctlsock_answer(lbd_enc_status, &a);
	keel_ctl_status_free(&a);
	return line;
}

static char *lbd_services_answer(struct lbd *d)
{
	struct keel_ctl_services a;
	char *line;

	if (lbd_view_services(d, &a))
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	line = keel_ctlsock_answer(lbd_enc_services, &a);
	keel_ctl_services_free(&a);
	return line;
}

/* The service's members, its reals among them. */
static char *lbd_reals_answer(struct lbd *d, struct lb_service *s)
{
	struct keel_ctl_service a;
	char *line;

	lbd_stats_read(d);
	if (lbd_view_service(d, s, true, &a))
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "out of memory");
	line = keel_ctlsock_answer(lbd_enc_reals, &a);
	keel_ctl_service_free(&a);
	return line;
}

/* Member by member: the struct has padding, which a copy need not keep. */
static bool lbd_site_same(const struct lb_state_site *a,
			  const struct lb_state_site *b)
{
	return a->drained == b->drained && a->has_since == b->has_since &&
	       a->since == b->since &&
	       !strncmp(a->reason, b->reason, sizeof(a->reason));
}

/*
 * The site drain is a record for announcers (they withdraw every VIP);
 * the data plane does not change, so traffic that still arrives is
 * served.  Saved before it is answered, like every run-time change.
 * Draining again keeps the first since (the drain goes on) and takes
 * the new reason if one is given.
 */
static char *lbd_do_site(struct lbd *d, const struct keel_ctl_req *r)
{
	struct lb_state_site before = d->st.site, *s = &d->st.site;
	int err;

	if (r->cmd == KEEL_CTL_SITE_DRAIN) {
		if (!s->drained) {
			s->drained = true;
			s->has_since = true;
			s->since = time(NULL);
		}
		if (r->reason[0])
			snprintf(s->reason, sizeof(s->reason), "%s", r->reason);
	} else {
		memset(s, 0, sizeof(*s));
	}
	if (lbd_site_same(&before, s))
		return lbd_site_answer(d);
	err = lbd_state_write(d);
	if (err) {
		d->st.site = before;
		return keel_ctlsock_err(KEEL_CTL_E_INTERNAL, "saving %s: %s",
					d->cfg.state_file, strerror(-err));
	}
	if (s->drained)
		keel_log(LOG_NOTICE,
			 "site %s: announcers withdraw every VIP (reason: %s)",
			 before.drained ? "drain reason changed" : "drained",
			 s->reason[0] ? s->reason : "none given");
	else
		keel_log(LOG_NOTICE, "site undrained: announcers may announce");
	return lbd_site_answer(d);
}

static int lbd_enc_pair(char *buf, size_t size, const void *in)
{
	return keel_ctl_pair_answer_encode(buf, size, in);
}

/*
 * pair.synced: the operator counts this LB as synced now (announcers
 * may announce), e.g. when the peer is gone for good and alone_after is
 * never.  Logged with the operator's reason and who sent it; a second
 * one, or one on an LB already synced, changes nothing.
 */
static char *lbd_do_pair_synced(struct lbd *d, const struct keel_ctl_peer *peer,
				const struct keel_ctl_req *r)
{
	struct lb_pair_ev ev = { .type = LB_PAIR_EV_FORCE,
				 .reason = r->reason };
	struct keel_ctl_pair_answer a = { .has_pair = true };

	if (!d->cfg.pair.on)
		return keel_ctlsock_err(KEEL_CTL_E_INVALID,
					"no pair: in the configuration");
	if (!lb_pair_fsm_synced(&d->pair_fsm)) {
		keel_log(
			LOG_WARNING,
			"pair: synced forced by the operator (uid %u, pid %d): %s",
			(unsigned int)peer->uid, (int)peer->pid, r->reason);
		lbd_pair_fsm_event(d, &ev);
	}
	lbd_pair_fsm_view(d, &a.pair);
	return keel_ctlsock_answer(lbd_enc_pair, &a);
}

static char *lbd_do_reload(struct lbd *d)
{
	struct lb_reconcile_stats rs = {};
	struct keel_ctl_reload a;
	char err[512];

	if (lbd_reload(d, &rs, err, sizeof(err)))
		return keel_ctlsock_err(KEEL_CTL_E_INVALID, "%s", err);
	a = (struct keel_ctl_reload){
		.generation = d->generation,
		.has_changes = true,
		.changes = { .services_added = rs.services_added,
			     .services_removed = rs.services_removed,
			     .services_changed = rs.services_changed,
			     .reals_added = rs.reals_added,
			     .reals_removed = rs.reals_removed,
			     .reals_changed = rs.reals_changed },
	};
	return keel_ctlsock_answer(lbd_enc_reload, &a);
}

char *lbd_ctl_handle(struct lbd *d, const struct keel_ctl_peer *peer,
		     const char *line, size_t len)
{
	static struct keel_ratelimit rl = { .interval_ms = 5000, .burst = 5 };
	struct keel_ctl_req r;
	struct lbd_req q = { .d = d, .r = &r };
	struct keel_ctl_count counters[KEEL_CNT__MAX];
	struct keel_ctl_stats st;
	struct lb_service *s;
	uint64_t suppressed = 0;
	char err[256];
	enum keel_ctl_role need;
	int ret;

	ret = keel_ctl_req_parse(line, len, &r, err, sizeof(err));
	if (ret) {
		if (keel_ratelimit_ok(&rl, keel_now_ms(), &suppressed))
			keel_log(LOG_WARNING, "control: bad request: %s%s", err,
				 suppressed ? " (similar ones suppressed)" :
					      "");
		return keel_ctlsock_err(ret == -ERANGE ? KEEL_CTL_E_INVALID :
							 KEEL_CTL_E_BAD_REQUEST,
					"%s", err);
	}
	need = keel_ctl_cmd_read_only(r.cmd) ? KEEL_CTL_ROLE_READ :
					       KEEL_CTL_ROLE_ADMIN;
	if (peer->role < need)
		return keel_ctlsock_deny(peer, keel_ctl_cmd_name(r.cmd), need);
	switch (r.cmd) {
	case KEEL_CTL_STATUS:
		return lbd_status_answer(d, r.summary);
	case KEEL_CTL_SERVICES:
		return lbd_services_answer(d);
	case KEEL_CTL_REALS:
		if (keel_vip_parse(r.service, &q.key))
			return keel_ctlsock_err(KEEL_CTL_E_INVALID,
						"bad service '%s'", r.service);
		s = lb_model_svc_find(&d->m, &q.key);
		if (!s)
			return keel_ctlsock_err(KEEL_CTL_E_NOT_FOUND,
						"no service %s", r.service);
		return lbd_reals_answer(d, s);
	case KEEL_CTL_STATS:
		lbd_view_stats(d, &st, counters);
		return keel_ctlsock_answer(lbd_enc_stats, &st);
	case KEEL_CTL_REAL_WEIGHT:
	case KEEL_CTL_REAL_DRAIN:
	case KEEL_CTL_REAL_UNDRAIN:
	case KEEL_CTL_REAL_DOWN:
	case KEEL_CTL_REAL_UP:
	case KEEL_CTL_REAL_ADD:
	case KEEL_CTL_REAL_DEL:
		return lbd_do_real(&q);
	case KEEL_CTL_SERVICE_ADD:
	case KEEL_CTL_SERVICE_DEL:
		return lbd_do_service(&q);
	case KEEL_CTL_RELOAD:
		return lbd_do_reload(d);
	case KEEL_CTL_SITE_STATUS:
		return lbd_site_answer(d);
	case KEEL_CTL_SITE_DRAIN:
	case KEEL_CTL_SITE_UNDRAIN:
		return lbd_do_site(d, &r);
	case KEEL_CTL_PAIR_SYNCED:
		return lbd_do_pair_synced(d, peer, &r);
	case KEEL_CTL_PAIR_STATUS:
		return lbd_pair_status_answer(d);
	case KEEL_CTL_SHUTDOWN:
		keel_log(LOG_NOTICE, "shutdown requested%s",
			 r.unload ? " (unload)" : "");
		lbd_stop(d, r.unload);
		return keel_ctlsock_answer(lbd_enc_empty, NULL);
	default:
		return keel_ctlsock_err(KEEL_CTL_E_BAD_REQUEST,
					"unknown command");
	}
}

static char *lbd_ctl_line(void *arg, const struct keel_ctl_peer *peer,
			  const char *line, size_t len)
{
	char *answer = lbd_ctl_handle(arg, peer, line, len);

	lbd_loop_note(arg);
	return answer;
}

/*
 * Mode 0660, owner the user lbd runs as (root until it drops), group
 * control.read_group, else control.group, else root's.  Admin: root, that
 * user, control.group (root's group when none); read-only: read_group.
 */
int lbd_ctl_start(struct lbd *d)
{
	struct keel_ctlsock_cfg cfg = {
		.path = d->cfg.ctl_socket,
		.group = d->cfg.ctl_group,
		.read_group = d->cfg.ctl_read_group,
		.uid = d->drop ? d->user.uid : 0,
		.gid = 0,
		.mode = 0660,
		.line_max = KEEL_CTL_MSG_MAX,
		.max_conns = d->cfg.ctl_max_conns,
		.handle = lbd_ctl_line,
		.arg = d,
	};

	return keel_ctlsock_start(d->base, &cfg, &d->ctl);
}

void lbd_ctl_stop(struct lbd *d)
{
	keel_ctlsock_stop(d->ctl);
	d->ctl = NULL;
}
