/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctl_agent - rs-agent's control answers (docs/rs-agent.md, "Control
 * socket"): structs <-> JSON lines, written by rs-agent and read by its
 * client commands (rs-agent status, drain --wait).  Pure, with
 * keel_ctl_lbd.h's conventions and compatibility rule (keel_ctl_json.h);
 * golden lines in tests/unit/keel/test_keel_ctl_agent.c.
 */
#ifndef KEEL_CTL_AGENT_H
#define KEEL_CTL_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_ctl.h"
#include "keel_ctl_json.h"

#define KEEL_CTL_AGENT_TEXT_MAX 256 /* a probe's detail, a VIP's error */

struct keel_ctl_agent_service {
	char service[KEEL_CTL_SERVICE_MAX];
	char state[16]; /* up, down, draining, unknown: what is reported */
	char check[16]; /* the local probe's verdict */
	char detail[KEEL_CTL_AGENT_TEXT_MAX];
	uint64_t conns;
	bool has_vip_error; /* left out: the VIP is on lo */
	char vip_error[KEEL_CTL_AGENT_TEXT_MAX];
};

/* One LB the agent reports to. */
struct keel_ctl_agent_lb {
	char lb[64]; /* "10.0.0.1:9460" */
	uint64_t sent, errors;
	bool has_last_error; /* left out: not failing */
	char last_error[KEEL_CTL_AGENT_TEXT_MAX];
};

/* status */
struct keel_ctl_agent_status {
	char real[KEEL_CTL_REAL_MAX];
	char boot_id[33]; /* hex of the 16-byte boot id */
	uint64_t boot;
	uint32_t report_version;
	bool draining, stopping;
	uint64_t seq;
	uint32_t interval_ms;
	double load;
	struct keel_ctl_agent_service *services;
	size_t n_services;
	struct keel_ctl_agent_lb *lbs;
	size_t n_lbs;
};

/* drain, undrain: {"ok": true, "draining": B} ("ok" first, as written) */
struct keel_ctl_agent_drain {
	bool draining;
};

int keel_ctl_agent_status_encode(char *buf, size_t size,
				 const struct keel_ctl_agent_status *in);
int keel_ctl_agent_status_parse(const char *line, size_t len,
				struct keel_ctl_agent_status *out, char *err,
				size_t errlen);
void keel_ctl_agent_status_free(struct keel_ctl_agent_status *s);

int keel_ctl_agent_drain_encode(char *buf, size_t size,
				const struct keel_ctl_agent_drain *in);
int keel_ctl_agent_drain_parse(const char *line, size_t len,
			       struct keel_ctl_agent_drain *out, char *err,
			       size_t errlen);

#endif /* KEEL_CTL_AGENT_H */
