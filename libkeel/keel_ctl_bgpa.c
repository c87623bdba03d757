// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_bgpa - bgp-announcer's control answers as member tables
 * (keel_ctl_json.h), in the order bgpa_ctl.c writes them.
 */
#include <stddef.h>

#include "keel_ctl_bgpa.h"

/* Peers and prefixes of one announcer: tens; the caps are generous. */
#define BGPA_PEERS_MAX 1024
#define BGPA_PREFIXES_MAX 4096

#define T struct keel_ctl_bgpa_notif
static const struct keel_cj_member notif_m[] = {
	KEEL_CJ_M(T, "code", U32, code),
	KEEL_CJ_M(T, "subcode", U32, subcode),
	KEEL_CJ_OPT(T, "message", STR, message, has_message),
	KEEL_CJ_M(T, "at", I64, at),
};
static const struct keel_cj_obj notif_o = KEEL_CJ_OBJ_OF(T, notif_m);
#undef T

#define T struct keel_ctl_bgpa_peer
static const struct keel_cj_member peer_m[] = {
	KEEL_CJ_M(T, "name", STR, name),
	KEEL_CJ_M(T, "address", STR, address),
	KEEL_CJ_M(T, "remote_as", U32, remote_as),
	KEEL_CJ_M(T, "state", STR, state),
	KEEL_CJ_M(T, "state_for_s", I64, state_for_s),
	KEEL_CJ_M(T, "established", BOOL, established),
	KEEL_CJ_M(T, "ipv4", BOOL, ipv4),
	KEEL_CJ_M(T, "ipv6", BOOL, ipv6),
	KEEL_CJ_M(T, "hold_time", U32, hold_time),
	KEEL_CJ_M(T, "keepalive", U32, keepalive),
	KEEL_CJ_NUL(T, "last_error_sent", OBJ, last_error_sent,
		    has_last_error_sent, .sub = &notif_o),
	KEEL_CJ_NUL(T, "last_error_received", OBJ, last_error_received,
		    has_last_error_received, .sub = &notif_o),
	KEEL_CJ_ARRAY(T, "announced", STRS, announced, n_announced, NULL,
		      BGPA_PREFIXES_MAX),
	KEEL_CJ_M(T, "updates_sent", U64, updates_sent),
	KEEL_CJ_M(T, "updates_received", U64, updates_received),
	KEEL_CJ_M(T, "updates_bad", U64, updates_bad),
	KEEL_CJ_NUL(T, "uptime_s", I64, uptime_s, has_uptime_s),
	KEEL_CJ_NUL(T, "last_reason", STR, last_reason, has_last_reason),
};
static const struct keel_cj_obj peer_o = KEEL_CJ_OBJ_OF(T, peer_m);
#undef T

/* The members of status's prefixes; prefixes adds the detail after them. */
#define T struct keel_ctl_bgpa_prefix
#define BGPA_PREFIX_MEMBERS                                             \
	KEEL_CJ_M(T, "prefix", STR, prefix),                            \
		KEEL_CJ_M(T, "state", STR, state),                      \
		KEEL_CJ_M(T, "announce", BOOL, announce),               \
		KEEL_CJ_ARRAY(T, "peers", STRS, peers, n_peers, NULL,   \
			      BGPA_PEERS_MAX,                           \
			      .has_off = KEEL_CJ_HAS(T, has_peers),     \
			      .flags = KEEL_CJ_SEEN | KEEL_CJ_OR_COUNT, \
			      .alt_off = offsetof(T, peers_count)),     \
		KEEL_CJ_OPT(T, "reason", STR, reason, has_reason,       \
			    .flags = KEEL_CJ_SEEN),                     \
		KEEL_CJ_NUL(T, "since", I64, since, has_since)
static const struct keel_cj_member prefix_m[] = {
	BGPA_PREFIX_MEMBERS,
};
static const struct keel_cj_obj prefix_o = KEEL_CJ_OBJ_OF(T, prefix_m);
static const struct keel_cj_member prefix_detail_m[] = {
	BGPA_PREFIX_MEMBERS,
	KEEL_CJ_M(T, "gated", BOOL, gated),
	KEEL_CJ_M(T, "fail_safe", BOOL, fail_safe),
	KEEL_CJ_NUL(T, "health", STR, health, has_health),
	KEEL_CJ_M(T, "good_in_row", U32, good_in_row),
	KEEL_CJ_M(T, "bad_in_row", U32, bad_in_row),
	KEEL_CJ_NUL(T, "probe", STR, probe, has_probe),
};
static const struct keel_cj_obj prefix_detail_o =
	KEEL_CJ_OBJ_OF(T, prefix_detail_m);
#undef BGPA_PREFIX_MEMBERS
#undef T

#define T struct keel_ctl_bgpa_lbd
static const struct keel_cj_member lbd_m[] = {
	KEEL_CJ_M(T, "socket", STR, socket),
	KEEL_CJ_M(T, "ok", BOOL, ok),
	KEEL_CJ_M(T, "last_result", STR, last_result),
	KEEL_CJ_M(T, "polls_ok", U64, polls_ok),
	KEEL_CJ_M(T, "polls_failed", U64, polls_failed),
	KEEL_CJ_NUL(T, "error", STR, error, has_error),
	KEEL_CJ_NUL(T, "last_ok_at", I64, last_ok_at, has_last_ok_at),
	KEEL_CJ_NUL(T, "attached", BOOL, attached, has_attached),
	KEEL_CJ_M(T, "site", OBJ, site, .sub = &keel_ctl_site_table),
};
static const struct keel_cj_obj lbd_o = KEEL_CJ_OBJ_OF(T, lbd_m);
#undef T

#define T struct keel_ctl_bgpa_disable
static const struct keel_cj_member disable_m[] = {
	KEEL_CJ_M(T, "path", STR, path),
	KEEL_CJ_M(T, "exists", BOOL, exists),
};
static const struct keel_cj_obj disable_o = KEEL_CJ_OBJ_OF(T, disable_m);
#undef T

#define T struct keel_ctl_bgpa_status
static const struct keel_cj_member status_m[] = {
	KEEL_CJ_M(T, "local_as", U32, local_as),
	KEEL_CJ_OPT(T, "router_id", STR, router_id, has_router_id,
		    .flags = KEEL_CJ_SEEN),
	KEEL_CJ_OPT(T, "uptime_s", I64, uptime_s, has_uptime_s,
		    .flags = KEEL_CJ_SEEN),
	KEEL_CJ_OPT(T, "reloads", U64, reloads, has_reloads,
		    .flags = KEEL_CJ_SEEN),
	KEEL_CJ_ARRAY(T, "peers", ARR, peers, n_peers, &peer_o, BGPA_PEERS_MAX),
	KEEL_CJ_ARRAY(T, "prefixes", ARR, prefixes, n_prefixes, &prefix_o,
		      BGPA_PREFIXES_MAX),
	KEEL_CJ_NUL(T, "lbd", OBJ, lbd, has_lbd, .sub = &lbd_o),
	KEEL_CJ_NUL(T, "disable_file", OBJ, disable_file, has_disable_file,
		    .sub = &disable_o),
};
static const struct keel_cj_obj status_o = KEEL_CJ_OBJ_OF(T, status_m);
#undef T

#define T struct keel_ctl_bgpa_prefixes
static const struct keel_cj_member prefixes_m[] = {
	KEEL_CJ_ARRAY(T, "prefixes", ARR, prefixes, n_prefixes,
		      &prefix_detail_o, BGPA_PREFIXES_MAX),
};
static const struct keel_cj_obj prefixes_o = KEEL_CJ_OBJ_OF(T, prefixes_m);
#undef T

KEEL_CJ_CODEC(keel_ctl_bgpa_status, struct keel_ctl_bgpa_status, status_o)
KEEL_CJ_FREE(keel_ctl_bgpa_status_free, struct keel_ctl_bgpa_status, status_o)
KEEL_CJ_CODEC(keel_ctl_bgpa_prefixes, struct keel_ctl_bgpa_prefixes, prefixes_o)
KEEL_CJ_FREE(keel_ctl_bgpa_prefixes_free, struct keel_ctl_bgpa_prefixes,
	     prefixes_o)
