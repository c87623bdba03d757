/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctl_bgpa - bgp-announcer's control answers (docs/bgp-announcer.md,
 * "Control socket"): structs <-> JSON lines, written by bgp-announcer and
 * read by lbctl.  Pure, with keel_ctl_lbd.h's conventions and
 * compatibility rule (keel_ctl_json.h): unknown members are ignored, a
 * missing one leaves its has_* flag false or its value zero; the encoders
 * write the members bgp-announcer writes, in its order, with its
 * null-or-absent choices (golden lines: tests/unit/keel/test_keel_ctl_bgpa.c).
 *
 * An older announcer's status (a rolling upgrade: a new lbctl against
 * it) wrote each prefix's "peers" as a count and lacked the prefixes'
 * reason and since.  Every announcer wrote router_id, uptime_s and
 * reloads; their absence is accepted anyway, for robustness.  The has_*
 * flags marked "parse only" say what was there (the encoders write those
 * members always).
 */
#ifndef KEEL_CTL_BGPA_H
#define KEEL_CTL_BGPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_ctl.h"
#include "keel_ctl_json.h"
#include "keel_ctl_lbd.h"

#define KEEL_CTL_BGPA_NAME_MAX 64 /* a peer's name, a prefix */
#define KEEL_CTL_BGPA_TEXT_MAX 256 /* reasons, errors, paths, messages */

/* A NOTIFICATION sent or received (RFC 4271 section 4.5). */
struct keel_ctl_bgpa_notif {
	uint32_t code, subcode;
	bool has_message; /* left out: no Shutdown Communication (RFC 9003) */
	char message[KEEL_CTL_BGPA_TEXT_MAX];
	int64_t at; /* unix seconds */
};

struct keel_ctl_bgpa_peer {
	char name[KEEL_CTL_BGPA_NAME_MAX];
	char address[48];
	uint32_t remote_as;
	char state[16]; /* Idle ... Established (RFC 4271 section 8) */
	int64_t state_for_s;
	bool established, ipv4, ipv6;
	uint32_t hold_time, keepalive;
	bool has_last_error_sent, has_last_error_received; /* null: none */
	struct keel_ctl_bgpa_notif last_error_sent, last_error_received;
	char (*announced)[KEEL_CTL_BGPA_NAME_MAX]; /* prefixes sent */
	size_t n_announced;
	uint64_t updates_sent, updates_received, updates_bad;
	bool has_uptime_s; /* null: not established */
	int64_t uptime_s;
	bool has_last_reason; /* null: never went down */
	char last_reason[KEEL_CTL_BGPA_TEXT_MAX];
};

/* One prefix; the members after "since" only in "prefixes" (detail). */
struct keel_ctl_bgpa_prefix {
	char prefix[KEEL_CTL_BGPA_NAME_MAX];
	char state[16]; /* up, down, disabled */
	bool announce;
	/* parse only: false for an older announcer's count (peers_count) */
	bool has_peers;
	char (*peers)[KEEL_CTL_BGPA_NAME_MAX]; /* announced to */
	size_t n_peers;
	uint32_t peers_count; /* an older announcer's "peers": N */
	bool has_reason; /* parse only: false for an older announcer */
	char reason[KEEL_CTL_BGPA_TEXT_MAX];
	bool has_since; /* null: never changed */
	int64_t since;
	/* prefixes only (status leaves them out; an older announcer too) */
	bool gated, fail_safe;
	bool has_health; /* null: not gated */
	char health[16]; /* unknown, up, down */
	uint32_t good_in_row, bad_in_row;
	bool has_probe; /* null: no probe: */
	char probe[16]; /* unknown, up, down */
};

/* What the announcer last heard from its lbd. */
struct keel_ctl_bgpa_lbd {
	char socket[KEEL_CTL_BGPA_TEXT_MAX];
	bool ok;
	char last_result[16]; /* ok, connect, timeout, closed, bad_answer */
	uint64_t polls_ok, polls_failed;
	bool has_error; /* null: the last poll succeeded */
	char error[KEEL_CTL_BGPA_TEXT_MAX];
	bool has_last_ok_at;
	int64_t last_ok_at;
	bool has_attached; /* null: lbd never answered */
	bool attached;
	struct keel_ctl_site site; /* lbd's, as last heard (keel_ctl_lbd.h) */
};

struct keel_ctl_bgpa_disable {
	char path[KEEL_CTL_BGPA_TEXT_MAX];
	bool exists;
};

/* status */
struct keel_ctl_bgpa_status {
	uint32_t local_as;
	/* parse only: false if absent (no announcer omits them; accepted) */
	bool has_router_id, has_uptime_s, has_reloads;
	char router_id[16];
	int64_t uptime_s;
	uint64_t reloads;
	struct keel_ctl_bgpa_peer *peers;
	size_t n_peers;
	struct keel_ctl_bgpa_prefix *prefixes; /* without detail */
	size_t n_prefixes;
	bool has_lbd; /* null: no lbd: in the config */
	struct keel_ctl_bgpa_lbd lbd;
	bool has_disable_file; /* null: none configured */
	struct keel_ctl_bgpa_disable disable_file;
};

/* prefixes: {"prefixes": [...with detail]} */
struct keel_ctl_bgpa_prefixes {
	struct keel_ctl_bgpa_prefix *prefixes;
	size_t n_prefixes;
};

int keel_ctl_bgpa_status_encode(char *buf, size_t size,
				const struct keel_ctl_bgpa_status *in);
int keel_ctl_bgpa_status_parse(const char *line, size_t len,
			       struct keel_ctl_bgpa_status *out, char *err,
			       size_t errlen);
void keel_ctl_bgpa_status_free(struct keel_ctl_bgpa_status *s);

int keel_ctl_bgpa_prefixes_encode(char *buf, size_t size,
				  const struct keel_ctl_bgpa_prefixes *in);
int keel_ctl_bgpa_prefixes_parse(const char *line, size_t len,
				 struct keel_ctl_bgpa_prefixes *out, char *err,
				 size_t errlen);
void keel_ctl_bgpa_prefixes_free(struct keel_ctl_bgpa_prefixes *p);

/* reload answers {"ok": true}: keel_ctl_empty_encode() (keel_ctl_lbd.h). */

#endif /* KEEL_CTL_BGPA_H */
