/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_ctl - rs-agent's local control socket, the server (docs/rs-agent.md,
 * "Control socket"): a Unix stream socket, mode 0660, one JSON request
 * per line, one JSON answer per line.
 *
 *   {"cmd":"status"}   -> {"ok":true,"draining":..,"services":[..],..}
 *   {"cmd":"drain"}    -> {"ok":true,"draining":true}
 *   {"cmd":"undrain"}  -> {"ok":true,"draining":false}
 *   anything else      -> {"ok":false,"code":"bad_request","error":".."}
 *
 * It knows the agent only through struct ra_ctl_ops.  `rs-agent drain
 * --wait` polls status; there is no server-side wait, so a client that
 * goes away leaves nothing behind.  The client is ra_cli.c.
 */
#ifndef RA_CTL_H
#define RA_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "keel_report.h"

struct event_base;
struct keel_ctl_peer;
struct keel_listen_stats;
struct ra_config;
struct ra_report_tx;
struct ra_ctl;

/* One service in a status answer. */
struct ra_ctl_service {
	const char *name; /* "203.0.113.10:80/tcp" */
	uint8_t state; /* what it reports (KEEL_RS_*) */
	uint8_t check; /* its check's state */
	const char *detail; /* the last probe's reason, or the VIP's error */
	const char *vip_error; /* NULL: its VIP is in place */
	uint32_t conns;
};

/* What a status answer says of the agent. */
struct ra_ctl_status {
	const struct ra_report_tx *tx; /* boot, boot id, version, seq, LBs */
	bool draining, stopping;
	uint32_t load; /* loadavg1 x 1000 */
	struct ra_ctl_service svc[KEEL_REPORT_MAX];
	size_t n_svc;
};

struct ra_ctl_ops {
	void (*status)(void *arg, struct ra_ctl_status *out);
	/* Drain (on) or undrain every service; 0, or -errno with err set. */
	int (*set_drain)(void *arg, bool on, char *err, size_t errlen);
	/* SIGTERM seen: drained for good, undrain refused. */
	bool (*stopping)(void *arg);
};

/*
 * Listen on cfg's control.socket, owned by uid ((uid_t)-1: as created),
 * answering through ops with arg.
 */
int ra_ctl_start(struct event_base *base, const struct ra_config *cfg,
		 uid_t uid, const struct ra_ctl_ops *ops, void *arg,
		 struct ra_ctl **out);
void ra_ctl_stop(struct ra_ctl *c);
/* The control socket's counters (keel_ctlsock_stats). */
const struct keel_listen_stats *ra_ctl_stats(const struct ra_ctl *c);

/*
 * The answer to one request line from peer, '\n'-terminated, malloc'ed;
 * NULL: ENOMEM.  status needs the read role, drain and undrain admin.
 */
char *ra_ctl_handle(struct ra_ctl *c, const struct keel_ctl_peer *peer,
		    const char *line, size_t len);

#endif
