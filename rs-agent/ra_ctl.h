/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_ctl - rs-agent's local control socket (docs/rs-agent.md, "Control
 * socket"): a Unix stream socket, mode 0660, one JSON request per line,
 * one JSON answer per line.
 *
 *   {"cmd":"status"}   -> {"ok":true,"draining":..,"services":[..],..}
 *   {"cmd":"drain"}    -> {"ok":true,"draining":true}
 *   {"cmd":"undrain"}  -> {"ok":true,"draining":false}
 *   anything else      -> {"ok":false,"code":"bad_request","error":".."}
 *
 * `rs-agent drain --wait` polls status; there is no server-side wait, so
 * a client that goes away leaves nothing behind.
 */
#ifndef RA_CTL_H
#define RA_CTL_H

#include <stddef.h>
#include <jansson.h>

struct ra_agent;
struct ra_ctl;

int ra_ctl_start(struct ra_agent *a, struct ra_ctl **out);
void ra_ctl_stop(struct ra_ctl *c);
struct keel_listen_stats;
/* The control socket's counters (keel_ctlsock_stats). */
const struct keel_listen_stats *ra_ctl_stats(const struct ra_ctl *c);

struct keel_ctl_peer;
/*
 * The answer to one request line from peer, '\n'-terminated, malloc'ed;
 * NULL: ENOMEM.  status needs the read role, drain and undrain admin.
 */
char *ra_ctl_handle(struct ra_agent *a, const struct keel_ctl_peer *peer,
		    const char *line, size_t len);

/* Client side (the CLI). */
enum ra_ctl_client_err {
	RA_CTL_OK = 0,
	RA_CTL_REFUSED = 1, /* the agent answered ok:false */
	RA_CTL_UNREACHABLE = 3, /* no socket, no answer, or a bad one */
};
/*
 * Send {"cmd":cmd} to path and read the answer within timeout_s.
 * *answer is the parsed answer (the caller frees it) for RA_CTL_OK and
 * RA_CTL_REFUSED; msg says what went wrong otherwise.
 */
int ra_ctl_request(const char *path, const char *cmd, double timeout_s,
		   json_t **answer, char *msg, size_t msglen);

#endif
