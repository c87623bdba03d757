// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_agent - rs-agent's control answers as member tables
 * (keel_ctl_json.h), in the order ra_ctl.c writes them.
 */
#include <stddef.h>

#include "keel_ctl_agent.h"
#include "keel_report.h"

/* An agent has at most KEEL_REPORT_MAX services; LBs are a few. */
#define AGENT_LBS_MAX 64

#define T struct keel_ctl_agent_service
static const struct keel_cj_member service_m[] = {
	KEEL_CJ_M(T, "service", STR, service),
	KEEL_CJ_M(T, "state", STR, state),
	KEEL_CJ_M(T, "check", STR, check),
	KEEL_CJ_M(T, "detail", STR, detail),
	KEEL_CJ_M(T, "conns", U64, conns),
	KEEL_CJ_OPT(T, "vip_error", STR, vip_error, has_vip_error),
};
static const struct keel_cj_obj service_o = KEEL_CJ_OBJ_OF(T, service_m);
#undef T

#define T struct keel_ctl_agent_lb
static const struct keel_cj_member lb_m[] = {
	KEEL_CJ_M(T, "lb", STR, lb),
	KEEL_CJ_M(T, "sent", U64, sent),
	KEEL_CJ_M(T, "errors", U64, errors),
	KEEL_CJ_OPT(T, "last_error", STR, last_error, has_last_error),
};
static const struct keel_cj_obj lb_o = KEEL_CJ_OBJ_OF(T, lb_m);
#undef T

#define T struct keel_ctl_agent_status
static const struct keel_cj_member status_m[] = {
	KEEL_CJ_M(T, "real", STR, real),
	KEEL_CJ_M(T, "boot_id", STR, boot_id),
	KEEL_CJ_M(T, "boot", U64, boot),
	KEEL_CJ_M(T, "report_version", U32, report_version),
	KEEL_CJ_M(T, "draining", BOOL, draining),
	KEEL_CJ_M(T, "stopping", BOOL, stopping),
	KEEL_CJ_M(T, "seq", U64, seq),
	KEEL_CJ_M(T, "interval_ms", U32, interval_ms),
	KEEL_CJ_M(T, "load", REAL, load),
	KEEL_CJ_ARRAY(T, "services", ARR, services, n_services, &service_o,
		      KEEL_REPORT_MAX),
	KEEL_CJ_ARRAY(T, "lbs", ARR, lbs, n_lbs, &lb_o, AGENT_LBS_MAX),
};
static const struct keel_cj_obj status_o = KEEL_CJ_OBJ_OF(T, status_m);
#undef T

#define T struct keel_ctl_agent_drain
static const struct keel_cj_member drain_m[] = {
	KEEL_CJ_M(T, "draining", BOOL, draining),
};
static const struct keel_cj_obj drain_o = {
	.m = drain_m,
	.n = sizeof(drain_m) / sizeof(drain_m[0]),
	.size = sizeof(T),
	.ok_first = true,
};
#undef T

KEEL_CJ_CODEC(keel_ctl_agent_status, struct keel_ctl_agent_status, status_o)
KEEL_CJ_FREE(keel_ctl_agent_status_free, struct keel_ctl_agent_status, status_o)
KEEL_CJ_CODEC(keel_ctl_agent_drain, struct keel_ctl_agent_drain, drain_o)
