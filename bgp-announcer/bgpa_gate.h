/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_gate - health gating's decisions (docs/bgp-announcer.md, "Health
 * gating"), pure: lbd's status answer read into a snapshot, one sample
 * per prefix from that snapshot and the prefix's probe, rise/fall over the
 * samples, and the state (UP, DOWN, DISABLED) with its fail-safe withdraw
 * and reason.  No I/O, no clock (the caller passes the time), no logging;
 * bgpa_health.c polls, times and logs around it.
 */
#ifndef BGPA_GATE_H
#define BGPA_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bgpa_config.h"
#include "keel_ctl.h"

#define BGPA_REASON_MAX 192

/*
 * A prefix's state; what each does is its action (up:, down:, disabled:,
 * bgpa_config.h's BGPA_ACT_*, same order).
 */
enum bgpa_pstate { BGPA_P_UP, BGPA_P_DOWN, BGPA_P_DISABLED, BGPA_P__MAX };

/* "up", "down", "disabled" ("?" out of range). */
const char *bgpa_pstate_name(enum bgpa_pstate s);

struct bgpa_health_probe; /* bgpa_health.h: the running probe */

/* A prefix's gating state, kept across reloads for an unchanged prefix. */
struct bgpa_gate {
	bool gated; /* lbd: or probe: decide; false: static */
	bool withdraw; /* withdrawn whatever its state's action (fail safe) */
	bool verdict; /* a rise/fall verdict was reached */
	bool healthy; /* that verdict */
	uint16_t ok_run, bad_run; /* consecutive samples */
	bool bad_failsafe; /* the last bad sample was a fail-safe one */
	char ok_reason[BGPA_REASON_MAX]; /* the last good sample's */
	char bad_reason[BGPA_REASON_MAX]; /* the last bad sample's */
	char reason[BGPA_REASON_MAX]; /* why the prefix is in its state */
	time_t since; /* in this state (and withdraw) since */
	uint64_t disabled_ms; /* monotonic, when it became DISABLED */
	struct bgpa_health_probe *probe; /* probe:, on the heap (stable) */
	uint64_t changes; /* state changes, for metrics */
};

/* One lbd service: reals "up" and usable, of all its reals. */
struct bgpa_gate_svc {
	struct keel_vip_key key;
	unsigned int up;
	unsigned int reals;
};

/* lbd's last status answer, as gating reads it. */
struct bgpa_gate_lbd {
	bool attached; /* dataplane.all_attached */
	char detached[128]; /* interfaces not attached */
	bool drained; /* site.drained */
	char drain_reason[KEEL_CTL_REASON_MAX];
	time_t drain_since;
	/* pair.synced; an lbd without pair (older) counts as synced. */
	bool pair_synced;
	char pair_reason[KEEL_CTL_REASON_MAX]; /* while not synced */
	uint64_t generation;
	struct bgpa_gate_svc *svcs;
	size_t n_svcs;
};

/* What the whole site looks like now: the same for every prefix. */
struct bgpa_gate_site {
	bool has_lbd; /* lbd: configured */
	bool lbd_ok; /* lbd's last poll succeeded */
	const char *lbd_error; /* else why ("lbd silent: ...") */
	const struct bgpa_gate_lbd *lbd; /* its last answer; never NULL */
	bool disable_exists;
	const char *disable_file;
};

/* One sample of one prefix. */
struct bgpa_gate_sample {
	bool ok;
	bool failsafe; /* bad, and withdraw whatever down: says */
	char reason[BGPA_REASON_MAX];
};

/* What a prefix should be now. */
struct bgpa_gate_decision {
	enum bgpa_pstate state;
	bool withdraw;
	char reason[BGPA_REASON_MAX];
};

/*
 * lbd's answer line (a "status" answer, control-protocol.md) into *out,
 * replacing its services list; only the members the gate reads are
 * checked (keel_ctl_status_gate_parse).  0; -EBADMSG, -ERANGE or -ENOMEM
 * with why filled and *out unchanged (a drain stays in force while lbd
 * answers garbage).
 */
int bgpa_gate_parse(const char *line, size_t len, struct bgpa_gate_lbd *out,
		    char *why, size_t size);
void bgpa_gate_lbd_free(struct bgpa_gate_lbd *l);

/* k's VIP is inside p (same family, p->len leading bits equal). */
bool bgpa_gate_in_prefix(const struct keel_vip_key *k,
			 const struct bgp_prefix *p);
/* lbd: or a probe: decides c's state. */
bool bgpa_gate_is_gated(bool has_lbd, const struct bgpa_cfg_prefix *c);
/* Gated or not from now; a change starts from nothing (never blind). */
void bgpa_gate_set_gated(struct bgpa_gate *g, bool gated);

/*
 * One sample of prefix c: the site as it is, and c's probe state
 * (KEEL_RS_*, used when c->probe.set) with its last detail ("" if none).
 */
void bgpa_gate_sample(const struct bgpa_gate_site *site,
		      const struct bgpa_cfg_prefix *c, uint8_t probe,
		      const char *probe_detail, struct bgpa_gate_sample *out);
/* rise/fall: the sample into g's runs and verdict. */
void bgpa_gate_feed(struct bgpa_gate *g, const struct bgpa_cfg_prefix *c,
		    const struct bgpa_gate_sample *s);
/* The state, withdraw and reason the prefix (now in state cur) should have. */
void bgpa_gate_decide(const struct bgpa_gate *g, enum bgpa_pstate cur,
		      const struct bgpa_cfg_prefix *c,
		      const struct bgpa_gate_site *site, uint64_t now_ms,
		      struct bgpa_gate_decision *out);
/*
 * Make d the prefix's state (*state, g): the reason always, the rest and
 * since/changes/disabled_ms when state or withdraw change.  now_ms is
 * monotonic, now the wall clock.  True when state or withdraw changed.
 */
bool bgpa_gate_commit(struct bgpa_gate *g, enum bgpa_pstate *state,
		      const struct bgpa_gate_decision *d, uint64_t now_ms,
		      time_t now);

#endif /* BGPA_GATE_H */
