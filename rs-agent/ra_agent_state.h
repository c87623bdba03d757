/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_agent_state - the running agent's state, what ra_agent.c keeps and
 * ra_metrics.c renders (a header of its own, so that the metrics read the
 * agent without including the daemon that starts them).
 */
#ifndef RA_AGENT_STATE_H
#define RA_AGENT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "keel_names.h"
#include "keel_priv.h"
#include "ra_config.h"
#include "ra_report.h"

struct event_base;
struct event;
struct keel_check;
struct ra_ctl;
struct ra_diag;
struct keel_metrics;

struct ra_agent;

struct ra_svc {
	struct ra_agent *agent;
	const struct ra_cfg_service *cfg;
	char name[64]; /* "203.0.113.10:80/tcp" */
	struct keel_check *check; /* NULL when the VIP could not be added */
	uint8_t check_state; /* KEEL_RS_UNKNOWN, _UP or _DOWN */
	char detail[128]; /* the last probe's reason */
	bool vip_failed;
	char vip_error[200];
	uint32_t conns;
};

struct ra_agent {
	struct ra_config *cfg;
	struct event_base *base;
	struct ra_svc svc[KEEL_REPORT_MAX];
	size_t n_svc;
	bool draining; /* drain command (kept in state_dir) or SIGTERM */
	bool stopping; /* SIGTERM or SIGINT seen: drained for good */
	struct ra_report_tx tx;
	struct ra_diag *diag;
	struct ra_ctl *ctl;
	struct keel_metrics *metrics;
	struct event *tick, *sigterm, *sigint;
	uint32_t load; /* loadavg1 x 1000 */
	uint64_t diag_errors;
	uint64_t count_next_ms; /* no sock_diag count before this */
	uint64_t count_cost_us; /* what the last count took */
	uint64_t quiet_until_ms; /* see ra_agent_report_now() */
	char drain_file[RA_CFG_PATH_MAX + 16];
	/*
	 * Opened at start: "drained\n" while drained, empty otherwise.  The
	 * agent writes it through this descriptor after dropping root, when
	 * state_dir (root's) no longer lets it create or remove a file.
	 */
	int drain_fd;
	bool drop; /* started as root: becomes user once set up */
	struct keel_user user;
};

/* What this service reports now (never UNKNOWN). */
static inline uint8_t ra_agent_svc_state(const struct ra_agent *a,
					 const struct ra_svc *s)
{
	/* Never advertise what was not verified; a dead service is DOWN
	 * even while draining (its flows are dead anyway). */
	if (s->vip_failed || s->check_state != KEEL_RS_UP)
		return KEEL_RS_DOWN;
	return a->draining ? KEEL_RS_DRAINING : KEEL_RS_UP;
}

#endif
